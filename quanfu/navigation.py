"""The left navigation: each role sees only the pages it uses, the few it uses every day
first (``PRIMARY``: a grid worker's phone menu is at most six) and the rest folded under
"more" (templates/base.html, a <details> that needs no JavaScript), grouped there by the
kind of work (``GROUPS``: 日常工作 / 台账与统计 / 会议与督导 / 管理; a group with nothing
for the role is left out).

Later apps add their entries here; an entry whose page is not installed is skipped.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import COMMUNITY_KEEPER_ROLES, Role
from rhythm.page_access import PAGE_READERS
from risks.permissions import EDIT, REPORT, ROLE_OPERATIONS, VIEW

EVERY_PERSON = frozenset(role for role in Role if role != Role.API_CLIENT)
# Those who handle matters with the street's sections and meetings; grid workers report
# and follow their grid, supervisors inspect.
HANDLERS = frozenset({Role.COMMUNITY_OFFICER, Role.SECTION_STAFF, Role.STREET_LEADER})
# Dashboards show whole areas: leaders, community officers, supervisors (supervision.permissions).
SUPERVISION_DASHBOARD_ROLES = frozenset({Role.STREET_LEADER, Role.COMMUNITY_OFFICER,
                                         Role.SUPERVISOR})


def people_who_may(operation: str) -> frozenset:
    """The roles of people (not machine clients) that the register's table lets do this."""
    return frozenset(role for role, operations in ROLE_OPERATIONS.items()
                     if operation in operations) & EVERY_PERSON


def people_who_open(page: str) -> frozenset:
    """The roles of people that the rhythm's table (rhythm.page_access) lets open a page."""
    return PAGE_READERS[page] & EVERY_PERSON


DAILY_WORK, LEDGERS, MEETINGS, MANAGEMENT = "daily", "ledgers", "meetings", "management"
# The groups of the menu, in this order.
GROUPS = {
    DAILY_WORK: _("Daily work"),
    LEDGERS: _("Ledgers and statistics"),
    MEETINGS: _("Meetings and supervision"),
    MANAGEMENT: _("Management"),
}


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset
    group: str
    staff_only: bool = False


NAVIGATION = [
    # 日常工作
    NavItem(_("Home"), "home", EVERY_PERSON, DAILY_WORK),
    NavItem(_("My day in the grid"), "rhythm:grid_today", people_who_open("grid_today"),
            DAILY_WORK),
    NavItem(_("Report a matter"), "risks:risk_create", people_who_may(REPORT), DAILY_WORK),
    NavItem(_("Warnings (T+2)"), "rhythm:warning_list", people_who_open("warnings"),
            DAILY_WORK),
    NavItem(_("Daily check"), "rhythm:daily_check_overview", people_who_open("daily"),
            DAILY_WORK),
    # leaders decide requests; those who handle matters follow their own
    NavItem(_("Approvals"), "risks:approval_list", people_who_may(EDIT), DAILY_WORK),
    # 回访: community officers call back their community's write-offs, leaders the street's
    NavItem(_("Follow-up calls"), "risks:follow_up_list",
            frozenset({Role.COMMUNITY_OFFICER, Role.STREET_LEADER}), DAILY_WORK),
    NavItem(_("Work instructions"), "rhythm:instruction_list",
            people_who_open("instructions"), DAILY_WORK),
    # 台账与统计
    NavItem(_("Risk register"), "risks:risk_list", people_who_may(VIEW), LEDGERS),
    NavItem(_("Ledgers"), "ledgers:ledger_index", people_who_may(VIEW) - {Role.GRID_WORKER},
            LEDGERS),
    NavItem(_("Dashboards"), "supervision:dashboard", SUPERVISION_DASHBOARD_ROLES, LEDGERS),
    NavItem(_("Weekly report"), "rhythm:weekly_report", people_who_open("weekly"), LEDGERS),
    NavItem(_("Monthly statistics"), "rhythm:monthly_stats", people_who_open("monthly"),
            LEDGERS),
    NavItem(_("Data quality"), "rhythm:data_quality", people_who_open("quality"), LEDGERS),
    # 会议与督导
    NavItem(_("Joint meetings"), "meetings:meeting_list", HANDLERS, MEETINGS),
    NavItem(_("Escalation by tier"), "meetings:tier_dashboards", HANDLERS, MEETINGS),
    # a grid blows the whistle, the called sections report in
    NavItem(_("Whistle and report-in"), "meetings:whistle_board",
            HANDLERS | {Role.GRID_WORKER}, MEETINGS),
    # a grid worker may be the person an action item names
    NavItem(_("Action items"), "meetings:action_item_list", HANDLERS | {Role.GRID_WORKER},
            MEETINGS),
    NavItem(_("Supervision"), "supervision:inspection_list", HANDLERS | {Role.SUPERVISOR},
            MEETINGS),
    NavItem(_("Listed supervision"), "supervision:listing_list",
            HANDLERS | {Role.SUPERVISOR}, MEETINGS),
    NavItem(_("Special campaigns"), "supervision:campaign_list",
            HANDLERS | {Role.SUPERVISOR}, MEETINGS),
    # 管理
    NavItem(_("Areas and grids"), "grids:area_list", EVERY_PERSON, MANAGEMENT),
    # a community keeps its grids' duty rosters and its grid workers' accounts
    NavItem(_("Grid rosters and workers"), "grids:community_index", COMMUNITY_KEEPER_ROLES,
            MANAGEMENT),
    NavItem(_("Audit log"), "audit:entry_list", frozenset({Role.STREET_LEADER}), MANAGEMENT),
    # Swagger UI is English, for the developers of the platforms that call the API
    NavItem(_("API documentation"), "api-docs", frozenset(), MANAGEMENT, staff_only=True),
    NavItem(_("Administration"), "admin:index", frozenset(), MANAGEMENT, staff_only=True),
]


# What each role opens every day, in this order; everything else it uses is under "more".
PRIMARY: dict[str, tuple[str, ...]] = {
    # The grid worker's phone: their to-do, report, the day's zero report and instructions,
    # their grid's matters, the warnings to answer; the app's drafts waiting to be sent
    # follow (templates/worker_app/drafts_nav.html), six in all; the inbox is in the header.
    Role.GRID_WORKER: ("home", "risks:risk_create", "rhythm:grid_today", "risks:risk_list",
                       "rhythm:warning_list"),
    Role.COMMUNITY_OFFICER: ("home", "risks:risk_list", "risks:risk_create",
                             "rhythm:warning_list", "rhythm:daily_check_overview",
                             "risks:follow_up_list", "risks:approval_list",
                             "meetings:meeting_list"),
    Role.SECTION_STAFF: ("home", "risks:risk_list", "meetings:whistle_board",
                         "meetings:action_item_list", "risks:approval_list",
                         "meetings:meeting_list"),
    Role.STREET_LEADER: ("home", "risks:approval_list", "risks:risk_list",
                         "supervision:dashboard", "supervision:listing_list",
                         "meetings:meeting_list", "meetings:tier_dashboards",
                         "rhythm:weekly_report"),
    Role.SUPERVISOR: ("home", "supervision:inspection_list", "supervision:listing_list",
                      "supervision:dashboard", "risks:risk_list"),
}
# The superuser sees every page: a street leader's first, and the administration.
SUPERUSER_PRIMARY = (*PRIMARY[Role.STREET_LEADER], "admin:index")


class Menu(list):
    """The items a person is shown (each a dict: label, url, url_name, group, primary), the
    primary ones first; ``primary`` and ``more`` split them for the template, and
    ``more_groups`` gives the rest by group, in the order of ``GROUPS``, empty ones left out."""

    @property
    def primary(self) -> list[dict]:
        return [item for item in self if item["primary"]]

    @property
    def more(self) -> list[dict]:
        return [item for item in self if not item["primary"]]

    @property
    def more_groups(self) -> list[dict]:
        more = self.more
        groups = ({"key": key, "label": label,
                   "items": [item for item in more if item["group"] == key]}
                  for key, label in GROUPS.items())
        return [group for group in groups if group["items"]]


def primary_names(user) -> tuple[str, ...]:
    return SUPERUSER_PRIMARY if user.is_superuser else PRIMARY.get(user.role, ("home",))


def items_for(user) -> Menu:
    if not user.is_authenticated:
        return Menu()
    first = primary_names(user)
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
        items.append({"label": item.label, "url": url, "url_name": item.url_name,
                      "group": item.group, "primary": item.url_name in first})
    position = {name: index for index, name in enumerate(first)}
    return Menu(sorted(items, key=lambda entry: position.get(entry["url_name"], len(first))))
