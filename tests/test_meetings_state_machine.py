"""No sequence of actions on meetings reaches an invalid state (issue 15): Hypothesis drives
meetings.services, by every role, on three meetings, their action items and two whistle
calls, and after each step checks what must always hold.

Each step picks a meeting, an action item or a report-in, a person and an operation:
editing a draft (with the version read, a stale one or none), putting a matter, a topic or
an action item on the agenda or taking one off, recording a decision, approving (or an
unknown action), driving a draft to approval,
amending approved minutes, assigning an action item, completing, cancelling or reopening
one, a department reporting in. A person reaches a record only through meetings.scoping,
as every view does. Then:

- every status is one of its table's states (meetings/transitions.py), and every recorded
  step of an action item is a transition of its table, chaining from "open" to the status
  it has;
- an approved meeting is never a draft again; it carries who approved it and when, and a
  decision on every item; a draft carries neither;
- an action item is done exactly when it has its completion time, and moves only once its
  minutes are approved; a call is closed exactly when every department has reported in;
- an accepted change of status wrote its history: a progress row for an action item (from,
  to, who), the approval stamp, the closing time, and the audit log's transition entry;
- a refused step (403, 400, 409) changed nothing at all: meetings, agendas, action items,
  progress, amendments, calls, report-ins, the matters, their events and the audit log.

By default a bounded run (30 sequences of up to 15 steps, derandomised);
``HYPOTHESIS_PROFILE=long`` explores far more, randomly:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_meetings_state_machine.py
"""

import os
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from audit.choices import AuditAction
from audit.models import AuditEntry
from meetings import permissions, services
from meetings.choices import (
    ActionItemAction,
    ActionItemStatus,
    Decision,
    MeetingAction,
    MeetingStatus,
    WhistleStatus,
)
from meetings.models import (
    ActionItem,
    ActionItemProgress,
    Amendment,
    DepartmentReport,
    Meeting,
    MeetingItem,
    WhistleCall,
)
from meetings.scoping import visible_action_items, visible_meetings, visible_reports
from meetings.transitions import ACTION_ITEM_TRANSITIONS, MEETING_TRANSITIONS
from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from risks.choices import Tier
from risks.models import Risk, RiskEvent
from tests.meetings_helpers import (
    MINUTES,
    decide,
    escalated,
    hold,
    resolving,
    second_department,
)

PROFILES = {
    "default": settings(max_examples=30, stateful_step_count=15, deadline=None,
                        derandomize=True, database=None,
                        phases=[Phase.explicit, Phase.reuse, Phase.generate],
                        suppress_health_check=[HealthCheck.too_slow]),
    "long": settings(max_examples=500, stateful_step_count=40, deadline=None,
                     database=None, suppress_health_check=[HealthCheck.too_slow]),
}

PERSONAS = ["officer_a", "colleague_a", "officer_b", "grid_worker_a1", "leader",
            "section_staff", "staff_urban", "supervisor_a", "superuser"]
# Those who manage one of the meetings (community A's officers, the street leader, the
# superuser): the steps that drive records along mostly use them, or nothing would move.
MANAGERS = ["officer_a", "colleague_a", "leader", "superuser"]
ANYONE = st.sampled_from(PERSONAS)
MOSTLY_MANAGERS = st.sampled_from([*MANAGERS, *MANAGERS, *PERSONAS])
REFUSALS = (Forbidden, RuleBroken, StaleVersion, ValidationError)
MEETINGS = st.integers(0, 2)
PICK = st.integers(0, 5)
VERSIONS = st.sampled_from(["read", "read", "none", "stale"])
NOTES = st.sampled_from(["已约谈双方，达成一致。", "情况变化，不再需要。", "", "  "])
# follow up fits every item, so it comes most often; the others fit some items and tiers
DECISIONS = st.sampled_from([Decision.FOLLOW_UP, Decision.FOLLOW_UP, Decision.NOTED,
                             Decision.SETTLE, Decision.ESCALATE, Decision.SEND_DOWN])
MEETING_STATES = set(MeetingStatus.values)
ACTION_ITEM_STATES = set(ActionItemStatus.values)
WHISTLE_STATES = set(WhistleStatus.values)


class MeetingRules(RuleBasedStateMachine):
    """The meetings app as a state machine. ``people``, ``meeting_ids``, ``matter_ids`` and
    ``call_ids`` are set by the test (from the fixtures); each run works inside a savepoint
    rolled back after it, so every run starts from the same records."""

    people: dict = {}
    meeting_ids: list = []
    matter_ids: list = []
    call_ids: list = []

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.steps = []
        self.ever_approved = set()
        self.last = None  # the snapshot after the last step (invariants change nothing)

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # What a step may touch --------------------------------------------------------------------

    def snapshot(self) -> dict:
        """Everything a refused step must leave as it was."""
        meetings = Meeting.objects.filter(pk__in=self.meeting_ids)
        return {
            "meetings": list(meetings.order_by("pk").values()),
            "items": list(MeetingItem.objects.filter(meeting__in=meetings).order_by("pk")
                          .values()),
            "action_items": list(ActionItem.objects.filter(meeting__in=meetings)
                                 .order_by("pk").values()),
            "progress": list(ActionItemProgress.objects.order_by("pk")
                             .values_list("pk", flat=True)),
            "amendments": list(Amendment.objects.order_by("pk").values_list("pk", flat=True)),
            "calls": list(WhistleCall.objects.filter(pk__in=self.call_ids).order_by("pk")
                          .values()),
            "reports": list(DepartmentReport.objects.filter(call_id__in=self.call_ids)
                            .order_by("pk").values()),
            "matters": list(Risk.objects.filter(pk__in=self.matter_ids).order_by("pk")
                            .values()),
            "events": RiskEvent.objects.filter(risk_id__in=self.matter_ids).count(),
            "audit": AuditEntry.objects.aggregate(last=Max("seq"))["last"] or 0,
        }

    def attempt(self, label: str, persona: str, operation) -> None:
        """Run ``operation(actor)`` as ``persona`` and check that a refusal changed nothing
        and an accepted change of status wrote its history."""
        actor = self.people[persona]
        self.steps.append(f"{persona}: {label}")
        before = self.last or self.snapshot()
        try:
            operation(actor)
        except REFUSALS:
            self.last = self.snapshot()
            assert self.last == before, f"refused, yet changed: {self.steps}"
            return
        except LookupError:  # outside the scope (404) or nothing to pick: nothing done
            self.last = self.snapshot()
            assert self.last == before, self.steps
            return
        after = self.last = self.snapshot()
        audited = {(entry.model_label, entry.object_id): entry.changes["status"]
                   for entry in AuditEntry.objects.filter(action=AuditAction.TRANSITION,
                                                          seq__gt=before["audit"])
                   if "status" in entry.changes}
        self.check_meetings(before, after, actor, audited)
        self.check_action_items(before, after, actor)
        self.check_calls(before, after, audited)

    def check_meetings(self, before, after, actor, audited) -> None:
        old = {row["id"]: row for row in before["meetings"]}
        for row in after["meetings"]:
            was = old[row["id"]]
            assert row["version"] >= was["version"], self.steps
            if row["status"] == was["status"]:
                continue
            transition = MEETING_TRANSITIONS[MeetingAction.APPROVE]
            assert was["status"] in transition.sources, self.steps
            assert row["status"] == transition.leads_to(was["status"]), self.steps
            assert row["version"] == was["version"] + 1, self.steps
            assert row["approved_by_id"] == actor.pk and row["approved_at"], self.steps
            assert audited.get(("meetings.meeting", str(row["id"]))) == {
                "old": was["status"], "new": row["status"]}, self.steps
            self.ever_approved.add(row["id"])

    def check_action_items(self, before, after, actor) -> None:
        old = {row["id"]: row["status"] for row in before["action_items"]}
        new_rows = ActionItemProgress.objects.exclude(pk__in=before["progress"])
        moves = {row.action_item_id: row for row in new_rows if row.to_status}
        changed = {row["id"] for row in after["action_items"]
                   if row["id"] in old and row["status"] != old[row["id"]]}
        assert set(moves) == changed, f"a change of status without its history: {self.steps}"
        for action_item_id, progress in moves.items():
            assert progress.from_status == old[action_item_id], self.steps
            assert progress.actor_id == actor.pk and progress.note.strip(), self.steps
            transition = ACTION_ITEM_TRANSITIONS[progress.action]
            assert progress.from_status in transition.sources, self.steps
            assert progress.to_status == transition.leads_to(progress.from_status), self.steps

    def check_calls(self, before, after, audited) -> None:
        old = {row["id"]: row for row in before["calls"]}
        for row in after["calls"]:
            was = old[row["id"]]
            if row["status"] == was["status"]:
                continue
            assert (was["status"], row["status"]) == (WhistleStatus.OPEN,
                                                       WhistleStatus.CLOSED), self.steps
            assert row["closed_at"] is not None, self.steps
            assert audited.get(("meetings.whistlecall", str(row["id"]))) == {
                "old": was["status"], "new": row["status"]}, self.steps

    # Reaching records as a view does ----------------------------------------------------------

    def meeting_for(self, actor, index: int) -> Meeting:
        """The meeting as the person sees it (LookupError: outside their scope, a 404)."""
        meeting = visible_meetings(actor).filter(pk=self.meeting_ids[index]).first()
        if meeting is None:
            raise LookupError("not visible")
        return meeting

    def meeting_in(self, actor, status: str, index: int, *, managed=False) -> Meeting:
        """One of the meetings in ``status`` the person sees (or manages)."""
        meetings = (visible_meetings(actor).filter(pk__in=self.meeting_ids, status=status)
                    .select_related("area").order_by("pk"))
        if managed:
            meetings = [meeting for meeting in meetings
                        if permissions.may_manage(actor, meeting)]
        return self.pick(meetings, index)

    @staticmethod
    def pick(queryset, index: int):
        rows = list(queryset)
        if not rows:
            raise LookupError("nothing to pick")
        return rows[index % len(rows)]

    def action_item_for(self, actor, index: int) -> ActionItem:
        return self.pick(visible_action_items(actor).filter(meeting_id__in=self.meeting_ids)
                         .order_by("pk"), index)

    @staticmethod
    def version_for(meeting, kind: str):
        return {"read": meeting.version, "stale": meeting.version - 1, "none": None}[kind]

    # Drafts, agendas, decisions ---------------------------------------------------------------

    @rule(meeting=MEETINGS, persona=MOSTLY_MANAGERS, version=VERSIONS,
          minutes=st.sampled_from([MINUTES, "会议决定由社区继续跟进。", ""]))
    def edit_draft(self, meeting, persona, version, minutes):
        def operation(actor):
            found = self.meeting_for(actor, meeting)
            services.update_meeting(found, actor=actor, minutes=minutes,
                                    version=self.version_for(found, version))

        self.attempt(f"edit minutes of meeting {meeting} ({minutes!r}, {version})", persona,
                     operation)

    @rule(meeting=MEETINGS, persona=MOSTLY_MANAGERS,
          subject=st.sampled_from(["matter 0", "matter 1", "matter 2", "topic",
                                   "action item"]),
          index=PICK)
    def put_on_agenda(self, meeting, persona, subject, index):
        def operation(actor):
            found = self.meeting_for(actor, meeting)
            if subject == "topic":
                return services.add_agenda_item(found, actor=actor, topic="本周风险统计")
            if subject == "action item":
                return services.add_agenda_item(
                    found, actor=actor, action_item=self.action_item_for(actor, index))
            risk = Risk.objects.get(pk=self.matter_ids[int(subject[-1])])
            return services.add_agenda_item(found, actor=actor, risk=risk)

        self.attempt(f"put {subject} on the agenda of meeting {meeting}", persona, operation)

    @rule(meeting=MEETINGS, persona=MOSTLY_MANAGERS, index=PICK)
    def take_off_agenda(self, meeting, persona, index):
        def operation(actor):
            found = self.meeting_for(actor, meeting)
            services.remove_agenda_item(self.pick(found.items.order_by("pk"), index),
                                        actor=actor)

        self.attempt(f"take item {index} off meeting {meeting}", persona, operation)

    @rule(meeting=MEETINGS, persona=MOSTLY_MANAGERS, index=PICK, decision=DECISIONS,
          note=st.sampled_from(["由社区继续跟进。", "议定事项。", ""]))
    def record_decision(self, meeting, persona, index, decision, note):
        def operation(actor):
            found = self.meeting_for(actor, meeting)
            services.record_decision(self.pick(found.items.order_by("pk"), index),
                                     actor=actor, decision=decision, note=note)

        self.attempt(f"decide {decision} on item {index} of meeting {meeting} ({note!r})",
                     persona, operation)

    # Approval and amendments ------------------------------------------------------------------

    @rule(meeting=MEETINGS, persona=ANYONE, version=VERSIONS,
          action=st.sampled_from([MeetingAction.APPROVE, MeetingAction.APPROVE, "teleport"]))
    def approve(self, meeting, persona, version, action):
        """Approving any meeting, by anyone: mostly refused."""
        def operation(actor):
            found = self.meeting_for(actor, meeting)
            services.transition_meeting(found, action, actor=actor,
                                        version=self.version_for(found, version))

        self.attempt(f"{action} meeting {meeting} ({version})", persona, operation)

    @rule(index=PICK, persona=st.sampled_from(MANAGERS))
    def advance_meeting(self, index, persona):
        """A draft towards approval: a decision on its first undecided item (following it
        up fits every item), or, when all are decided, approval (still refused by role,
        date, chair, minutes or the register)."""
        def operation(actor):
            meeting = self.meeting_in(actor, MeetingStatus.DRAFT, index, managed=True)
            undecided = meeting.items.filter(decision="").order_by("position", "id").first()
            if undecided is not None:
                return services.record_decision(undecided, actor=actor,
                                                decision=Decision.FOLLOW_UP, note="继续跟进。")
            return services.approve_meeting(meeting, actor=actor, version=meeting.version)

        self.attempt(f"advance draft {index}", persona, operation)

    @rule(index=PICK, persona=MOSTLY_MANAGERS,
          minutes=st.sampled_from(["更正后的纪要。", "再次更正的纪要。"]),
          reason=st.sampled_from(["笔误。", "笔误。", ""]))
    def amend(self, index, persona, minutes, reason):
        def operation(actor):
            services.amend_minutes(self.meeting_in(actor, MeetingStatus.APPROVED, index),
                                   actor=actor, minutes=minutes, reason=reason)

        self.attempt(f"amend approved meeting {index} ({minutes!r}, {reason!r})", persona,
                     operation)

    # Action items -----------------------------------------------------------------------------

    @rule(meeting=MEETINGS, persona=MOSTLY_MANAGERS,
          owner=st.sampled_from(["officer_a", "section_staff", "department"]),
          reason=st.sampled_from(["会上口头布置，补记。", ""]))
    def assign(self, meeting, persona, owner, reason):
        def operation(actor):
            found = self.meeting_for(actor, meeting)
            owners = ({"owner_department": self.people["section_staff"].department}
                      if owner == "department" else {"owner": self.people[owner]})
            services.add_action_item(found, actor=actor, title="组织双方调解",
                                     deadline=timezone.localdate() + timedelta(days=7),
                                     reason=reason, **owners)

        self.attempt(f"assign an action item on meeting {meeting} to {owner} ({reason!r})",
                     persona, operation)

    @rule(index=PICK, persona=ANYONE,
          action=st.sampled_from([*ActionItemAction.values, "teleport"]), note=NOTES)
    def move_action_item(self, index, persona, action, note):
        """Any action on any action item, by anyone: mostly refused."""
        def operation(actor):
            services.transition_action_item(self.action_item_for(actor, index), action,
                                            actor=actor, note=note)

        self.attempt(f"{action} action item {index} ({note!r})", persona, operation)

    @rule(index=PICK, persona=st.sampled_from([*MANAGERS, "section_staff"]), pick=PICK)
    def advance_action_item(self, index, persona, pick):
        """An action its table allows from the action item's status, with a note."""
        def operation(actor):
            action_item = self.action_item_for(actor, index)
            actions = [transition.action for transition in ACTION_ITEM_TRANSITIONS
                       if action_item.status in transition.sources]
            services.transition_action_item(action_item, actions[pick % len(actions)],
                                            actor=actor, note="按程序办理。")

        self.attempt(f"advance action item {index}", persona, operation)

    # Whistle and report-in --------------------------------------------------------------------

    @rule(call=st.integers(0, 1), index=PICK,
          persona=st.sampled_from(["section_staff", "staff_urban", "leader", "officer_a",
                                   "grid_worker_a1"]),
          plan=st.sampled_from(["今日派员到场。", "今日派员到场。", ""]),
          pending=st.sampled_from([True, True, False]))
    def report_in(self, call, index, persona, plan, pending):
        """A report-in, mostly of a department still awaited (once more: refused)."""
        def operation(actor):
            reports = visible_reports(actor).filter(call_id=self.call_ids[call])
            if pending:
                reports = reports.filter(reported_at__isnull=True)
            services.report_in(self.pick(reports.order_by("pk"), index), actor=actor,
                               plan=plan)

        self.attempt(f"report in on call {call}, report {index} ({plan!r}, "
                     f"{'pending' if pending else 'any'})", persona, operation)

    # What always holds ------------------------------------------------------------------------

    @invariant()
    def every_meeting_is_in_a_valid_state(self):
        undecided = Count("items", filter=Q(items__decision=""))
        for meeting in Meeting.objects.filter(pk__in=self.meeting_ids).annotate(
                undecided=undecided):
            assert meeting.status in MEETING_STATES, self.steps
            if meeting.status == MeetingStatus.APPROVED:
                assert meeting.approved_by_id and meeting.approved_at, self.steps
                assert meeting.undecided == 0, self.steps
            else:
                assert meeting.pk not in self.ever_approved, \
                    f"an approved meeting is a draft again: {self.steps}"
                assert meeting.approved_by_id is None and meeting.approved_at is None, \
                    self.steps

    @invariant()
    def every_action_item_is_explained_by_its_history(self):
        action_items = list(ActionItem.objects.filter(meeting_id__in=self.meeting_ids)
                            .select_related("meeting"))
        steps = {}  # action item id: its changes of status, in order
        for row in ActionItemProgress.objects.filter(
                action_item__in=action_items).exclude(to_status="").order_by("pk").values(
                "action_item_id", "action", "from_status", "to_status"):
            steps.setdefault(row["action_item_id"], []).append(row)
        for action_item in action_items:
            assert action_item.status in ACTION_ITEM_STATES, self.steps
            assert (action_item.status == ActionItemStatus.DONE) == (
                action_item.completed_at is not None), self.steps
            status = ActionItemStatus.OPEN
            for step in steps.get(action_item.pk, []):
                transition = ACTION_ITEM_TRANSITIONS[step["action"]]
                assert step["from_status"] == status, self.steps
                assert status in transition.sources, self.steps
                assert step["to_status"] == transition.leads_to(status), self.steps
                status = step["to_status"]
            assert status == action_item.status, self.steps
            if action_item.meeting.status != MeetingStatus.APPROVED:
                assert status == ActionItemStatus.OPEN, f"moved before approval: {self.steps}"

    @invariant()
    def a_call_is_closed_when_every_department_has_reported_in(self):
        pending = Count("reports", filter=Q(reports__reported_at__isnull=True))
        for call in WhistleCall.objects.filter(pk__in=self.call_ids).annotate(pending=pending):
            assert call.status in WHISTLE_STATES, self.steps
            assert (call.status == WhistleStatus.CLOSED) == (call.pending == 0), self.steps
            assert (call.closed_at is not None) == (call.pending == 0), self.steps


@pytest.fixture
def records(street, ready_to_start, officer_a, leader, grid_worker_a1):
    """Three matters being resolved in grid A1 (the third referred to the street tier);
    community A's meeting of yesterday, approved, with two action items in force (for the
    officer, for the 平安办); today's community meeting, decided and ready for approval, with
    an action item for the officer; today's street meeting with the third matter not yet
    decided; and two whistle calls, one on two departments."""
    urban, staff_urban = second_department(street)
    first = resolving(ready_to_start, officer_a, title="楼道堆物引发邻里纠纷")
    second = resolving(ready_to_start, officer_a, title="欠薪纠纷")
    third = escalated(resolving(ready_to_start, officer_a, title="物业费纠纷"), officer_a)
    deadline = timezone.localdate() + timedelta(days=7)
    approved = hold(officer_a, Tier.COMMUNITY, title="上周联席会议",
                    held_on=timezone.localdate() - timedelta(days=1))
    services.add_agenda_item(approved, actor=officer_a, topic="本周风险统计")
    decide(approved, officer_a, {})
    for owner in ({"owner": officer_a}, {"owner_department": street.department}):
        services.add_action_item(approved, actor=officer_a, title="上门回访",
                                 deadline=deadline, **owner)
    approved = services.approve_meeting(approved, actor=officer_a)
    ready = hold(officer_a, Tier.COMMUNITY, risks=[first])
    decide(ready, officer_a, {first: Decision.FOLLOW_UP})
    services.add_action_item(ready, actor=officer_a, title="组织调解", owner=officer_a,
                             deadline=deadline)
    street_meeting = hold(leader, Tier.STREET, risks=[third])
    respond_by = timezone.now() + timedelta(hours=24)
    calls = [services.blow_whistle(second, actor=grid_worker_a1, request="请到场联合处置。",
                                   departments=[street.department, urban],
                                   respond_by=respond_by),
             services.blow_whistle(first, actor=officer_a, request="请到场。",
                                   departments=[street.department], respond_by=respond_by)]
    return {"meetings": [approved, ready, street_meeting], "matters": [first, second, third],
            "calls": calls, "staff_urban": staff_urban}


def test_no_sequence_of_meeting_actions_reaches_an_invalid_state(request, records):
    people = {persona: request.getfixturevalue(persona) for persona in PERSONAS
              if persona != "staff_urban"}
    people["staff_urban"] = records["staff_urban"]
    MeetingRules.people = people
    MeetingRules.meeting_ids = [meeting.pk for meeting in records["meetings"]]
    MeetingRules.matter_ids = [risk.pk for risk in records["matters"]]
    MeetingRules.call_ids = [call.pk for call in records["calls"]]
    profile = os.environ.get("HYPOTHESIS_PROFILE", "default")
    run_state_machine_as_test(MeetingRules, settings=PROFILES.get(profile,
                                                                  PROFILES["default"]))
