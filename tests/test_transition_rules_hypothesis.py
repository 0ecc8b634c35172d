"""No sequence of actions reaches an invalid state (issue 9): Hypothesis drives the
register's operations (risks.services), by every role, on a few matters, and after each
step checks what must always hold.

Each step picks a matter, a person and an operation: any transition (the flow's dispatch
to a section, sign-in, return, rework and resume included), an edit, grading, naming or
clearing a duty or the lead, a note, a party, an emergency plan, a link as duplicate, a
request for a leader's approval (write-off, downgrade, extension, pause) or a decision on
one; with a note that may be blank and the version read, a stale one or none. A person
reaches a matter only through risks.scoping, as every view does. Then:

- the status is one of RiskStatus, the tier one of Tier;
- the history explains the matter: its status events chain from "reported" to the status
  it has, its tier changes from "community" to the tier it has;
- every change of status wrote exactly one event saying so (from, to);
- a written-off matter has its write-off time and a resolution note; no other has the time;
- an accepted change raised the version by exactly one; a refused one (403, 400, 409, or
  out of scope) changed nothing at all: the row, its events, parties, plans, approvals
  and clocks;
- the flow holds together: never more than two returns; a signed-for matter is owned by
  the section it was dispatched to; nobody wrote off a matter they resolved; a written-off
  high-level matter used a leader's write-off approval; nobody decided their own request;
  a running clock belongs to the stage the matter is in, never to a finished matter.

By default a bounded run (30 sequences of up to 15 steps, derandomised, well under 30 s);
``HYPOTHESIS_PROFILE=long`` explores far more, randomly (1,000 sequences of up to 40
steps, with shrinking: about 50 minutes on a busy two-core machine):

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_transition_rules_hypothesis.py
"""

import os
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from risks import approvals, services
from risks.choices import (
    Action,
    ApprovalKind,
    ApprovalState,
    ClockStage,
    EventKind,
    RiskLevel,
    RiskStatus,
    Tier,
)
from risks.models import DUTY_FIELDS, Approval, EmergencyPlan, Party, Risk, RiskEvent, StageClock
from risks.routing import MAX_RETURNS
from risks.scoping import visible_risks

PROFILES = {
    # no shrinking by default: each step is a few queries, and shrinking a failure would
    # take minutes; a failure still prints its steps (and ``self.steps`` in the assertion)
    "default": settings(max_examples=30, stateful_step_count=15, deadline=None,
                        derandomize=True, database=None,
                        phases=[Phase.explicit, Phase.reuse, Phase.generate],
                        suppress_health_check=[HealthCheck.too_slow]),
    "long": settings(max_examples=1000, stateful_step_count=40, deadline=None,
                     database=None, suppress_health_check=[HealthCheck.too_slow]),
}
for profile_name, profile in PROFILES.items():
    settings.register_profile(f"quanfu-transition-rules-{profile_name}", profile)

PERSONAS = ["grid_worker_a1", "officer_a", "colleague_a", "section_staff", "social_staff",
            "leader", "supervisor_a", "api_client_user", "superuser"]
# A refusal: the domain's own errors, and the model's validation (full_clean, which the
# services run before saving: a title too long), which the API answers with 400 too.
REFUSALS = (Forbidden, RuleBroken, StaleVersion, ValidationError)
# Mostly real notes and the version the person read: a blank note or a stale version is
# refused at once, and too many refusals would keep the matters where they started.
NOTES = st.sampled_from(["已上门核实，双方情绪平稳。", "双方达成调解协议。", "", "   "])
VERSIONS = st.sampled_from(["read", "read", "none", "stale"])
# The people who handle matters, for the steps that drive a matter along its life.
HANDLERS = ["officer_a", "colleague_a", "section_staff", "social_staff", "leader", "superuser"]
# The actions the contract (API_CONTRACT.md) lets a matter take from each status.
NEXT_ACTIONS = {
    RiskStatus.REPORTED: [Action.VERIFY, Action.REJECT, Action.ESCALATE],
    RiskStatus.VERIFIED: [Action.START, Action.REJECT, Action.ESCALATE, Action.ACCEPT,
                          Action.RETURN],
    RiskStatus.RESOLVING: [Action.RESOLVE, Action.ESCALATE, Action.RESUME],
    RiskStatus.RESOLVED: [Action.CLOSE, Action.REOPEN, Action.REWORK],
    RiskStatus.CLOSED: [Action.REOPEN],
    RiskStatus.INVALID: [Action.REOPEN],
}
EMERGENCY_PLAN = {"start_criteria": "发生肢体冲突", "stop_criteria": "情绪平稳",
                  "command": "社区书记现场指挥", "duties": "社区劝导、网格员稳控",
                  "measures": "隔离双方、组织调解", "supplies": "执法记录仪"}
ALL_STATUSES = set(RiskStatus.values)
ALL_TIERS = set(Tier.values)
MATTERS = st.integers(0, 2)
# Started and not yet written off: graded, with four responsible persons (start checks both).
STARTED = {RiskStatus.RESOLVING, RiskStatus.RESOLVED}
PEOPLE = st.sampled_from(["officer_a", "grid_worker_a1", "leader", "supervisor_a", None])


def snapshot(risk_id: int) -> dict:
    """Everything a refused action must leave as it was."""
    return {
        "row": Risk.objects.filter(pk=risk_id).values().get(),
        "events": list(RiskEvent.objects.filter(risk_id=risk_id).values_list("pk", flat=True)),
        "parties": list(Party.objects.filter(risk_id=risk_id).values_list("pk", flat=True)),
        "emergency_plan": list(EmergencyPlan.objects.filter(risk_id=risk_id)
                               .values_list("pk", "revision")),
        "approvals": list(Approval.objects.filter(risk_id=risk_id).order_by("pk").values()),
        "clocks": list(StageClock.objects.filter(risk_id=risk_id).order_by("pk").values()),
    }


def status_changes(events) -> list:
    return [event for event in events if event.to_status and event.from_status
            and event.from_status != event.to_status]


class TransitionRules(RuleBasedStateMachine):
    """The register as a state machine. ``people`` and ``matter_ids`` are set by the test
    (from the fixtures); each run works inside a savepoint rolled back after it, so every
    run starts from the same three matters."""

    people: dict = {}
    matter_ids: list = []
    departments: list = []
    accepted: Counter = Counter()  # operations that went through, over every run

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.steps = []

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # Doing one thing ------------------------------------------------------------------------

    def attempt(self, label: str, matter: int, persona: str, operation) -> None:
        """Run ``operation(risk)`` as ``persona`` on the matter as they see it, and check
        that a refusal changed nothing and an acceptance bumped the version once."""
        risk_id = self.matter_ids[matter]
        actor = self.people[persona]
        before = snapshot(risk_id)
        risk = visible_risks(actor).filter(pk=risk_id).first()
        self.steps.append(f"{persona} {label} on matter {matter}")
        if risk is None:  # out of scope: the view answers 404 before any service runs
            return
        try:
            operation(risk, actor)
        except REFUSALS:
            assert snapshot(risk_id) == before, f"refused, yet changed: {self.steps}"
            return
        self.accepted[label.split(" ")[0].split("(")[0]] += 1
        after = snapshot(risk_id)
        new_events = list(RiskEvent.objects.filter(risk_id=risk_id)
                          .exclude(pk__in=before["events"]).order_by("pk"))
        if not new_events:  # accepted, but there was nothing to change (same values)
            assert after == before, f"changed without an event: {self.steps}"
            return
        old_row, new_row = before["row"], after["row"]
        assert new_row["version"] == old_row["version"] + 1, self.steps
        announced = status_changes(new_events)
        if new_row["status"] != old_row["status"]:
            assert [(event.from_status, event.to_status) for event in announced] == [
                (old_row["status"], new_row["status"])], self.steps
        else:
            assert announced == [], self.steps

    @staticmethod
    def version_for(risk, kind: str):
        return {"read": risk.version, "stale": risk.version - 1, "none": None}[kind]

    # The operations -------------------------------------------------------------------------

    @rule(matter=MATTERS, persona=st.sampled_from(PERSONAS),
          action=st.sampled_from(list(Action)), note=NOTES, version=VERSIONS)
    def transition(self, matter, persona, action, note, version):
        """Any action, by anyone, in any status: mostly refused."""
        self.attempt(f"{action}({note!r}, {version})", matter, persona,
                     lambda risk, actor: services.transition_risk(
                         risk, action, actor=actor, note=note,
                         version=self.version_for(risk, version)))

    @rule(matter=MATTERS, persona=st.sampled_from(HANDLERS), pick=st.integers(0, 3),
          down=st.booleans())
    def advance(self, matter, persona, pick, down):
        """An action the contract allows from the matter's status, with a note: drives
        matters through their lives (still refused by role, tier or a precondition)."""
        status, tier = Risk.objects.filter(pk=self.matter_ids[matter]).values_list(
            "status", "tier").get()
        actions = NEXT_ACTIONS[status]
        if down and tier != Tier.COMMUNITY and status in NEXT_ACTIONS[RiskStatus.RESOLVING]:
            actions = [Action.DEESCALATE]
        action = actions[pick % len(actions)]
        self.attempt(f"advance: {action}", matter, persona,
                     lambda risk, actor: services.transition_risk(
                         risk, action, actor=actor, note="按程序办理。", version=risk.version))

    @rule(matter=MATTERS, persona=st.sampled_from(PERSONAS),
          change=st.one_of(
              st.fixed_dictionaries({"level": st.sampled_from([*RiskLevel.values, None])}),
              st.builds(lambda field, person: {field: person},
                        st.sampled_from([*DUTY_FIELDS.values(), "lead"]), PEOPLE),
              st.fixed_dictionaries({"title": st.sampled_from(["楼道堆物引发邻里纠纷", "x" * 201]),
                                     "due_on": st.sampled_from([None, -3, 10])})),
          version=VERSIONS)
    def update(self, matter, persona, change, version):
        """Grading, naming or clearing a duty or the lead, editing the facts."""
        self.attempt(f"update {change} ({version})", matter, persona,
                     lambda risk, actor: services.update_risk(
                         risk, actor=actor, version=self.version_for(risk, version),
                         changes=self.resolved(change)))

    @rule(matter=MATTERS, persona=st.sampled_from(PERSONAS),
          kind=st.sampled_from(["note", "party", "emergency plan"]), note=NOTES,
          variant=st.booleans())
    def annotate(self, matter, persona, kind, note, variant):
        """A note, a party (with a plausible phone or not), the emergency plan (revised
        with or without a reason)."""
        def operation(risk, actor):
            if kind == "note":
                return services.add_note(risk, actor=actor, note=note)
            if kind == "party":
                return services.add_party(risk, actor=actor, name="张三",
                                          phone="13812345678" if variant else "call me")
            measures = EMERGENCY_PLAN["measures"] + ("、疏散" if variant else "")
            return services.save_emergency_plan(risk, actor=actor, reason=note,
                                                **{**EMERGENCY_PLAN, "measures": measures})

        self.attempt(f"{kind} ({note!r}, {variant})", matter, persona, operation)

    @rule(matter=MATTERS, original=MATTERS, persona=st.sampled_from(PERSONAS))
    def link_duplicate(self, matter, original, persona):
        self.attempt(f"link as duplicate of {original}", matter, persona,
                     lambda risk, actor: services.link_duplicate(
                         risk, Risk.objects.get(pk=self.matter_ids[original]), actor=actor,
                         version=risk.version))

    @rule(matter=MATTERS, persona=st.sampled_from(PERSONAS), to_social=st.booleans())
    def dispatch(self, matter, persona, to_social):
        """分流 to a section (the subject line's, or the centre itself)."""
        department = self.departments[1 if to_social else 0]
        self.attempt(f"dispatch to {department.code}", matter, persona,
                     lambda risk, actor: services.transition_risk(
                         risk, Action.DISPATCH, actor=actor, department=department,
                         version=risk.version))

    # mostly requests that can be granted: a handler, a reason, days, a lower level
    @rule(matter=MATTERS, persona=st.sampled_from([*HANDLERS, "grid_worker_a1"]),
          kind=st.sampled_from(ApprovalKind.values), days=st.sampled_from([3, 3, None, 0]),
          level=st.sampled_from([RiskLevel.LOW, RiskLevel.LOW, None, RiskLevel.HIGH]),
          reason=st.sampled_from(["等待法院判决，申请中止计时。"] * 3 + ["  "]))
    def ask_approval(self, matter, persona, kind, days, level, reason):
        self.attempt(f"ask approval {kind} ({days}, {level}, {reason!r})", matter, persona,
                     lambda risk, actor: approvals.request_approval(
                         risk, kind=kind, reason=reason, actor=actor, days=days, level=level))

    @rule(matter=MATTERS, persona=st.sampled_from(["leader", "leader", "superuser",
                                                   *PERSONAS]),
          approve=st.booleans(), note=NOTES, days=st.sampled_from([None, 1, 5]))
    def decide(self, matter, persona, approve, note, days):
        """A decision on a pending request (the chosen matter's, or else the oldest one), by
        anyone: mostly leaders."""
        pending = Approval.objects.filter(risk_id__in=self.matter_ids,
                                          state=ApprovalState.PENDING)
        pending = (pending.filter(risk_id=self.matter_ids[matter]).first()
                   or pending.order_by("pk").first())
        if pending is None:
            return
        matter = self.matter_ids.index(pending.risk_id)
        self.attempt(f"decide {pending.kind}: {approve} ({note!r}, {days})", matter, persona,
                     lambda risk, actor: approvals.decide_approval(
                         pending, approve=approve, note=note, actor=actor, days=days))

    def resolved(self, change: dict) -> dict:
        """People by persona name, due dates by days from today."""
        resolved = {}
        for field, value in change.items():
            if field in (*DUTY_FIELDS.values(), "lead"):
                value = self.people[value] if value else None
            elif field == "due_on" and value is not None:
                value = timezone.localdate() + timedelta(days=value)
            resolved[field] = value
        return resolved

    # What always holds ----------------------------------------------------------------------

    @invariant()
    def every_matter_is_in_a_valid_state(self):
        for risk in Risk.objects.filter(pk__in=self.matter_ids):
            assert risk.status in ALL_STATUSES, self.steps
            assert risk.tier in ALL_TIERS, self.steps
            if risk.status == RiskStatus.CLOSED:
                assert risk.closed_at is not None and risk.resolution_note.strip(), self.steps
            else:
                assert risk.closed_at is None, self.steps
            assert risk.duplicate_of_id != risk.pk, self.steps
            if risk.status in STARTED:  # what starting demanded still holds
                assert risk.level and risk.has_all_duties(), self.steps

    @invariant()
    def the_flow_holds_together(self):
        for risk in Risk.objects.filter(pk__in=self.matter_ids):
            assert risk.returns <= MAX_RETURNS, self.steps
            if risk.dispatched_to_id is None:
                assert (risk.dispatched_at, risk.accepted_at) == (None, None), self.steps
            if risk.accepted_at is not None:
                assert risk.department_id == risk.dispatched_to_id, self.steps
            running = set(StageClock.objects.filter(risk=risk, stopped_at=None)
                          .values_list("stage", flat=True))
            if risk.status in (RiskStatus.CLOSED, RiskStatus.INVALID):
                assert running == set(), (risk.status, running, self.steps)
            if ClockStage.ACCEPT in running:
                assert risk.dispatched_to_id and risk.accepted_at is None, self.steps
            if ClockStage.VERIFY in running:
                assert risk.status == RiskStatus.RESOLVED, self.steps
            if ClockStage.HANDLE in running:
                assert risk.status in (RiskStatus.VERIFIED, RiskStatus.RESOLVING), self.steps
        for approval in Approval.objects.filter(risk_id__in=self.matter_ids):
            assert approval.decided_by_id != approval.requested_by_id, self.steps
            assert (approval.state == ApprovalState.PENDING) == (approval.decided_at is None)

    @invariant()
    def nobody_writes_off_what_they_resolved(self):
        resolver = {}
        for risk_id, action, actor_id in (
                RiskEvent.objects.filter(risk_id__in=self.matter_ids).order_by("pk")
                .values_list("risk_id", "action", "actor_id")):
            if action == Action.RESOLVE:
                resolver[risk_id] = actor_id
            if action == Action.CLOSE:
                assert actor_id != resolver.get(risk_id), self.steps
        for risk in Risk.objects.filter(pk__in=self.matter_ids, status=RiskStatus.CLOSED,
                                        level=RiskLevel.HIGH):
            assert Approval.objects.filter(risk=risk, kind=ApprovalKind.WRITE_OFF,
                                           used_at__isnull=False).exists(), self.steps

    @invariant()
    def the_history_explains_every_matter(self):
        events = RiskEvent.objects.filter(risk_id__in=self.matter_ids).order_by("pk")
        walked = {}  # risk id: (status, tier) as the history tells it
        for risk_id, kind, from_status, to_status, changes in events.values_list(
                "risk_id", "kind", "from_status", "to_status", "changes"):
            if risk_id not in walked:
                assert (kind, to_status) == (EventKind.CREATED, RiskStatus.REPORTED), self.steps
                walked[risk_id] = (to_status, Tier.COMMUNITY)
                continue
            status, tier = walked[risk_id]
            if to_status:
                assert from_status == status, (risk_id, kind, self.steps)
                status = to_status
            if kind == EventKind.TRANSITION and "tier" in (changes or {}):
                from_tier, to_tier = changes["tier"]
                assert from_tier == tier, (risk_id, self.steps)
                tier = to_tier
            walked[risk_id] = (status, tier)
        assert walked == {risk_id: (status, tier) for risk_id, status, tier in Risk.objects
                          .filter(pk__in=self.matter_ids).values_list("pk", "status", "tier")
                          }, self.steps


@pytest.fixture
def matters(report, officer_a, leader, street, roster_a1):
    """Three matters at different points of their lives, all answered for by the 平安办:
    a new report in grid A1 (duties from the roster, not graded); one of grid A1 graded
    medium and being resolved; one of grid B1 with the leader on every duty, verified and
    escalated to the street tier."""
    first = report(officer_a, department=street.department)
    second = report(officer_a, department=street.department, title="欠薪纠纷")
    second = services.verify_risk(second, actor=officer_a)
    second = services.update_risk(second, actor=officer_a, version=second.version,
                                  changes={"level": RiskLevel.MEDIUM})
    second = services.start_risk(second, actor=officer_a)
    third = services.report_risk(
        actor=leader, title="市场摊位纠纷", description="两家摊主因摊位边界多次争执。",
        category=first.category, area=street.grid_b1, department=street.department,
        level=RiskLevel.LOW, duties={duty: leader for duty in DUTY_FIELDS}).risk
    third = services.verify_risk(third, actor=leader)
    third = services.escalate_risk(third, actor=leader, note="社区调解未果。")
    return [first, second, third]


def test_no_sequence_of_actions_reaches_an_invalid_state(request, matters, street):
    TransitionRules.people = {persona: request.getfixturevalue(persona) for persona in PERSONAS}
    TransitionRules.matter_ids = [risk.pk for risk in matters]
    TransitionRules.departments = [street.department,
                                   TransitionRules.people["social_staff"].department]
    profile = os.environ.get("HYPOTHESIS_PROFILE", "default")
    TransitionRules.accepted.clear()
    run_state_machine_as_test(TransitionRules, settings=PROFILES.get(profile,
                                                                     PROFILES["default"]))
    # the runs reached the flow, not only refusals
    print(dict(TransitionRules.accepted))
    for operation in ("dispatch", "ask", "decide", "advance:"):
        assert TransitionRules.accepted[operation], dict(TransitionRules.accepted)


# What the state machine found ---------------------------------------------------------------

@pytest.mark.parametrize("change", [{"level": None}, {"dispatch_person": None},
                                    {"stabilize_person": None}])
def test_a_matter_being_resolved_keeps_its_level_and_four_persons(ready_to_start, officer_a,
                                                                  change):
    """Found by the state machine: start demands a level and four named persons, and
    clearing one afterwards left a matter being resolved that could never have started."""
    risk = services.start_risk(ready_to_start(), actor=officer_a)
    before = snapshot(risk.pk)
    with pytest.raises(RuleBroken) as refused:
        services.update_risk(risk, actor=officer_a, version=risk.version, changes=change)
    assert refused.value.field == next(iter(change))
    assert snapshot(risk.pk) == before
    # naming someone else is still an ordinary change
    changed = services.update_risk(risk, actor=officer_a, version=risk.version,
                                   changes={"dispatch_person": officer_a, "level": "low"})
    assert changed.level == "low" and changed.version == risk.version + 1
