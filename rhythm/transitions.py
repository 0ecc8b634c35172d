"""The state machines of the rhythm, run by the one engine in quanfu/transitions.py: a
warning awaiting its T+2 feedback and an instruction awaiting a grid worker's answer. Each
is answered (open or overdue → answered: on time or late) by a person, or marked overdue
(open → overdue) by the 15-minute sweep, set-based (``move_all``: one UPDATE whatever the
number of rows).

Their history: an answer goes on the matter's history (a warning's feedback as a warning
event, an instruction's answer as a note when it is about a matter); the sweep writes one
audit entry (rhythm.jobs.sweep) and tells the people concerned.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quanfu.errors import Forbidden, RuleBroken
from quanfu.personal_data import refuse_personal_data
from quanfu.transitions import Transition, TransitionTable, nobody
from rhythm.choices import InstructionStatus, ReplyAction, WarningStatus
from rhythm.models import InstructionRecipient, RiskWarning
from rhythm.permissions import require
from risks.choices import EventKind

# Who may ------------------------------------------------------------------------------------

def answers_warnings(actor, warning) -> bool:
    """The roles that may answer a warning (rhythm.permissions)."""
    require(actor, "answer_warning")
    return True


def the_worker_it_was_sent_to(actor, recipient) -> bool:
    if recipient.worker_id != actor.pk:
        raise Forbidden(_("Only the grid worker it was sent to answers an instruction."))
    return True


# Preconditions ------------------------------------------------------------------------------

def feedback_written(warning, actor, *, content="", **context) -> None:
    if not (content or "").strip():
        raise RuleBroken(_("Write the feedback."), field="content")
    refuse_personal_data(content=content)


def answer_written(recipient, actor, *, answer="", **context) -> None:
    if not (answer or "").strip():
        raise RuleBroken(_("Write your answer."), field="answer")
    refuse_personal_data(answer=answer)


# The tables ---------------------------------------------------------------------------------

W = WarningStatus
WARNING_TRANSITIONS = TransitionTable(
    model=RiskWarning, actions=ReplyAction, states=WarningStatus,
    transitions=[
        Transition(ReplyAction.ANSWER, frozenset({W.OPEN, W.OVERDUE}), W.ANSWERED,
                   who=answers_warnings,
                   who_label="grid workers, community officers, section staff, street "
                             "leaders, API clients",
                   checks=(feedback_written,),
                   state_message=gettext_lazy("This warning has already been answered."),
                   event_kind=EventKind.WARNING),
        Transition(ReplyAction.MARK_OVERDUE, frozenset({W.OPEN}), W.OVERDUE, who=nobody,
                   who_label="the 15-minute sweep (no feedback by T+2)"),
    ],
)

S = InstructionStatus
INSTRUCTION_TRANSITIONS = TransitionTable(
    model=InstructionRecipient, actions=ReplyAction, states=InstructionStatus,
    transitions=[
        Transition(ReplyAction.ANSWER, frozenset({S.OPEN, S.OVERDUE}), S.ANSWERED,
                   who=the_worker_it_was_sent_to, who_label="the grid worker it was sent to",
                   checks=(answer_written,),
                   state_message=gettext_lazy("This instruction has already been answered."),
                   event_kind=EventKind.NOTE),
        Transition(ReplyAction.MARK_OVERDUE, frozenset({S.OPEN}), S.OVERDUE, who=nobody,
                   who_label="the 15-minute sweep (deadline passed)"),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [WARNING_TRANSITIONS, INSTRUCTION_TRANSITIONS]
