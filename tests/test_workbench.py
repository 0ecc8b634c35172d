"""The workbench (issue 17): each role's home page lists what waits for them, grouped, red
first; every group's count equals a plain count of the same things (written here with the
ORM, independently of workbench.todo), its items and its full list open for the person,
the full list holds exactly that many, and ``me/todo/`` answers the same groups. A page
with every group filled costs a fixed number of queries, whatever the number of items.
"""

from datetime import timedelta
from itertools import count
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services as meeting_services
from meetings.choices import ActionItemStatus, MeetingStatus
from meetings.models import ActionItem, DepartmentReport, Meeting
from quanfu.clock import local_day_bounds, local_midnight
from rhythm import services as rhythm_services
from rhythm.choices import InstructionStatus, WarningStatus
from rhythm.models import DailyCheckItem, InstructionRecipient, RiskWarning
from risks import clocks, services
from risks.approvals import request_approval
from risks.choices import ApprovalState, ClockFlag, ClockStage, RiskLevel, RiskStatus, Tier
from risks.models import Approval, FollowUp, Risk, StageClock
from supervision import services as supervision_services
from supervision.choices import FindingStatus, ListingStatus
from supervision.models import Finding, Inspection, ListedSupervision, SupervisionGroup
from workbench import todo
from workbench.todo import ITEMS, Urgency, todo_for

pytestmark = pytest.mark.django_db

OPEN = (RiskStatus.REPORTED, RiskStatus.VERIFIED, RiskStatus.RESOLVING)
numbers = count(1)


def groups(user) -> dict:
    return {group.kind: group for group in todo_for(user)}


def login(client, user):
    client.force_login(user)
    return client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# The situations -----------------------------------------------------------------------------

class Busy:
    """Every situation of the issue's lists, in community A (grid A1) and the social affairs
    section, built through the services; ``add()`` builds one more of each."""

    def __init__(self, street, categories, officer, colleague, worker, leader, staff,
                 supervisor):
        self.street, self.categories = street, categories
        self.officer, self.colleague, self.worker = officer, colleague, worker
        self.leader, self.staff, self.supervisor = leader, staff, supervisor
        self.section = staff.department
        self.group = SupervisionGroup.objects.get(leader=supervisor)
        # the group also covers B, which nobody has inspected this month
        self.group.communities.add(street.community_b)

    def report(self, actor=None, area=None, **fields):
        fields.setdefault("category", self.categories["disputes"])
        return services.report_risk(
            actor=actor or self.officer, title=f"楼道堆物引发纠纷第{next(numbers)}起",
            description="住户反映楼道长期堆放杂物，双方多次争吵。",
            area=area or self.street.grid_a1, **fields).risk

    def verified(self, **fields):
        return services.verify_risk(self.report(**fields), actor=self.officer)

    def dispatched(self):
        return services.transition_risk(self.verified(), "dispatch", actor=self.officer,
                                        department=self.section)

    def add(self):
        officer, leader, staff = self.officer, self.leader, self.staff
        now = timezone.now()
        self.report(self.worker)  # to verify; in the grid worker's grid (his duties, by the roster)
        self.verified()  # to dispatch
        services.transition_risk(self.dispatched(), "return", actor=staff,
                                 note="不属于本科室职责。")  # returned
        self.waiting = self.dispatched()  # to sign for
        services.transition_risk(self.dispatched(), "accept", actor=staff)  # the section's
        graded = self.verified(level=RiskLevel.MEDIUM)
        rhythm_services.issue_warning(graded, actor=officer, content="当事人情绪激动，请及时反馈。",
                                      issued_at=now - timedelta(days=7))  # feedback overdue
        rhythm_services.issue_warning(graded, actor=officer, content="请核实最新情况。")
        request_approval(graded, kind="extension", days=3, reason="等待鉴定结论。",
                         actor=officer)
        high = self.report(level=RiskLevel.HIGH)
        services.escalate_risk(self.verified(), actor=officer, note="社区调解未果。")
        supervision_services.list_for_supervision(actor=leader, reason="久拖未决。",
                                                  deadline=timezone.localdate()
                                                  + timedelta(days=10), risk=high)
        closed = services.start_risk(self.verified(level=RiskLevel.LOW), actor=officer)
        closed = services.resolve_risk(closed, actor=officer, note="双方达成调解协议。")
        services.close_risk(closed, actor=self.colleague, note="经回访履行协议，予以销号。")
        rhythm_services.send_instruction(actor=officer, workers=[self.worker], kind="visit",
                                         content="入户走访当事人。", risk=graded,
                                         deadline=now + timedelta(hours=4))
        meeting_services.blow_whistle(graded, actor=officer, departments=[self.section],
                                      request="请派员到场。", respond_by=now + timedelta(hours=24))
        community_meeting = meeting_services.create_meeting(
            actor=officer, tier=Tier.COMMUNITY, title="社区联席会议", held_on=timezone.localdate(),
            area=self.street.community_a, chair=officer, minutes="研究了提请事项。")
        meeting_services.add_action_item(community_meeting, actor=officer, title="组织双方调解。",
                                         deadline=timezone.localdate() + timedelta(days=3),
                                         owner=officer)
        meeting_services.approve_meeting(community_meeting, actor=officer)
        meeting_services.create_meeting(
            actor=leader, tier=Tier.STREET, title="街道联席会议", held_on=timezone.localdate(),
            area=self.street.street, chair=leader, minutes="研究了提请事项。")
        earlier = timezone.localdate() - timedelta(days=3)
        past_meeting = meeting_services.create_meeting(
            actor=leader, tier=Tier.STREET, title="街道联席会议", held_on=earlier,
            area=self.street.street, chair=leader, minutes="研究了提请事项。")
        meeting_services.add_action_item(past_meeting, actor=leader, title="协调企业支付工资。",
                                         deadline=earlier, owner_department=self.section)
        meeting_services.approve_meeting(past_meeting, actor=leader)
        inspection = supervision_services.record_inspection(
            actor=self.supervisor, group=self.group, community=self.street.community_a,
            held_on=timezone.localdate(), checked="查阅台账。")
        for _ in range(2):
            finding = supervision_services.record_finding(
                inspection, actor=self.supervisor, description="台账更新不及时。",
                rectification_required="三日内补齐台账。",
                deadline=timezone.localdate() + timedelta(days=3))
        supervision_services.submit_rectification(finding, actor=officer, note="已补齐台账。")
        # today's checklist of A, one item confirmed
        rhythm_services.run_daily_checks(timezone.localdate())
        item = DailyCheckItem.objects.filter(check_list__community=self.street.community_a,
                                             confirmed_at=None).first()
        rhythm_services.confirm_check_item(item, actor=officer, outcome="unchanged")
        # the clocks as they are when the handling clocks pass their limit (their times
        # moved back by as much): the sign-in clock of what waits to be signed for is red
        handling = StageClock.objects.filter(risk__dispatched_to=self.section,
                                             stage=ClockStage.HANDLE, stopped_at=None)
        ahead = (max(clock.yellow_at for clock in handling) + timedelta(seconds=1)
                 - timezone.now())
        StageClock.objects.filter(stopped_at=None).update(
            started_at=F("started_at") - ahead, yellow_at=F("yellow_at") - ahead,
            red_at=F("red_at") - ahead)
        clocks.sweep_clocks()
        rhythm_services.sweep_overdue()  # the warning past T+2 turns overdue
        return self


@pytest.fixture
def busy(street, categories, officer_a, colleague_a, grid_worker_a1, roster_a1, leader,
         social_staff, supervisor_a):
    return Busy(street, categories, officer_a, colleague_a, grid_worker_a1, leader,
                social_staff, supervisor_a).add()


# Plain counts of the same things --------------------------------------------------------------

def matters_of_a():
    return Risk.objects.filter(community__code="S1-A")


def with_flag(flag):
    """Matters with a running clock of that colour now, counted plainly: red past its red
    limit, yellow past its time limit only (a paused clock as of its pause)."""
    stand = Coalesce("paused_at", Value(timezone.now(), output_field=DateTimeField()))
    lit = (Q(red_at__lte=stand) if flag == ClockFlag.RED
           else Q(yellow_at__lte=stand, red_at__gt=stand))
    return Risk.objects.filter(pk__in=StageClock.objects.filter(lit, stopped_at=None)
                               .values("risk_id"))


def end_of_today():
    return local_midnight(timezone.localdate() + timedelta(days=1))


def holds_duty(user, prefix=""):
    return (Q(**{f"{prefix}lead": user}) | Q(**{f"{prefix}dispatch_person": user})
            | Q(**{f"{prefix}investigate_person": user}) | Q(**{f"{prefix}resolve_person": user})
            | Q(**{f"{prefix}stabilize_person": user}))


def officer_counts(busy):
    officer = busy.officer
    return {
        "to_verify": matters_of_a().filter(status=RiskStatus.REPORTED).count(),
        "to_dispatch": matters_of_a().filter(status=RiskStatus.VERIFIED, dispatched_to=None,
                                             department=None, returns=0).count(),
        "returned": matters_of_a().filter(status=RiskStatus.VERIFIED, dispatched_to=None,
                                          department=None, returns__gt=0).count(),
        "warnings_due": RiskWarning.objects.filter(
            risk__community__code="S1-A", status__in=[WarningStatus.OPEN, WarningStatus.OVERDUE],
            feedback_due__lt=end_of_today()).count(),
        "daily_check": DailyCheckItem.objects.filter(
            check_list__community__code="S1-A", check_list__day=timezone.localdate(),
            confirmed_at=None).count(),
        "action_items": ActionItem.objects.filter(
            owner=officer, status=ActionItemStatus.OPEN,
            meeting__status=MeetingStatus.APPROVED).count(),
        "findings": Finding.objects.filter(community__code="S1-A",
                                           status=FindingStatus.OPEN).count(),
        "follow_ups": matters_of_a().filter(status=RiskStatus.CLOSED).exclude(
            pk__in=FollowUp.objects.values("risk_id")).count(),
        "my_requests": Approval.objects.filter(requested_by=officer,
                                               state=ApprovalState.PENDING).count(),
    }


def section_counts(busy):
    section = busy.section
    mine = Q(dispatched_to=section) | Q(department=section)
    return {
        "to_accept": Risk.objects.filter(dispatched_to=section, accepted_at=None,
                                         status=RiskStatus.VERIFIED).count(),
        "red_clocks": with_flag(ClockFlag.RED).filter(mine).count(),
        "yellow_clocks": with_flag(ClockFlag.YELLOW).filter(mine).count(),
        "report_ins": DepartmentReport.objects.filter(department=section,
                                                      reported_at=None).count(),
        "action_items": ActionItem.objects.filter(
            owner_department=section, status=ActionItemStatus.OPEN,
            meeting__status=MeetingStatus.APPROVED).count(),
    }


def leader_counts(busy):
    street = Risk.objects.filter(street=busy.street.street)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    return {
        "approvals": Approval.objects.filter(state=ApprovalState.PENDING,
                                             risk__street=busy.street.street).exclude(
            requested_by=busy.leader).count(),
        "high_open": street.filter(status__in=OPEN, level=RiskLevel.HIGH).count(),
        "red_clocks": with_flag(ClockFlag.RED).filter(street=busy.street.street).count(),
        "escalated": street.filter(status__in=OPEN, tier=Tier.STREET).count(),
        "listings": ListedSupervision.objects.filter(status=ListingStatus.ACTIVE).count(),
        "meetings": Meeting.objects.filter(held_on__gte=monday,
                                           held_on__lte=monday + timedelta(days=6)).count(),
    }


def supervisor_counts(busy):
    communities = busy.group.communities.all()
    month = timezone.localdate().replace(day=1)
    return {
        "red_clocks": with_flag(ClockFlag.RED).filter(community__in=communities).count(),
        "findings_to_accept": Finding.objects.filter(community__in=communities,
                                                     status=FindingStatus.SUBMITTED).count(),
        "to_inspect": communities.exclude(
            pk__in=Inspection.objects.filter(held_on__gte=month).values("community")).count(),
    }


def worker_counts(busy):
    worker = busy.worker
    start, end = local_day_bounds(timezone.localdate())
    return {
        "today": Risk.objects.filter(grid=busy.street.grid_a1, created_at__gte=start,
                                     created_at__lt=end).count(),
        "instructions": InstructionRecipient.objects.filter(
            worker=worker, status__in=[InstructionStatus.OPEN, InstructionStatus.OVERDUE]).count(),
        "my_warnings": RiskWarning.objects.filter(
            holds_duty(worker, "risk__"),
            status__in=[WarningStatus.OPEN, WarningStatus.OVERDUE]).count(),
        "duties": Risk.objects.filter(holds_duty(worker), status__in=OPEN).count(),
    }



ROLES = {
    "worker": worker_counts,
    "officer": officer_counts,
    "staff": section_counts,
    "leader": leader_counts,
    "supervisor": supervisor_counts,
}


def listed_count(group, response) -> int:
    """How many the full list a group links to holds, as that page counts them."""
    context = response.context
    if context.get("paginator") is not None:
        return context["paginator"].count
    name = response.resolver_match.view_name
    if name == "risks:approval_list":
        return len(context["pending"])
    if name == "risks:follow_up_list":
        return len(context["rows"])
    if name == "rhythm:daily_check_detail":
        return context["progress"]["total"] - context["progress"]["confirmed"]
    if name == "rhythm:grid_today" and group.kind == "instructions":
        return len(context["recipients"])
    if name == "rhythm:grid_today":
        return context["reported_today"] + (context["zero_report"] is not None)
    raise AssertionError(f"no count known for {name}")


@pytest.mark.parametrize("role", ROLES)
def test_each_group_counts_what_a_plain_count_finds(busy, role):
    user = getattr(busy, role)
    expected = ROLES[role](busy)
    assert all(expected.values()), expected  # every group of the role has something in it
    found = groups(user)
    assert {kind: found[kind].count for kind in expected} == expected
    assert set(found) == set(expected)


@pytest.mark.parametrize("role", ROLES)
def test_items_and_full_lists_open_for_the_person_and_hold_the_count(client, busy, role):
    user = getattr(busy, role)
    login(client, user)
    for group in todo_for(user):
        assert len(group.items) == min(group.count, ITEMS) or group.kind == "daily_check"
        for item in group.items:
            assert client.get(path_of(item.url)).status_code == 200, (group.kind, item)
            if item.action is not None and item.action.fields is None:
                assert client.get(path_of(item.action.url)).status_code == 200, item.action
        if group.url:
            response = client.get(path_of(group.url))
            assert response.status_code == 200, group.url
            assert listed_count(group, response) == group.count, (group.kind, group.url)


def test_a_group_shows_its_first_items_and_counts_them_all(busy):
    busy.add()
    busy.add()
    to_verify = groups(busy.officer)["to_verify"]  # two a round: one of them high-level
    assert to_verify.count == 6 and len(to_verify.items) == ITEMS
    duties = groups(busy.worker)["duties"]
    assert duties.count > ITEMS and len(duties.items) == ITEMS


def test_groups_come_red_first_then_orange_blue_and_empty(busy):
    order = [group.urgency for group in todo_for(busy.officer)]
    ranks = [("red", "orange", "blue", "none").index(urgency) for urgency in order]
    assert ranks == sorted(ranks)
    found = groups(busy.officer)
    assert found["warnings_due"].urgency == Urgency.RED  # one is past its T+2 deadline
    assert found["to_verify"].urgency == Urgency.ORANGE
    assert found["my_requests"].urgency == Urgency.BLUE
    assert groups(busy.staff)["action_items"].urgency == Urgency.RED  # past its deadline


def test_nothing_of_community_a_waits_for_the_officer_of_b(busy, officer_b):
    assert all(group.count == 0 for group in todo_for(officer_b)), todo_for(officer_b)


def test_the_grid_worker_is_asked_for_a_zero_report_until_one_is_filed(
        client, street, grid_worker_a1):
    today = groups(grid_worker_a1)["today"]
    assert (today.count, today.urgency) == (0, Urgency.RED)
    assert [button.url for button in today.actions][0] == reverse("rhythm:zero_report_create")
    page = login(client, grid_worker_a1).get("/").content.decode()
    assert reverse("rhythm:zero_report_create") in page
    client.post(reverse("rhythm:zero_report_create"))
    today = groups(grid_worker_a1)["today"]
    assert (today.count, today.urgency, today.items[0].type) == (1, Urgency.NONE, "zero_report")


def test_the_officer_verifies_from_the_workbench_and_the_matter_leaves_the_list(client, busy):
    waiting = groups(busy.officer)["to_verify"].items[0]
    assert waiting.action.fields["action"] == "verify"
    login(client, busy.officer)
    page = client.get("/").content.decode()
    assert waiting.action.url in page
    response = client.post(waiting.action.url, waiting.action.fields)
    assert response.status_code == 302
    assert Risk.objects.get(pk=waiting.id).status == RiskStatus.VERIFIED
    assert waiting.id not in [item.id for item in groups(busy.officer)["to_verify"].items]
    assert waiting.id in [item.id for item in groups(busy.officer)["to_dispatch"].items]


def test_the_section_signs_for_a_matter_from_the_workbench(client, busy):
    waiting = groups(busy.staff)["to_accept"].items[0]
    assert waiting.action.fields["action"] == "accept"
    login(client, busy.staff).post(waiting.action.url, waiting.action.fields)
    assert Risk.objects.get(pk=waiting.id).accepted_at is not None
    assert groups(busy.staff)["to_accept"].count == 0


def test_the_street_leader_sees_the_dashboards_headline_figures(client, busy):
    response = login(client, busy.leader).get("/")
    figures = response.context["figures"]
    board = client.get(reverse("supervision:street_dashboard", args=[busy.street.street.pk]))
    dashboard = board.context["board"].figures
    assert (figures.summary.open, figures.summary.high_open, figures.overdue_warnings,
            figures.summary.write_off_rate) == (dashboard.open, dashboard.high_open,
                                                dashboard.overdue_warnings,
                                                dashboard.write_off_rate)
    assert figures.overdue_warnings == RiskWarning.objects.filter(
        status=WarningStatus.OVERDUE).count() > 0
    red = groups(busy.leader)["red_clocks"]
    assert sum(count for _label, count, _link in red.breakdown) == red.count


def test_me_todo_answers_the_workbench_as_json(api, busy, api_client_user):
    for role in ROLES:
        user = getattr(busy, role)
        api.force_authenticate(user)
        body = api.get("/api/v1/me/todo/").json()
        expected = todo_for(user)
        assert [(group["kind"], group["count"], group["urgency"], group["url"],
                 [(item["type"], item["id"], item["url"]) for item in group["items"]])
                for group in body] == [
            (group.kind, group.count, group.urgency, group.url,
             [(item.type, item.id, item.url) for item in group.items]) for group in expected]
        for group in body:
            assert set(group) >= {"kind", "label", "count", "items"}
            for item in group["items"]:
                assert set(item) == {"type", "id", "title", "due_at", "url"}
    api.force_authenticate(api_client_user)
    assert api.get("/api/v1/me/todo/").json() == []


def test_me_todo_titles_name_the_matter_code(api, busy):
    api.force_authenticate(busy.officer)
    body = {group["kind"]: group for group in api.get("/api/v1/me/todo/").json()}
    item = body["to_verify"]["items"][0]
    assert item["type"] == "risk"
    assert item["title"].startswith(Risk.objects.get(pk=item["id"]).code)


# Queries ------------------------------------------------------------------------------------

# The home page with every group full (each reads its first items, then counts them): the
# session, the user, two queries a group (the leader's red lights: their count per
# community and the first ones), the calendar for the deadline hints, and the page
# header's unread notices. Besides: the grid worker's zero report; the officer's daily
# check (one query: its progress comes with its items) and the follow-up window (two reads
# of the calendar, more when a holiday is near: +2 allowed); the street leader's street
# (its communities and the dashboard's cube, which counts two of the groups), the overdue
# warnings of its figures and the menu's count of approvals.
HOME_QUERIES = {"worker": 13, "officer": 23 + 2, "staff": 14, "leader": 18, "supervisor": 10}


@pytest.mark.parametrize("role", ROLES)
def test_the_workbench_costs_a_fixed_number_of_queries(client, busy, role, monkeypatch,
                                                       django_assert_max_num_queries):
    monkeypatch.setattr(todo, "ITEMS", 1)  # every group full: the most queries a page costs
    user = getattr(busy, role)
    login(client, user)
    client.get("/")  # warm: the content types and the calendar's first reads
    with django_assert_max_num_queries(HOME_QUERIES[role]) as pinned:
        assert client.get("/").status_code == 200
    busy.add()
    busy.add()
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(after) == len(pinned), [query["sql"][:120] for query in after]
