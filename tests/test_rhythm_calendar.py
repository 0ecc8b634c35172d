"""T+2: feedback is due at the end of the second working day after the day of issue,
by China's official calendar (holidays and make-up workdays), Mon–Fri where a year has
no calendar data yet."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from rhythm.calendar import (
    feedback_due_for,
    is_workday,
    nth_workday_after,
    working_days_left,
    years_without_data,
)
from rhythm.models import CalendarDay


def local(year, month, day, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour, 0))


def due_day(issued):
    return timezone.localtime(feedback_due_for(issued)).date()


def test_due_at_the_end_of_the_second_working_day(db):
    due = timezone.localtime(feedback_due_for(local(2026, 11, 24)))  # a Tuesday
    assert (due.date(), due.hour, due.minute) == (date(2026, 11, 26), 23, 59)


def test_t_plus_2_across_a_weekend(db):
    assert due_day(local(2026, 11, 26)) == date(2026, 11, 30)  # Thu → Fri, Mon
    assert due_day(local(2026, 11, 28)) == date(2026, 12, 1)   # Sat → Mon, Tue


def test_t_plus_2_across_the_national_day_holiday(db):
    # Tue 29 Sep: Wed 30 Sep is the first working day, 1–7 Oct are the holiday.
    assert due_day(local(2026, 9, 29)) == date(2026, 10, 8)


def test_t_plus_2_counts_the_make_up_workday(db):
    # Fri 9 Oct: Saturday 10 Oct is a make-up workday (调休), then Monday 12 Oct.
    assert due_day(local(2026, 10, 9)) == date(2026, 10, 12)
    assert is_workday(date(2026, 10, 10)) and not is_workday(date(2026, 10, 5))


def test_late_evening_issue_counts_from_its_local_day(db):
    # 23:30 in Jinan is already the same local day, not the UTC one
    assert due_day(local(2026, 11, 24, hour=23)) == date(2026, 11, 26)


def test_a_year_without_calendar_data_falls_back_to_monday_to_friday(db):
    assert not CalendarDay.objects.filter(day__year=2030).exists()
    assert due_day(local(2030, 10, 3)) == date(2030, 10, 7)  # Thu → Fri, Mon: no holiday known
    assert years_without_data([2026, 2030]) == [2030]


def test_the_administrators_edit_of_the_calendar_counts(db):
    CalendarDay.objects.create(day=date(2030, 10, 4), is_workday=False, name="假日")
    assert nth_workday_after(date(2030, 10, 3), 2) == date(2030, 10, 8)


def test_working_days_left(db):
    due = feedback_due_for(local(2026, 9, 29))
    assert working_days_left(due, now=local(2026, 9, 30)) == 1
    assert working_days_left(due, now=local(2026, 10, 9)) == -1


@pytest.mark.parametrize("issued", [local(2026, 2, 13), local(2026, 4, 30),
                                    local(2026, 12, 31), local(2027, 1, 1)])
def test_never_crashes_across_holidays_and_year_ends(db, issued):
    assert feedback_due_for(issued) > issued


def test_admin_home_says_when_a_year_has_no_calendar_data(client, superuser, db):
    client.force_login(superuser)
    CalendarDay.objects.filter(day__year__gte=timezone.localdate().year).delete()
    content = client.get("/admin/").content.decode()
    assert 'data-testid="calendar-gap"' in content
    assert str(timezone.localdate().year) in content
    assert client.get("/admin/rhythm/calendarday/").status_code == 200
