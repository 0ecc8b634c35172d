"""The state machines of supervision, run by the one engine in quanfu/transitions.py: a
finding's rectification (open → submitted → closed, or back to open), a notice (draft →
sent), listed supervision (active → lifted) and its grade (normal → yellow → red, raised
by the daily job when a deadline slips), and a campaign task's status as its progress
reports move it. Who may is supervision.permissions (with the scope beside it).

Their history: a finding's steps are its events (FindingEvent: action, from, to, note,
who), a listing's its events (ListingEvent: action, grades before and after, deadline), a
task's its progress reports; a notice is stamped (number, sent_by, sent_at).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quanfu.errors import Forbidden, RuleBroken
from quanfu.transitions import Transition, TransitionTable, nobody
from supervision import permissions
from supervision.choices import (
    FindingAction,
    FindingStatus,
    ListingAction,
    ListingGrade,
    ListingStatus,
    NoticeAction,
    NoticeStatus,
    TaskStatus,
)
from supervision.models import CampaignTask, Finding, ListedSupervision, Notice

# Who may ------------------------------------------------------------------------------------

def rectifies_its_community(actor, finding) -> bool:
    """A community officer, for a finding of a community in their scope."""
    permissions.require(actor, permissions.RECTIFY)
    permissions.require_area_in_scope(actor, finding.community)
    return True


def accepts_for_its_group(actor, finding) -> bool:
    """A member of the group whose inspection found it."""
    permissions.require_group(actor, permissions.ACCEPT, finding.inspection.group)
    return True


def notices_for_its_group(actor, notice) -> bool:
    permissions.require_group(actor, permissions.NOTICE, notice.group)
    return True


def lists_in_scope(actor, listing) -> bool:
    """A supervisor or a street leader, for a listing in their scope."""
    permissions.require(actor, permissions.LIST)
    permissions.require_area_in_scope(actor, listing.community)
    return True


def owns_the_task(actor, task) -> bool:
    if not permissions.may_report_on(actor, task):
        raise Forbidden(_("Only the task's owner may report on it."))
    return True


# Preconditions ------------------------------------------------------------------------------

def new_deadline_ahead(finding, actor, *, deadline=None, **context) -> None:
    """A returned finding may get a new deadline, never one in the past."""
    if deadline is not None and deadline < timezone.localdate():
        raise RuleBroken(_("The new deadline cannot be in the past."), field="deadline")


def rectification_written(finding, actor, **context) -> None:
    """A finding is closed only with the community's rectification note (the database
    refuses anything else)."""
    if not (finding.rectification_note or "").strip():
        raise RuleBroken(_("A finding is closed only once the community has said how it "
                           "was rectified."), field="note")


def names_a_community(notice, actor, **context) -> None:
    if not notice.communities.exists():
        raise RuleBroken(_("The notice names no community to send it to."),
                         field="findings")


def progress_in_range(task, actor, *, progress=None, **context) -> None:
    try:
        value = int(progress)
    except (TypeError, ValueError) as error:
        raise RuleBroken(_("Progress is a whole number from 0 to 100."),
                         field="progress") from error
    if not 0 <= value <= 100:
        raise RuleBroken(_("Progress is a whole number from 0 to 100."), field="progress")


# The tables ---------------------------------------------------------------------------------

S = FindingStatus
FINDING_STATE = gettext_lazy("This finding is %(state)s: that cannot be done now.")

FINDING_TRANSITIONS = TransitionTable(
    model=Finding, actions=FindingAction, states=FindingStatus,
    transitions=[
        Transition(FindingAction.SUBMIT, frozenset({S.OPEN}), S.SUBMITTED,
                   who=rectifies_its_community,
                   who_label="community officers of the finding's community",
                   note_required=True,
                   note_message=gettext_lazy("Say how the finding was rectified."),
                   state_message=FINDING_STATE, event_kind=FindingAction.SUBMIT),
        Transition(FindingAction.RETURN, frozenset({S.SUBMITTED}), S.OPEN,
                   who=accepts_for_its_group, who_label="members of the finding's group",
                   note_required=True,
                   note_message=gettext_lazy("Say why the rectification is not accepted."),
                   checks=(new_deadline_ahead,), state_message=FINDING_STATE,
                   event_kind=FindingAction.RETURN),
        Transition(FindingAction.ACCEPT, frozenset({S.SUBMITTED}), S.CLOSED,
                   who=accepts_for_its_group, who_label="members of the finding's group",
                   checks=(rectification_written,), state_message=FINDING_STATE,
                   event_kind=FindingAction.ACCEPT),
    ],
)

NOTICE_TRANSITIONS = TransitionTable(
    model=Notice, actions=NoticeAction, states=NoticeStatus,
    transitions=[
        Transition(NoticeAction.SEND, frozenset({NoticeStatus.DRAFT}), NoticeStatus.SENT,
                   who=notices_for_its_group, who_label="members of the notice's group",
                   checks=(names_a_community,),
                   state_message=gettext_lazy("This notice was already sent.")),
    ],
)

LISTING_TRANSITIONS = TransitionTable(
    model=ListedSupervision, actions=ListingAction, states=ListingStatus,
    transitions=[
        Transition(ListingAction.LIFT, frozenset({ListingStatus.ACTIVE}), ListingStatus.LIFTED,
                   who=lists_in_scope, who_label="supervisors and street leaders (in scope)",
                   note_required=True,
                   note_message=gettext_lazy("Say why listed supervision is lifted."),
                   state_message=gettext_lazy("This listed supervision was already lifted."),
                   event_kind=ListingAction.LIFT),
    ],
)

# The grade of an active listing rises one step per slipped deadline (escalate_overdue_listings,
# set-based: move_all, one UPDATE per grade).
LISTING_GRADE_TRANSITIONS = TransitionTable(
    model=ListedSupervision, field="grade", actions=ListingAction, states=ListingGrade,
    transitions=[
        Transition(ListingAction.ESCALATE, frozenset({ListingGrade.NORMAL, ListingGrade.YELLOW}),
                   {ListingGrade.NORMAL: ListingGrade.YELLOW,
                    ListingGrade.YELLOW: ListingGrade.RED},
                   who=nobody, who_label="the daily job (the deadline slipped)",
                   event_kind=ListingAction.ESCALATE),
    ],
)

# A progress report says the status the task is in after it: the action is named after that
# status (a report cannot put a task back to not started, nor report done twice).
TASK_STATE = gettext_lazy("A task that is %(state)s cannot become %(action)s.")
TASK_TRANSITIONS = TransitionTable(
    model=CampaignTask, actions=TaskStatus, states=TaskStatus,
    transitions=[
        Transition(TaskStatus.IN_PROGRESS,
                   frozenset({TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.DONE}),
                   TaskStatus.IN_PROGRESS, who=owns_the_task,
                   who_label="the task's owners (its community's officers or department's "
                             "staff), street leaders in scope",
                   note_required=True, note_message=gettext_lazy("Say what was done."),
                   checks=(progress_in_range,), state_message=TASK_STATE,
                   event_kind="progress_report"),
        Transition(TaskStatus.DONE, frozenset({TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS}),
                   TaskStatus.DONE, who=owns_the_task,
                   who_label="the task's owners (its community's officers or department's "
                             "staff), street leaders in scope",
                   note_required=True, note_message=gettext_lazy("Say what was done."),
                   checks=(progress_in_range,), state_message=TASK_STATE,
                   event_kind="progress_report"),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [FINDING_TRANSITIONS, NOTICE_TRANSITIONS, LISTING_TRANSITIONS,
          LISTING_GRADE_TRANSITIONS, TASK_TRANSITIONS]
