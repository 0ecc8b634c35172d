"""Approvals (审批): writing off a high-level matter, lowering its level, extending its
deadline and pausing its clock each need a request with a reason, decided by a leader of
the matter's street who did not ask for it. Write-off and downgrade are then allowed once;
an extension moves the deadline and the handling clock by the working days granted; a
pause stops the clocks. Refusals change nothing."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.roles import Role
from inbox.models import Message
from quanfu.errors import Forbidden, RuleBroken
from risks import approvals, clocks, services
from risks.choices import ApprovalState, EventKind, RiskStatus
from risks.models import Approval, Risk, RiskEvent, StageClock
from tests.conftest import make_user

EMERGENCY_PLAN = {"start_criteria": "扬言伤害他人", "stop_criteria": "连续7日无异常",
                  "command": "街道分管领导", "duties": "社区稳控", "measures": "专人盯守",
                  "supplies": "执法记录仪"}


@pytest.fixture
def second_leader(street):
    return make_user("leader_two", Role.STREET_LEADER, street.street)


@pytest.fixture
def started(ready_to_start, officer_a):
    """started(level="medium", **fields): a matter being resolved, its handling clock
    running; a high-level one has its emergency plan."""
    def _started(level="medium", **fields):
        risk = ready_to_start(level, **fields)
        if level == "high":
            services.save_emergency_plan(risk, actor=officer_a, **EMERGENCY_PLAN)
        return services.start_risk(Risk.objects.get(pk=risk.pk), actor=officer_a)

    return _started


@pytest.fixture
def resolved_high(started, officer_a):
    """A high-level matter resolved by officer_a: someone else verifies and writes it off."""
    return services.resolve_risk(started("high"), actor=officer_a, note="已调解，双方签字确认。")


def state(risk):
    return (Risk.objects.filter(pk=risk.pk).values().get(), RiskEvent.objects.count(),
            list(Approval.objects.values()))


def fresh(risk):
    return Risk.objects.get(pk=risk.pk)


def ask(api, user, risk, kind, reason="当事人已达成和解，申请审批。", **more):
    api.force_authenticate(user)
    return api.post("/api/v1/approvals/", {"risk": risk.pk, "kind": kind, "reason": reason,
                                           **more}, format="json")


def decide(api, user, approval_id, approve=True, note="", **more):
    api.force_authenticate(user)
    return api.post(f"/api/v1/approvals/{approval_id}/decide/",
                    {"approve": approve, "note": note, **more}, format="json")


def close(api, user, risk):
    api.force_authenticate(user)
    return api.post(f"/api/v1/risks/{risk.pk}/transition/",
                    {"action": "close", "note": "回访无异常，销号。",
                     "version": fresh(risk).version}, format="json")


# Write-off -------------------------------------------------------------------------------

def test_close_of_a_high_level_matter_without_approval_is_refused_and_changes_nothing(
        resolved_high, colleague_a, api):
    before = state(resolved_high)
    response = close(api, colleague_a, resolved_high)
    assert response.status_code == 400
    assert "approval" in response.json()
    assert state(resolved_high) == before


def test_write_off_requested_approved_then_closed_once(resolved_high, officer_a, colleague_a,
                                                       leader, api):
    response = ask(api, colleague_a, resolved_high, "write_off")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "risk", "kind", "reason", "days", "level", "state",
                         "requested_by", "requested_at", "decided_by", "decided_at",
                         "decision_note", "granted_days"}
    assert (body["state"], body["requested_by"]) == ("pending", colleague_a.pk)
    notice = Message.objects.get(recipient=leader, kind="approval")
    assert resolved_high.code in notice.title and notice.link == reverse("risks:approval_list")
    assert RiskEvent.objects.filter(risk=resolved_high, kind=EventKind.APPROVAL,
                                    action="request").exists()

    response = decide(api, leader, body["id"], note="同意销号")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["decided_by"]) == ("approved", leader.pk)
    told = Message.objects.get(recipient=colleague_a, kind="approval")
    assert told.link == reverse("risks:risk_detail", args=[resolved_high.pk])
    decided = RiskEvent.objects.get(risk=resolved_high, kind=EventKind.APPROVAL,
                                    action="approve")
    assert decided.changes["approval"] == "write_off"
    assert decided.changes["decision"] == "approved"

    response = close(api, colleague_a, resolved_high)
    assert response.status_code == 200, response.content
    assert fresh(resolved_high).status == RiskStatus.CLOSED
    assert Approval.objects.get(pk=body["id"]).used_at is not None
    # used once: reopened and resolved again, the matter needs a new approval
    risk = services.reopen_risk(fresh(resolved_high), actor=colleague_a, note="当事人再次反映")
    services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    assert close(api, colleague_a, resolved_high).status_code == 400


def test_the_resolver_may_not_request_the_write_off(resolved_high, officer_a, api):
    before = state(resolved_high)
    response = ask(api, officer_a, resolved_high, "write_off")
    assert response.status_code == 400
    assert state(resolved_high) == before


def test_a_rework_voids_an_approved_write_off(resolved_high, officer_a, colleague_a, leader,
                                              api):
    approval = approvals.request_approval(resolved_high, kind="write_off", reason="已化解",
                                          actor=colleague_a)
    approvals.decide_approval(approval, approve=True, actor=leader)
    risk = services.transition_risk(fresh(resolved_high), "rework", actor=colleague_a,
                                    note="现场核查仍有渗漏")
    services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    before = state(resolved_high)
    response = close(api, colleague_a, resolved_high)
    assert response.status_code == 400 and "approval" in response.json()
    assert state(resolved_high) == before
    assert Approval.objects.get(pk=approval.pk).used_at is None


def test_a_write_off_request_is_only_for_a_resolved_high_level_matter(started, colleague_a,
                                                                      api):
    response = ask(api, colleague_a, started("medium"), "write_off")
    assert response.status_code == 400 and "kind" in response.json()


# Who decides -----------------------------------------------------------------------------

def test_the_requester_may_not_decide_and_nothing_changes(started, leader, second_leader,
                                                          api):
    risk = started("high")
    approval = approvals.request_approval(risk, kind="downgrade", level="medium",
                                          reason="风险已明显降低", actor=leader)
    before = state(risk)
    response = decide(api, leader, approval.pk)
    assert response.status_code == 403
    assert state(risk) == before
    assert decide(api, second_leader, approval.pk).status_code == 200


@pytest.mark.parametrize("persona", ["officer_a", "section_staff"])
def test_an_officer_or_section_staff_may_not_decide(request, started, colleague_a, api,
                                                    street, persona):
    risk = started("medium", department=street.department, due_on=date(2026, 12, 30))
    approval = approvals.request_approval(risk, kind="extension", days=3,
                                          reason="需等待鉴定结论", actor=colleague_a)
    before = state(risk)
    response = decide(api, request.getfixturevalue(persona), approval.pk)
    assert response.status_code == 403
    assert state(risk) == before


def test_a_leader_of_another_street_does_not_even_see_it(started, colleague_a,
                                                         other_street_leader, api):
    risk = started("medium", due_on=date(2026, 12, 30))
    approval = approvals.request_approval(risk, kind="extension", days=3, reason="等待鉴定",
                                          actor=colleague_a)
    assert decide(api, other_street_leader, approval.pk).status_code == 404


def test_a_denial_needs_a_note(started, colleague_a, leader, api):
    risk = started("medium", due_on=date(2026, 12, 30))
    approval = approvals.request_approval(risk, kind="extension", days=3, reason="等待鉴定",
                                          actor=colleague_a)
    before = state(risk)
    response = decide(api, leader, approval.pk, approve=False, note=" ")
    assert response.status_code == 400 and "note" in response.json()
    assert state(risk) == before


@pytest.mark.parametrize("kind,more", [
    ("downgrade", {"level": "low"}), ("extension", {"days": 5}), ("pause", {}),
    ("write_off", {})])
def test_every_kind_can_be_denied_and_nothing_else_changes(started, officer_a, colleague_a,
                                                           leader, api, kind, more):
    risk = started("high", due_on=date(2026, 12, 30))
    if kind == "write_off":
        risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    response = ask(api, colleague_a, risk, kind, **more)
    assert response.status_code == 201, response.content
    matter_before = Risk.objects.filter(pk=risk.pk).values("level", "due_on", "status").get()
    clocks_before = list(StageClock.objects.filter(risk=risk).values())
    response = decide(api, leader, response.json()["id"], approve=False, note="理由不充分")
    assert response.status_code == 200 and response.json()["state"] == "denied"
    assert Risk.objects.filter(pk=risk.pk).values("level", "due_on", "status").get() == \
        matter_before
    assert list(StageClock.objects.filter(risk=risk).values()) == clocks_before
    denied = RiskEvent.objects.get(risk=risk, kind=EventKind.APPROVAL, action="deny")
    assert (denied.changes["approval"], denied.changes["decision"]) == (kind, "denied")
    assert decide(api, leader, response.json()["id"]).status_code == 400  # decided already


def test_one_pending_request_per_kind(started, colleague_a, officer_a, api):
    risk = started("medium", due_on=date(2026, 12, 30))
    assert ask(api, colleague_a, risk, "extension", days=2).status_code == 201
    before = state(risk)
    response = ask(api, officer_a, risk, "extension", days=4)
    assert response.status_code == 400 and "kind" in response.json()
    assert state(risk) == before
    assert ask(api, officer_a, risk, "pause").status_code == 201  # another kind


def test_a_request_needs_a_reason_without_personal_data(started, colleague_a, grid_worker_a1,
                                                        api):
    risk = started("medium")
    assert ask(api, colleague_a, risk, "pause", reason=" ").status_code == 400
    response = ask(api, colleague_a, risk, "pause", reason="当事人电话13812345678")
    assert response.status_code == 400
    # a grid worker does not handle the matter
    assert ask(api, grid_worker_a1, risk, "pause").status_code == 403
    assert not Approval.objects.exists()


# Downgrade -------------------------------------------------------------------------------

def test_downgrade_without_approval_is_refused_and_with_approval_allowed_once(
        started, colleague_a, leader, api):
    risk = started("high")

    def patch(level):
        api.force_authenticate(colleague_a)
        return api.patch(f"/api/v1/risks/{risk.pk}/",
                         {"version": fresh(risk).version, "level": level}, format="json")

    before = state(risk)
    response = patch("medium")
    assert response.status_code == 400 and "approval" in response.json()
    assert state(risk) == before

    approval = approvals.request_approval(risk, kind="downgrade", level="medium",
                                          reason="风险已明显降低", actor=colleague_a)
    approvals.decide_approval(approval, approve=True, actor=leader)
    assert patch("low").status_code == 400  # approved for medium, not low
    assert patch("medium").status_code == 200
    assert fresh(risk).level == "medium"
    assert Approval.objects.get(pk=approval.pk).used_at is not None
    assert patch("high").status_code == 200  # raising the level needs no approval
    assert patch("medium").status_code == 400  # the approval is used


def test_downgrade_in_the_edit_form_is_refused_with_the_reason(client, started, colleague_a):
    from tests.test_risk_pages import edit_data

    risk = started("high")
    client.force_login(colleague_a)
    url = reverse("risks:risk_edit", args=[risk.pk])
    initial = client.get(url).context["form"].initial
    before = state(risk)
    response = client.post(url, edit_data(initial, level="medium"))
    assert response.status_code == 200
    assert "审批" in response.content.decode()
    assert state(risk) == before


# Extension -------------------------------------------------------------------------------

def test_extension_moves_the_deadline_by_the_granted_working_days(started, colleague_a,
                                                                  leader, api):
    # Tue 29 Sep 2026: the 30th is a working day, 1-7 October the National Day holiday.
    risk = started("medium", due_on=date(2026, 9, 29))
    handle = StageClock.objects.get(risk=risk, stage="handle", stopped_at=None)
    response = ask(api, colleague_a, risk, "extension", days=3)
    assert response.json()["days"] == 3
    response = decide(api, leader, response.json()["id"], days=2)
    assert response.status_code == 200, response.content
    assert response.json()["granted_days"] == 2
    assert fresh(risk).due_on == date(2026, 10, 8)  # 30 Sep, then 8 Oct
    assert fresh(risk).due_on == clocks.add_working_days(date(2026, 9, 29), 2)
    moved = StageClock.objects.get(pk=handle.pk)
    assert moved.yellow_at > handle.yellow_at and moved.red_at > handle.red_at
    event = RiskEvent.objects.get(risk=risk, kind=EventKind.APPROVAL, action="approve")
    assert event.changes["due_on"] == ["2026-09-29", "2026-10-08"]
    assert event.changes["granted_days"] == 2


def test_extension_grants_the_days_asked_by_default(started, colleague_a, leader):
    risk = started("medium", due_on=date(2026, 12, 4))  # a Friday
    approval = approvals.request_approval(risk, kind="extension", days=1, reason="等待鉴定",
                                          actor=colleague_a)
    approval = approvals.decide_approval(approval, approve=True, actor=leader)
    assert approval.granted_days == 1
    assert fresh(risk).due_on == date(2026, 12, 7)  # the Monday


def test_a_later_deadline_set_directly_is_refused(started, colleague_a, api):
    risk = started("medium", due_on=date(2026, 12, 30))
    api.force_authenticate(colleague_a)
    before = state(risk)
    for due_on in ("2027-01-15", None):
        response = api.patch(f"/api/v1/risks/{risk.pk}/",
                             {"version": risk.version, "due_on": due_on}, format="json")
        assert response.status_code == 400 and "approval" in response.json()
    assert state(risk) == before
    response = api.patch(f"/api/v1/risks/{risk.pk}/",
                         {"version": risk.version, "due_on": "2026-12-20"}, format="json")
    assert response.status_code == 200  # an earlier deadline needs no approval


# Pause -----------------------------------------------------------------------------------

def test_an_approved_pause_stops_the_clocks(started, colleague_a, leader, api):
    risk = started("medium")
    assert not clocks.is_paused(risk)
    response = ask(api, colleague_a, risk, "pause", reason="等待法院判决")
    assert decide(api, leader, response.json()["id"]).status_code == 200
    assert clocks.is_paused(risk)
    assert StageClock.objects.filter(risk=risk, stopped_at=None, paused_at=None).count() == 0
    # nothing runs any more: a second pause is not possible
    assert ask(api, colleague_a, risk, "pause").status_code == 400


def test_a_pause_needs_a_running_clock(report, officer_a, api):
    risk = report(officer_a)  # reported: no clock runs yet
    assert ask(api, officer_a, risk, "pause").status_code == 400


# The list --------------------------------------------------------------------------------

def test_the_list_is_scoped_and_filtered(started, colleague_a, officer_b, leader,
                                         other_street_leader, api):
    risk = started("medium", due_on=date(2026, 12, 30))
    extension = approvals.request_approval(risk, kind="extension", days=2, reason="等待鉴定",
                                           actor=colleague_a)
    approvals.request_approval(risk, kind="pause", reason="等待判决", actor=colleague_a)
    approvals.decide_approval(extension, approve=True, actor=leader)

    def ids(user, **filters):
        api.force_authenticate(user)
        response = api.get("/api/v1/approvals/", filters)
        assert response.status_code == 200
        return [row["kind"] for row in response.json()["results"]]

    assert sorted(ids(leader)) == ["extension", "pause"]
    assert sorted(ids(colleague_a)) == ["extension", "pause"]
    assert ids(officer_b) == [] and ids(other_street_leader) == []
    assert ids(leader, state="pending") == ["pause"]
    assert ids(leader, kind="extension") == ["extension"]
    assert sorted(ids(leader, risk=risk.pk)) == ["extension", "pause"]


@pytest.mark.parametrize("count", [2, 6])
def test_the_list_takes_a_fixed_number_of_queries(started, colleague_a, leader, api, count,
                                                  django_assert_num_queries):
    for number in range(count):
        risk = started("medium", title=f"邻里纠纷{number}", due_on=date(2026, 12, 30))
        approvals.request_approval(risk, kind="extension", days=2, reason="等待鉴定",
                                   actor=colleague_a)
    api.force_authenticate(leader)
    with django_assert_num_queries(2):  # the count, the page
        response = api.get("/api/v1/approvals/")
    assert response.json()["count"] == count


def test_the_schema_documents_approvals(api, leader):
    api.force_authenticate(leader)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/approvals/" in schema["paths"]
    assert "/api/v1/approvals/{id}/decide/" in schema["paths"]


# Pages -----------------------------------------------------------------------------------

def waiting(started, colleague_a, count):
    """``count`` pending requests of several kinds, on as many matters."""
    kinds = ["extension", "pause", "extension", "pause", "extension", "pause"]
    made = []
    for number in range(count):
        risk = started("medium", title=f"邻里纠纷{number}", due_on=date(2026, 12, 30))
        made.append(approvals.request_approval(risk, kind=kinds[number], days=2,
                                               reason="等待鉴定", actor=colleague_a))
    return made


def test_the_approvals_page_shows_pending_first_with_counts_and_the_menu_count(
        client, started, colleague_a, leader):
    made = waiting(started, colleague_a, 3)
    approvals.decide_approval(made[2], approve=False, note="无需延期", actor=leader)
    client.force_login(leader)
    response = client.get(reverse("risks:approval_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="count-extension">1<' in page
    assert 'data-testid="count-pause">1<' in page
    assert 'data-testid="approvals-pending">2<' in page
    assert page.index('data-testid="pending"') < page.index('data-testid="decided"')
    assert page.count('data-testid="approval-row"') == 2
    assert made[0].risk.code in page and "等待鉴定" in page
    assert f'data-testid="approve-{made[0].pk}"' in page
    # the requester sees the request, without a decision to take and without a count
    client.force_login(colleague_a)
    page = client.get(reverse("risks:approval_list")).content.decode()
    assert 'data-testid="approval-row"' in page and "approve-" not in page
    assert 'data-testid="approvals-pending"' not in page


@pytest.mark.parametrize("count", [2, 6])
def test_the_approvals_page_takes_a_fixed_number_of_queries(
        client, started, colleague_a, leader, count, django_assert_num_queries):
    waiting(started, colleague_a, count)
    client.force_login(leader)
    client.get(reverse("risks:approval_list"))  # the session's first writes
    # the session, the user, the pending and the decided rows (with their matters and
    # people joined), the inbox's unread count and the menu's count of pending approvals
    with django_assert_num_queries(6):
        response = client.get(reverse("risks:approval_list"))
    assert response.content.decode().count('data-testid="approval-row"') == count


def test_deciding_on_the_page_goes_back_with_the_outcome(client, started, colleague_a,
                                                         leader):
    [approval] = waiting(started, colleague_a, 1)
    client.force_login(leader)
    url = reverse("risks:approval_decide", args=[approval.pk])
    back = reverse("risks:approval_list")
    response = client.post(url, {"approve": "0", "note": "", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Approval.objects.get(pk=approval.pk).state == ApprovalState.PENDING
    page = client.get(back).content.decode()
    assert "请说明驳回理由" in page  # the refusal is said on the page it came from
    response = client.post(url, {"approve": "1", "note": "同意", "days": "4", "next": back},
                           follow=True)
    assert response.status_code == 200
    decided = Approval.objects.get(pk=approval.pk)
    assert (decided.state, decided.granted_days) == (ApprovalState.APPROVED, 4)
    assert 'data-testid="decided-row"' in response.content.decode()


def test_the_matter_page_offers_requests_and_lists_approvals(client, started, colleague_a,
                                                             leader):
    risk = started("high", due_on=date(2026, 12, 30))
    client.force_login(colleague_a)
    url = reverse("risks:risk_detail", args=[risk.pk])
    page = client.get(url).content.decode()
    for kind in ("downgrade", "extension", "pause"):
        assert f'data-testid="request-{kind}"' in page
    assert 'data-testid="request-write_off"' not in page  # not resolved yet
    response = client.post(reverse("risks:approval_request", args=[risk.pk]),
                           {"kind": "extension", "reason": "等待鉴定结论", "days": "5"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="approval-extension"' in page and "等待鉴定结论" in page
    assert 'data-testid="request-extension"' not in page  # one is waiting
    # a refused request comes back with what was typed and why
    response = client.post(reverse("risks:approval_request", args=[risk.pk]),
                           {"kind": "downgrade", "reason": "风险降低", "level": ""})
    assert response.status_code == 400
    assert 'data-testid="failed-approval"' in response.content.decode()
    # the leader decides on the matter's page too
    client.force_login(leader)
    page = client.get(url).content.decode()
    approval = Approval.objects.get(risk=risk)
    assert f'data-testid="approve-{approval.pk}"' in page


def test_closing_a_high_level_matter_on_its_page_without_approval_says_why(
        client, resolved_high, colleague_a):
    client.force_login(colleague_a)
    before = state(resolved_high)
    response = client.post(reverse("risks:risk_transition", args=[resolved_high.pk]),
                           {"action": "close", "note": "已化解", "version": resolved_high.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="failed-action"' in page and "审批" in page
    assert 'data-testid="failed-close-request-write_off"' in page  # asked for right there
    assert state(resolved_high) == before


def test_the_services_refuse_like_the_api(resolved_high, officer_a, colleague_a, leader):
    with pytest.raises(RuleBroken) as refused:
        services.close_risk(resolved_high, actor=colleague_a, note="销号")
    assert refused.value.field == "approval"
    approval = approvals.request_approval(resolved_high, kind="write_off", reason="已化解",
                                          actor=colleague_a)
    with pytest.raises(Forbidden):
        approvals.decide_approval(approval, approve=True, actor=colleague_a)
    with pytest.raises(Forbidden):
        approvals.decide_approval(approval, approve=True, actor=officer_a)
