"""Who may do what in the register, by default: one table, read by the code and the tests.

Operations are the transition actions plus: ``view``, ``report`` (enter a new matter),
``note`` (progress notes, answers to instructions), ``edit`` (the matter's facts),
``assign`` (level, the four duties, the lead), ``party`` (parties), ``plan`` (resolution
and emergency plans, drills). Some operations a role may do only to the matters it
reported itself (``OWN_MATTER_OPERATIONS``: an API client keeps what it sent). Unmasking
parties is a Django permission (``risks.unmask_party``), granted per person, not per role.
"""

from django.utils.translation import gettext as _

from accounts.roles import Role
from quanfu.errors import Forbidden
from risks import routing, scoping
from risks.choices import Action, Tier

VIEW, REPORT, NOTE, EDIT, ASSIGN, PARTY, PLAN = (
    "view", "report", "note", "edit", "assign", "party", "plan")

_HANDLING = {EDIT, ASSIGN, PARTY, PLAN, Action.VERIFY, Action.REJECT, Action.START,
             Action.RESOLVE, Action.CLOSE, Action.REOPEN, Action.ESCALATE,
             Action.CONFIRM_GRADE, Action.REWORK, Action.RESUME}

ROLE_OPERATIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset({VIEW, REPORT, NOTE}),
    Role.COMMUNITY_OFFICER: frozenset({VIEW, REPORT, NOTE, *_HANDLING, Action.DISPATCH}),
    # section staff dispatch only as the street's centre (risks.routing), and sign for or
    # return only what was dispatched to their own section (risks.transitions)
    Role.SECTION_STAFF: frozenset({VIEW, REPORT, NOTE, *_HANDLING, Action.DISPATCH,
                                   Action.ACCEPT, Action.RETURN}),
    Role.STREET_LEADER: frozenset({VIEW, REPORT, NOTE, *_HANDLING, Action.DEESCALATE,
                                   Action.DISPATCH}),
    Role.SUPERVISOR: frozenset({VIEW}),
    Role.API_CLIENT: frozenset({VIEW, REPORT}),
}

# What a role may do only to the matters it reported itself: a district platform's client
# keeps the matters it sent (edits them, grades them, names their duties, takes them
# through the transition table and writes notes on them), never another's.
OWN_MATTER_OPERATIONS: dict[str, frozenset[str]] = {
    Role.API_CLIENT: frozenset({NOTE, EDIT, ASSIGN, Action.VERIFY, Action.REJECT,
                                Action.START, Action.RESOLVE, Action.CLOSE, Action.REOPEN,
                                Action.ESCALATE, Action.CONFIRM_GRADE, Action.REWORK}),
}

# The tiers at which a role handles matters: a community settles its own; what is
# escalated to the street is decided by the street (leaders, and sections for their
# subjects); the district tier is followed by the street leader.
ROLE_TIERS: dict[str, frozenset[str]] = {
    Role.COMMUNITY_OFFICER: frozenset({Tier.COMMUNITY}),
    Role.SECTION_STAFF: frozenset({Tier.COMMUNITY, Tier.STREET}),
    Role.STREET_LEADER: frozenset({Tier.COMMUNITY, Tier.STREET, Tier.DISTRICT}),
    # its own matters, wherever they are handled (the district platform sent them)
    Role.API_CLIENT: frozenset({Tier.COMMUNITY, Tier.STREET, Tier.DISTRICT}),
}

# Operations that anyone allowed to do them may do at any tier.
TIERLESS = frozenset({VIEW, REPORT, NOTE})


def role_may(role: str, operation: str) -> bool:
    return operation in ROLE_OPERATIONS.get(role, frozenset())


# The street's centre (平安法治和信访办公室) dispatches and voids across its street; every
# other operation of section staff, the centre's included, is on what is theirs: the
# matters dispatched to or owned by their department.
CENTRE_WIDE = frozenset({Action.DISPATCH, Action.REJECT})


def refusal(user, operation: str, risk=None) -> str | None:
    """Why ``user`` may not do ``operation`` (to ``risk``, if given); None if they may.

    Seeing a matter is the scope's question (risks.scoping: outside it, a matter is never
    even found). Acting on one also needs it in the user's own areas, not merely a matter
    they are named on (a note aside: the persons named report progress); section staff act
    and write notes only on their department's matters; and the role handles matters at
    the matter's tier."""
    if not user.is_authenticated or not user.is_active:
        return _("Your role may not do this.")
    if user.is_superuser:
        return None
    if not role_may(user.role, operation):
        if risk is None or operation not in OWN_MATTER_OPERATIONS.get(user.role, ()):
            return _("Your role may not do this.")
        if risk.reported_by_id != user.pk:
            return _("An API client acts only on the matters it reported itself.")
    if risk is None or operation == VIEW:
        return None
    # a note (progress, an answer to an instruction) may be written by whoever sees the
    # matter, the persons named on it included; sections only on their own (below)
    if operation != NOTE and not scoping.in_own_areas(user, risk):
        return _("This matter lies outside your area: you are named on it, so you may read "
                 "it, but not act on it.")
    if user.role == Role.SECTION_STAFF and not (
            operation in CENTRE_WIDE and routing.is_centre_staff(user)) and (
            user.department_id is None
            or user.department_id not in (risk.department_id, risk.dispatched_to_id)):
        return _("Sections act only on the matters dispatched to or owned by their own "
                 "department.")
    if operation not in TIERLESS and risk.tier not in ROLE_TIERS.get(user.role, frozenset()):
        return _("This matter is handled at the %(tier)s tier; you cannot do this now.") % {
            "tier": risk.get_tier_display()}
    return None


def user_may(user, operation: str, risk=None) -> bool:
    """May ``user`` do ``operation`` (to ``risk``, if given)?"""
    return refusal(user, operation, risk) is None


def require(actor, operation: str, risk=None) -> bool:
    """Refuse (Forbidden, saying why) unless ``actor`` may do ``operation``; True if so."""
    reason = refusal(actor, operation, risk)
    if reason is not None:
        raise Forbidden(reason)
    return True


def may_unmask(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("risks.unmask_party")
