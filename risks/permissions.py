"""Who may do what in the register, by default: one table, read by the code and the tests.

Operations are the transition actions plus: ``view``, ``report`` (enter a new matter),
``note`` (progress notes, answers to instructions), ``edit`` (the matter's facts),
``assign`` (level, the four duties, the lead), ``party`` (parties), ``plan`` (resolution
and emergency plans, drills). Unmasking parties is a Django permission
(``risks.unmask_party``), granted per person, not per role.
"""

from django.utils.translation import gettext as _

from accounts.roles import Role
from quanfu.errors import Forbidden
from risks.choices import Action, Tier

VIEW, REPORT, NOTE, EDIT, ASSIGN, PARTY, PLAN = (
    "view", "report", "note", "edit", "assign", "party", "plan")

_HANDLING = {EDIT, ASSIGN, PARTY, PLAN, Action.VERIFY, Action.REJECT, Action.START,
             Action.RESOLVE, Action.CLOSE, Action.REOPEN, Action.ESCALATE,
             Action.CONFIRM_GRADE, Action.REWORK}

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

# The tiers at which a role handles matters: a community settles its own; what is
# escalated to the street is decided by the street (leaders, and sections for their
# subjects); the district tier is followed by the street leader.
ROLE_TIERS: dict[str, frozenset[str]] = {
    Role.COMMUNITY_OFFICER: frozenset({Tier.COMMUNITY}),
    Role.SECTION_STAFF: frozenset({Tier.COMMUNITY, Tier.STREET}),
    Role.STREET_LEADER: frozenset({Tier.COMMUNITY, Tier.STREET, Tier.DISTRICT}),
}

# Operations that anyone allowed to do them may do at any tier.
TIERLESS = frozenset({VIEW, REPORT, NOTE})


def role_may(role: str, operation: str) -> bool:
    return operation in ROLE_OPERATIONS.get(role, frozenset())


def user_may(user, operation: str, risk=None) -> bool:
    """May ``user`` do ``operation`` (to ``risk``, if given)? Scope is checked elsewhere:
    a matter outside the scope is never even found."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not role_may(user.role, operation):
        return False
    if risk is None or operation in TIERLESS:
        return True
    return risk.tier in ROLE_TIERS.get(user.role, frozenset())


def require(actor, operation: str, risk=None) -> bool:
    """Refuse (Forbidden, saying why) unless ``actor`` may do ``operation``; True if so."""
    if not user_may(actor, operation, risk):
        if risk is not None and role_may(actor.role, operation):
            raise Forbidden(_("This matter is handled at the %(tier)s tier; you cannot do "
                              "this now.") % {"tier": risk.get_tier_display()})
        raise Forbidden(_("Your role may not do this."))
    return True


def may_unmask(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("risks.unmask_party")
