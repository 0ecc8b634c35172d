"""Every action in every status for every role: allowed ones move the matter and write an
event; refused ones answer 403 (role) or 400 (status) and change nothing.

The statuses each action starts from are written out here from API_CONTRACT.md, not read
from the code; the role table is the one the issue says the tests share with the code.
"""

import pytest

from quanfu.errors import Forbidden, RuleBroken
from risks import services
from risks.choices import Action, RiskStatus, Tier
from risks.models import Risk, RiskEvent
from risks.permissions import ROLE_OPERATIONS

S = RiskStatus
CONTRACT = {
    # action: ({statuses it may start from}, status it leads to; None = unchanged)
    Action.VERIFY: ({S.REPORTED}, S.VERIFIED),
    Action.REJECT: ({S.REPORTED, S.VERIFIED}, S.INVALID),
    Action.START: ({S.VERIFIED}, S.RESOLVING),
    Action.RESOLVE: ({S.RESOLVING}, S.RESOLVED),
    Action.CLOSE: ({S.RESOLVED}, S.CLOSED),
    Action.REOPEN: ({S.RESOLVED, S.CLOSED, S.INVALID}, "reopened"),
    Action.ESCALATE: ({S.REPORTED, S.VERIFIED, S.RESOLVING}, None),
    Action.DEESCALATE: (set(), None),  # at the community tier there is no tier below
    # any open status, once graded: risk_in grades a matter when it verifies it, so a
    # reported one here has no level to confirm (test_confirm_grade_needs_a_grade…)
    Action.CONFIRM_GRADE: ({S.VERIFIED, S.RESOLVING}, None),
    # the subject line needs a department or a dispatch first: tests/test_risk_dispatch.py
    Action.DISPATCH: (set(), None),
    Action.ACCEPT: (set(), None),
    Action.RETURN: (set(), None),
    Action.REWORK: ({S.RESOLVED}, S.RESOLVING),
    # needs a paused clock first (an approved pause): tests/test_risk_clocks.py
    Action.RESUME: (set(), None),
}
PERSONAS = ["grid_worker_a1", "officer_a", "section_staff", "leader", "supervisor_a",
            "api_client_user"]


@pytest.fixture
def risk_in(report, officer_a, colleague_a, roster_a1, street):
    """risk_in(status) -> a matter of grid A1 (department: 平安办) brought to ``status``
    through the services, at the community tier (resolved by a colleague of officer A, so
    that officer A may verify and write it off)."""

    def _risk_in(status):
        risk = report(officer_a, department=street.department)
        if status == S.REPORTED:
            return risk
        if status == S.INVALID:
            return services.reject_risk(risk, actor=officer_a, note="不属于风险隐患")
        risk = services.verify_risk(risk, actor=officer_a)
        risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                    changes={"level": "medium"})
        if status == S.VERIFIED:
            return risk
        risk = services.start_risk(risk, actor=officer_a)
        if status == S.RESOLVING:
            return risk
        risk = services.resolve_risk(risk, actor=colleague_a, note="已上门调解，双方达成协议。")
        if status == S.RESOLVED:
            return risk
        return services.close_risk(risk, actor=officer_a, note="双方和解，予以销号")

    return _risk_in


def state(risk):
    fresh = Risk.objects.get(pk=risk.pk)
    return fresh.status, fresh.tier, fresh.version, RiskEvent.objects.filter(risk=risk).count()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(Action))
def test_every_action_in_every_status_for_every_role(request, risk_in, persona, action):
    actor = request.getfixturevalue(persona)
    from_statuses, to_status = CONTRACT[action]
    role_may = action in ROLE_OPERATIONS[actor.role]
    for status in S:
        risk = risk_in(status)
        before = state(risk)
        if not role_may:
            with pytest.raises(Forbidden):
                services.transition_risk(risk, action, actor=actor, note="说明",
                                         version=risk.version)
            assert state(risk) == before, f"{persona} {action} {status} changed the matter"
        elif status not in from_statuses:
            with pytest.raises(RuleBroken):
                services.transition_risk(risk, action, actor=actor, note="说明",
                                         version=risk.version)
            assert state(risk) == before, f"{persona} {action} {status} changed the matter"
        else:
            moved = services.transition_risk(risk, action, actor=actor, note="说明",
                                             version=risk.version)
            expected = to_status or status
            if to_status == "reopened":
                expected = S.REPORTED if status == S.INVALID else S.RESOLVING
            assert moved.status == expected
            assert moved.version == before[2] + 1
            event = RiskEvent.objects.filter(risk=risk).latest("id")
            assert (event.action, event.from_status, event.to_status, event.actor) == (
                action, status, expected, actor)


def test_the_role_table_matches_the_work_plan():
    # grid workers report, note and answer; supervisors only read; the API client
    # reads and reports; only the street leader sends matters down a tier.
    assert ROLE_OPERATIONS["grid_worker"] == {"view", "report", "note"}
    assert ROLE_OPERATIONS["supervisor"] == {"view"}
    assert ROLE_OPERATIONS["api_client"] == {"view", "report"}
    holders = {role for role, ops in ROLE_OPERATIONS.items() if Action.DEESCALATE in ops}
    assert holders == {"street_leader"}


def test_start_requires_a_level(report, officer_a, roster_a1):
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    with pytest.raises(RuleBroken) as error:
        services.start_risk(risk, actor=officer_a)
    assert error.value.field == "level"
    assert Risk.objects.get(pk=risk.pk).status == S.VERIFIED


def test_start_requires_all_four_duties(report, officer_a, street):
    # grid A2 has no roster, so nothing is filled in by default
    risk = report(officer_a, area=street.grid_a2)
    risk = services.verify_risk(risk, actor=officer_a)
    risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                changes={"level": "low", "dispatch_person": officer_a})
    with pytest.raises(RuleBroken) as error:
        services.start_risk(risk, actor=officer_a)
    assert error.value.field == "duties"
    assert "摸排" in str(error.value.message) or "Investigation" in str(error.value.message)


def test_high_level_start_requires_a_lead_and_an_emergency_plan(report, officer_a, roster_a1,
                                                                leader):
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                changes={"level": "high"})
    with pytest.raises(RuleBroken) as error:
        services.start_risk(risk, actor=officer_a)
    assert error.value.field == "lead"
    risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                changes={"lead": leader})
    with pytest.raises(RuleBroken) as error:
        services.start_risk(risk, actor=officer_a)
    assert error.value.field == "emergency_plan"
    services.save_emergency_plan(
        risk, actor=officer_a, start_criteria="扬言伤害他人", stop_criteria="连续7日无异常",
        command="街道分管领导", duties="社区稳控", measures="专人盯守", supplies="执法记录仪")
    assert services.start_risk(risk, actor=officer_a).status == S.RESOLVING


def test_close_requires_resolution_note(ready_to_start, officer_a, colleague_a):
    risk = services.resolve_risk(services.start_risk(ready_to_start(), actor=officer_a),
                                 actor=officer_a, note="已上门调解，双方达成协议。")
    with pytest.raises(RuleBroken) as error:
        services.close_risk(risk, actor=colleague_a, note="   ")
    assert error.value.field == "note"
    closed = services.close_risk(risk, actor=colleague_a, note="回访无异常，销号")
    assert closed.resolution_note == "回访无异常，销号"
    assert closed.closed_at is not None


def test_reopen_clears_the_write_off_time(ready_to_start, officer_a, colleague_a):
    risk = services.resolve_risk(services.start_risk(ready_to_start(), actor=officer_a),
                                 actor=officer_a, note="已上门调解，双方达成协议。")
    risk = services.close_risk(risk, actor=colleague_a, note="销号")
    reopened = services.reopen_risk(risk, actor=officer_a, note="当事人再次反映")
    assert (reopened.status, reopened.closed_at) == (S.RESOLVING, None)


def test_escalation_climbs_one_tier_at_a_time(ready_to_start, officer_a, leader):
    risk = ready_to_start()
    risk = services.escalate_risk(risk, actor=officer_a, note="社区调解未果")
    assert risk.tier == Tier.STREET
    risk = services.escalate_risk(risk, actor=leader, note="街道协调未果，报区联席会议")
    assert risk.tier == Tier.DISTRICT
    with pytest.raises(RuleBroken):
        services.escalate_risk(risk, actor=leader, note="再升级")
    risk = services.deescalate_risk(risk, actor=leader, note="区级会议决定交街道办理")
    assert risk.tier == Tier.STREET


def test_community_officer_cannot_decide_a_street_tier_matter(ready_to_start, officer_a):
    risk = services.escalate_risk(ready_to_start(), actor=officer_a, note="提请街道")
    before = state(risk)
    with pytest.raises(Forbidden):
        services.start_risk(risk, actor=officer_a)
    with pytest.raises(Forbidden):
        services.update_risk(risk, actor=officer_a, version=risk.version,
                             changes={"level": "low"})
    assert state(risk) == before
    # but the officer may still write progress notes on it
    services.add_note(risk, actor=officer_a, note="社区继续做好稳控")


def test_section_staff_decide_street_tier_matters_of_their_department(ready_to_start,
                                                                       officer_a,
                                                                       section_staff, street):
    risk = ready_to_start(department=street.department)
    risk = services.escalate_risk(risk, actor=officer_a, note="提请街道")
    assert services.start_risk(risk, actor=section_staff).status == S.RESOLVING


def test_escalation_and_rejection_need_a_reason(ready_to_start, officer_a):
    risk = ready_to_start()
    for action in (Action.ESCALATE, Action.REJECT):
        with pytest.raises(RuleBroken) as error:
            services.transition_risk(risk, action, actor=officer_a, note="")
        assert error.value.field == "note"


def test_unknown_action_is_refused(ready_to_start, officer_a):
    with pytest.raises(RuleBroken) as error:
        services.transition_risk(ready_to_start(), "explode", actor=officer_a)
    assert error.value.field == "action"


def test_available_actions_are_what_the_user_may_do_now(ready_to_start, officer_a,
                                                        grid_worker_a1, leader):
    risk = ready_to_start()
    assert services.available_actions(risk, officer_a) == [
        Action.REJECT, Action.START, Action.ESCALATE, Action.DISPATCH, Action.CONFIRM_GRADE]
    assert services.available_actions(risk, grid_worker_a1) == []
    assert Action.DEESCALATE not in services.available_actions(risk, leader)


def test_the_person_who_resolved_a_matter_may_not_write_it_off(risk_in, colleague_a,
                                                              officer_a, api):
    """解决一个销号一个: someone else verifies; the resolver's close is 403 and changes nothing."""
    risk = risk_in(S.RESOLVED)
    assert risk.resolved_by == colleague_a
    before = state(risk)
    with pytest.raises(Forbidden):
        services.close_risk(risk, actor=colleague_a, note="已化解")
    assert "close" not in services.available_actions(risk, colleague_a)
    api.force_authenticate(colleague_a)
    response = api.post(f"/api/v1/risks/{risk.pk}/transition/",
                        {"action": "close", "note": "已化解", "version": risk.version},
                        format="json")
    assert response.status_code == 403
    assert state(risk) == before
    closed = services.close_risk(risk, actor=officer_a, note="回访核实无异常，销号")
    assert closed.status == S.CLOSED


def test_rework_clears_the_resolver_so_the_next_resolution_is_checked_again(
        risk_in, colleague_a, officer_a):
    risk = risk_in(S.RESOLVED)
    risk = services.transition_risk(risk, Action.REWORK, actor=officer_a,
                                    note="回访发现协议未履行", version=risk.version)
    assert (risk.status, risk.resolved_by, risk.reworks) == (S.RESOLVING, None, 1)
    risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    with pytest.raises(Forbidden):
        services.close_risk(risk, actor=officer_a, note="销号")
    assert services.close_risk(risk, actor=colleague_a, note="销号").status == S.CLOSED
