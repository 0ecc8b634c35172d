"""The street's clock: local days and the moments that bound them.

Every date the work plan speaks of (a day's checklist, a week's report, a deadline at
18:00, a T+2 feedback by the end of the day) is a day of TIME_ZONE (Asia/Shanghai), while
the database keeps moments in UTC. Turning one into the other is written once, here.
Today's date itself is Django's ``timezone.localdate()``.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def local_moment(day: date, at: time = time.min) -> datetime:
    """The aware moment of ``day`` at the wall-clock time ``at`` (midnight by default)."""
    return timezone.make_aware(datetime.combine(day, at))


def local_midnight(day: date) -> datetime:
    """The moment ``day`` begins."""
    return local_moment(day)


def local_day_bounds(day: date, days: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of ``day`` and the ``days - 1`` days after it, for a
    ``__gte=start, __lt=end`` filter (a week: ``days=7``)."""
    return local_midnight(day), local_midnight(day + timedelta(days=days))


def local_date(moment: datetime) -> date:
    """The day of TIME_ZONE that ``moment`` falls on."""
    return timezone.localtime(moment).date()
