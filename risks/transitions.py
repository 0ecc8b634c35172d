"""The register's state machine (API_CONTRACT.md's actions of ``risks/{id}/transition/``),
run by the one engine in quanfu/transitions.py. Who may take each action is the role
table in risks.permissions (with the tier the matter is handled at)."""

from functools import partial

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from grids.choices import Duty
from quanfu.errors import Forbidden, RuleBroken
from quanfu.transitions import Transition, TransitionTable
from risks import permissions, routing
from risks.choices import OPEN_STATUSES, TIER_ORDER, Action, EventKind, RiskLevel, RiskStatus
from risks.models import EmergencyPlan, Risk

S = RiskStatus
OPEN = frozenset(OPEN_STATUSES)


def may(action):
    return lambda actor, risk: permissions.require(actor, action, risk)


def graded_with_four_duties(risk, actor, **context) -> None:
    """Starting needs a level and four named persons; a high-level matter also a lead
    official (包案领导) and an emergency plan (一事一案)."""
    if not risk.level:
        raise RuleBroken(_("Grade the matter (high, medium or low) before starting."),
                         field="level")
    missing = [Duty(duty).label for duty, holder in risk.duty_holder_ids().items()
               if not holder]
    if missing:
        raise RuleBroken(_("Name all four responsible persons first; missing: %(duties)s.")
                         % {"duties": "、".join(str(label) for label in missing)},
                         field="duties")
    if risk.level == RiskLevel.HIGH:
        if not risk.lead_id:
            raise RuleBroken(_("A high-level matter needs a lead official (包案领导)."),
                             field="lead")
        if not EmergencyPlan.objects.filter(risk=risk).exists():
            raise RuleBroken(_("A high-level matter needs an emergency plan (一事一案) "
                               "before it starts."), field="emergency_plan")


def next_tier(risk, step: int) -> str:
    index = TIER_ORDER.index(risk.tier) + step
    if index >= len(TIER_ORDER):
        raise RuleBroken(_("The matter is already at the district tier."), field="tier")
    if index < 0:
        raise RuleBroken(_("The matter is already at the community tier."), field="tier")
    return TIER_ORDER[index]


def tier_above(risk, actor, **context) -> None:
    next_tier(risk, 1)


def tier_below(risk, actor, **context) -> None:
    next_tier(risk, -1)


def graded(risk, actor, **context) -> None:
    if not risk.level:
        raise RuleBroken(_("Grade the matter before confirming its grade."), field="level")


def dispatcher(actor, risk) -> bool:
    """Community officers and the street's centre dispatch; after MAX_RETURNS returns only
    a street leader may (arbitration)."""
    permissions.require(actor, Action.DISPATCH, risk)
    if actor.is_superuser or actor.role == Role.STREET_LEADER:
        return True
    if risk.returns >= routing.MAX_RETURNS:
        raise Forbidden(_("Returned %(returns)s times: only a street leader may dispatch it "
                          "again.") % {"returns": risk.returns})
    if actor.role == Role.SECTION_STAFF and not routing.is_centre_staff(actor):
        raise Forbidden(_("Only community officers and the street's centre dispatch "
                          "matters."))
    return True


def staff_of_the_dispatched_section(actor, risk) -> bool:
    permissions.require(actor, Action.ACCEPT, risk)
    if actor.is_superuser:
        return True
    # nothing dispatched: the precondition says so (400), not a refusal of the person
    if risk.dispatched_to_id is not None and actor.department_id != risk.dispatched_to_id:
        raise Forbidden(_("Only the section it was dispatched to signs for it or returns it."))
    return True


def not_yet_dispatched(risk, actor, **context) -> None:
    if risk.dispatched_to_id is not None:
        raise RuleBroken(_("It is already dispatched; the section signs for it or returns "
                           "it."), field="department")


def a_section_of_its_street(risk, actor, department=None, **context) -> None:
    if department is None:
        raise RuleBroken(_("Choose the department to dispatch it to."), field="department")
    if department.street_id != risk.street_id:
        raise RuleBroken(_("That department belongs to another street."), field="department")


def dispatched_not_yet_accepted(risk, actor, **context) -> None:
    if risk.dispatched_to_id is None or risk.accepted_at is not None:
        raise RuleBroken(_("Nothing is waiting to be signed for."), field="dispatch")


def may_still_be_returned(risk, actor, **context) -> None:
    dispatched_not_yet_accepted(risk, actor)
    if risk.returns >= routing.MAX_RETURNS:
        raise RuleBroken(_("Returned %(returns)s times already: sign for it; a street "
                           "leader arbitrates.") % {"returns": risk.returns}, field="dispatch")


HANDLERS = "community officers, section staff, street leaders (at their tiers)"
transition = partial(Transition, event_kind=EventKind.TRANSITION)

RISK_TRANSITIONS = TransitionTable(
    model=Risk, actions=Action, states=RiskStatus,
    stale_message=gettext_lazy(
        "This matter was changed by someone else (now version %(current)s, you edited "
        "version %(yours)s). Reload it and apply your change again."),
    transitions=[
        transition(Action.VERIFY, frozenset({S.REPORTED}), S.VERIFIED,
                   who=may(Action.VERIFY), who_label=HANDLERS),
        transition(Action.REJECT, frozenset({S.REPORTED, S.VERIFIED}), S.INVALID,
                   who=may(Action.REJECT), who_label=HANDLERS, note_required=True),
        transition(Action.START, frozenset({S.VERIFIED}), S.RESOLVING,
                   who=may(Action.START), who_label=HANDLERS,
                   checks=(graded_with_four_duties,)),
        transition(Action.RESOLVE, frozenset({S.RESOLVING}), S.RESOLVED,
                   who=may(Action.RESOLVE), who_label=HANDLERS),
        transition(Action.CLOSE, frozenset({S.RESOLVED}), S.CLOSED,
                   who=may(Action.CLOSE), who_label=HANDLERS, note_required=True,
                   note_message=gettext_lazy("Writing off needs a resolution note.")),
        transition(Action.REWORK, frozenset({S.RESOLVED}), S.RESOLVING,
                   who=may(Action.REWORK), who_label=HANDLERS, note_required=True),
        transition(Action.REOPEN, frozenset({S.RESOLVED, S.CLOSED, S.INVALID}),
                   {S.INVALID: S.REPORTED, S.RESOLVED: S.RESOLVING, S.CLOSED: S.RESOLVING},
                   who=may(Action.REOPEN), who_label=HANDLERS, note_required=True),
        transition(Action.ESCALATE, OPEN, None, who=may(Action.ESCALATE),
                   who_label=HANDLERS, note_required=True, offered_if=(tier_above,)),
        transition(Action.DEESCALATE, OPEN, None, who=may(Action.DEESCALATE),
                   who_label="street leaders", note_required=True, offered_if=(tier_below,)),
        transition(Action.DISPATCH, frozenset({S.VERIFIED}), None, who=dispatcher,
                   who_label="community officers, the street's centre; after 2 returns "
                             "street leaders only", offered_if=(not_yet_dispatched,),
                   checks=(a_section_of_its_street,)),
        transition(Action.ACCEPT, frozenset({S.VERIFIED}), None,
                   who=staff_of_the_dispatched_section,
                   who_label="staff of the section it was dispatched to",
                   offered_if=(dispatched_not_yet_accepted,)),
        transition(Action.RETURN, frozenset({S.VERIFIED}), None,
                   who=staff_of_the_dispatched_section,
                   who_label="staff of the section it was dispatched to", note_required=True,
                   offered_if=(may_still_be_returned,)),
        Transition(Action.CONFIRM_GRADE, OPEN, None, who=may(Action.CONFIRM_GRADE),
                   who_label=HANDLERS + " (who may grade)", offered_if=(graded,),
                   event_kind=EventKind.GRADE_CONFIRMED),
    ],
)

# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [RISK_TRANSITIONS]
