"""Who may do what in supervision, by default: one table, read by the services, the pages
and the tests. Scope is checked beside it: a supervisor acts only for the groups they lead
or belong to and in those groups' communities; everyone else within their own scope.

Operations:
- ``inspect``: record an inspection and its findings, with evidence as found;
- ``accept``: accept a finding's rectification (验收) or return it;
- ``rectify``: write how a finding was rectified, with evidence after rectification;
- ``notice``: draft a notice (通报) from findings, print it and send it;
- ``list``: put a matter or a community under listed supervision (挂牌督办), lift it;
- ``plan_campaign``: give a special campaign its tasks;
- ``report_progress``: report progress on a campaign task one owns;
- ``link_matter``: link a matter one sees to a campaign;
- ``dashboard``: read the dashboards (whole areas: not for section staff, whose view of
  the register is their department's matters, nor for grid workers).
- ``map``: read the map of areas (挂图作战: whole areas' figures, as the dashboards): the
  dashboards' readers, and API clients (the district platform) through ``areas/map/``.
"""

from django.utils.translation import gettext as _

from accounts.roles import Role
from grids.scoping import area_in_scope
from quanfu.errors import Forbidden

INSPECT, ACCEPT, RECTIFY, NOTICE, LIST = "inspect", "accept", "rectify", "notice", "list"
PLAN_CAMPAIGN, REPORT_PROGRESS, LINK_MATTER = "plan_campaign", "report_progress", "link_matter"
DASHBOARD = "dashboard"
MAP = "map"

ROLE_OPERATIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset(),
    Role.COMMUNITY_OFFICER: frozenset({RECTIFY, REPORT_PROGRESS, LINK_MATTER, DASHBOARD,
                                       MAP}),
    Role.SECTION_STAFF: frozenset({REPORT_PROGRESS, LINK_MATTER}),
    Role.STREET_LEADER: frozenset({LIST, PLAN_CAMPAIGN, REPORT_PROGRESS, LINK_MATTER,
                                   DASHBOARD, MAP}),
    Role.SUPERVISOR: frozenset({INSPECT, ACCEPT, NOTICE, LIST, DASHBOARD, MAP}),
    Role.API_CLIENT: frozenset({MAP}),
}

# Operations done on behalf of a supervision group: only by its leader and members.
GROUP_OPERATIONS = frozenset({INSPECT, ACCEPT, NOTICE})


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def may(user, operation: str) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or operation in ROLE_OPERATIONS.get(user.role, frozenset())


def require(user, operation: str) -> None:
    if not may(user, operation):
        raise Forbidden(_("Your role may not do this."))


def acts_for_group(user, group) -> bool:
    """Is the user the group's leader or one of its members (or the superuser)?"""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return group.leader_id == user.pk or group.members.filter(pk=user.pk).exists()


def require_group(user, operation: str, group) -> None:
    require(user, operation)
    if not acts_for_group(user, group):
        raise Forbidden(_("Only the members of %(group)s may do this.") % {"group": group.name})


def require_area_in_scope(user, area, field: str = "community") -> None:
    if not area_in_scope(user, area):
        raise Forbidden(_("%(area)s is outside your scope.") % {"area": area.name}, field=field)


def may_report_on(user, task) -> bool:
    """The task's owner reports on it: the officers of its community, the staff of its
    department; a street leader may for any task in their scope."""
    if not may(user, REPORT_PROGRESS):
        return False
    if user.is_superuser:
        return True
    if user.role == Role.STREET_LEADER:
        area = task.owner_community or task.owner_department.street
        return area_in_scope(user, area)
    if user.role == Role.COMMUNITY_OFFICER:
        return task.owner_community_id is not None and task.owner_community_id == user.area_id
    if user.role == Role.SECTION_STAFF:
        return task.owner_department_id is not None and \
            task.owner_department_id == user.department_id
    return False
