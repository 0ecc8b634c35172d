"""The state machines of the joint meetings and of 吹哨报到, run by the one engine in
quanfu/transitions.py: a meeting's minutes (draft → approved), an action item of approved
minutes (done, cancelled, reopened) and a whistle call (open → closed once every called
department has reported in). Who may is meetings.permissions.

Their history: an action item's steps are its progress rows (ActionItemProgress: action,
from, to, note, who); the approval of minutes and the closing of a call are stamped on the
record (approved_by/approved_at, closed_at) and written to the audit log as a transition.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.choices import AuditAction
from meetings import permissions
from meetings.choices import (
    ActionItemAction,
    ActionItemStatus,
    MeetingAction,
    MeetingStatus,
    WhistleAction,
    WhistleStatus,
)
from meetings.models import ActionItem, Meeting, WhistleCall
from quanfu.errors import Forbidden, RuleBroken
from quanfu.transitions import Transition, TransitionTable

# Who may ------------------------------------------------------------------------------------

def manages_the_meeting(actor, meeting) -> bool:
    if not permissions.may_manage(actor, meeting):
        raise Forbidden(_("You may not change the record of this meeting."))
    return True


def follows_up(actor, action_item) -> bool:
    if not permissions.may_follow_up(actor, action_item):
        raise Forbidden(_("Your role may not do this to the action item."))
    return True


def manages_its_meeting(actor, action_item) -> bool:
    if not permissions.may_manage(actor, action_item.meeting):
        raise Forbidden(_("Your role may not do this to the action item."))
    return True


# Preconditions ------------------------------------------------------------------------------

def ready_for_approval(meeting, actor, **context) -> None:
    """The meeting has been held, has a chair and minutes, and a decision on every item of
    its agenda (which approval carries out on the matters)."""
    if meeting.held_on > timezone.localdate():
        raise RuleBroken(_("Minutes are approved after the meeting is held."), field="held_on")
    if meeting.chair_id is None:
        raise RuleBroken(_("Name the chair before approving the minutes."), field="chair")
    if not (meeting.minutes or "").strip():
        raise RuleBroken(_("Write the minutes before approving them."), field="minutes")
    undecided = [topic for topic in meeting.items.filter(decision="")
                 .order_by("position", "id").values_list("topic", flat=True)]
    if undecided:
        raise RuleBroken(_("Record a decision on every agenda item, or take it off: "
                           "%(topics)s") % {"topics": "；".join(undecided)}, field="items")


def in_force(action_item, actor, **context) -> None:
    """An action item binds once its meeting's minutes are approved."""
    if not action_item.is_in_force:
        raise RuleBroken(_("The action item is not in force until the minutes are "
                           "approved."), field="status")


def every_department_reported_in(call, actor, **context) -> None:
    if call.reports.filter(reported_at__isnull=True).exists():
        raise RuleBroken(_("Some called departments have not reported in yet."),
                         field="reports")


# The tables ---------------------------------------------------------------------------------

MEETING_MANAGERS = ("those who convene meetings of its tier in its area (community "
                    "officers: community meetings; street leaders: all)")

MEETING_TRANSITIONS = TransitionTable(
    model=Meeting, actions=MeetingAction, states=MeetingStatus,
    stale_message=gettext_lazy(
        "This meeting was changed by someone else (now version %(current)s, you edited "
        "version %(yours)s). Reload it and apply your change again."),
    transitions=[
        Transition(MeetingAction.APPROVE, frozenset({MeetingStatus.DRAFT}),
                   MeetingStatus.APPROVED, who=manages_the_meeting, who_label=MEETING_MANAGERS,
                   checks=(ready_for_approval,),
                   state_message=gettext_lazy("These minutes are already approved."),
                   event_kind=AuditAction.TRANSITION),
    ],
)

ACTION_ITEM_STATE_MESSAGE = gettext_lazy(
    "An action item that is %(state)s cannot be changed this way.")
action_item_transition = {"offered_if": (in_force,), "note_required": True,
                          "note_message": gettext_lazy("Say what was done, or why."),
                          "state_message": ACTION_ITEM_STATE_MESSAGE,
                          "event_kind": "progress"}

ACTION_ITEM_TRANSITIONS = TransitionTable(
    model=ActionItem, actions=ActionItemAction, states=ActionItemStatus,
    transitions=[
        Transition(ActionItemAction.COMPLETE, frozenset({ActionItemStatus.OPEN}),
                   ActionItemStatus.DONE, who=follows_up,
                   who_label="the person or department responsible, the meeting's managers",
                   **action_item_transition),
        Transition(ActionItemAction.CANCEL, frozenset({ActionItemStatus.OPEN}),
                   ActionItemStatus.CANCELLED, who=manages_its_meeting,
                   who_label="the meeting's managers", **action_item_transition),
        Transition(ActionItemAction.REOPEN,
                   frozenset({ActionItemStatus.DONE, ActionItemStatus.CANCELLED}),
                   ActionItemStatus.OPEN, who=manages_its_meeting,
                   who_label="the meeting's managers", **action_item_transition),
    ],
)

# Closing is no one's decision: it follows from the last called department's report-in.
WHISTLE_TRANSITIONS = TransitionTable(
    model=WhistleCall, actions=WhistleAction, states=WhistleStatus,
    transitions=[
        Transition(WhistleAction.CLOSE, frozenset({WhistleStatus.OPEN}), WhistleStatus.CLOSED,
                   who_label="the last called department to report in (a consequence of "
                             "its report-in)",
                   checks=(every_department_reported_in,), event_kind=AuditAction.TRANSITION),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [MEETING_TRANSITIONS, ACTION_ITEM_TRANSITIONS, WHISTLE_TRANSITIONS]
