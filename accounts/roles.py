"""The roles of the people who use the register, and what each one's scope is made of."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    SECTION_STAFF = "section_staff", _("Section staff")
    STREET_LEADER = "street_leader", _("Street leader")
    SUPERVISOR = "supervisor", _("Supervisor")
    API_CLIENT = "api_client", _("API client")


# The kind of area a user of each role is attached to. Section staff and supervisors
# hold the street (their department or their group narrows what they see inside it).
AREA_KIND_FOR_ROLE = {
    Role.GRID_WORKER: ("grid", "microgrid"),
    Role.COMMUNITY_OFFICER: ("community",),
    Role.SECTION_STAFF: ("street",),
    Role.STREET_LEADER: ("street",),
    Role.SUPERVISOR: ("street",),
    Role.API_CLIENT: ("street", "community"),
}
ROLES_NEEDING_DEPARTMENT = {Role.SECTION_STAFF}

# Who may hold one of a matter's four duties or lead it: staff, not supervisors or machines.
DUTY_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.SECTION_STAFF,
                        Role.STREET_LEADER})

# Who keeps a community's grids running without the administrator (issue 20): the duty
# rosters of its grids and its grid workers' accounts. A community officer keeps their
# community, a street leader the communities of their street (grids.scoping.
# get_kept_community_for_user; the superuser keeps every one).
COMMUNITY_KEEPER_ROLES = frozenset({Role.COMMUNITY_OFFICER, Role.STREET_LEADER})
