"""T+2: feedback is due at the end of the second working day after the day of issue,
by China's official calendar (holidays and make-up workdays), Mon–Fri where a year has
no calendar data yet."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from rhythm.calendar import (
    feedback_due_for,
    is_workday,
    mark_year_complete,
    nth_workday_after,
    working_days_left,
    years_to_complete,
    years_without_schedule,
)
from rhythm.models import CalendarDay, CalendarYear


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
    assert years_without_schedule([2026, 2030]) == [2030]


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


def test_admin_home_says_when_this_years_schedule_is_not_complete(client, superuser, db):
    client.force_login(superuser)
    this_year = timezone.localdate().year
    CalendarYear.objects.filter(year__gte=this_year).delete()
    content = client.get("/admin/").content.decode()
    assert 'data-testid="calendar-gap"' in content
    assert f"{this_year}" in content.split('data-testid="calendar-gap"')[1][:400]
    assert client.get("/admin/rhythm/calendarday/").status_code == 200


# Coverage that tells the truth (issue 18) ------------------------------------------------

def test_one_day_entered_early_does_not_count_a_year_as_covered(db):
    CalendarDay.objects.create(day=date(2027, 1, 1), is_workday=False, name="元旦")
    assert years_without_schedule([2027]) == [2027]


def test_a_year_counts_as_covered_once_the_administrator_marks_it_complete(db, superuser):
    mark_year_complete(2027, actor=superuser)
    assert years_without_schedule([2026, 2027]) == []
    marked = CalendarYear.objects.get(year=2027)
    assert (marked.source, marked.marked_by) == (CalendarYear.Source.ADMINISTRATOR, superuser)


def test_the_years_the_package_supplies_count_as_covered(db):
    assert CalendarYear.objects.filter(year=2026, source=CalendarYear.Source.PACKAGE).exists()


def test_the_next_year_is_asked_for_from_the_first_of_november(db):
    assert years_to_complete(date(2026, 10, 31)) == []
    assert years_to_complete(date(2026, 11, 1)) == [2027]
    assert years_to_complete(date(2027, 3, 1)) == [2027]


def test_the_admin_home_lists_the_years_without_a_complete_schedule(
        client, superuser, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: local(2026, 11, 2))
    client.force_login(superuser)
    CalendarDay.objects.create(day=date(2027, 1, 1), is_workday=False, name="元旦")
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="calendar-gap"' in page and "2027" in page
    client.post("/admin/rhythm/calendaryear/add/", {"year": 2027})
    assert CalendarYear.objects.get(year=2027).marked_by == superuser
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="calendar-gap"' not in page
