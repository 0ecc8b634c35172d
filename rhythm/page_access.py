"""Who opens which of the rhythm's pages, by role: one table for the views, the left
navigation and the tests. What a reader may *do* on a page (answer, confirm, send) is
rhythm.permissions; what they see on it is their scope (rhythm.scoping)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.roles import Role
from rhythm.permissions import ROLE_OPERATIONS


def _roles_that_may(operation: str) -> frozenset:
    return frozenset(role for role, operations in ROLE_OPERATIONS.items()
                     if operation in operations)


PEOPLE = frozenset(role for role in Role if role != Role.API_CLIENT)
STREET_READERS = frozenset({Role.STREET_LEADER, Role.SECTION_STAFF, Role.SUPERVISOR})

PAGE_READERS: dict[str, frozenset] = {
    # everyone sees the warnings of the matters in their scope; most may answer them
    "warnings": PEOPLE,
    # 日核: officers and leaders confirm; sections and supervisors follow it
    "daily": _roles_that_may("confirm_daily_check") | {Role.SECTION_STAFF, Role.SUPERVISOR},
    # the grid worker's phone page: zero report and instructions to answer
    "grid_today": _roles_that_may("zero_report"),
    "instructions": _roles_that_may("send_instruction") | {Role.SUPERVISOR},
    # 周调 is the street meeting's report; 月统 and data quality are also each community's
    "weekly": STREET_READERS,
    "monthly": _roles_that_may("read_statistics"),  # the API too (rhythm.api)
    "quality": STREET_READERS | {Role.COMMUNITY_OFFICER},
}


def may_open(user, page: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (user.role in PAGE_READERS[page] and user.role in PEOPLE)


def require_page(user, page: str) -> None:
    if not may_open(user, page):
        raise PermissionDenied(_("This page is not for your role."))
