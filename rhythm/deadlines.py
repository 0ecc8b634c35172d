"""Deadline hints for a whole page at once ("剩余 1 个工作日", "逾期 2 天").

rhythm.calendar.working_days_left answers for one deadline with one query; a list page
asks for fifty. This reads the official calendar's exceptions once for the page and
counts the same way: whole working days from today to the due day (0 on the due day),
and calendar days past it, negative, once it is behind us.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone

from quanfu.clock import local_date
from rhythm.calendar import is_workday
from rhythm.models import CalendarDay


def days_left_by_day(deadlines: Iterable[datetime], now: datetime | None = None
                     ) -> dict[date, int]:
    """{due day: working days left} for the given deadlines, in at most one query."""
    today = local_date(now or timezone.now())
    due_days = {local_date(deadline) for deadline in deadlines if deadline}
    ahead = [day for day in due_days if day > today]
    overrides = dict(CalendarDay.objects.filter(day__gt=today, day__lte=max(ahead))
                     .values_list("day", "is_workday")) if ahead else {}
    left = {}
    for due_day in due_days:
        if due_day <= today:
            left[due_day] = -(today - due_day).days
            continue
        count, current = 0, today
        while current < due_day:
            current += timedelta(days=1)
            count += is_workday(current, overrides)
        left[due_day] = count
    return left


def attach_days_left(objects, deadline_of, now: datetime | None = None) -> list:
    """Set ``days_left`` on each object from its deadline (``deadline_of(object)``)."""
    objects = list(objects)
    left = days_left_by_day((deadline_of(item) for item in objects), now)
    for item in objects:
        deadline = deadline_of(item)
        item.days_left = left[local_date(deadline)] if deadline else None
    return objects
