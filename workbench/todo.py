"""The workbench (工作台): what a person must do now, in groups — each a count, its first
items and the link to the full list it comes from. The home page of every role shows
them; ``me/todo/`` gives the phone app the same groups.

A group is one of the apps' own lists narrowed by that list's own FilterSet, over the
same scoping as the page (the register, the warnings, action items, findings, whistle
calls, listed supervision, meetings), or what a page itself lists through its service
(today's report and the instructions of the grid worker's day, the daily check, the
follow-up calls, the approvals). The group's count is that list's count and its link
opens that list with the same filters: the two cannot drift apart.

Each group costs its first items (a LIMIT) and, when they fill it, a COUNT: at most two
queries, whatever the number of items waiting in it; the number of queries depends on the
role's groups only. Groups are shown red first (something is late), then orange (waiting
for this person), then blue (to follow), then those with nothing in them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, Q, QuerySet, Window
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.roles import Role
from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import scope_roots
from ledgers.queries import UserOnly
from meetings.filters import ActionItemFilterSet, MeetingFilterSet, WhistleCallFilterSet
from meetings.scoping import visible_action_items, visible_meetings, visible_whistle_calls
from quanfu.clock import local_day_bounds, local_moment
from rhythm import permissions as rhythm_permissions
from rhythm.choices import InstructionStatus, WarningStatus
from rhythm.deadlines import attach_days_left
from rhythm.filters import WarningFilterSet
from rhythm.models import ZeroReport
from rhythm.scoping import visible_warnings
from rhythm.services import open_instructions_for
from rhythm.views import visible_check_items, worker_grid
from risks import approvals
from risks import permissions as risk_permissions
from risks.choices import Action, ClockFlag, RiskLevel, Tier
from risks.filters import PENDING, WAITING, RiskFilterSet
from risks.follow_ups import follow_up_due, may_follow_up
from risks.scoping import visible_risks
from risks.transitions import RISK_TRANSITIONS
from supervision import permissions as supervision_permissions
from supervision.choices import FindingStatus, ListingGrade, ListingStatus
from supervision.dashboards.queries import GRADE_RANK
from supervision.filters import FindingFilterSet, ListingFilterSet
from supervision.models import Inspection
from supervision.scoping import groups_of, visible_findings, visible_listings
from workbench.desk import Desk

ITEMS = 5  # the first items each group shows; the rest are one click away in its list
END_OF_DAY = time(23, 59, 59)


class Urgency:
    RED = "red"  # something in it is late
    ORANGE = "orange"  # waiting for this person now
    BLUE = "blue"  # to follow
    NONE = "none"  # nothing to do


URGENCY_ORDER = {Urgency.RED: 0, Urgency.ORANGE: 1, Urgency.BLUE: 2, Urgency.NONE: 3}


@dataclass
class Button:
    """An item's or a group's button: a link, or (``fields``) a one-click POST form."""

    label: str
    url: str
    fields: dict | None = None


@dataclass
class Item:
    """One thing to do; ``type`` and ``id`` name the object (API_CONTRACT.md)."""

    type: str
    id: int | None
    title: str
    due_at: datetime | None
    url: str
    code: str = ""  # a matter's code, shown before its title
    late: bool = False
    action: Button | None = None

    @property
    def full_title(self) -> str:
        return f"{self.code} {self.title}" if self.code else self.title


@dataclass
class Group:
    kind: str
    label: str
    count: int
    items: list[Item]
    url: str  # the full list, filtered to exactly what is counted ("" : the items are all)
    urgency: str = Urgency.BLUE
    empty: str = ""  # what the card says when nothing waits
    note: str = ""
    badge: str = ""  # the urgency's word when the usual one would mislead
    actions: list[Button] = field(default_factory=list)
    # the street leader's red clocks: (community, count, link) per community
    breakdown: list[tuple[str, int, str]] = field(default_factory=list)


def end_of(day: date | None) -> datetime | None:
    return local_moment(day, END_OF_DAY) if day else None


# Reading a list ----------------------------------------------------------------------------

def first_items(queryset: QuerySet, *order, count: int | None = None) -> tuple[int, list]:
    """The count of ``queryset`` and its first ITEMS rows in ``order`` (its own ordering
    if none is given): one query, and a COUNT only when the first rows fill the group and
    the count is not known already. (One query with ``COUNT(*) OVER ()`` was tried: it
    reads and keeps every matching row before the first comes out, where a plain LIMIT
    walks an index and stops — at the city preset the pair is much the faster.)"""
    rows = list((queryset.order_by(*order) if order else queryset)[:ITEMS])
    if count is not None:
        return count, rows
    if len(rows) < ITEMS:
        return len(rows), rows
    return queryset.order_by().count(), rows


@dataclass(frozen=True)
class ListPage:
    """One of the apps' list pages: its URL, its FilterSet and its scoping."""

    url_name: str
    filterset: type
    visible: Callable


REGISTER = ListPage("risks:risk_list", RiskFilterSet, visible_risks)
WARNINGS = ListPage("rhythm:warning_list", WarningFilterSet, visible_warnings)
ACTION_ITEMS = ListPage("meetings:action_item_list", ActionItemFilterSet,
                        visible_action_items)
WHISTLES = ListPage("meetings:whistle_board", WhistleCallFilterSet, visible_whistle_calls)
FINDINGS = ListPage("supervision:finding_list", FindingFilterSet, visible_findings)
LISTINGS = ListPage("supervision:listing_list", ListingFilterSet, visible_listings)
MEETINGS = ListPage("meetings:meeting_list", MeetingFilterSet, visible_meetings)


@lru_cache(maxsize=64)
def with_filters(filterset_class: type, names: frozenset) -> type:
    """``filterset_class`` keeping only the filters ``names``: the same filters (the same
    objects, methods and fields), without copying the twenty others a FilterSet copies
    for each instance (a few milliseconds each, and a page asks for several)."""
    narrowed = type(filterset_class.__name__, (filterset_class,), {})
    narrowed.base_filters = {name: entry for name, entry in filterset_class.base_filters.items()
                             if name in names}
    return narrowed


def filtered(desk: Desk, page: ListPage, params: dict) -> tuple[QuerySet, str]:
    """The page's list for ``desk.user`` with ``params`` as its query string, through the
    page's own FilterSet and scoping, and the link to it."""
    query = urlencode(params)
    filterset_class = with_filters(page.filterset, frozenset(params))
    filterset = filterset_class(QueryDict(query), queryset=page.visible(desk.user),
                                request=UserOnly(desk.user))
    if not filterset.is_valid():
        raise ImproperlyConfigured(f"The workbench's filters for {page.url_name} are refused: "
                                   f"{filterset.errors.as_json()}")
    return filterset.qs, f"{reverse(page.url_name)}?{query}"


def listed(desk: Desk, page: ListPage, params: dict, *order, related=(),
           annotate: dict | None = None, count: int | None = None
           ) -> tuple[int, list, str, QuerySet]:
    """The page's list (``filtered``): its count (``count`` if known), its first items in
    ``order`` (the list's own, ``ordering`` of the register included, if none is given),
    the link to it, and the filtered queryset."""
    queryset, url = filtered(desk, page, params)
    queryset = queryset.select_related(*related)
    if annotate:
        queryset = queryset.annotate(**annotate)
    count, rows = first_items(queryset, *order, count=count)
    return count, rows, url, queryset


def group(kind: str, label: str, count: int, items: list[Item], url: str, *,
          urgency: str = Urgency.BLUE, **more) -> Group:
    """A group, red when one of its first items is late (most groups show the earliest
    deadlines first, so: when any is), and of no urgency when nothing is in it."""
    if not count:
        urgency = Urgency.NONE
    elif any(item.late for item in items):
        urgency = Urgency.RED
    return Group(kind=kind, label=label, count=count, items=items, url=url, urgency=urgency,
                 **more)


# Items -------------------------------------------------------------------------------------

def matter_url(risk_id: int) -> str:
    return reverse("risks:risk_detail", args=[risk_id])


def matter_item(desk: Desk, risk, *, action: Button | None = None, url: str = "",
                with_due: bool = True) -> Item:
    """A matter; its deadline (``due_on``) unless it is no longer the point (a written-off
    matter due a call)."""
    return Item("risk", risk.pk, risk.title, end_of(risk.due_on) if with_due else None,
                url or matter_url(risk.pk), code=risk.code,
                late=with_due and risk.is_overdue, action=action)


def transition_button(desk: Desk, risk, action: str) -> Button | None:
    """A one-click POST of ``action`` (one without a note) if the person may take it now."""
    if not RISK_TRANSITIONS.allows(risk, action, desk.user):
        return None
    return Button(RISK_TRANSITIONS.label(action),
                  reverse("risks:risk_transition", args=[risk.pk]),
                  fields={"action": action, "version": risk.version})


def warning_item(desk: Desk, warning) -> Item:
    url = reverse("rhythm:warning_detail", args=[warning.pk])
    may_answer = rhythm_permissions.may(desk.user, "answer_warning")
    return Item("warning", warning.pk, warning.risk.title, warning.feedback_due, url,
                code=warning.risk.code,
                late=(warning.status == WarningStatus.OVERDUE
                      or warning.feedback_due < desk.now),
                action=Button(_("Feed back"), url) if may_answer else None)


def action_item_item(desk: Desk, action_item) -> Item:
    url = reverse("meetings:action_item_detail", args=[action_item.pk])
    return Item("action_item", action_item.pk, action_item.title, end_of(action_item.deadline),
                url, late=action_item.deadline < desk.today,
                action=Button(_("Report progress"), url))


def finding_item(desk: Desk, finding, action_label: str) -> Item:
    url = reverse("supervision:finding_detail", args=[finding.pk])
    return Item("finding", finding.pk, f"{finding.community.name}：{finding.description[:60]}",
                end_of(finding.deadline), url,
                late=finding.status == FindingStatus.OPEN and finding.deadline < desk.today,
                action=Button(action_label, url))


# The groups --------------------------------------------------------------------------------

def todays_report(desk: Desk) -> Group | None:
    """今日上报: the grid's zero report of today, or the matters reported in it today (as
    the grid worker's day page counts them); red while there is neither."""
    user = desk.user
    grid = worker_grid(user)
    if grid is None:
        return None
    url = reverse("rhythm:grid_today")
    zero = ZeroReport.objects.filter(grid=grid, day=desk.today).first()
    start, end = local_day_bounds(desk.today)
    reported, rows = first_items(
        visible_risks(user).filter(grid=grid, created_at__gte=start, created_at__lt=end),
        "-created_at", "-id")
    items = []
    if zero is not None:
        filed = timezone.localtime(zero.created_at).strftime("%H:%M")
        items.append(Item("zero_report", zero.pk,
                          _("Zero report filed at %(time)s") % {"time": filed}, None, url))
    items += [matter_item(desk, risk) for risk in rows]
    count = reported + (zero is not None)
    actions = []
    if not count and rhythm_permissions.may(user, "zero_report"):
        actions.append(Button(_("File a zero report"), reverse("rhythm:zero_report_create"),
                              fields={}))
    if risk_permissions.user_may(user, risk_permissions.REPORT):
        actions.append(Button(_("Report a matter"), reverse("risks:risk_create")))
    if zero is not None:
        note = items[0].title
    else:
        note = ngettext("%(count)s new matter reported in your grid today",
                        "%(count)s new matters reported in your grid today",
                        reported) % {"count": reported}
    result = group("today", _("Today's report"), count, items[:ITEMS], url, actions=actions,
                   note=note, empty=_("No new hazards today — file a zero report"))
    # nothing filed yet today: the first thing to do; once filed, nothing more to do
    result.urgency = Urgency.NONE if count else Urgency.RED
    if not count:
        result.note, result.badge = "", _("Not filed yet")
    return result


def open_instructions(desk: Desk) -> Group:
    url = reverse("rhythm:grid_today") + "#instructions"
    count, rows = first_items(open_instructions_for(desk.user), "instruction__deadline", "id")
    items = [Item("instruction", recipient.instruction_id, recipient.instruction.content[:60],
                  recipient.instruction.deadline, url,
                  late=(recipient.status == InstructionStatus.OVERDUE
                        or recipient.instruction.deadline < desk.now),
                  action=Button(_("Answer"), url))
             for recipient in rows]
    return group("instructions", _("Instructions to answer"), count, items, url,
                 urgency=Urgency.ORANGE, empty=_("No instructions waiting for you."))


def my_warnings(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, WARNINGS, {"unanswered": "true", "mine": "true"},
                                         "feedback_due", "id", related=("risk",))
    return group("my_warnings", _("Warnings on my matters awaiting feedback"), count,
                 [warning_item(desk, warning) for warning in rows], url,
                 urgency=Urgency.ORANGE, empty=_("No warning on your matters awaits feedback."))


def my_duties(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, REGISTER, {"status": "open", "mine": "true",
                                                          "ordering": "due_on"})
    return group("duties", _("Open matters I am responsible for"), count,
                 [matter_item(desk, risk) for risk in rows], url,
                 empty=_("You hold no duty on an open matter."))


def to_verify(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, REGISTER, {"status": "reported",
                                                          "ordering": "created_at"})
    items = [matter_item(desk, risk, action=transition_button(desk, risk, Action.VERIFY))
             for risk in rows]
    return group("to_verify", _("Matters to verify"), count, items, url,
                 urgency=Urgency.ORANGE, empty=_("No newly reported matter waits for you."))


def to_dispatch(desk: Desk, *, returned: bool) -> Group:
    params = {"dispatch": WAITING, "returned": "true" if returned else "false",
              "ordering": "updated_at"}
    count, rows, url, _queryset = listed(desk, REGISTER, params)
    label = _("Dispatch again") if returned else _("Send to a section")
    items = [matter_item(desk, risk, action=Button(label, matter_url(risk.pk))) for risk in rows]
    if returned:
        return group("returned", _("Returned to you by a section"), count, items, url,
                     urgency=Urgency.ORANGE, empty=_("No matter was returned."))
    return group("to_dispatch", _("Verified matters to dispatch"), count, items, url,
                 urgency=Urgency.ORANGE, empty=_("No verified matter waits to be dispatched."))


def warnings_due(desk: Desk) -> Group:
    params = {"unanswered": "true", "due_by": desk.today.isoformat()}
    count, rows, url, _queryset = listed(desk, WARNINGS, params, "feedback_due", "id",
                                         related=("risk",))
    return group("warnings_due", _("T+2 warnings due today or overdue"), count,
                 [warning_item(desk, warning) for warning in rows], url,
                 urgency=Urgency.ORANGE, empty=_("No warning's feedback is due today."))


def daily_check(desk: Desk) -> Group | None:
    """今日日核 of the officer's community: the matters not yet confirmed, and how far the
    checklist has got."""
    roots = scope_roots(desk.user) or []
    if len(roots) != 1 or roots[0].kind != AreaKind.COMMUNITY:
        return None
    community = roots[0]
    url = reverse("rhythm:daily_check_detail", args=[community.pk])
    rows = list(visible_check_items(desk.user)
                .filter(check_list__community=community, check_list__day=desk.today)
                .select_related("risk")
                .annotate(workbench_total=Window(Count("pk")),
                          workbench_left=Window(Count("pk", filter=Q(confirmed_at=None))))
                .order_by(F("confirmed_at").asc(nulls_first=True), "risk__code")[:ITEMS])
    total = rows[0].workbench_total if rows else 0
    left = rows[0].workbench_left if rows else 0
    items = [Item("risk", item.risk_id, item.risk.title, end_of(desk.today),
                  f"{url}#item-{item.pk}", code=item.risk.code,
                  action=Button(_("Check"), f"{url}#item-{item.pk}"))
             for item in rows if item.confirmed_at is None]
    note = (_("Confirmed %(done)s of %(total)s") % {"done": total - left, "total": total}
            if total else "")
    return group("daily_check", _("Today's daily check"), left, items, url,
                 urgency=Urgency.ORANGE, note=note,
                 empty=(_("Today's checklist is done.") if total
                        else _("No checklist today.")))


def my_action_items(desk: Desk) -> Group:
    """Action items of approved minutes that are mine (or my department's), not yet done."""
    params = {"mine": "true", "status": "open", "in_force": "true"}
    count, rows, url, _queryset = listed(desk, ACTION_ITEMS, params, "deadline", "id")
    return group("action_items", _("Action items of joint meetings"), count,
                 [action_item_item(desk, action_item) for action_item in rows], url,
                 empty=_("No action item of yours is open."))


def findings_to_rectify(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, FINDINGS, {"status": FindingStatus.OPEN},
                                         "deadline", "id", related=("community",))
    return group("findings", _("Supervision findings to rectify"), count,
                 [finding_item(desk, finding, _("Rectify")) for finding in rows], url,
                 urgency=Urgency.ORANGE, empty=_("No finding waits for rectification."))


def follow_ups(desk: Desk) -> Group | None:
    if not may_follow_up(desk.user):
        return None
    url = reverse("risks:follow_up_list")
    count, rows = first_items(follow_up_due(desk.user, desk.today), "closed_at", "id")
    items = [matter_item(desk, risk, action=Button(_("Call back"), url), with_due=False)
             for risk in rows]
    return group("follow_ups", _("Follow-up calls due"), count, items, url,
                 empty=_("No written-off matter is due a call."))


def approval_item(approval, url: str, action_label: str | None = None) -> Item:
    return Item("approval", approval.pk,
                f"{approval.risk.title} · {approval.get_kind_display()}", None, url,
                code=approval.risk.code,
                action=Button(action_label, url) if action_label else None)


def my_requests(desk: Desk) -> Group:
    url = reverse("risks:approval_list") + f"?show={approvals.MINE}"
    count, rows = first_items(approvals.pending_shown(desk.user, approvals.MINE)
                              .select_related("risk"), "requested_at", "id")
    return group("my_requests", _("My requests awaiting approval"), count,
                 [approval_item(approval, url) for approval in rows], url,
                 empty=_("None of your requests waits for a decision."))


def to_accept(desk: Desk) -> Group:
    params = {"dispatch": PENDING, "dispatched_to": desk.user.department_id,
              "ordering": "updated_at"}
    count, rows, url, _queryset = listed(desk, REGISTER, params)
    items = [matter_item(desk, risk, action=transition_button(desk, risk, Action.ACCEPT))
             for risk in rows]
    return group("to_accept", _("Dispatched to my section, to sign for"), count, items, url,
                 urgency=Urgency.ORANGE, empty=_("Nothing waits to be signed for."))


def section_clocks(desk: Desk, flag: str) -> Group:
    params = {"clock": flag, "section": desk.user.department_id, "ordering": "due_on"}
    count, rows, url, _queryset = listed(desk, REGISTER, params)
    items = [matter_item(desk, risk) for risk in rows]
    if flag == ClockFlag.RED:
        return group("red_clocks", _("My section's matters on a red light"), count, items,
                     url, urgency=Urgency.RED, empty=_("No red light."))
    return group("yellow_clocks", _("My section's matters past a stage's time limit"), count,
                 items, url, urgency=Urgency.ORANGE, empty=_("No yellow light."))


def report_ins_due(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, WHISTLES, {"awaiting": desk.user.department_id},
                                         "respond_by", "id", related=("risk",))
    items = []
    for call in rows:
        call_url = reverse("meetings:whistle_detail", args=[call.pk])
        items.append(Item("whistle_call", call.pk, call.risk.title, call.respond_by, call_url,
                          code=call.risk.code, late=call.respond_by < desk.now,
                          action=Button(_("Report in"), call_url)))
    return group("report_ins", _("Whistle calls to report in to"), count, items, url,
                 urgency=Urgency.ORANGE, empty=_("No whistle call waits for your section."))


def approvals_to_decide(desk: Desk) -> Group:
    url = reverse("risks:approval_list") + f"?show={approvals.TO_DECIDE}"
    count, rows = first_items(approvals.pending_shown(desk.user, approvals.TO_DECIDE)
                              .select_related("risk"), "requested_at", "id")
    return group("approvals", _("Approvals waiting for me"), count,
                 [approval_item(approval, url, _("Decide")) for approval in rows], url,
                 urgency=Urgency.ORANGE, empty=_("Nothing is waiting for a decision."))


# The street leader's lists are the street's: their first items are the register's first
# rows (its default order, the latest changes first: an index walk that stops at once),
# and two of their counts come from the street dashboard's cube (workbench.desk).

def high_level_open(desk: Desk) -> Group:
    board = desk.street
    count, rows, url, _queryset = listed(
        desk, REGISTER, {"status": "open", "level": RiskLevel.HIGH},
        count=board.summary.high_open if board else None)
    return group("high_open", _("High-level matters open"), count,
                 [matter_item(desk, risk) for risk in rows], url, urgency=Urgency.ORANGE,
                 empty=_("No high-level matter is open."))


def red_clocks_by_community(desk: Desk) -> Group:
    """The red lights counted per community (the count is their sum: no COUNT of its own),
    and the first of them."""
    queryset, url = filtered(desk, REGISTER, {"clock": ClockFlag.RED})
    counts = dict(queryset.order_by().values_list("community_id").annotate(Count("pk")))
    if desk.street is not None:
        names = {community.pk: community.name for community in desk.street.communities}
    else:
        names = dict(Area.objects.filter(pk__in=counts).values_list("pk", "name"))
    breakdown = sorted(((names.get(community_id, ""), count,
                         f"{url}&{urlencode({'within': community_id})}")
                        for community_id, count in counts.items()),
                       key=lambda entry: (-entry[1], entry[0]))
    count, rows = first_items(queryset, count=sum(entry[1] for entry in breakdown))
    return group("red_clocks", _("Matters on a red light"), count,
                 [matter_item(desk, risk) for risk in rows], url, urgency=Urgency.RED,
                 breakdown=breakdown, empty=_("No red light."))


def escalated_to_street(desk: Desk) -> Group:
    board = desk.street
    count, rows, url, _queryset = listed(
        desk, REGISTER, {"status": "open", "tier": Tier.STREET},
        count=board.tally.open_by_tier[Tier.STREET] if board else None)
    return group("escalated", _("Matters escalated to the street"), count,
                 [matter_item(desk, risk) for risk in rows], url, urgency=Urgency.ORANGE,
                 empty=_("No matter is escalated to the street."))


def listed_supervision(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, LISTINGS, {"status": ListingStatus.ACTIVE},
                                         "-rank", "deadline", "id",
                                         related=("community", "risk"),
                                         annotate={"rank": GRADE_RANK})
    items = []
    for listing in rows:
        title = listing.risk.title if listing.risk_id else listing.community.name
        items.append(Item("listing", listing.pk, f"{listing.get_grade_display()} · {title}",
                          end_of(listing.deadline),
                          reverse("supervision:listing_detail", args=[listing.pk]),
                          code=listing.risk.code if listing.risk_id else "",
                          late=(listing.grade == ListingGrade.RED
                                or listing.deadline < desk.today)))
    return group("listings", _("Under listed supervision"), count, items, url,
                 urgency=Urgency.ORANGE, empty=_("Nothing is under listed supervision."))


def meetings_this_week(desk: Desk) -> Group:
    monday = desk.today - timedelta(days=desk.today.weekday())
    params = {"held_after": monday.isoformat(),
              "held_before": (monday + timedelta(days=6)).isoformat()}
    count, rows, url, _queryset = listed(desk, MEETINGS, params, "held_on", "id")
    items = [Item("meeting", meeting.pk, meeting.title, local_moment(meeting.held_on),
                  reverse("meetings:meeting_detail", args=[meeting.pk]))
             for meeting in rows]
    return group("meetings", _("This week's meetings"), count, items, url,
                 empty=_("No meeting this week."))


def supervised_red_clocks(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, REGISTER, {"clock": ClockFlag.RED})
    return group("red_clocks", _("Matters on a red light in my group's communities"), count,
                 [matter_item(desk, risk) for risk in rows], url, urgency=Urgency.RED,
                 empty=_("No red light."))


def findings_to_accept(desk: Desk) -> Group:
    count, rows, url, _queryset = listed(desk, FINDINGS, {"status": FindingStatus.SUBMITTED},
                                         "rectified_at", "id", related=("community",))
    may_accept = supervision_permissions.may(desk.user, supervision_permissions.ACCEPT)
    label = _("Accept the rectification") if may_accept else _("Open")
    items = [finding_item(desk, finding, label) for finding in rows]
    return group("findings_to_accept", _("Rectifications awaiting acceptance"), count, items,
                 url, urgency=Urgency.ORANGE, empty=_("No rectification awaits acceptance."))


def to_inspect(desk: Desk) -> Group:
    """本月待督导: the communities of the person's groups no group has inspected this
    month. (An inspection is recorded once held, never ahead: there are no planned ones.)"""
    month_start = desk.today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    communities = list(
        Area.objects.filter(supervision_groups__in=groups_of(desk.user))
        .exclude(pk__in=Inspection.objects.filter(held_on__gte=month_start)
                 .values("community_id"))
        .distinct().order_by("code"))
    due = end_of(next_month - timedelta(days=1))
    items = [Item("area", community.pk, community.name, due,
                  reverse("supervision:community_dashboard", args=[community.pk]))
             for community in communities]
    actions = []
    if supervision_permissions.may(desk.user, supervision_permissions.INSPECT):
        actions.append(Button(_("Record an inspection"), reverse("supervision:inspection_create")))
    return group("to_inspect", _("Communities not inspected this month"), len(items), items,
                 "", actions=actions, empty=_("Every community was inspected this month."))


# The roles ---------------------------------------------------------------------------------

def _section(builder):
    """A group of section staff's department: none without a department."""
    return lambda desk: builder(desk) if desk.user.department_id else None


ROLE_GROUPS: dict[str, list[Callable[[Desk], Group | None]]] = {
    # 今日零报告或上报、待回复指令、预警与责任事项（事项没有草稿状态：上报即入册）
    Role.GRID_WORKER: [todays_report, open_instructions, my_warnings, my_duties],
    Role.COMMUNITY_OFFICER: [
        to_verify, lambda desk: to_dispatch(desk, returned=False),
        lambda desk: to_dispatch(desk, returned=True), warnings_due, daily_check,
        my_action_items, findings_to_rectify, follow_ups, my_requests],
    Role.SECTION_STAFF: [
        _section(to_accept), _section(lambda desk: section_clocks(desk, ClockFlag.RED)),
        _section(lambda desk: section_clocks(desk, ClockFlag.YELLOW)),
        _section(report_ins_due), my_action_items],
    Role.STREET_LEADER: [approvals_to_decide, high_level_open, red_clocks_by_community,
                         escalated_to_street, listed_supervision, meetings_this_week],
    Role.SUPERVISOR: [supervised_red_clocks, findings_to_accept, to_inspect],
}


def is_idle(entry: Group) -> bool:
    """Nothing to do in it: the page shows it as one quiet line after the others."""
    return entry.urgency == Urgency.NONE


def todo_for(user, *, now: datetime | None = None, desk: Desk | None = None) -> list[Group]:
    """The person's groups, red first, then orange, blue and the empty ones; within one
    urgency in the role's order. Nothing for the superuser and machine clients."""
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return []
    desk = desk or Desk(user, now)
    groups = [built for builder in ROLE_GROUPS.get(user.role, [])
              if (built := builder(desk)) is not None]
    # the deadline hints of every item at once: one query for the calendar, if any
    attach_days_left([item for entry in groups for item in entry.items],
                     lambda item: item.due_at, desk.now)
    order = {id(entry): index for index, entry in enumerate(groups)}
    return sorted(groups, key=lambda entry: (URGENCY_ORDER[entry.urgency], order[id(entry)]))
