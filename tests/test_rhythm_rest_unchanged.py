"""日核 without busywork (issue 14, item 7): "其余事项无变化" confirms every remaining item
of a community's checklist in one step — one UPDATE and one audit entry, whatever the
number of items — and the data-quality figures do not count the checklists of weekends
and holidays (the official calendar) as missing."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from quanfu.errors import Forbidden, RuleBroken
from rhythm.choices import CheckOutcome
from rhythm.models import CalendarDay, DailyCheck, DailyCheckItem
from rhythm.services import confirm_check_item, confirm_rest_unchanged, run_daily_checks
from rhythm.snapshots import data_quality_rows

HTMX = {"HTTP_HX_REQUEST": "true"}


def open_matters(report, reporter, how_many: int) -> None:
    for number in range(how_many):
        report(reporter, title=f"楼道堆物{number}", description=f"第{number}号楼道堆放杂物。")


@pytest.fixture
def todays_checklist(report, grid_worker_a1, officer_b, street):
    """Today's checklist of community A with three open matters (and one of B's)."""
    open_matters(report, grid_worker_a1, 3)
    report(officer_b, area=street.grid_b1, title="东泉停车纠纷")
    run_daily_checks(timezone.localdate())
    return DailyCheck.objects.get(community=street.community_a)


def rest_url(community):
    return reverse("rhythm:daily_check_rest_unchanged", args=[community.pk])


def unconfirmed(check) -> int:
    return check.items.filter(confirmed_at__isnull=True).count()


# The service ---------------------------------------------------------------------------------

# The savepoint of the service's transaction and its release (the test runs inside a
# transaction), the UPDATE of the remaining items (visible matters: a subquery of it), the
# audit chain's lock with its last entry (one statement on PostgreSQL, the read alone on
# SQLite) and the audit entry's INSERT. Measured 5 for 3 and for 150 items.
REST_UNCHANGED_QUERIES = 5


@pytest.mark.parametrize("how_many", [3, 150])
def test_rest_unchanged_confirms_a_whole_checklist_in_a_fixed_number_of_queries(
        report, grid_worker_a1, officer_a, street, how_many, django_assert_num_queries):
    open_matters(report, grid_worker_a1, how_many)
    run_daily_checks(timezone.localdate())
    check = DailyCheck.objects.get(community=street.community_a)
    changed, unchanged = check.items.order_by("pk")[:2]
    confirm_check_item(changed, actor=officer_a, outcome=CheckOutcome.CHANGED,
                       note="当事人已搬离")
    confirm_check_item(unchanged, actor=officer_a, outcome=CheckOutcome.UNCHANGED)
    audit_entries = AuditEntry.objects.count()

    with django_assert_num_queries(REST_UNCHANGED_QUERIES):
        confirmed = confirm_rest_unchanged(check, actor=officer_a)

    assert confirmed == how_many - 2
    assert unconfirmed(check) == 0
    assert check.items.filter(outcome=CheckOutcome.UNCHANGED, confirmed_by=officer_a
                              ).count() == how_many - 1
    # one entry for the checklist, none per item
    assert AuditEntry.objects.count() == audit_entries + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.target == f"rhythm:daily_check:{check.pk}" and entry.actor_id == officer_a.pk
    assert f"{how_many - 2} remaining items" in entry.detail


def test_an_item_answered_changed_keeps_its_note(todays_checklist, officer_a, colleague_a):
    item = todays_checklist.items.order_by("pk").first()
    confirm_check_item(item, actor=colleague_a, outcome=CheckOutcome.CHANGED, note="双方已和解")
    confirm_rest_unchanged(todays_checklist, actor=officer_a)
    item.refresh_from_db()
    assert (item.outcome, item.note, item.confirmed_by) == (
        CheckOutcome.CHANGED, "双方已和解", colleague_a)


def test_a_second_time_confirms_nothing_and_writes_no_entry(todays_checklist, officer_a):
    assert confirm_rest_unchanged(todays_checklist, actor=officer_a) == 3
    entries = AuditEntry.objects.count()
    assert confirm_rest_unchanged(todays_checklist, actor=officer_a) == 0
    assert AuditEntry.objects.count() == entries


def test_grid_workers_and_supervisors_do_not_confirm(todays_checklist, grid_worker_a1,
                                                     supervisor_a):
    for person in (grid_worker_a1, supervisor_a):
        with pytest.raises(Forbidden):
            confirm_rest_unchanged(todays_checklist, actor=person)
    assert unconfirmed(todays_checklist) == 3


def test_only_todays_checklist_is_confirmed(report, grid_worker_a1, officer_a, street):
    open_matters(report, grid_worker_a1, 2)
    yesterday = timezone.localdate() - timedelta(days=1)
    run_daily_checks(yesterday)
    check = DailyCheck.objects.get(community=street.community_a, day=yesterday)
    with pytest.raises(RuleBroken) as error:
        confirm_rest_unchanged(check, actor=officer_a)
    assert error.value.field == "day" and unconfirmed(check) == 2


def test_items_of_matters_the_officer_cannot_see_are_left_alone(todays_checklist, officer_b):
    """A checklist of A given to B's officer (the page never does: 404) confirms nothing."""
    assert confirm_rest_unchanged(todays_checklist, actor=officer_b) == 0
    assert unconfirmed(todays_checklist) == 3


# The page --------------------------------------------------------------------------------------

def test_the_button_confirms_the_rest_and_htmx_shows_them_all_confirmed(
        client, officer_a, street, todays_checklist):
    client.force_login(officer_a)
    page = client.get(reverse("rhythm:daily_check_detail", args=[street.community_a.pk]))
    assert 'data-testid="confirm-rest-unchanged"' in page.content.decode()
    response = client.post(rest_url(street.community_a), **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="checklist">')
    assert 'data-confirmed="3" data-total="3"' in content and 'hx-swap-oob="true"' in content
    assert len(re.findall(r'<tr id="item-[0-9]+"[^>]* data-outcome="unchanged"', content)) == 3
    assert 'data-testid="confirm-rest-unchanged"' not in content  # nothing left to confirm
    assert unconfirmed(todays_checklist) == 0


def test_without_htmx_the_page_comes_back_saying_how_many(client, officer_a, street,
                                                          todays_checklist):
    client.force_login(officer_a)
    response = client.post(rest_url(street.community_a), follow=True)
    assert response.redirect_chain == [
        (reverse("rhythm:daily_check_detail", args=[street.community_a.pk]), 302)]
    assert "已确认其余 3 件事项无变化" in response.content.decode()


def test_the_last_row_confirmed_takes_the_button_away(client, officer_a, todays_checklist):
    client.force_login(officer_a)
    items = list(todays_checklist.items.order_by("pk"))
    for item in items[:-1]:
        response = client.post(reverse("rhythm:daily_check_item_confirm", args=[item.pk]),
                               {"outcome": "unchanged"}, **HTMX)
        assert 'data-testid="confirm-rest-unchanged"' in response.content.decode()
    response = client.post(reverse("rhythm:daily_check_item_confirm", args=[items[-1].pk]),
                           {"outcome": "unchanged"}, **HTMX)
    content = response.content.decode()
    assert '<div id="rest-unchanged" hx-swap-oob="true">' in content
    assert 'data-testid="confirm-rest-unchanged"' not in content


@pytest.mark.parametrize(("persona", "status"), [
    ("officer_b", 404), ("grid_worker_a1", 404), ("other_street_leader", 404),
    ("supervisor_a", 403), ("section_staff", 403), ("api_client_user", 403),
])
def test_refused_confirmations_change_nothing(client, request, street, todays_checklist,
                                              persona, status):
    client.force_login(request.getfixturevalue(persona))
    entries = AuditEntry.objects.filter(target__startswith="rhythm:daily_check:").count()
    assert client.post(rest_url(street.community_a), **HTMX).status_code == status
    assert unconfirmed(todays_checklist) == 3
    assert AuditEntry.objects.filter(target__startswith="rhythm:daily_check:").count() == entries


def test_no_checklist_today_is_404(client, officer_a, street):
    client.force_login(officer_a)
    assert client.post(rest_url(street.community_a)).status_code == 404


# Session, user, the community (scope), today's checklist, the service's five (above), the
# checklist's items read back for the answer (matter, area and confirmer joined), the
# inbox's unread count. Measured 11 for 3 and for 150 items.
REST_UNCHANGED_PAGE_QUERIES = 11


def test_the_page_answers_in_the_same_number_of_queries_for_3_and_150_items(
        client, officer_a, report, grid_worker_a1, street):
    client.force_login(officer_a)
    counts = []
    for more_matters in (3, 147):  # 3 open matters, then 150
        open_matters(report, grid_worker_a1, more_matters)
        DailyCheck.objects.all().delete()  # today's checklist afresh, nothing confirmed
        run_daily_checks(timezone.localdate())
        with CaptureQueriesContext(connection) as captured:
            response = client.post(rest_url(street.community_a), **HTMX)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert DailyCheckItem.objects.filter(confirmed_at__isnull=False).count() == 150
    assert counts == [REST_UNCHANGED_PAGE_QUERIES, REST_UNCHANGED_PAGE_QUERIES]


# Data quality: weekends and holidays are nobody's duty -------------------------------------------

# The official calendar around the National Day holiday of 2026 (as chinesecalendar has
# it, written here so the test does not depend on the seed): 1–7 October off, Saturday
# 10 October a make-up workday (调休).
NATIONAL_DAY_2026 = {date(2026, 10, day): False for day in range(1, 8)} | {
    date(2026, 10, 10): True}


@pytest.fixture
def official_calendar(db):
    for day, is_workday in NATIONAL_DAY_2026.items():
        CalendarDay.objects.update_or_create(
            day=day, defaults={"is_workday": is_workday, "name": "国庆节"})


@pytest.mark.parametrize(("today", "counted_days"), [
    # Monday 12 October: 5–7 (holiday) and Sunday 11 are not counted; Thursday 8,
    # Friday 9 and the make-up Saturday 10 are.
    (date(2026, 10, 12), [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]),
    # Monday 30 November: an ordinary week, its Saturday and Sunday not counted.
    (date(2026, 11, 30), [date(2026, 11, day) for day in range(23, 28)]),
])
def test_unconfirmed_checklists_of_weekends_and_holidays_are_not_missing(
        report, officer_a, street, official_calendar, today, counted_days):
    report(officer_a)
    for back in range(1, 8):
        run_daily_checks(today - timedelta(days=back))
    assert DailyCheckItem.objects.filter(confirmed_at__isnull=True).count() == 7
    rows = {row["community_id"]: row for row in data_quality_rows(street.street, today)}
    assert rows[street.community_a.pk]["unconfirmed_checks"] == len(counted_days)
    assert rows[street.community_a.pk]["problems"] == len(counted_days)
