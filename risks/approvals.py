"""Approvals (审批): a request that a street leader of the matter's street decides, never
the person who asked. Writing off a high-level matter and lowering its level become
allowed once when approved (risks.services uses the approval then); an extension moves the
deadline and the handling clock on approval; a pause stops the matter's clocks (中止).

Every request and decision is an event of the matter and a notice: the street's leaders
hear of a request, the requester of its decision."""

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from grids.restructuring import pending_for as area_changes_pending_for
from quanfu.errors import RuleBroken
from quanfu.personal_data import refuse_personal_data
from risks import clocks, notices, permissions
from risks.choices import ApprovalDecision, ApprovalKind, ApprovalState, EventKind
from risks.models import Approval, Risk, RiskEvent
from risks.scoping import visible_risks
from risks.transitions import APPROVAL_TRANSITIONS, RISK_TRANSITIONS, approval_applies

# Who sees and decides ------------------------------------------------------------------------

def street_leaders(street_id) -> QuerySet:
    return User.objects.filter(role=Role.STREET_LEADER, area_id=street_id, is_active=True)


def may_decide(user, approval: Approval) -> bool:
    return APPROVAL_TRANSITIONS.allows(approval, ApprovalDecision.APPROVE, user) or \
        APPROVAL_TRANSITIONS.allows(approval, ApprovalDecision.DENY, user)


def visible_approvals(user) -> QuerySet[Approval]:
    """The requests of the matters the user may see (a street leader: the street's), and
    the user's own."""
    if not user.is_authenticated or not user.is_active:
        return Approval.objects.none()
    return Approval.objects.filter(Q(risk__in=visible_risks(user)) | Q(requested_by=user))


def pending_for(user) -> QuerySet[Approval]:
    """The pending requests ``user`` decides: their street's, not their own."""
    pending = Approval.objects.filter(state=ApprovalState.PENDING)
    if user.is_superuser:
        return pending.exclude(requested_by=user)
    if user.role != Role.STREET_LEADER or user.area_id is None:
        return pending.none()
    return pending.filter(risk__street_id=user.area_id).exclude(requested_by=user)


# What the approvals page lists of the pending requests (``?show=``): all the user sees,
# those the user decides, or the user's own.
TO_DECIDE, MINE = "to_decide", "mine"


def pending_shown(user, show: str = "") -> QuerySet[Approval]:
    """The pending requests the approvals page lists for ``show`` (TO_DECIDE, MINE, or
    anything else for every pending request the user sees)."""
    pending = visible_approvals(user).filter(state=ApprovalState.PENDING)
    if show == TO_DECIDE:
        return pending.filter(pk__in=pending_for(user).values("pk"))
    if show == MINE:
        return pending.filter(requested_by=user)
    return pending


def pending_counts(user) -> tuple[int, int]:
    """How many approvals and how many changes of areas (grids.restructuring) wait for the
    user's decision: one query for a decider, none for the others, read once per request
    (memoised on the user object, which lives for one request)."""
    if not (user.is_superuser or user.role == Role.STREET_LEADER):
        return 0, 0
    if not hasattr(user, "_pending_counts"):
        # no ORDER BY in the parts: SQLite refuses one inside a UNION
        kinds = list(pending_for(user).order_by().annotate(waiting=Value(1))
                     .values_list("waiting", flat=True)
                     .union(area_changes_pending_for(user).order_by().annotate(waiting=Value(2))
                            .values_list("waiting", flat=True), all=True))
        user._pending_counts = (kinds.count(1), kinds.count(2))
    return user._pending_counts


def pending_count(user) -> int:
    """For the navigation of every page: the approvals and the changes of areas waiting
    for the user (the approvals page lists the latter with a link)."""
    return sum(pending_counts(user))


# Requesting ----------------------------------------------------------------------------------

def request_approval(risk: Risk, *, kind: str, reason: str, actor, days: int | None = None,
                     level: str | None = None) -> Approval:
    """Ask a street leader to approve ``kind`` for the matter, with a reason; an extension
    says how many working days (``days``), a downgrade the new ``level``.

    The requester is someone who may handle the matter; a write-off is not asked by the
    person who resolved it. At most one pending request per kind and matter. Raises
    Forbidden or RuleBroken (field ``reason``, ``kind``, ``days``, ``level``).
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        risk = RISK_TRANSITIONS.lock(risk)
        permissions.require(actor, permissions.EDIT, risk)
        if kind not in ApprovalKind.values:
            raise RuleBroken(_("Unknown kind of approval."), field="kind")
        if not reason:
            raise RuleBroken(_("Give the reason for the request."), field="reason")
        refuse_personal_data(reason=reason)
        approval_applies(risk, kind, level=level, days=days)
        if kind == ApprovalKind.WRITE_OFF and risk.resolved_by_id == actor.pk:
            raise RuleBroken(_("You resolved this matter: someone else verifies it and asks "
                               "for its write-off."), field="kind")
        now = timezone.now()
        try:
            with transaction.atomic():
                approval = Approval.objects.create(
                    risk=risk, kind=kind, reason=reason, requested_by=actor, requested_at=now,
                    days=days if kind == ApprovalKind.EXTENSION else None,
                    level=level if kind == ApprovalKind.DOWNGRADE else None)
        except IntegrityError:
            raise RuleBroken(_("A request of this kind is already waiting for a leader's "
                               "decision."), field="kind") from None
        risk.save_change([], now)
        RiskEvent.objects.create(risk=risk, kind=EventKind.APPROVAL, actor=actor,
                                 action="request", note=reason,
                                 changes=_event_changes(approval))
        notices.tell_approval_requested(approval, actor=actor, now=now)
    return approval


def _event_changes(approval: Approval, **more) -> dict:
    changes = {"approval": approval.kind}
    if approval.days:
        changes["days"] = approval.days
    if approval.level:
        changes["level"] = approval.level
    return {**changes, **more}


# Deciding ------------------------------------------------------------------------------------

def decide_approval(approval: Approval, *, approve: bool, note: str = "", actor,
                    days: int | None = None) -> Approval:
    """Approve or deny a pending request (a street leader of the matter's street, not the
    requester; a denial needs a note). An approved extension moves the deadline and the
    running handling clock later by the granted working days (``days``, by default those
    asked); an approved pause stops the matter's clocks. Raises Forbidden or RuleBroken
    and changes nothing then."""
    note = (note or "").strip()
    action = ApprovalDecision.APPROVE if approve else ApprovalDecision.DENY
    if approve and approval.kind == ApprovalKind.EXTENSION and days is not None and days < 1:
        raise RuleBroken(_("Grant at least 1 working day, or deny the request."), field="days")
    with transaction.atomic():
        risk = RISK_TRANSITIONS.lock(approval.risk)  # the matter first, as every change does
        approval.risk = risk
        matter_changes = {}

        def apply(locked, transition):
            locked.risk = risk
            now = timezone.now()
            locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note
            fields = ["decided_by", "decided_at", "decision_note"]
            if action == ApprovalDecision.APPROVE and locked.kind == ApprovalKind.EXTENSION:
                locked.granted_days = days or locked.days
                fields.append("granted_days")
                old_due = risk.due_on
                risk.due_on = clocks.add_working_days(old_due, locked.granted_days)
                matter_changes["due_on"] = [old_due.isoformat(), risk.due_on.isoformat()]
                clocks.extend_clocks(risk, locked.granted_days, at=now, actor=actor)
            if action == ApprovalDecision.APPROVE and locked.kind == ApprovalKind.PAUSE:
                clocks.pause_clocks(risk, at=now, actor=actor)
            risk.save_change(["due_on"] if "due_on" in matter_changes else [], now)
            return fields

        def record(locked, transition, from_state):
            RiskEvent.objects.create(
                risk=risk, kind=EventKind.APPROVAL, actor=actor, action=action, note=note,
                changes=_event_changes(locked, decision=locked.state,
                                       **({"granted_days": locked.granted_days}
                                          if locked.granted_days else {}),
                                       **matter_changes))
            notices.tell_approval_decided(locked, actor=actor, now=locked.decided_at)

        return APPROVAL_TRANSITIONS.run(approval, action, actor=actor, note=note, apply=apply,
                                        record_event=record, days=days)


# Using an approval ---------------------------------------------------------------------------

def mark_used(approval: Approval, *, at) -> None:
    """A write-off or a downgrade was done on the strength of ``approval``: once only."""
    approval.used_at = at
    approval.save(update_fields=["used_at"])
