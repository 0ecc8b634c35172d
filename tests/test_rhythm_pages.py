"""The rhythm's pages: T+2 warnings, the daily check (日核), the grid worker's day (zero
report, instructions), work instructions, and the figures (周调, 月统, data quality).

Each page gets its role × scope matrix; a refused POST also shows nothing changed; list
pages and figures run a fixed number of queries however many rows."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import AccessLog
from rhythm import snapshots
from rhythm.calendar import working_days_left
from rhythm.choices import CheckOutcome, InstructionKind, InstructionStatus, WarningStatus
from rhythm.models import (
    DailyCheckItem,
    InstructionRecipient,
    RiskWarning,
    Snapshot,
    WorkInstruction,
    ZeroReport,
)
from rhythm.services import (
    file_zero_report,
    issue_warning,
    run_daily_checks,
    send_instruction,
    sweep_overdue,
)
from risks import services as risk_services
from risks.models import RiskEvent
from tests.conftest import make_user

WARNINGS_URL = reverse("rhythm:warning_list")
DAILY_URL = reverse("rhythm:daily_check_overview")
TODAY_URL = reverse("rhythm:grid_today")
ZERO_URL = reverse("rhythm:zero_report_create")
INSTRUCTIONS_URL = reverse("rhythm:instruction_list")
SEND_URL = reverse("rhythm:instruction_create")
WEEKLY_URL = reverse("rhythm:weekly_report")
EXPORT_URL = reverse("rhythm:weekly_report_export")
MONTHLY_URL = reverse("rhythm:monthly_stats")
QUALITY_URL = reverse("rhythm:data_quality")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def graded(ready_to_start):
    """A verified, medium-level matter in grid A1 (community A)."""
    return ready_to_start(level="medium")


@pytest.fixture
def grade_in_b(report, officer_b, street):
    def _grade(title="东泉小区停车纠纷", level="medium"):
        risk = report(officer_b, area=street.grid_b1, title=title,
                      description="车位归属引发争执。")
        risk = risk_services.verify_risk(risk, actor=officer_b)
        return risk_services.update_risk(risk, actor=officer_b, version=risk.version,
                                         changes={"level": level})

    return _grade


@pytest.fixture
def graded_b(grade_in_b):
    return grade_in_b()


@pytest.fixture
def warning_a(graded, officer_a):
    return issue_warning(graded, actor=officer_a, content="当事人情绪激动，争执可能升级")


@pytest.fixture
def warning_b(graded_b, officer_b):
    return issue_warning(graded_b, actor=officer_b, content="双方再次争吵")


@pytest.fixture
def grid_worker_b1(street):
    return make_user("grid_b1", Role.GRID_WORKER, street.grid_b1)


def overdue_warning(risk, actor, days_ago=10):
    """A warning issued long ago and left unanswered: the sweep makes it overdue."""
    warning = issue_warning(risk, actor=actor, content="早前预警未反馈",
                            issued_at=timezone.now() - timedelta(days=days_ago))
    sweep_overdue()
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OVERDUE
    return warning


def query_count(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [WARNINGS_URL, DAILY_URL, TODAY_URL, INSTRUCTIONS_URL, SEND_URL,
                                 WEEKLY_URL, EXPORT_URL, MONTHLY_URL, QUALITY_URL])
def test_anonymous_visitor_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# Warnings (预警) ---------------------------------------------------------------------------

def listed_warnings(response) -> set[int]:
    return {warning.pk for warning in response.context["warnings"]}


@pytest.mark.parametrize("persona,sees_a,sees_b", [
    ("grid_worker_a1", True, False), ("officer_a", True, False), ("officer_b", False, True),
    ("supervisor_a", True, False), ("leader", True, True), ("social_staff", False, False),
    ("superuser", True, True),
])
def test_warning_list_shows_only_the_warnings_in_scope(client, request, warning_a, warning_b,
                                                       persona, sees_a, sees_b):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(WARNINGS_URL)
    assert response.status_code == 200
    assert listed_warnings(response) == ({warning_a.pk} if sees_a else set()) | (
        {warning_b.pk} if sees_b else set())


def test_api_clients_do_not_use_the_pages(client, api_client_user, warning_a):
    client.force_login(api_client_user)
    assert client.get(WARNINGS_URL).status_code == 403


def test_open_warning_says_how_many_working_days_are_left(client, officer_a, warning_a):
    client.force_login(officer_a)
    content = client.get(WARNINGS_URL).content.decode()
    left = working_days_left(warning_a.feedback_due)
    assert f'data-days-left="{left}"' in content
    assert 'data-status="open"' in content


def test_overdue_warning_is_red_and_says_how_many_days(client, officer_a, graded, warning_a):
    late = overdue_warning(graded, officer_a)
    client.force_login(officer_a)
    response = client.get(WARNINGS_URL)
    content = response.content.decode()
    days = -working_days_left(late.feedback_due)
    assert days > 0
    assert f'data-days-left="-{days}"' in content
    assert f"逾期 {days} 天" in content or f"Overdue {days} days" in content
    assert 'class="badge text-bg-danger" data-status="overdue" data-overdue="true"' in content
    # overdue first, then the one awaiting feedback
    assert [warning.pk for warning in response.context["warnings"]] == [late.pk, warning_a.pk]
    counts = {entry["status"]: entry["count"] for entry in response.context["status_counts"]}
    assert counts == {"overdue": 1, "open": 1, "answered": 0}


def test_status_filter_and_count(client, officer_a, graded, warning_a):
    late = overdue_warning(graded, officer_a)
    client.force_login(officer_a)
    response = client.get(WARNINGS_URL, {"status": "overdue"})
    assert listed_warnings(response) == {late.pk}
    assert response.context["paginator"].count == 1
    assert listed_warnings(client.get(WARNINGS_URL, {"status": "open"})) == {warning_a.pk}
    assert listed_warnings(client.get(WARNINGS_URL, {"risk": graded.pk})) == {late.pk,
                                                                            warning_a.pk}


def test_filtering_by_another_communitys_area_or_matter_is_404(client, officer_a, street,
                                                               warning_b):
    client.force_login(officer_a)
    assert client.get(WARNINGS_URL, {"within": street.community_b.pk}).status_code == 404
    assert client.get(WARNINGS_URL, {"risk": warning_b.risk_id}).status_code == 404


@pytest.mark.parametrize("persona,status", [
    ("officer_a", 200), ("grid_worker_a1", 200), ("supervisor_a", 200), ("leader", 200),
    ("officer_b", 404), ("social_staff", 404),
])
def test_warning_page_within_scope_only(client, request, warning_a, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("rhythm:warning_detail", args=[warning_a.pk]))
    assert response.status_code == status
    if status == 200:
        may_answer = persona != "supervisor_a"
        assert ('data-testid="feedback-form"' in response.content.decode()) == may_answer


def test_grid_worker_answers_a_warning(client, grid_worker_a1, warning_a):
    client.force_login(grid_worker_a1)
    url = reverse("rhythm:warning_feedback", args=[warning_a.pk])
    response = client.post(url, {"content": "已上门稳控，双方情绪平稳"})
    assert response.status_code == 302
    warning_a.refresh_from_db()
    assert warning_a.status == WarningStatus.ANSWERED
    assert warning_a.answered_by == grid_worker_a1
    page = client.get(reverse("rhythm:warning_detail", args=[warning_a.pk])).content.decode()
    assert "已上门稳控" in page and 'data-testid="feedback-form"' not in page


def test_empty_feedback_is_refused_next_to_the_field(client, officer_a, warning_a):
    client.force_login(officer_a)
    response = client.post(reverse("rhythm:warning_feedback", args=[warning_a.pk]),
                           {"content": "  "})
    assert response.status_code == 400
    assert 'data-testid="error-content"' in response.content.decode()
    warning_a.refresh_from_db()
    assert warning_a.status == WarningStatus.OPEN


@pytest.mark.parametrize("persona,status", [("officer_b", 404), ("supervisor_a", 403),
                                            ("social_staff", 404)])
def test_refused_feedback_changes_nothing(client, request, warning_a, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("rhythm:warning_feedback", args=[warning_a.pk]),
                           {"content": "越权反馈"})
    assert response.status_code == status
    warning_a.refresh_from_db()
    assert warning_a.status == WarningStatus.OPEN and warning_a.feedback == ""


def test_answering_twice_is_refused(client, officer_a, warning_a):
    client.force_login(officer_a)
    url = reverse("rhythm:warning_feedback", args=[warning_a.pk])
    client.post(url, {"content": "第一次"})
    response = client.post(url, {"content": "第二次"})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    warning_a.refresh_from_db()
    assert warning_a.feedback == "第一次"


def test_officer_issues_a_warning_from_the_matter(client, officer_a, graded):
    client.force_login(officer_a)
    matter_page = client.get(reverse("risks:risk_detail", args=[graded.pk])).content.decode()
    create_url = reverse("rhythm:warning_create", args=[graded.pk])
    assert create_url in matter_page
    assert client.get(create_url).status_code == 200
    response = client.post(create_url, {"content": "纠纷可能激化，请核实"})
    warning = RiskWarning.objects.get(risk=graded)
    assert response.status_code == 302
    assert response["Location"] == reverse("rhythm:warning_detail", args=[warning.pk])
    assert warning.issued_by == officer_a and warning.status == WarningStatus.OPEN
    matter_page = client.get(reverse("risks:risk_detail", args=[graded.pk])).content.decode()
    assert reverse("rhythm:warning_detail", args=[warning.pk]) in matter_page


def test_a_paper_warning_is_entered_with_its_time_but_never_in_the_future(client, officer_a,
                                                                         graded):
    client.force_login(officer_a)
    url = reverse("rhythm:warning_create", args=[graded.pk])
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"content": "区平台预警", "issued_at": future})
    assert response.status_code == 400
    assert 'data-testid="error-issued_at"' in response.content.decode()
    assert "区平台预警" in response.content.decode()  # what was typed is kept
    assert not RiskWarning.objects.exists()
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"content": "区平台预警", "issued_at": past}).status_code == 302
    assert RiskWarning.objects.get().issued_at < timezone.now() - timedelta(hours=23)


def test_an_ungraded_matter_cannot_be_warned_and_the_page_says_why(client, officer_a, report):
    ungraded = report(officer_a)
    client.force_login(officer_a)
    response = client.post(reverse("rhythm:warning_create", args=[ungraded.pk]),
                           {"content": "预警"})
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    assert not RiskWarning.objects.exists()


@pytest.mark.parametrize("persona,status", [("grid_worker_a1", 403), ("supervisor_a", 403),
                                            ("officer_b", 404)])
def test_refused_warnings_are_not_issued(client, request, graded, persona, status):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("rhythm:warning_create", args=[graded.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"content": "越权预警"}).status_code == status
    assert not RiskWarning.objects.exists()


# Session, user, the user's area (scope), the count, the page of warnings (matter and
# community joined), the counts by status, the official calendar for the deadline hints
# (one read for the page), the inbox's unread count, the session save (savepoint, update,
# release). Measured 11 for 3 and for 25 warnings.
WARNING_LIST_QUERIES = 11


@pytest.mark.parametrize("how_many", [3, 25])
def test_warning_list_runs_a_fixed_number_of_queries(client, officer_a, ready_to_start,
                                                     how_many, django_assert_max_num_queries):
    for number in range(how_many):
        risk = ready_to_start(title=f"纠纷{number}")
        issue_warning(risk, actor=officer_a, content=f"预警{number}",
                      issued_at=timezone.now() - timedelta(days=number % 5))
    sweep_overdue()
    client.force_login(officer_a)
    with django_assert_max_num_queries(WARNING_LIST_QUERIES):
        response = client.get(WARNINGS_URL)
    assert response.context["paginator"].count == how_many


def test_warning_list_queries_do_not_grow_with_the_rows(client, officer_a, ready_to_start):
    client.force_login(officer_a)
    for number in range(2):
        issue_warning(ready_to_start(title=f"事项{number}"), actor=officer_a, content="预警")
    few = query_count(client, WARNINGS_URL)
    for number in range(20):
        issue_warning(ready_to_start(title=f"更多{number}"), actor=officer_a, content="预警",
                      issued_at=timezone.now() - timedelta(days=number % 7))
    assert query_count(client, WARNINGS_URL) == few


# The daily check (日核) -------------------------------------------------------------------

@pytest.fixture
def checklists(report, officer_a, officer_b, grid_worker_a1, street):
    """Today's checklists: two open matters in A (grid A1), one in B."""
    first = report(grid_worker_a1, title="楼道堆物")
    second = report(grid_worker_a1, title="邻里噪音")
    in_b = report(officer_b, area=street.grid_b1, title="东泉停车纠纷")
    run_daily_checks(timezone.localdate())
    return {"a": [DailyCheckItem.objects.get(risk=first), DailyCheckItem.objects.get(risk=second)],
            "b": DailyCheckItem.objects.get(risk=in_b)}


def check_url(community):
    return reverse("rhythm:daily_check_detail", args=[community.pk])


def confirm_url(item):
    return reverse("rhythm:daily_check_item_confirm", args=[item.pk])


def test_officer_goes_straight_to_their_communitys_checklist(client, officer_a, street,
                                                             checklists):
    client.force_login(officer_a)
    response = client.get(DAILY_URL)
    assert response.status_code == 302 and response["Location"] == check_url(street.community_a)
    page = client.get(check_url(street.community_a))
    assert {item.pk for item in page.context["items"]} == {item.pk for item in checklists["a"]}
    assert page.context["progress"] == {"total": 2, "confirmed": 0}
    content = page.content.decode()
    assert 'data-confirmed="0" data-total="2"' in content
    assert 'data-testid="confirm-unchanged"' in content


@pytest.mark.parametrize("persona,status", [
    ("officer_a", 200), ("leader", 200), ("supervisor_a", 200), ("officer_b", 404),
    ("grid_worker_a1", 403), ("api_client_user", 403),
])
def test_community_checklist_within_scope_only(client, request, street, checklists, persona,
                                               status):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(check_url(street.community_a))
    assert response.status_code == status
    if status == 200:
        buttons = 'data-testid="confirm-unchanged"' in response.content.decode()
        assert buttons == (persona != "supervisor_a")


def test_a_grid_is_not_a_community(client, officer_a, street, checklists):
    client.force_login(officer_a)
    assert client.get(check_url(street.grid_a1)).status_code == 404


def test_leader_sees_each_community_and_the_silent_grids(client, leader, street, checklists):
    client.force_login(leader)
    response = client.get(DAILY_URL)
    assert response.status_code == 200
    rows = {row["community"].code: row for row in response.context["rows"]}
    assert set(rows) == {"S1-A", "S1-B"}
    assert rows["S1-A"]["progress"]["total"] == 2 and rows["S1-B"]["progress"]["total"] == 1
    # A1 and B1 had new matters today; the school's grid A2 said nothing
    assert [grid.code for grid in rows["S1-A"]["silent"]] == ["S1-A-G2"]
    assert rows["S1-B"]["silent"] == []
    assert 'data-silent-grid="S1-A-G2"' in response.content.decode()


def test_the_superuser_overview_covers_every_street(client, superuser, street, checklists):
    client.force_login(superuser)
    response = client.get(DAILY_URL)
    assert {row["community"].code for row in response.context["rows"]} == {
        "S1-A", "S1-B", "S2-A"}


def test_supervisor_overview_keeps_to_the_groups_communities(client, supervisor_a, street,
                                                             checklists):
    client.force_login(supervisor_a)
    # one community in scope: straight to it
    response = client.get(DAILY_URL)
    assert response["Location"] == check_url(street.community_a)


def test_section_staff_see_only_their_departments_matters_on_a_checklist(
        client, social_staff, street, report, grid_worker_a1):
    report(grid_worker_a1, title="无主管科室")
    owned = report(grid_worker_a1, title="科室主管", department=social_staff.department)
    run_daily_checks(timezone.localdate())
    client.force_login(social_staff)
    response = client.get(check_url(street.community_a))
    assert [item.risk_id for item in response.context["items"]] == [owned.pk]
    assert 'data-testid="confirm-unchanged"' not in response.content.decode()


def test_a_zero_report_takes_a_grid_off_the_silent_list(client, officer_a, grid_worker_a1,
                                                        street, checklists):
    client.force_login(officer_a)
    silent = client.get(check_url(street.community_a)).context["silent"]
    assert [grid.code for grid in silent] == ["S1-A-G2"]
    school_worker = make_user("grid_a2", Role.GRID_WORKER, street.grid_a2)
    file_zero_report(street.grid_a2, actor=school_worker)
    assert client.get(check_url(street.community_a)).context["silent"] == []


def test_htmx_confirms_one_row_and_updates_the_progress(client, officer_a, checklists):
    item = checklists["a"][0]
    client.force_login(officer_a)
    response = client.post(confirm_url(item), {"outcome": "unchanged"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<tr id="item-{item.pk}"')
    assert 'data-outcome="unchanged"' in content
    assert 'hx-swap-oob="true"' in content and 'data-confirmed="1" data-total="2"' in content
    item.refresh_from_db()
    assert item.outcome == CheckOutcome.UNCHANGED and item.confirmed_by == officer_a


def test_changed_needs_a_note_and_then_goes_on_the_matters_history(client, officer_a,
                                                                   checklists):
    item = checklists["a"][1]
    client.force_login(officer_a)
    refused = client.post(confirm_url(item), {"outcome": "changed", "note": ""}, **HTMX)
    assert refused.status_code == 400
    assert 'data-testid="row-errors"' in refused.content.decode()
    item.refresh_from_db()
    assert item.confirmed_at is None
    response = client.post(confirm_url(item), {"outcome": "changed", "note": "双方已和解"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert item.outcome == CheckOutcome.CHANGED and item.note == "双方已和解"
    assert RiskEvent.objects.filter(risk=item.risk, note__contains="双方已和解").exists()


def test_without_htmx_a_refusal_comes_back_on_the_whole_checklist(client, officer_a,
                                                                  checklists):
    item = checklists["a"][0]
    client.force_login(officer_a)
    response = client.post(confirm_url(item), {"outcome": "changed", "note": "  "})
    assert response.status_code == 400
    assert 'data-testid="checklist"' in response.content.decode()
    assert 'data-testid="row-errors"' in response.content.decode()
    item.refresh_from_db()
    assert item.confirmed_at is None


@pytest.mark.parametrize("persona,status", [("officer_b", 404), ("grid_worker_a1", 404),
                                            ("supervisor_a", 403), ("social_staff", 404)])
def test_refused_confirmations_change_nothing(client, request, checklists, persona, status):
    item = checklists["a"][0]
    client.force_login(request.getfixturevalue(persona))
    response = client.post(confirm_url(item), {"outcome": "unchanged"}, **HTMX)
    assert response.status_code == status
    item.refresh_from_db()
    assert item.confirmed_at is None and item.outcome == ""


def test_yesterdays_checklist_is_read_only(client, officer_a, street, report, grid_worker_a1):
    risk = report(grid_worker_a1)
    yesterday = timezone.localdate() - timedelta(days=1)
    run_daily_checks(yesterday)
    item = DailyCheckItem.objects.get(risk=risk, check_list__day=yesterday)
    client.force_login(officer_a)
    page = client.get(check_url(street.community_a), {"day": f"{yesterday:%Y-%m-%d}"})
    assert page.context["day"] == yesterday and page.context["items"] == [item]
    assert 'data-testid="confirm-unchanged"' not in page.content.decode()
    response = client.post(confirm_url(item), {"outcome": "unchanged"}, **HTMX)
    assert response.status_code == 400
    assert 'data-testid="row-errors"' in response.content.decode()
    item.refresh_from_db()
    assert item.confirmed_at is None


def test_no_checklist_yet_says_what_is_going_on(client, officer_a, street):
    client.force_login(officer_a)
    response = client.get(check_url(street.community_a))
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()


# Session, user, scope (the officer's area), the community, the day's checklist, its
# items (matter, area and confirmer joined), the silent grids, the "several communities"
# test for the breadcrumb, the inbox's unread count, the session save (3). Measured 12.
CHECKLIST_QUERIES = 12
# Session, user, scope (the street), the communities, the progress per community (one
# GROUP BY), the silent grids (one query over the scope), inbox, session save. Measured 10.
OVERVIEW_QUERIES = 10


@pytest.mark.parametrize("how_many", [3, 30])
def test_daily_pages_run_a_fixed_number_of_queries(client, officer_a, leader, report,
                                                   grid_worker_a1, officer_b, street,
                                                   how_many, django_assert_max_num_queries):
    for number in range(how_many):
        report(grid_worker_a1, title=f"事项{number}")
        report(officer_b, area=street.grid_b1, title=f"东泉{number}")
    run_daily_checks(timezone.localdate())
    client.force_login(officer_a)
    with django_assert_max_num_queries(CHECKLIST_QUERIES):
        response = client.get(check_url(street.community_a))
    assert response.context["progress"]["total"] == how_many
    client.force_login(leader)
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        assert client.get(DAILY_URL).status_code == 200


def test_checklist_queries_do_not_grow_with_the_rows(client, officer_a, report,
                                                     grid_worker_a1, street):
    client.force_login(officer_a)
    for number in range(2):
        report(grid_worker_a1, title=f"事项{number}")
    run_daily_checks(timezone.localdate())
    few = query_count(client, check_url(street.community_a))
    DailyCheckItem.objects.all().delete()
    for number in range(25):
        report(grid_worker_a1, title=f"更多{number}")
    run_daily_checks(timezone.localdate())
    assert query_count(client, check_url(street.community_a)) == few


# The grid worker's day ---------------------------------------------------------------------

def test_grid_worker_with_nothing_new_files_a_zero_report(client, grid_worker_a1, street):
    client.force_login(grid_worker_a1)
    page = client.get(TODAY_URL).content.decode()
    assert 'data-testid="empty-state"' in page and 'data-testid="file-zero-report"' in page
    assert "今日暂无新增隐患" in page or "No new hazards today" in page
    response = client.post(ZERO_URL)
    assert response.status_code == 302 and response["Location"] == TODAY_URL
    assert ZeroReport.objects.filter(grid=street.grid_a1, day=timezone.localdate(),
                                     reporter=grid_worker_a1).exists()
    page = client.get(TODAY_URL).content.decode()
    assert 'data-testid="zero-report-filed"' in page and 'file-zero-report' not in page
    client.post(ZERO_URL)
    assert ZeroReport.objects.count() == 1


def test_a_micro_grid_worker_reports_for_the_grid_around_it(client, street):
    worker = make_user("micro_a1", Role.GRID_WORKER, street.micro_a1)
    client.force_login(worker)
    assert client.post(ZERO_URL).status_code == 302
    assert ZeroReport.objects.get().grid == street.grid_a1


def test_after_reporting_a_matter_no_zero_report_is_asked(client, grid_worker_a1, report):
    report(grid_worker_a1)
    client.force_login(grid_worker_a1)
    page = client.get(TODAY_URL).content.decode()
    assert 'data-testid="reported-today"' in page and 'file-zero-report' not in page


@pytest.mark.parametrize("persona", ["officer_a", "leader", "supervisor_a"])
def test_only_grid_workers_file_zero_reports(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(TODAY_URL).status_code == 403
    assert client.post(ZERO_URL).status_code == 403
    assert not ZeroReport.objects.exists()


@pytest.fixture
def instruction(officer_a, grid_worker_a1, graded):
    return send_instruction(actor=officer_a, workers=[grid_worker_a1],
                            kind=InstructionKind.VISIT, content="今晚走访当事人家庭",
                            deadline=timezone.now() + timedelta(days=1), risk=graded)


def answer_url(instruction, worker):
    recipient = InstructionRecipient.objects.get(instruction=instruction, worker=worker)
    return reverse("rhythm:instruction_answer", args=[recipient.pk])


def test_grid_worker_sees_and_answers_an_instruction(client, grid_worker_a1, instruction):
    client.force_login(grid_worker_a1)
    page = client.get(TODAY_URL).content.decode()
    assert "今晚走访当事人家庭" in page
    response = client.post(answer_url(instruction, grid_worker_a1), {"answer": "已走访，情绪稳定"})
    assert response.status_code == 302
    recipient = InstructionRecipient.objects.get(instruction=instruction)
    assert recipient.status == InstructionStatus.ANSWERED and recipient.answer == "已走访，情绪稳定"
    assert RiskEvent.objects.filter(risk=instruction.risk, note__contains="已走访").exists()
    page = client.get(TODAY_URL).content.decode()
    assert 'data-testid="no-instructions"' in page and 'data-testid="answered-instructions"' in page


def test_the_inbox_link_takes_a_grid_worker_to_their_own_page(client, grid_worker_a1,
                                                              instruction):
    client.force_login(grid_worker_a1)
    response = client.get(INSTRUCTIONS_URL)
    assert response.status_code == 302 and response["Location"] == f"{TODAY_URL}#instructions"


def test_an_empty_answer_is_refused_and_nothing_changes(client, grid_worker_a1, instruction):
    client.force_login(grid_worker_a1)
    response = client.post(answer_url(instruction, grid_worker_a1), {"answer": " "})
    assert response.status_code == 400
    assert 'data-testid="error-answer"' in response.content.decode()
    assert InstructionRecipient.objects.get().status == InstructionStatus.OPEN


@pytest.mark.parametrize("persona", ["grid_worker_b1", "officer_a", "leader"])
def test_nobody_else_answers_a_workers_instruction(client, request, grid_worker_a1,
                                                  instruction, persona):
    url = answer_url(instruction, grid_worker_a1)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url, {"answer": "代答"}).status_code == 404
    assert InstructionRecipient.objects.get().status == InstructionStatus.OPEN


def test_an_overdue_instruction_is_red_on_the_workers_page(client, grid_worker_a1,
                                                           instruction):
    WorkInstruction.objects.filter(pk=instruction.pk).update(
        deadline=timezone.now() - timedelta(days=3))
    sweep_overdue()
    client.force_login(grid_worker_a1)
    page = client.get(TODAY_URL).content.decode()
    assert 'data-status="overdue" data-overdue="true"' in page
    assert "逾期 3 天" in page or "Overdue 3 days" in page


# Session, user, the worker's grid, today's zero report, today's new matters in the grid,
# the open instructions (instruction, matter and sender joined), the calendar for the
# deadline hints, the answers of the last seven days, inbox, session save (3). Measured 12.
GRID_TODAY_QUERIES = 12


@pytest.mark.parametrize("how_many", [2, 20])
def test_grid_workers_page_runs_a_fixed_number_of_queries(client, officer_a, grid_worker_a1,
                                                          graded, street, how_many,
                                                          django_assert_max_num_queries):
    for number in range(how_many):
        send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="visit",
                         content=f"指令{number}", risk=graded if number % 2 else None,
                         area=street.grid_a1,
                         deadline=timezone.now() + timedelta(days=1 + number % 3))
    client.force_login(grid_worker_a1)
    with django_assert_max_num_queries(GRID_TODAY_QUERIES):
        response = client.get(TODAY_URL)
    assert len(response.context["recipients"]) == how_many


# Work instructions (officers) ----------------------------------------------------------------

def send_form(workers, **fields):
    deadline = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"kind": "verify", "content": "核实楼道堆物情况", "deadline": deadline,
            "workers": [worker.pk for worker in workers]}
    data.update(fields)
    return data


def test_officer_sends_an_instruction_about_an_area(client, officer_a, grid_worker_a1, street):
    client.force_login(officer_a)
    page = client.get(SEND_URL)
    assert page.status_code == 200
    response = client.post(SEND_URL, send_form([grid_worker_a1], area=street.grid_a1.pk))
    assert response.status_code == 302 and response["Location"] == INSTRUCTIONS_URL
    instruction = WorkInstruction.objects.get()
    assert instruction.area == street.grid_a1 and instruction.issued_by == officer_a
    assert list(instruction.recipients.values_list("worker", flat=True)) == [grid_worker_a1.pk]


def test_officer_sends_an_instruction_from_a_matter(client, officer_a, grid_worker_a1, graded):
    client.force_login(officer_a)
    url = f"{SEND_URL}?risk={graded.pk}"
    assert url in client.get(reverse("risks:risk_detail", args=[graded.pk])).content.decode()
    response = client.post(url, send_form([grid_worker_a1]))
    assert response.status_code == 302
    instruction = WorkInstruction.objects.get()
    assert instruction.risk == graded and instruction.area == graded.area


def test_workers_outside_the_scope_are_not_offered(client, officer_a, grid_worker_b1, street):
    client.force_login(officer_a)
    page = client.get(SEND_URL)
    assert grid_worker_b1.pk not in {worker.pk for worker in
                                     page.context["form"].fields["workers"].queryset}
    response = client.post(SEND_URL, send_form([grid_worker_b1], area=street.grid_a1.pk))
    assert response.status_code == 400
    assert not WorkInstruction.objects.exists()


def test_a_worker_of_another_grid_is_refused_next_to_the_field(client, officer_a, street,
                                                               grid_worker_a1):
    client.force_login(officer_a)
    response = client.post(SEND_URL, send_form([grid_worker_a1], area=street.grid_a2.pk))
    assert response.status_code == 400
    assert 'data-testid="error-workers"' in response.content.decode()
    assert not WorkInstruction.objects.exists()


def test_a_deadline_behind_us_is_refused(client, officer_a, grid_worker_a1, street):
    client.force_login(officer_a)
    past = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(SEND_URL, send_form([grid_worker_a1], area=street.grid_a1.pk,
                                               deadline=past))
    assert response.status_code == 400
    assert 'data-testid="error-deadline"' in response.content.decode()
    assert not WorkInstruction.objects.exists()


@pytest.mark.parametrize("persona,status", [("grid_worker_a1", 403), ("supervisor_a", 403)])
def test_refused_senders_send_nothing(client, request, street, grid_worker_a1, persona,
                                      status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(SEND_URL).status_code == status
    response = client.post(SEND_URL, send_form([grid_worker_a1], area=street.grid_a1.pk))
    assert response.status_code == status
    assert not WorkInstruction.objects.exists()


def test_sending_about_a_matter_outside_the_scope_is_404(client, officer_b, graded,
                                                         grid_worker_a1):
    client.force_login(officer_b)
    assert client.get(f"{SEND_URL}?risk={graded.pk}").status_code == 404


@pytest.mark.parametrize("persona,sees", [("officer_a", True), ("colleague_a", True),
                                          ("leader", True), ("supervisor_a", True),
                                          ("officer_b", False), ("social_staff", False)])
def test_instruction_list_within_scope(client, request, instruction, persona, sees):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(INSTRUCTIONS_URL)
    assert response.status_code == 200
    assert ({row.pk for row in response.context["instructions"]} == {instruction.pk}) == sees


def test_officer_sees_the_answers_and_the_overdue_ones(client, officer_a, grid_worker_a1,
                                                       instruction, street):
    late = send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="stabilize",
                            content="稳控到位情况报告", area=street.grid_a1,
                            deadline=timezone.now() + timedelta(hours=1))
    WorkInstruction.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(days=1))
    sweep_overdue()
    client.force_login(grid_worker_a1)
    client.post(answer_url(instruction, grid_worker_a1), {"answer": "已走访完毕"})
    client.force_login(officer_a)
    response = client.get(INSTRUCTIONS_URL)
    content = response.content.decode()
    assert "已走访完毕" in content
    assert 'data-status="overdue" data-overdue="true"' in content
    counts = {entry["status"]: entry["count"] for entry in response.context["status_counts"]}
    assert counts == {"overdue": 1, "open": 0, "answered": 1}
    overdue_only = client.get(INSTRUCTIONS_URL, {"status": "overdue"})
    assert [row.pk for row in overdue_only.context["instructions"]] == [late.pk]


# Session, user, scope, the count, the page of instructions (matter, area, sender
# joined), their recipients (one prefetch, workers joined), the counts by status, the
# calendar for the deadline hints, the inbox, the session save (3). Measured 12.
INSTRUCTION_LIST_QUERIES = 12


@pytest.mark.parametrize("how_many", [3, 25])
def test_instruction_list_runs_a_fixed_number_of_queries(client, officer_a, grid_worker_a1,
                                                         street, how_many,
                                                         django_assert_max_num_queries):
    second = make_user("grid_a1_b", Role.GRID_WORKER, street.grid_a1)
    for number in range(how_many):
        send_instruction(actor=officer_a, workers=[grid_worker_a1, second], kind="visit",
                         content=f"指令{number}", area=street.grid_a1,
                         deadline=timezone.now() + timedelta(days=1 + number % 4))
    client.force_login(officer_a)
    with django_assert_max_num_queries(INSTRUCTION_LIST_QUERIES):
        response = client.get(INSTRUCTIONS_URL)
    assert response.context["paginator"].count == how_many


# 周调 weekly report ---------------------------------------------------------------------------

def section(response, key) -> dict:
    lines = next(section for section in response.context["report"]["sections"]
                 if section["key"] == key)["lines"]
    return {line["name"]: line for line in lines}


@pytest.mark.parametrize("persona,status", [
    ("leader", 200), ("section_staff", 200), ("supervisor_a", 200), ("superuser", 200),
    ("officer_a", 403), ("grid_worker_a1", 403),
])
def test_weekly_report_readers(client, request, street, graded, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(WEEKLY_URL).status_code == status


def test_weekly_report_counts_by_community_with_the_change(client, leader, graded, graded_b,
                                                           report, officer_a):
    report(officer_a, title="新上报")
    client.force_login(leader)
    response = client.get(WEEKLY_URL)
    communities = section(response, "community__name")
    assert communities["花园社区"]["total"] == 2 and communities["花园社区"]["new"] == 2
    assert communities["花园社区"]["verified"] == 1
    assert communities["花园社区"]["change"] == 2  # nothing last week
    assert communities["东泉社区"]["total"] == 1
    assert section(response, "level")["medium"]["total"] == 2
    assert 'data-section="tier"' in response.content.decode()


def test_weekly_report_lists_levels_high_to_low_then_ungraded(client, leader, grade_in_b,
                                                              report, officer_a):
    report(officer_a, title="未定级的新上报")
    for level in ("low", "high", "medium"):
        grade_in_b(title=f"东泉小区{level}纠纷", level=level)
    client.force_login(leader)
    assert list(section(client.get(WEEKLY_URL), "level")) == ["high", "medium", "low", ""]


def test_supervisor_reads_only_the_groups_communities(client, supervisor_a, graded, graded_b):
    client.force_login(supervisor_a)
    response = client.get(WEEKLY_URL)
    assert set(section(response, "community__name")) == {"花园社区"}
    assert section(response, "level")["medium"]["total"] == 1
    assert "东泉社区" not in response.content.decode()


def test_week_picker_goes_to_the_weeks_monday(client, leader, graded):
    client.force_login(leader)
    day = timezone.localdate() - timedelta(days=9)
    response = client.get(WEEKLY_URL, {"week": f"{day:%Y-%m-%d}"})
    assert response.context["report"]["week_start"] == snapshots.week_start(day)
    # the matter did not exist yet that week
    assert section(response, "community__name") == {}


def test_stale_gradings_are_listed_within_the_readers_scope(client, leader, section_staff,
                                                            social_staff, graded):
    from risks.models import Risk

    Risk.objects.filter(pk=graded.pk).update(graded_at=timezone.now() - timedelta(days=40))
    client.force_login(leader)
    assert [risk.pk for risk in client.get(WEEKLY_URL).context["report"]["stale"]] == [graded.pk]
    client.force_login(section_staff)  # the street's centre sees its street
    assert [risk.pk for risk in client.get(WEEKLY_URL).context["report"]["stale"]] == [graded.pk]
    client.force_login(social_staff)  # a section only its own matters
    assert client.get(WEEKLY_URL).context["report"]["stale"] == []


def test_weekly_report_downloads_as_xlsx_and_is_logged(client, leader, graded, graded_b):
    client.force_login(leader)
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["按社区", "按类别", "按等级", "按层级", "定级过期事项"]
    sheet = workbook["按社区"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("社区", "总数", "本周新增")
    assert rows[0][-1] == "较上周增减"
    assert sheet.freeze_panes == "B2"
    figures = {row[0]: row for row in rows[1:] if row and row[0] in ("花园社区", "东泉社区")}
    assert figures["花园社区"][1] == 1 and figures["东泉社区"][1] == 1
    assert "导出人：leader" in rows[-1][0] and "导出时间" in rows[-1][0]
    assert [row[0] for row in list(workbook["按等级"].iter_rows(values_only=True))[1:3]] == [
        "中", None]
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.actor == leader and log.target.startswith("weekly:S1:")


def test_a_refused_export_writes_nothing(client, officer_a, graded):
    client.force_login(officer_a)
    assert client.get(EXPORT_URL).status_code == 403
    assert not AccessLog.objects.exists()


def test_supervisors_export_only_their_communities(client, supervisor_a, graded, graded_b):
    client.force_login(supervisor_a)
    workbook = load_workbook(BytesIO(b"".join(client.get(EXPORT_URL).streaming_content)))
    names = [row[0] for row in workbook["按社区"].iter_rows(values_only=True)]
    assert "花园社区" in names and "东泉社区" not in names


# Session, user, scope (the street), the street, the week's rows (one GROUP BY), last
# week's snapshot and, lacking it, last week's rows, the stale gradings and their
# visible subset, inbox, session save (3). Measured 12.
WEEKLY_QUERIES = 12


@pytest.mark.parametrize("how_many", [3, 25])
def test_weekly_report_runs_a_fixed_number_of_queries(client, leader, report, officer_a,
                                                      officer_b, street, categories, how_many,
                                                      django_assert_max_num_queries):
    names = list(categories)
    for number in range(how_many):
        report(officer_a, title=f"事项{number}", category=categories[names[number % 7]])
        report(officer_b, area=street.grid_b1, title=f"东泉{number}")
    client.force_login(leader)
    with django_assert_max_num_queries(WEEKLY_QUERIES):
        response = client.get(WEEKLY_URL)
    assert sum(line["total"] for line in section(response, "community__name").values()) == (
        2 * how_many)
    # no page, so no inbox count; the access log's row instead
    with django_assert_max_num_queries(WEEKLY_QUERIES):
        assert client.get(EXPORT_URL).status_code == 200


# 月统 monthly statistics ----------------------------------------------------------------------

def monthly_by_community(response) -> dict:
    return {row["community"]: row for row in response.context["rows"]}


@pytest.mark.parametrize("persona,communities", [
    ("leader", {"花园社区", "东泉社区", "全福街道"}),
    ("section_staff", {"花园社区", "东泉社区", "全福街道"}),
    ("officer_a", {"花园社区"}), ("officer_b", {"东泉社区"}), ("supervisor_a", {"花园社区"}),
])
def test_monthly_figures_within_scope(client, request, graded, graded_b, persona, communities):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(MONTHLY_URL)
    assert response.status_code == 200
    assert set(monthly_by_community(response)) == communities


def test_grid_workers_do_not_read_the_monthly_figures(client, grid_worker_a1):
    client.force_login(grid_worker_a1)
    assert client.get(MONTHLY_URL).status_code == 403


def test_rates_against_targets_with_met_and_not_met_badges(client, leader, ready_to_start,
                                                           officer_a):
    high = ready_to_start(level="high")
    for number in range(2):
        low = risk_services.start_risk(ready_to_start(level="low", title=f"低风险{number}"),
                                       actor=officer_a)
        risk_services.resolve_risk(low, actor=officer_a, note="已化解")
    client.force_login(leader)
    response = client.get(MONTHLY_URL)
    street_row = monthly_by_community(response)["全福街道"]
    assert street_row["levels"]["high"] | {"total": 1, "done": 0, "met": False} == (
        street_row["levels"]["high"])
    assert street_row["levels"]["low"]["rate"] == 1.0 and street_row["levels"]["low"]["met"]
    content = response.content.decode()
    assert 'data-met="false"' in content and 'data-met="true"' in content
    assert "100%" in content
    assert high.code not in content  # figures, not matters


def test_a_kept_month_is_shown_as_kept(client, leader, graded, street):
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    snapshots.take_monthly_snapshot(street.street, last_month)
    client.force_login(leader)
    response = client.get(MONTHLY_URL, {"month": f"{last_month:%Y-%m}"})
    assert response.context["kept"] == Snapshot.objects.get(kind="monthly")
    assert 'data-testid="kept"' in response.content.decode()
    assert 'data-testid="live"' in client.get(MONTHLY_URL).content.decode()


# Session, user, scope (the leader's area), the street, the kept snapshot (none), the
# month's rows by level and the feedback rates (two GROUP BY), inbox, session save
# (savepoint, update, release). Measured 11 for 6 and for 50 matters.
MONTHLY_QUERIES = 11


@pytest.mark.parametrize("how_many", [3, 25])
def test_monthly_page_runs_a_fixed_number_of_queries(client, leader, officer_a, officer_b,
                                                     report, street, how_many,
                                                     django_assert_max_num_queries):
    for number in range(how_many):
        report(officer_a, title=f"事项{number}")
        report(officer_b, area=street.grid_b1, title=f"东泉{number}")
    client.force_login(leader)
    with django_assert_max_num_queries(MONTHLY_QUERIES):
        response = client.get(MONTHLY_URL)
    assert monthly_by_community(response)["全福街道"]["total"] == 2 * how_many


# Data quality -------------------------------------------------------------------------------

def quality_by_community(response) -> dict:
    return {row["community"]: row for row in response.context["rows"]}


def test_officer_sees_their_own_communitys_quality_only(client, officer_a, graded, graded_b):
    client.force_login(officer_a)
    response = client.get(QUALITY_URL)
    assert set(quality_by_community(response)) == {"花园社区"}
    assert response.context["total"] is None
    assert "东泉社区" not in response.content.decode()


def test_leader_sees_every_community_and_the_street(client, leader, graded, graded_b,
                                                    officer_b):
    overdue_warning(graded_b, officer_b)
    client.force_login(leader)
    response = client.get(QUALITY_URL)
    rows = quality_by_community(response)
    assert set(rows) == {"花园社区", "东泉社区"}
    # B's matter was graded without duties; its warning went unanswered
    assert rows["东泉社区"]["missing_duties"] == 1 and rows["东泉社区"]["overdue_warnings"] == 1
    assert rows["花园社区"]["missing_duties"] == 0
    assert response.context["total"]["overdue_warnings"] == 1
    content = response.content.decode()
    assert f"?status=overdue&amp;within={graded_b.community_id}" in content


@pytest.mark.parametrize("persona,communities,with_total", [
    ("supervisor_a", {"花园社区"}, False), ("section_staff", {"花园社区", "东泉社区"}, True),
    ("superuser", {"花园社区", "东泉社区"}, True),
])
def test_quality_rows_follow_the_readers_scope(client, request, graded, graded_b, persona,
                                               communities, with_total):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(QUALITY_URL)
    assert set(quality_by_community(response)) == communities
    assert (response.context["total"] is not None) == with_total


@pytest.mark.parametrize("persona", ["grid_worker_a1", "api_client_user"])
def test_grid_workers_do_not_read_data_quality(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(QUALITY_URL).status_code == 403


def test_only_the_superuser_chooses_another_street(client, superuser, leader, street):
    other = street.other_street
    client.force_login(superuser)
    response = client.get(MONTHLY_URL, {"street": other.pk})
    assert response.context["scope"].street == other
    assert set(monthly_by_community(response)) == {"华山街道"}
    assert client.get(QUALITY_URL, {"street": other.pk}).context["rows"][0]["community"] == (
        "华山社区")
    client.force_login(leader)
    assert client.get(MONTHLY_URL, {"street": other.pk}).status_code == 404
    assert client.get(WEEKLY_URL, {"street": other.pk}).status_code == 404


# Session, user, scope (the leader's area), the street, the street's communities and
# snapshots.data_quality_rows' five grouped counts, inbox, session save (3). Measured 14
# for 3 and for 25 matters.
QUALITY_QUERIES = 14


@pytest.mark.parametrize("how_many", [3, 25])
def test_quality_page_runs_a_fixed_number_of_queries(client, leader, officer_a, report,
                                                     how_many, django_assert_max_num_queries):
    for number in range(how_many):
        report(officer_a, title=f"事项{number}")
    client.force_login(leader)
    with django_assert_max_num_queries(QUALITY_QUERIES):
        assert client.get(QUALITY_URL).status_code == 200


# Navigation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("persona,shown", [
    ("grid_worker_a1", {"rhythm:grid_today", "rhythm:warning_list"}),
    ("officer_a", {"rhythm:warning_list", "rhythm:daily_check_overview",
                   "rhythm:instruction_list", "rhythm:monthly_stats", "rhythm:data_quality"}),
    ("leader", {"rhythm:warning_list", "rhythm:daily_check_overview",
                "rhythm:instruction_list", "rhythm:weekly_report", "rhythm:monthly_stats",
                "rhythm:data_quality"}),
    ("supervisor_a", {"rhythm:warning_list", "rhythm:daily_check_overview",
                      "rhythm:instruction_list", "rhythm:weekly_report",
                      "rhythm:monthly_stats", "rhythm:data_quality"}),
])
def test_navigation_shows_each_role_its_rhythm_pages(client, request, persona, shown):
    client.force_login(request.getfixturevalue(persona))
    items = {item["url_name"] for item in client.get("/").context["navigation_items"]}
    assert {item for item in items if item.startswith("rhythm:")} == shown
