"""Follow-up calls after write-off (回访): somebody who handles the matter calls the parties
back and records whether it stayed resolved — satisfied, dissatisfied or unreachable.
A dissatisfied call is the reason to reopen the matter (the ordinary reopen transition,
with the call's note).

Who calls: community officers of the matter's community, section staff of the section
owning it, street leaders. Scope is not checked here (risks.scoping, as for the services):
callers fetch matters through it, so a community officer only ever holds their
community's matters.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from quanfu.clock import local_midnight
from quanfu.errors import Forbidden, RuleBroken
from quanfu.personal_data import refuse_personal_data
from risks import notices
from risks.choices import EventKind, FollowUpOutcome, RiskStatus
from risks.clocks import working_days_between
from risks.models import FollowUp, Risk, RiskEvent
from risks.scoping import visible_risks
from risks.transitions import RISK_TRANSITIONS

# A written-off matter is due a call for this many working days after its write-off.
FOLLOW_UP_WORKING_DAYS = 10
FOLLOW_UP_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.SECTION_STAFF, Role.STREET_LEADER})
# The outcomes that are an answer (satisfaction = satisfied ÷ answered, risks.flow_figures).
ANSWERED = (FollowUpOutcome.SATISFIED, FollowUpOutcome.DISSATISFIED)


def may_follow_up(user, risk: Risk | None = None) -> bool:
    """May ``user`` record follow-up calls (on ``risk``, if given: a section's staff only
    on what their section owns)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.role not in FOLLOW_UP_ROLES:
        return False
    if risk is not None and user.role == Role.SECTION_STAFF:
        return user.department_id is not None and risk.department_id == user.department_id
    return True


@transaction.atomic
def record_follow_up(risk: Risk, *, outcome: str, note: str = "", actor) -> FollowUp:
    """Record a follow-up call on a written-off matter and the FOLLOW_UP event of its
    history. Raises Forbidden (not someone who handles it) or RuleBroken (not written
    off, an unknown outcome, identity or mobile numbers in the note); nothing changes
    then."""
    if not may_follow_up(actor, risk):
        raise Forbidden(_("Only the community's officers, the section owning the matter "
                          "and street leaders call back after a write-off."))
    if outcome not in FollowUpOutcome.values:
        raise RuleBroken(_("Choose the outcome: satisfied, dissatisfied or unreachable."),
                         field="outcome")
    note = (note or "").strip()
    refuse_personal_data(note=note)
    risk = RISK_TRANSITIONS.lock(risk, None)
    if risk.status != RiskStatus.CLOSED:
        raise RuleBroken(_("Only a written-off matter is called back."), field="status")
    now = timezone.now()
    follow_up = FollowUp.objects.create(risk=risk, outcome=outcome, note=note, called_by=actor,
                                        called_at=now)
    risk.save_change([], now)
    RiskEvent.objects.create(risk=risk, kind=EventKind.FOLLOW_UP, actor=actor, note=note,
                             changes={"outcome": outcome}, created_at=now)
    if outcome == FollowUpOutcome.DISSATISFIED:
        notices.tell_dissatisfied(follow_up, actor=actor, now=now)
    return follow_up


def follow_ups_of(risk: Risk) -> QuerySet[FollowUp]:
    return risk.follow_ups.select_related("called_by").order_by("-called_at", "-id")


def window_start(today: date, working_days: int = FOLLOW_UP_WORKING_DAYS) -> date:
    """The day from which a write-off is still due a call: ``working_days`` working days
    of the official calendar (risks.clocks) lie after it up to today. One query per step;
    the first guess (two weekends back) is usually right."""
    def after(day: date) -> int:
        return working_days_between(local_midnight(day), local_midnight(today))

    day = today - timedelta(days=working_days + 2 * ((working_days + 4) // 5))
    while after(day) < working_days:
        day -= timedelta(days=1)
    while after(day + timedelta(days=1)) >= working_days:
        day += timedelta(days=1)
    return day


def follow_up_due(user, today: date | None = None) -> QuerySet[Risk]:
    """The matters in the user's scope written off within the window and not called back
    yet (no follow-up at all), oldest write-off first. Section staff: their section's."""
    today = today or timezone.localdate()
    since = local_midnight(window_start(today))
    matters = visible_risks(user).filter(status=RiskStatus.CLOSED, closed_at__gte=since)
    if user.role == Role.SECTION_STAFF and not user.is_superuser:
        matters = matters.filter(department_id=user.department_id)
    return (matters.filter(~Exists(FollowUp.objects.filter(risk=OuterRef("pk"))))
            .order_by("closed_at", "id"))
