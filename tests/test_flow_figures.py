"""The flow figures (流转情况) per community and section for a month: dispatched, signed for
on time, returned, handled on time, overdue now, reworked, extended, follow-up
satisfaction; each number a link to the register listing exactly the matters counted; on
the street dashboard and in the monthly statistics."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from grids.services import create_department
from risks import services
from risks.choices import (
    Action,
    ApprovalKind,
    ApprovalState,
    ClockStage,
    FollowUpOutcome,
)
from risks.flow_figures import FIGURES, Period, counts_by, flow_table
from risks.models import Approval, FollowUp, StageClock
from tests.conftest import make_user


@pytest.fixture
def social(street):
    return create_department(street=street.street, code="S1-social", name="社会事务办公室")


@pytest.fixture
def social_staff(street, social):
    return make_user("staff_social", Role.SECTION_STAFF, street.street, department=social)


def late(risk, stage):
    """Move the running clock of ``stage`` past its time limit."""
    StageClock.objects.filter(risk=risk, stage=stage, stopped_at=None).update(
        yellow_at=timezone.now() - timedelta(hours=1))


@pytest.fixture
def flow(ready_to_start, report, officer_a, colleague_a, officer_b, leader, social,
         social_staff, street):
    """A month of flow in community A (and one matter of B):

    - on_time: dispatched to the social section, signed for at once, started, resolved in
      time, sent back for rework, and its handling clock late now (red);
    - returned: dispatched, returned, dispatched again, signed for after its limit;
    - pending: dispatched, not signed for yet (its sign-in clock yellow);
    - extended: extension approved; called: written off, called back (satisfied, then a
      dissatisfied and an unreachable call on two others);
    - in_b: community B, dispatched to the social section and signed for on time.
    """
    act = services.transition_risk
    on_time = ready_to_start(title="楼道堆物纠纷")
    on_time = act(on_time, Action.DISPATCH, actor=officer_a, department=social)
    on_time = act(on_time, Action.ACCEPT, actor=social_staff)
    on_time = services.start_risk(on_time, actor=social_staff)
    on_time = services.resolve_risk(on_time, actor=social_staff, note="已上门调解，双方达成协议。")
    on_time = act(on_time, Action.REWORK, actor=colleague_a, note="协议未履行")
    StageClock.objects.filter(risk=on_time, stopped_at=None).update(
        yellow_at=timezone.now() - timedelta(hours=2), red_at=timezone.now() - timedelta(hours=1))

    returned = ready_to_start(title="拖欠工资")
    returned = act(returned, Action.DISPATCH, actor=officer_a, department=social)
    returned = act(returned, Action.RETURN, actor=social_staff, note="不属本科室")
    returned = act(returned, Action.DISPATCH, actor=officer_a, department=social)
    late(returned, ClockStage.ACCEPT)
    returned = act(returned, Action.ACCEPT, actor=social_staff)

    pending = ready_to_start(title="噪音扰民")
    pending = act(pending, Action.DISPATCH, actor=officer_a, department=social)
    late(pending, ClockStage.ACCEPT)

    extended = ready_to_start(title="违建拆除")
    Approval.objects.create(risk=extended, kind=ApprovalKind.EXTENSION, reason="等待法院",
                            days=5, state=ApprovalState.APPROVED, requested_by=officer_a,
                            decided_by=leader, decided_at=timezone.now(), granted_days=5)

    called = [ready_to_start(title=f"回访{index}") for index in range(3)]
    for risk, outcome in zip(called, [FollowUpOutcome.SATISFIED, FollowUpOutcome.DISSATISFIED,
                                      FollowUpOutcome.UNREACHABLE], strict=True):
        FollowUp.objects.create(risk=risk, outcome=outcome, called_by=officer_a)

    in_b = services.verify_risk(report(officer_b, area=street.grid_b1), actor=officer_b)
    in_b = act(in_b, Action.DISPATCH, actor=officer_b, department=social)
    in_b = act(in_b, Action.ACCEPT, actor=social_staff)
    return {"on_time": on_time, "returned": returned, "pending": pending,
            "extended": extended, "called": called, "in_b": in_b}


EXPECTED_A = {
    "dispatched": {"on_time", "returned", "pending"},
    "accepted_on_time": {"on_time"},
    "returned": {"returned"},
    "handled_on_time": {"on_time"},
    "overdue": {"on_time", "pending"},
    "reworked": {"on_time"},
    "extended": {"extended"},
    "answered": {"called0", "called1"},
    "satisfied": {"called0"},
    "dissatisfied": {"called1"},
}


def named(flow, names):
    ids = {key: risk.pk for key, risk in flow.items() if key != "called"}
    ids.update({f"called{index}": risk.pk for index, risk in enumerate(flow["called"])})
    return {ids[name] for name in names}


def test_figures_per_community_count_the_months_flow(flow, street):
    counts = counts_by("community", Period.of(), community_ids=[street.community_a.pk,
                                                                street.community_b.pk])
    assert {figure: counts[street.community_a.pk].get(figure, 0) for figure in FIGURES} == {
        figure: len(names) for figure, names in EXPECTED_A.items()}
    assert counts[street.community_b.pk]["dispatched"] == 1
    assert counts[street.community_b.pk]["accepted_on_time"] == 1


def test_figures_per_section_count_what_went_to_it(flow, street, social):
    counts = counts_by("section", Period.of(), community_ids=[street.community_a.pk,
                                                              street.community_b.pk])
    social_counts = counts[social.pk]
    assert social_counts["dispatched"] == 4  # three of A, one of B
    assert social_counts["returned"] == 1
    assert social_counts["accepted_on_time"] == 2  # the late sign-in is not on time
    assert social_counts["handled_on_time"] == 1
    assert social_counts["overdue"] == 2


def test_another_month_counts_nothing_but_overdue_now(flow, street):
    last_month = Period.of().previous
    counts = counts_by("community", last_month, community_ids=[street.community_a.pk])
    row = counts[street.community_a.pk]
    assert {figure: row.get(figure, 0) for figure in FIGURES if figure != "overdue"} == {
        figure: 0 for figure in FIGURES if figure != "overdue"}
    assert row["overdue"] == 2


def test_satisfaction_is_satisfied_over_answered(flow, street):
    table = flow_table(Period.of(), street=street.street,
                       communities=[street.community_a, street.community_b], sections=[])
    row = table.communities[0]
    assert (row.satisfied, row.answered, row.satisfaction) == (1, 2, 0.5)
    assert table.communities[1].satisfaction is None
    assert table.total.cells[0].value == 4  # dispatched in the street


def register_ids(client, link):
    response = client.get(link)
    assert response.status_code == 200, link
    return {risk.pk for risk in response.context["risks"]}


def test_every_link_lists_exactly_the_matters_counted(flow, street, leader, social, client):
    client.force_login(leader)
    table = flow_table(Period.of(), street=street.street,
                       communities=[street.community_a, street.community_b],
                       sections=[social])
    row_a = table.communities[0]
    for cell in row_a.cells:
        assert register_ids(client, cell.link) == named(flow, EXPECTED_A[cell.figure]), cell
        assert len(register_ids(client, cell.link)) == cell.value
    assert register_ids(client, row_a.answered_link) == named(flow, EXPECTED_A["answered"])
    assert register_ids(client, row_a.dissatisfied_link) == named(flow,
                                                                   EXPECTED_A["dissatisfied"])
    for row in [*table.sections, table.total]:
        for cell in row.cells:
            assert len(register_ids(client, cell.link)) == cell.value, (row.name, cell)


def test_flow_filter_refuses_a_bad_month(flow, leader, api):
    api.force_authenticate(leader)
    response = api.get("/api/v1/risks/?flow=returned&flow_month=2026-13")
    assert response.status_code == 400
    assert "flow_month" in response.json()
    ok = api.get(f"/api/v1/risks/?flow=returned&flow_month={Period.of().key}")
    assert [row["id"] for row in ok.json()["results"]] == [flow["returned"].pk]


def test_events_of_dispatch_name_the_section_by_id(flow, social):
    event = flow["returned"].events.filter(action="return").get()
    assert event.changes["department_id"] == social.pk


# The street dashboard and the monthly statistics --------------------------------------------

def test_street_dashboard_shows_the_flow_table(flow, leader, street, social, client):
    client.force_login(leader)
    page = client.get(reverse("supervision:street_dashboard", args=[street.street.pk]))
    assert page.status_code == 200
    board = page.context["board"]
    assert [row.name for row in board.flow.sections] == [street.department.name, social.name]
    assert b'data-testid="flow-communities"' in page.content
    assert b'data-testid="flow-sections"' in page.content
    previous = client.get(reverse("supervision:street_dashboard", args=[street.street.pk]),
                          {"flow_month": Period.of().previous.key})
    assert previous.context["board"].flow.period == Period.of().previous


def test_community_dashboard_has_no_flow_table(flow, officer_a, street, client):
    client.force_login(officer_a)
    page = client.get(reverse("supervision:community_dashboard", args=[street.community_a.pk]))
    assert page.context["board"].flow is None


def test_monthly_statistics_has_a_flow_section(flow, leader, street, social, api):
    api.force_authenticate(leader)
    body = api.get("/api/v1/statistics/monthly/").json()
    assert {"month", "street", "kept_at", "communities", "street_total"} <= set(body)
    rows = {row["community"]: row for row in body["flow"]["communities"]}
    row_a = rows[street.community_a.pk]
    assert (row_a["dispatched"], row_a["returned"], row_a["reworked"]) == (3, 1, 1)
    assert row_a["follow_up_satisfaction"] == 0.5
    assert row_a["links"]["returned"].startswith("/risks/?within=")
    assert body["flow"]["street_total"]["dispatched"] == 4
    sections = {row["department"]: row for row in body["flow"]["sections"]}
    assert sections[social.pk]["dispatched"] == 4


def test_monthly_statistics_flow_of_an_officer_is_their_community(flow, officer_a, street,
                                                                  api):
    api.force_authenticate(officer_a)
    flow_section = api.get("/api/v1/statistics/monthly/").json()["flow"]
    assert [row["community"] for row in flow_section["communities"]] == [street.community_a.pk]
    assert flow_section["street_total"] is None and flow_section["sections"] == []


# Query counts -------------------------------------------------------------------------------

FLOW_TABLE_QUERIES = 1  # four sources × (communities, sections), grouped, in one UNION ALL


@pytest.mark.parametrize("more", [False, True])
def test_flow_table_runs_a_fixed_number_of_queries(flow, ready_to_start, officer_a, social,
                                                   street, more, django_assert_num_queries):
    if more:
        for _ in range(3):
            risk = ready_to_start()
            services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    with django_assert_num_queries(FLOW_TABLE_QUERIES):
        flow_table(Period.of(), street=street.street,
                   communities=[street.community_a, street.community_b], sections=[social])


def test_register_says_which_flow_figure_it_lists(flow, leader, client):
    client.force_login(leader)
    page = client.get(reverse("risks:risk_list"), {"flow": "returned",
                                                  "flow_month": Period.of().key})
    assert b'data-testid="flow-notice"' in page.content
    assert [risk.pk for risk in page.context["risks"]] == [flow["returned"].pk]
