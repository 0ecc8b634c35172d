"""Who may do what with meetings, whistles and action items: one table, read by the
services, the pages and the tests.

A community convenes its own joint meeting (the first firewall); the street leaders
convene the street's meetings and record the district joint meeting the street takes its
matters to. A grid or a community blows the whistle (网格吹哨); the called department's
staff report in (部门报到), or a street leader records it for them.
"""

from accounts.roles import Role
from grids.scoping import area_in_scope
from risks.choices import Tier

# The tiers whose meetings each role convenes and minutes (within its scope).
MANAGED_TIERS: dict[str, frozenset[str]] = {
    Role.COMMUNITY_OFFICER: frozenset({Tier.COMMUNITY}),
    Role.STREET_LEADER: frozenset({Tier.COMMUNITY, Tier.STREET, Tier.DISTRICT}),
}
WHISTLE_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.STREET_LEADER})
REPORT_IN_FOR_ANY_DEPARTMENT = frozenset({Role.STREET_LEADER})
RULE_SETTERS = frozenset({Role.STREET_LEADER})


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def may_manage_tier(user, tier: str) -> bool:
    """May the user convene and minute meetings of this tier somewhere in their scope?"""
    if not _active(user):
        return False
    return user.is_superuser or tier in MANAGED_TIERS.get(user.role, frozenset())


def may_manage_some_tier(user) -> bool:
    return any(may_manage_tier(user, tier) for tier in Tier.values)


def may_manage(user, meeting) -> bool:
    """May the user change this meeting's agenda, decisions and minutes, approve or amend
    them? Their role must convene meetings of its tier, and its area be in their scope."""
    return may_manage_tier(user, meeting.tier) and area_in_scope(user, meeting.area)


def may_whistle(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in WHISTLE_ROLES)


def may_report_in(user, report) -> bool:
    """The called department's own staff report in; a street leader may record it."""
    if not _active(user):
        return False
    if user.is_superuser or user.role in REPORT_IN_FOR_ANY_DEPARTMENT:
        return True
    return user.role == Role.SECTION_STAFF and user.department_id == report.department_id


def may_follow_up(user, action_item) -> bool:
    """The person or department responsible reports progress and completion; so may
    those who manage the meeting that assigned it."""
    if not _active(user):
        return False
    if user.is_superuser or action_item.owner_id == user.pk:
        return True
    if (user.role == Role.SECTION_STAFF and user.department_id
            and action_item.owner_department_id == user.department_id):
        return True
    return may_manage(user, action_item.meeting)


def may_set_escalation_rules(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in RULE_SETTERS)
