"""Working days by China's official calendar, for the T+2 deadlines.

CalendarDay rows record the exceptions (holidays, make-up workdays 调休) of the years
that have data; any other day is a workday Monday–Friday. A year with no rows at all
falls back to Monday–Friday, and the administrator's home page says so.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from quanfu.clock import local_date, local_moment
from rhythm.models import CalendarDay

# Far enough to cross the longest holiday (Spring Festival, National Day: 8–9 days).
_LOOKAHEAD_DAYS = 31


def official_overrides(start: date, end: date) -> dict[date, bool]:
    """The official calendar's exceptions between two days: {day: is it a working day}."""
    return dict(CalendarDay.objects.filter(day__gte=start, day__lte=end)
                .values_list("day", "is_workday"))


def years_with_data(years) -> set[int]:
    years = set(years)
    found = CalendarDay.objects.filter(day__year__in=years).dates("day", "year")
    return {day.year for day in found}


def years_without_data(years) -> list[int]:
    years = sorted(set(years))
    return [year for year in years if year not in years_with_data(years)]


def is_workday(day: date, overrides: dict[date, bool] | None = None) -> bool:
    overrides = official_overrides(day, day) if overrides is None else overrides
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


# Django's __week_day: 1 is Sunday, 7 is Saturday.
_MONDAY_TO_FRIDAY = (2, 3, 4, 5, 6)


def workday_q(field: str) -> Q:
    """A filter keeping the rows whose date ``field`` is a working day, decided inside the
    same query: the day's CalendarDay row if it has one (a holiday, a make-up workday),
    otherwise Monday–Friday — is_workday() in SQL."""
    override = CalendarDay.objects.filter(day=OuterRef(field))
    return (Exists(override.filter(is_workday=True))
            | (Q(**{f"{field}__week_day__in": _MONDAY_TO_FRIDAY})
               & ~Exists(override.filter(is_workday=False))))


def nth_workday_after(day: date, count: int) -> date:
    """The ``count``-th working day strictly after ``day`` (one query)."""
    overrides = official_overrides(day, day + timedelta(days=_LOOKAHEAD_DAYS * max(1, count)))
    current, found = day, 0
    while found < count:
        current += timedelta(days=1)
        if is_workday(current, overrides):
            found += 1
    return current


def feedback_due_for(issued_at: datetime) -> datetime:
    """T+2: the end of the second working day after the day of issue (local time)."""
    due_day = nth_workday_after(local_date(issued_at), 2)
    return local_moment(due_day, time(23, 59, 59))


def working_days_left(due: datetime, now: datetime | None = None) -> int:
    """Whole working days from today to the due day (0 on the due day, negative after)."""
    today = local_date(now or timezone.now())
    due_day = local_date(due)
    if due_day < today:
        return -(today - due_day).days
    overrides = official_overrides(today, due_day)
    days, current = 0, today
    while current < due_day:
        current += timedelta(days=1)
        if is_workday(current, overrides):
            days += 1
    return days
