"""Working days by China's official calendar, for the T+2 deadlines.

CalendarDay rows record the exceptions (holidays, make-up workdays 调休); any other day is a
workday Monday–Friday. A year counts as covered only when it is marked complete
(CalendarYear: supplied by the package, or marked by an administrator); the
administrator's home lists this year, and from 1 November the next, until they are.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from quanfu.clock import local_date, local_moment
from rhythm.models import CalendarDay, CalendarYear

# Far enough to cross the longest holiday (Spring Festival, National Day: 8–9 days).
_LOOKAHEAD_DAYS = 31


def official_overrides(start: date, end: date) -> dict[date, bool]:
    """The official calendar's exceptions between two days: {day: is it a working day}."""
    return dict(CalendarDay.objects.filter(day__gte=start, day__lte=end)
                .values_list("day", "is_workday"))


def complete_years(years) -> set[int]:
    """Of ``years``, those whose official schedule is marked complete (CalendarYear)."""
    return set(CalendarYear.objects.filter(year__in=set(years)).values_list("year", flat=True))


def years_without_schedule(years) -> list[int]:
    """Of ``years``, those not marked complete: their deadlines may miss a holiday."""
    complete = complete_years(years)
    return [year for year in sorted(set(years)) if year not in complete]


# The State Council publishes the next year's schedule in the autumn: from this day on
# the administrator is asked for next year too.
NEXT_YEAR_ASKED_FROM = (11, 1)


def years_to_complete(today: date) -> list[int]:
    """The years the administrator's home asks to complete: this year, and from
    1 November the next."""
    years = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_ASKED_FROM:
        years.append(today.year + 1)
    return years_without_schedule(years)


def mark_year_complete(year: int, *, actor) -> CalendarYear:
    """The administrator says the year's holidays and 调休 are all entered."""
    marked, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": CalendarYear.Source.ADMINISTRATOR, "marked_by": actor,
                             "marked_at": timezone.now()})
    return marked


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
