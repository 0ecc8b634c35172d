"""Who may do what in the daily rhythm, by default: one table for code and tests."""

from django.utils.translation import gettext as _

from accounts.roles import Role
from quanfu.errors import Forbidden

# read_statistics: the monthly statistics (月统), as a page or through the API.
ROLE_OPERATIONS: dict[str, frozenset[str]] = {
    Role.GRID_WORKER: frozenset({"answer_warning", "zero_report", "answer_instruction"}),
    Role.COMMUNITY_OFFICER: frozenset({"issue_warning", "answer_warning",
                                       "confirm_daily_check", "send_instruction",
                                       "read_statistics"}),
    Role.SECTION_STAFF: frozenset({"issue_warning", "answer_warning", "send_instruction",
                                   "read_statistics"}),
    Role.STREET_LEADER: frozenset({"issue_warning", "answer_warning", "send_instruction",
                                   "confirm_daily_check", "read_statistics"}),
    Role.SUPERVISOR: frozenset({"read_statistics"}),
    Role.API_CLIENT: frozenset({"issue_warning", "answer_warning", "read_statistics"}),
}


def may(user, operation: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or operation in ROLE_OPERATIONS.get(user.role, frozenset())


def require(user, operation: str) -> None:
    if not may(user, operation):
        raise Forbidden(_("Your role may not do this."))
