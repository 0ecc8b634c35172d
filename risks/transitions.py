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
from risks.choices import (
    OPEN_STATUSES,
    TIER_ORDER,
    Action,
    ApprovalDecision,
    ApprovalKind,
    ApprovalState,
    EventKind,
    RiskLevel,
    RiskStatus,
    Tier,
)
from risks.models import Approval, EmergencyPlan, Risk, RiskEvent, StageClock

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


def voider(actor, risk) -> bool:
    """Voiding (作废) a matter at the street tier or above, or of high level, is for the
    street's centre and street leaders; the others void what their role and tier allow."""
    permissions.require(actor, Action.REJECT, risk)
    if actor.is_superuser or actor.role == Role.STREET_LEADER or routing.is_centre_staff(actor):
        return True
    if risk.tier != Tier.COMMUNITY or risk.level == RiskLevel.HIGH:
        raise Forbidden(_("Only the street's centre or a street leader voids a matter at the "
                          "street tier or of high level."))
    return True


def not_the_resolver(risk, actor, **context) -> None:
    """Verification by someone else (解决一个销号一个): whoever resolved it does not write it
    off; another person checks and closes it or sends it back."""
    if risk.resolved_by_id is not None and risk.resolved_by_id == actor.pk:
        raise Forbidden(_("You resolved this matter: someone else verifies and writes it off."))


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


# Approvals (审批) ---------------------------------------------------------------------------

def usable_approval(risk, kind: str, *, level: str | None = None) -> Approval | None:
    """The approved request of ``kind`` on the matter not used yet (a downgrade: to
    ``level``; a write-off: decided after the matter was last resolved, so that a rework
    voids it), or None."""
    approvals = Approval.objects.filter(risk=risk, kind=kind, state=ApprovalState.APPROVED,
                                        used_at=None)
    if level is not None:
        approvals = approvals.filter(level=level)
    if kind == ApprovalKind.WRITE_OFF:
        resolved_at = (RiskEvent.objects.filter(risk=risk, action=Action.RESOLVE)
                       .order_by("-created_at", "-id").values_list("created_at", flat=True)
                       .first())
        if resolved_at is not None:
            approvals = approvals.filter(decided_at__gt=resolved_at)
    return approvals.order_by("decided_at", "id").first()


def write_off_approved_if_high(risk, actor, by_meeting=False, **context) -> None:
    """A high-level matter is written off with a street leader's approval; a joint meeting
    at the street or district tier (leaders sit on it) decides it collectively."""
    if by_meeting and risk.tier != Tier.COMMUNITY:
        return
    if risk.level == RiskLevel.HIGH and usable_approval(risk, ApprovalKind.WRITE_OFF) is None:
        raise RuleBroken(_("Writing off a high-level matter needs a street leader's approval: "
                           "request the write-off approval first."), field="approval")


def has_running_clock(risk) -> bool:
    return StageClock.objects.filter(risk=risk, stopped_at=None, paused_at=None).exists()


def approval_applies(risk, kind: str, *, level: str | None = None,
                     days: int | None = None) -> None:
    """What the matter must be for a request of ``kind`` to be asked or approved; raises
    RuleBroken saying why not."""
    if kind == ApprovalKind.WRITE_OFF:
        if risk.level != RiskLevel.HIGH or risk.status != RiskStatus.RESOLVED:
            raise RuleBroken(_("A write-off approval is asked for a resolved high-level "
                               "matter."), field="kind")
    elif kind == ApprovalKind.DOWNGRADE:
        if risk.level != RiskLevel.HIGH or not risk.is_open:
            raise RuleBroken(_("A downgrade approval is asked for an open high-level matter."),
                             field="kind")
        if level not in (RiskLevel.MEDIUM, RiskLevel.LOW):
            raise RuleBroken(_("Choose the new level: medium or low."), field="level")
    elif kind == ApprovalKind.EXTENSION:
        if not risk.is_open or risk.due_on is None:
            raise RuleBroken(_("An extension is asked for an open matter with a deadline."),
                             field="kind")
        if not days or days < 1:
            raise RuleBroken(_("Say how many working days more are needed (at least 1)."),
                             field="days")
    elif kind == ApprovalKind.PAUSE:
        if not risk.is_open or not has_running_clock(risk):
            raise RuleBroken(_("Only an open matter whose clock is running can be paused."),
                             field="kind")
    else:
        raise RuleBroken(_("Unknown kind of approval."), field="kind")


def a_leader_of_its_street(actor, approval) -> bool:
    """A street leader of the matter's street decides, never the person who asked."""
    if approval.requested_by_id == actor.pk:
        raise Forbidden(_("You asked for this approval: another leader decides it."))
    if actor.is_superuser or (actor.role == Role.STREET_LEADER
                              and actor.area_id == approval.risk.street_id):
        return True
    raise Forbidden(_("Only a leader of the matter's street decides approvals."))


def still_applies(approval, actor, **context) -> None:
    """The matter is still as the request found it (a rework, a write-off, a paused clock
    since: deny it instead)."""
    approval_applies(approval.risk, approval.kind, level=approval.level,
                     days=context.get("days") or approval.days)


APPROVAL_TRANSITIONS = TransitionTable(
    model=Approval, field="state", actions=ApprovalDecision, states=ApprovalState,
    transitions=[
        Transition(ApprovalDecision.APPROVE, frozenset({ApprovalState.PENDING}),
                   ApprovalState.APPROVED, who=a_leader_of_its_street,
                   who_label="street leaders of the matter's street, not the requester",
                   checks=(still_applies,), event_kind=EventKind.APPROVAL,
                   state_message=gettext_lazy("This request is already decided (%(state)s).")),
        Transition(ApprovalDecision.DENY, frozenset({ApprovalState.PENDING}),
                   ApprovalState.DENIED, who=a_leader_of_its_street,
                   who_label="street leaders of the matter's street, not the requester",
                   note_required=True, event_kind=EventKind.APPROVAL,
                   note_message=gettext_lazy("Say why the request is denied."),
                   state_message=gettext_lazy("This request is already decided (%(state)s).")),
    ],
)


def a_clock_is_paused(risk, actor, **context) -> None:
    if not StageClock.objects.filter(risk=risk, stopped_at=None,
                                     paused_at__isnull=False).exists():
        raise RuleBroken(_("No clock of this matter is paused."), field="clock")


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
                   who=voider, who_label=HANDLERS + "; at the street tier or of high level "
                   "only the street's centre and street leaders", note_required=True),
        transition(Action.START, frozenset({S.VERIFIED}), S.RESOLVING,
                   who=may(Action.START), who_label=HANDLERS,
                   ready_if=(graded_with_four_duties,)),
        transition(Action.RESOLVE, frozenset({S.RESOLVING}), S.RESOLVED,
                   who=may(Action.RESOLVE), who_label=HANDLERS, note_required=True,
                   note_message=gettext_lazy("Say how it was resolved in the note.")),
        transition(Action.CLOSE, frozenset({S.RESOLVED}), S.CLOSED,
                   who=may(Action.CLOSE), who_label=HANDLERS + ", not the person who resolved it",
                   note_required=True, ready_if=(not_the_resolver, write_off_approved_if_high),
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
        Transition(Action.RESUME, OPEN | {S.RESOLVED}, None, who=may(Action.RESUME),
                   who_label=HANDLERS,
                   offered_if=(a_clock_is_paused,), event_kind=EventKind.CLOCK),
    ],
)


# Every table of this app, for the docs and the test that no state changes outside them.
TABLES = [RISK_TRANSITIONS, APPROVAL_TRANSITIONS]
