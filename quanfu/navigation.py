"""The left navigation: each role sees only what it can use.

Later apps add their entries here; an entry whose page is not installed is skipped.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from risks.permissions import REPORT, ROLE_OPERATIONS, VIEW

EVERY_PERSON = frozenset(role for role in Role if role != Role.API_CLIENT)


def people_who_may(operation: str) -> frozenset:
    """The roles of people (not machine clients) that the register's table lets do this."""
    return frozenset(role for role, operations in ROLE_OPERATIONS.items()
                     if operation in operations) & EVERY_PERSON


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset
    staff_only: bool = False


NAVIGATION = [
    NavItem(_("Home"), "home", EVERY_PERSON),
    NavItem(_("Risk register"), "risks:risk_list", people_who_may(VIEW)),
    NavItem(_("Report a matter"), "risks:risk_create", people_who_may(REPORT)),
    NavItem(_("Joint meetings"), "meetings:meeting_list", EVERY_PERSON),
    NavItem(_("Escalation by tier"), "meetings:tier_dashboards", EVERY_PERSON),
    NavItem(_("Whistle and report-in"), "meetings:whistle_board", EVERY_PERSON),
    NavItem(_("Action items"), "meetings:action_item_list", EVERY_PERSON),
    NavItem(_("Ledgers"), "ledgers:ledger_index", people_who_may(VIEW)),
    NavItem(_("Areas and grids"), "grids:area_list", EVERY_PERSON),
    NavItem(_("API documentation"), "api-docs", frozenset({Role.STREET_LEADER}), staff_only=False),
    NavItem(_("Administration"), "admin:index", frozenset(), staff_only=True),
]


def items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    for item in NAVIGATION:
        allowed = user.role in item.roles or (
            user.is_superuser or (item.staff_only and user.is_staff)
        )
        if not allowed:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "url_name": item.url_name})
    return items
