"""The figures of the dashboards: the city's (every street in scope), the street's, a
community's and a supervision group's scorecard. Everything is counted by the database —
grouped aggregates, never matters loaded into Python — in a fixed number of queries
whatever the number of matters:

- one grouped scan of the matters (the "cube": per community or grid × category ×
  status, with how many of each level and tier and how many past their due date, and
  the trend's live weeks as COUNT … FILTER), from which the totals, the rates, the heat
  table and the per-row figures are folded (aggregates of aggregates);
- the weekly trend from the rhythm's weekly snapshots where they exist, the other weeks
  (always the current one) counted in the same scan;
- last month's rates from the rhythm's monthly snapshot, the data quality from
  rhythm.snapshots.data_quality_rows;
- one small query each for overdue warnings, overdue action items, findings, listed
  supervision, campaigns, the top overdue matters and today's daily check.

The rates and their targets are risks.figures' (化解率: per level, resolved or written
off over every matter not found invalid), the definition the monthly statistics and the
write-off progress ledger count with too. Calling rhythm.snapshots.monthly_rows itself
would scan the matters a second time with a join; the cube already holds those counts
(tests/test_one_resolution_rate.py checks that all of them agree).

The city dashboard counts every matter in scope with no id list at all: the cube is
grouped per community × status in a subquery and rolled up to streets by one join
(street_cube); the whole city has no area filter, a narrower scope one path-prefix test
per root. Its trend folds the streets' weekly snapshots, whose per-community folds are
cached (a snapshot never changes), and counts live only the weeks a street has no
snapshot for. On PostgreSQL both cubes read a covering index (supervision migration
0005) instead of the table.

Which communities a dashboard counts is decided by supervision.scoping from the user's
scope, and dashboards are for roles whose view of the register is territorial
(supervision.permissions.DASHBOARD): for them ``community_id IN (those communities)``
is exactly the matters risks.scoping.visible_risks gives within the area.
"""

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.choices import AreaKind
from grids.models import Area
from meetings.overdue import overdue_action_items
from rhythm.choices import WarningStatus
from rhythm.models import DailyCheckItem, RiskWarning, Snapshot
from rhythm.snapshots import data_quality_rows, week_start
from risks.choices import OPEN_STATUSES, RiskLevel, RiskStatus, Tier
from risks.figures import TARGETS, is_done, meets_target, rate, resolution_rate
from risks.models import Category, Risk
from supervision.choices import (
    GRADE_ORDER,
    OPEN_FINDING_STATUSES,
    FindingStatus,
    ListingStatus,
    TaskStatus,
)
from supervision.models import Campaign, CampaignMatter, CampaignTask, Finding
from supervision.scoping import CityScope, visible_listings

logger = logging.getLogger(__name__)

TREND_WEEKS = 12
TOP_OVERDUE = 10
LISTINGS_SHOWN = 20
NOT_GRADED = "none"
LEVELS = [*RiskLevel.values]
LEVEL_KEYS = [*LEVELS, NOT_GRADED]
OPEN = list(OPEN_STATUSES)
ESCALATED_TIERS = [tier for tier in Tier.values if tier != Tier.COMMUNITY]


# Links to the register ---------------------------------------------------------------------

def register_link(within: int | None = None, *, open_only: bool = False, **filters) -> str:
    """The register's list filtered like a chart's bar or a table's cell (risks.filters)."""
    query: list[tuple[str, str]] = []
    if within is not None:
        query.append(("within", str(within)))
    if open_only:
        query.extend(("status", status) for status in OPEN)
    for name, value in filters.items():
        if value not in (None, ""):
            query.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    return f"{_register_url()}?{urlencode(query)}"


@lru_cache(maxsize=1)
def _register_url() -> str:
    return reverse("risks:risk_list")


# The cube: one grouped scan ---------------------------------------------------------------

@dataclass
class Cube:
    """The counts of one grouped scan, folded: for everything, per row (community, grid or
    street), the open matters per category and per row × category (the heat table), and
    the live weeks' new and written-off counts, overall and per row. Counters: a count
    never seen reads 0."""

    total: Counter = field(default_factory=Counter)
    by_row: dict = field(default_factory=dict)
    open_by_category: Counter = field(default_factory=Counter)
    heat: Counter = field(default_factory=Counter)
    weeks: Counter = field(default_factory=Counter)
    row_weeks: Counter = field(default_factory=Counter)  # (row key, "new_3") → count

    def add(self, row_key, row: dict, weeks: int, *, per_row_weeks: bool = False) -> None:
        """Fold one grouped row (one status of one row) in; the weeks' counts per row too
        if asked (the city's trend mixes snapshots and live counts street by street)."""
        figures = figures_of(row)
        row_counts = self.by_row.get(row_key)
        if row_counts is None:
            row_counts = self.by_row[row_key] = Counter()
        row_counts.update(figures)
        self.total.update(figures)
        for index in range(weeks):
            for name in (f"new_{index}", f"closed_{index}"):
                self.weeks[name] += row[name]
                if per_row_weeks:
                    self.row_weeks[(row_key, name)] += row[name]


def _aggregates(today: date, weeks: list[date]) -> dict:
    """The counts of a cube row: all, per level and escalated tier, past their due date,
    and for each of ``weeks`` reported and written off in it (COUNT … FILTER)."""
    aggregates = {
        "count": Count("id"),
        **{f"level_{level}": Count("id", filter=Q(level=level)) for level in LEVELS},
        **{f"tier_{tier}": Count("id", filter=Q(tier=tier)) for tier in ESCALATED_TIERS},
        "past_due": Count("id", filter=Q(due_on__lt=today)),
    }
    for index, week in enumerate(weeks):
        begin, end = _local_midnight(week), _local_midnight(week + timedelta(days=7))
        aggregates[f"new_{index}"] = Count("id", filter=Q(created_at__gte=begin,
                                                          created_at__lt=end))
        aggregates[f"closed_{index}"] = Count("id", filter=Q(closed_at__gte=begin,
                                                             closed_at__lt=end))
    return aggregates


def cube(matters, key: str, today: date, weeks: list[date] = ()) -> Cube:
    """One query: matters counted per ``key`` ("community_id" or "grid_id") × category ×
    status, with how many of each level and tier, how many past their due date, and for
    each of ``weeks`` how many were reported and written off in it. Few grouping columns
    and a few COUNT … FILTER keep the scan cheap; the dashboard's figures are folded from
    these rows (at most communities × categories × statuses, whatever the matters)."""
    aggregates = _aggregates(today, weeks)
    # Grouped in the order of the covering index (supervision migration 0005): community,
    # status, category — read in index order, no sort.
    queryset = matters.values(key, "status", "category_id").annotate(**aggregates).order_by()
    result = Cube()
    for row in _plain_rows(queryset):
        row_key, category_id = row[key], row["category_id"]
        result.add(row_key, row, len(weeks))
        if row["status"] in OPEN:
            result.open_by_category[category_id] += row["count"]
            result.heat[(row_key, category_id)] += row["count"]
    return result


def street_cube(matters, today: date, categories: list, weeks: list[date] = ()) -> Cube:
    """The cube of the city: one statement counting the matters per community × status in
    a subquery (a plain scan the database can run in parallel, no join per matter), then
    rolling those few thousand rows up to their streets with one join to the area table.
    Open matters per category are COUNT … FILTER columns (seven of them) rather than a
    grouping column, so the subquery keeps communities × statuses groups. Rows of the
    result: streets × statuses, whatever the number of matters or communities."""
    aggregates = _aggregates(today, weeks)
    for category in categories:
        aggregates[f"category_{category.pk}"] = Count("id", filter=Q(category_id=category.pk))
    inner = matters.values("community_id", "status").annotate(**aggregates).order_by()
    sql, params = inner.query.sql_with_params()
    quote = connections[inner.db].ops.quote_name
    sums = ", ".join(f"SUM(counts.{quote(name)}) AS {quote(name)}" for name in aggregates)
    statement = (
        f"SELECT area.parent_id AS street_id, counts.status AS status, {sums} "
        f"FROM ({sql}) counts JOIN {quote(Area._meta.db_table)} area "
        "ON area.id = counts.community_id GROUP BY area.parent_id, counts.status")
    result = Cube()
    with connections[inner.db].cursor() as cursor:
        cursor.execute(statement, params)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    for values in rows:
        # SUM of counts is numeric on PostgreSQL: back to int.
        row = {name: value if name in ("street_id", "status") else int(value)
               for name, value in zip(names, values, strict=True)}
        result.add(row["street_id"], row, len(weeks), per_row_weeks=True)
        if row["status"] in OPEN:
            for category in categories:
                result.open_by_category[category.pk] += row[f"category_{category.pk}"]
    return result


def _plain_rows(queryset) -> list[dict]:
    """The rows of a values() queryset read straight from the cursor: the SQL is the
    ORM's, but Django's per-value converters (one Python call per count, dozens of counts
    per row) cost more than the query itself here; the database already returns ints."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def figures_of(row: dict) -> dict[str, int]:
    """The dashboard's counts from one row of the cube (one status)."""
    count, status = row["count"], row["status"]
    by_level = {level: row[f"level_{level}"] for level in LEVELS}
    by_level[NOT_GRADED] = count - sum(by_level.values())
    figures = {"total": count, f"status_{status}": count}
    if status in OPEN:
        figures["overdue"] = row["past_due"]
        for level, number in by_level.items():
            figures[f"open_{level}"] = number
        escalated = {tier: row[f"tier_{tier}"] for tier in ESCALATED_TIERS}
        figures[f"tier_{Tier.COMMUNITY}"] = count - sum(escalated.values())
        for tier, number in escalated.items():
            figures[f"tier_{tier}"] = number
    if status != RiskStatus.INVALID:
        for level in LEVELS:
            figures[f"valid_{level}"] = by_level[level]
            if is_done(status):
                figures[f"done_{level}"] = by_level[level]
            if status == RiskStatus.CLOSED:
                figures[f"closed_{level}"] = by_level[level]
    return figures


def _open(figures) -> int:
    return sum(figures[f"open_{level}"] for level in LEVEL_KEYS)


def level_rates(folded: dict[str, int]) -> list[dict]:
    """Resolution (risks.figures) and write-off rate per level against the work plan's
    targets."""
    result = []
    for level in LEVELS:
        valid, done, closed = (folded[f"valid_{level}"], folded[f"done_{level}"],
                               folded[f"closed_{level}"])
        result.append({
            "level": level, "label": RiskLevel(level).label, "valid": valid, "done": done,
            "closed": closed, "resolution_rate": resolution_rate(done, valid),
            "write_off_rate": rate(closed, valid), "target": TARGETS[level],
            "met": meets_target(level, done, valid),
            "link": None,
        })
    return result


def summary_figures(folded: dict[str, int]) -> dict:
    valid = folded["total"] - folded[f"status_{RiskStatus.INVALID}"]
    closed = folded[f"status_{RiskStatus.CLOSED}"]
    rates = level_rates(folded)
    return {
        "total": folded["total"],
        "open": _open(folded),
        "high_open": folded[f"open_{RiskLevel.HIGH}"],
        "overdue_matters": folded["overdue"],
        "valid": valid,
        "closed": closed,
        "write_off_rate": rate(closed, valid),
        "levels_below_target": sum(1 for entry in rates if not entry["met"]),
        "rates": rates,
    }


# The dashboard ------------------------------------------------------------------------------

@dataclass
class Bar:
    key: str
    label: str
    value: int
    link: str
    extra: dict = field(default_factory=dict)


@dataclass
class Dashboard:
    kind: str
    area: Area
    street: Area
    communities: list[Area]
    figures: dict
    by_status: list[Bar]
    by_level: list[Bar]
    by_category: list[Bar]
    by_tier: list[Bar]
    rates: list[dict]
    last_month: dict | None
    heat: dict
    rows: list[dict]
    trend: list[dict]
    top_overdue: list
    listings: list
    listing_counts: dict
    campaigns: list[dict]
    today: date | None = None
    daily_check: dict | None = None
    charts: dict = field(default_factory=dict)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _matters(community_ids: list[int]):
    return Risk.objects.filter(community_id__in=community_ids)


def trend_weeks(today: date) -> list[date]:
    this_week = week_start(today)
    return [this_week - timedelta(weeks=back) for back in range(TREND_WEEKS - 1, -1, -1)]


def stored_weeks(street: Area, weeks: list[date]) -> dict[date, list]:
    """The weekly snapshots (周调) of these weeks: one query."""
    return dict(Snapshot.objects.filter(street=street, kind=Snapshot.Kind.WEEKLY,
                                        period_start__in=weeks)
                .values_list("period_start", "rows"))


def _trend(weeks: list[date], stored: dict[date, list], live_weeks: list[date],
           live: dict[str, int], community_ids: set[int]) -> list[dict]:
    """New vs written off per week, oldest first: from the weekly snapshots where they
    exist (their rows carry community_id, new and closed_in_week), and for the other
    weeks from the live counts."""
    trend = {week: {"week": week, "new": 0, "closed": 0, "source": "snapshot"}
             for week in weeks}
    for week, snapshot_rows in stored.items():
        for row in snapshot_rows:
            if row.get("community_id") in community_ids:
                trend[week]["new"] += row.get("new", 0)
                trend[week]["closed"] += row.get("closed_in_week", 0)
    for index, week in enumerate(live_weeks):
        trend[week].update(source="live", new=live[f"new_{index}"],
                           closed=live[f"closed_{index}"])
    return [trend[week] for week in weeks]


def _last_month(street: Area, community_ids: set[int], whole_street: bool) -> dict | None:
    """Last month's rates as the monthly statistics stored them (月统), for comparison."""
    snapshot = (Snapshot.objects.filter(street=street, kind=Snapshot.Kind.MONTHLY)
                .order_by("-period_start").first())
    if snapshot is None:
        return None
    rows = [row for row in snapshot.rows
            if (row.get("community_id") is None if whole_street
                else row.get("community_id") in community_ids)]
    levels: dict[str, dict] = {}
    total = closed = 0
    for row in rows:
        total += row.get("total", 0)
        closed += row.get("closed", 0)
        for level, figures in row.get("levels", {}).items():
            bucket = levels.setdefault(level, {"total": 0, "done": 0})
            bucket["total"] += figures.get("total", 0)
            bucket["done"] += figures.get("done", 0)
    return {"period_start": snapshot.period_start,
            "write_off_rate": rate(closed, total),
            "levels": {level: resolution_rate(figures["done"], figures["total"])
                       for level, figures in levels.items()}}


GRADE_RANK = Case(*[When(grade=grade, then=Value(index)) for index, grade in
                    enumerate(GRADE_ORDER)], output_field=IntegerField())


def _listings(user, community_ids: list[int]) -> tuple[list, dict, dict]:
    """Active listed supervision in scope: the most serious first, and counts by grade
    (overall and per community). Two queries."""
    active = visible_listings(user).filter(status=ListingStatus.ACTIVE,
                                           community_id__in=community_ids)
    shown = list(active.select_related("community", "risk").annotate(rank=GRADE_RANK)
                 .order_by("-rank", "deadline", "id")[:LISTINGS_SHOWN])
    counts = {grade: 0 for grade in GRADE_ORDER}
    per_community: dict[int, dict] = {}
    for row in active.values("community_id", "grade").annotate(count=Count("id")).order_by():
        counts[row["grade"]] += row["count"]
        per_community.setdefault(row["community_id"], {grade: 0 for grade in GRADE_ORDER})[
            row["grade"]] += row["count"]
    counts["total"] = sum(counts[grade] for grade in GRADE_ORDER)
    return shown, counts, per_community


def _findings(community_ids: list[int], today: date) -> dict[int, dict]:
    rows = (Finding.objects.filter(community_id__in=community_ids).values("community_id")
            .annotate(open=Count("id", filter=Q(status__in=OPEN_FINDING_STATUSES)),
                      overdue=Count("id", filter=Q(status=FindingStatus.OPEN,
                                                   deadline__lt=today)),
                      total=Count("id"))
            .order_by())
    return {row["community_id"]: row for row in rows}


def _campaigns(community_ids: list[int], street: Area | None, today: date) -> list[dict]:
    """Each campaign's progress within the dashboard's area: its tasks owned by the
    area's communities (and, on the street's dashboard, by the street's departments) and
    the area's matters linked to it. Three queries."""
    owned = Q(owner_community_id__in=community_ids)
    if street is not None:
        owned |= Q(owner_department__street=street)
    tasks = {row["campaign_id"]: row for row in CampaignTask.objects.filter(owned)
             .values("campaign_id")
             .annotate(total=Count("id"), done=Count("id", filter=Q(status=TaskStatus.DONE)),
                       overdue=Count("id", filter=~Q(status=TaskStatus.DONE)
                                     & Q(deadline__lt=today)),
                       progress=Avg("progress"))
             .order_by()}
    links = {row["campaign_id"]: row for row in CampaignMatter.objects
             .filter(risk__community_id__in=community_ids).values("campaign_id")
             .annotate(total=Count("id"), open=Count("id", filter=Q(risk__status__in=OPEN)))
             .order_by()}
    result = []
    for campaign in Campaign.objects.filter(is_active=True).order_by("position", "code"):
        task = tasks.get(campaign.pk, {})
        link = links.get(campaign.pk, {})
        result.append({
            "campaign": campaign, "tasks": task.get("total", 0), "done": task.get("done", 0),
            "overdue": task.get("overdue", 0),
            "progress": round(task["progress"]) if task.get("progress") is not None else 0,
            "matters": link.get("total", 0), "open_matters": link.get("open", 0)})
    return result


def _overdue_warnings(community_ids: list[int], key: str) -> dict[int, int]:
    field_name = f"risk__{key}"
    # COUNT(*), not COUNT(id): the overdue warnings' partial index on risk_id answers it
    # alone (rhythm.models.RiskWarning, warning_overdue_risk_idx)
    return {row[field_name]: row["count"] for row in RiskWarning.objects
            .filter(status=WarningStatus.OVERDUE, risk__community_id__in=community_ids)
            .values(field_name).annotate(count=Count("*")).order_by()}


def _overdue_actions(user, area_ids: list[int], community_ids: list[int]) -> int:
    """Open action items of approved minutes past their deadline (meetings.overdue),
    of the area's meetings or on the area's matters."""
    return overdue_action_items(user).filter(
        Q(meeting__area_id__in=area_ids) | Q(item__risk__community_id__in=community_ids)
    ).count()


def _band(value: int, highest: int) -> int:
    """0 for nothing, then 1–4 by quarters of the highest cell: the heat table's shade."""
    if not value or not highest:
        return 0
    return min(4, max(1, -(-value * 4 // highest)))


def _top_overdue(matters, today: date) -> list:
    return list(matters.filter(status__in=OPEN, due_on__lt=today)
                .select_related("community", "category").order_by("due_on", "id")
                [:TOP_OVERDUE])


def _breakdowns(folded: dict[str, int], within: int | None) -> tuple[list, list, list]:
    """The bars by status (every matter), by level and by tier (open matters), each
    linking to the register filtered the same way."""
    status_labels = dict(RiskStatus.choices)
    by_status = [Bar(status, status_labels[status], folded[f"status_{status}"],
                     register_link(within, status=status)) for status in RiskStatus.values]
    by_level = [Bar(level, RiskLevel(level).label, folded[f"open_{level}"],
                    register_link(within, open_only=True, level=level)) for level in LEVELS]
    # The register has no "not graded" filter: that bar and its number link nowhere.
    by_level.append(Bar(NOT_GRADED, _("Not graded"), folded[f"open_{NOT_GRADED}"], ""))
    by_tier = [Bar(tier, Tier(tier).label, folded[f"tier_{tier}"],
                   register_link(within, open_only=True, tier=tier)) for tier in Tier.values]
    return by_status, by_level, by_tier


def _category_bars(counts: Cube, categories: list, within: int | None) -> tuple[list, list]:
    """The active categories (and retired ones that still have open matters), and the
    open matters of each."""
    shown = [category for category in categories
             if category.is_active or counts.open_by_category[category.pk]]
    bars = [Bar(category.code, category.name, counts.open_by_category[category.pk],
                register_link(within, open_only=True, category=category.code))
            for category in shown]
    return shown, bars


def build(user, *, kind: str, area: Area, street: Area, communities: list[Area],
          today: date | None = None) -> Dashboard:
    """The figures of one dashboard. ``kind`` is "street" or "community" (rows by grid);
    ``communities`` the communities it counts, already in the user's scope."""
    today = today or timezone.localdate()
    community_ids = [community.pk for community in communities]
    key = "grid_id" if kind == "community" else "community_id"
    matters = _matters(community_ids)
    categories = list(Category.objects.order_by("position", "code"))
    weeks = trend_weeks(today)
    stored = stored_weeks(street, weeks)
    live_weeks = [week for week in weeks if week not in stored]
    counts = cube(matters, key, today, live_weeks)
    live = counts.weeks
    folded = counts.total
    figures = summary_figures(folded)
    within = area.pk

    if kind == "community":
        row_areas = {grid.pk: grid for grid in Area.objects.filter(
            parent=area, kind=AreaKind.GRID).order_by("code")}
    else:
        row_areas = {community.pk: community for community in communities}
    warnings = _overdue_warnings(community_ids, key)
    figures["overdue_warnings"] = sum(warnings.values())
    figures["overdue_action_items"] = _overdue_actions(
        user, [*community_ids, street.pk] if kind == "street" else community_ids,
        community_ids)
    findings = _findings(community_ids, today)
    figures["open_findings"] = sum(row["open"] for row in findings.values())
    figures["overdue_findings"] = sum(row["overdue"] for row in findings.values())
    listings, listing_counts, _per_community = _listings(user, community_ids)
    figures["listings"] = listing_counts["total"]
    figures["links"] = {
        "open": register_link(within, open_only=True),
        "high_open": register_link(within, open_only=True, level=RiskLevel.HIGH),
        "overdue_matters": register_link(within, overdue=True),
        "closed": register_link(within, status=RiskStatus.CLOSED),
    }

    by_status, by_level, by_tier = _breakdowns(folded, within)
    shown_categories, by_category = _category_bars(counts, categories, within)
    heat = counts.heat

    for entry in figures["rates"]:
        entry["link"] = register_link(within, level=entry["level"])

    table_rows = []
    row_keys = list(row_areas)
    if None in counts.by_row:
        row_keys.append(None)
    heat_max = max(heat.values(), default=0)
    for row_key in row_keys:
        row_area = row_areas.get(row_key)
        row_within = row_area.pk if row_area else within
        row_figures = summary_figures(counts.by_row.get(row_key, Counter()))
        cells = []
        for category in shown_categories:
            value = heat[(row_key, category.pk)]
            link = (register_link(row_within, open_only=True, category=category.code)
                    if row_area else register_link(within, open_only=True, area=area.pk,
                                                   category=category.code))
            cells.append({"value": value, "link": link, "category": category,
                          "band": _band(value, heat_max)})
        label = row_area.name if row_area else _("The community itself (no grid)")
        finding_row = findings.get(row_key, {}) if kind != "community" else {}
        table_rows.append({
            "area": row_area, "label": label,
            "link": register_link(row_within, open_only=True) if row_area else
            register_link(within, open_only=True, area=area.pk),
            "dashboard": (reverse("supervision:community_dashboard", args=[row_area.pk])
                          if row_area is not None and kind != "community" else ""),
            **{name: row_figures[name] for name in ("total", "open", "high_open",
                                                    "overdue_matters", "write_off_rate",
                                                    "levels_below_target")},
            "rates": row_figures["rates"],
            "overdue_warnings": warnings.get(row_key, 0),
            "open_findings": finding_row.get("open", 0),
            "overdue_findings": finding_row.get("overdue", 0),
            "cells": cells,
        })

    dashboard = Dashboard(
        kind=kind, area=area, street=street, communities=communities, figures=figures,
        by_status=by_status, by_level=by_level, by_category=by_category, by_tier=by_tier,
        rates=figures["rates"],
        last_month=_last_month(street, set(community_ids), whole_street=kind == "street"),
        heat={"columns": shown_categories, "rows": table_rows, "max": heat_max},
        rows=table_rows,
        trend=_trend(weeks, stored, live_weeks, live, set(community_ids)),
        top_overdue=_top_overdue(matters, today),
        listings=listings, listing_counts=listing_counts,
        campaigns=_campaigns(community_ids, street if kind == "street" else None, today),
    )
    dashboard.today = today
    for entry in dashboard.rates:
        entry["last_month"] = (dashboard.last_month or {}).get("levels", {}).get(entry["level"])
    if kind == "community":
        dashboard.daily_check = daily_check_progress(area, today)
    dashboard.charts = charts_of(dashboard)
    return dashboard


def daily_check_progress(community: Area, day: date) -> dict:
    """Today's daily check (日核) of the community: items on the checklist, confirmed,
    changed. One query."""
    figures = DailyCheckItem.objects.filter(
        check_list__community=community, check_list__day=day).aggregate(
        total=Count("id"), confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
        changed=Count("id", filter=Q(outcome="changed")))
    figures["rate"] = rate(figures["confirmed"], figures["total"])
    figures["day"] = day
    return figures


# The city dashboard ------------------------------------------------------------------------

WEEKLY_FOLDS_KEY = "supervision:weekly-folds:{week}:{digest}"
FOLD_CHUNK = 20  # weekly snapshots parsed at a time when their folds are not cached yet
# A week leaves the trend after TREND_WEEKS weeks; its folds are not needed after that.
FOLD_SECONDS = (TREND_WEEKS + 1) * 7 * 24 * 3600


@dataclass
class CityDashboard:
    """The district/city level (the work plan's 区/市): every street the user's scope
    reaches, a row each, with the same breakdowns and rates as a street's dashboard."""

    scope: CityScope
    figures: dict
    by_status: list[Bar]
    by_level: list[Bar]
    by_category: list[Bar]
    by_tier: list[Bar]
    rates: list[dict]
    rows: list[dict]
    trend: list[dict]
    today: date
    charts: dict = field(default_factory=dict)


def weekly_folds_key(week: date, snapshots: list[tuple]) -> str:
    """The cache key of one week's folds: the week and exactly which snapshots (ids and
    creation times; a snapshot stored later for that week makes a new key)."""
    identity = ",".join(f"{pk}:{created_at.timestamp():.6f}"
                        for pk, _street, _week, created_at in sorted(snapshots))
    return WEEKLY_FOLDS_KEY.format(week=week.isoformat(),
                                   digest=hashlib.sha256(identity.encode()).hexdigest()[:32])


def _weekly_folds(snapshots: list[tuple]) -> dict[int, dict[int, list[int]]]:
    """Per weekly snapshot (pk, street_id, period_start, created_at): its new and
    written-off matters per community, {community_id: [new, closed_in_week]}.

    A snapshot is stored once and never changed (rhythm.snapshots), so its fold is kept
    in the cache, a week's snapshots under one key: a city's snapshots hold millions of
    rows (a street's weekly snapshot is ~2,000 rows, 0.4 MB; the 1,650 of eleven weeks
    take seconds to fold even inside PostgreSQL), far too many to fold on every page.
    Only weeks not folded yet are read: one query, none once all are cached (after the
    weekly job, the new week's). A cache that fails is a cache miss."""
    if not snapshots:
        return {}
    by_week: dict[date, list[tuple]] = {}
    for snapshot in snapshots:
        by_week.setdefault(snapshot[2], []).append(snapshot)
    keys = {week: weekly_folds_key(week, members) for week, members in by_week.items()}
    try:
        cached = cache.get_many(list(keys.values()))
    except Exception:  # noqa: BLE001 - the cache is an optimisation; count from the rows
        logger.warning("cache unavailable: folding weekly snapshots from their rows",
                       exc_info=True)
        cached = {}
    folds: dict[int, dict[int, list[int]]] = {}
    missing = []
    for week, key in keys.items():
        if key in cached:
            folds.update(cached[key])
        else:
            missing.append(week)
    if missing:
        fresh = _fold_snapshots([snapshot[0] for week in missing for snapshot in by_week[week]])
        folds.update(fresh)
        try:
            cache.set_many({keys[week]: {snapshot[0]: fresh[snapshot[0]]
                                         for snapshot in by_week[week]}
                            for week in missing}, timeout=FOLD_SECONDS)
        except Exception:  # noqa: BLE001 - see above
            logger.warning("cache unavailable: weekly folds not kept", exc_info=True)
    return folds


def warm_city_folds(today: date | None = None) -> int:
    """Fold the whole city's weekly snapshots of the trend's weeks into the cache, so that
    the first city dashboard after the weekly job, a cache flush or an expiry reads folds
    instead of 1,650 snapshots (seconds: bench/city.py). The daily and weekly jobs run it;
    when all is cached it costs one query and one cache read. Returns the snapshots."""
    snapshots = _weekly_snapshots(trend_weeks(today or timezone.localdate()))
    return len(_weekly_folds(snapshots))


def _weekly_snapshots(weeks: list[date], streets: list[Area] | None = None) -> list[tuple]:
    """(pk, street_id, period_start, created_at) of these weeks' weekly snapshots, of
    these streets (None: every street): one query, no rows read."""
    snapshots = Snapshot.objects.filter(kind=Snapshot.Kind.WEEKLY, period_start__in=weeks)
    if streets is not None:
        snapshots = snapshots.filter(street__in=[street.pk for street in streets])
    return list(snapshots.values_list("pk", "street_id", "period_start", "created_at"))


def _fold_snapshots(pks: list[int]) -> dict[int, dict[int, list[int]]]:
    """Fold these weekly snapshots' rows per community: one query. PostgreSQL sums the
    rows inside the jsonb (five times faster than sending them to be parsed here); other
    databases send the rows, FOLD_CHUNK snapshots at a time."""
    folds: dict[int, dict[int, list[int]]] = {pk: {} for pk in pks}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.id, (e.value ->> 'community_id')::bigint, "
                "SUM(COALESCE((e.value ->> 'new')::integer, 0)), "
                "SUM(COALESCE((e.value ->> 'closed_in_week')::integer, 0)) "
                f"FROM {connection.ops.quote_name(Snapshot._meta.db_table)} s "
                "CROSS JOIN LATERAL jsonb_array_elements(s.rows) AS e(value) "
                "WHERE s.id = ANY(%s) GROUP BY 1, 2", [pks])
            for pk, community_id, new, closed in cursor.fetchall():
                folds[pk][community_id] = [int(new), int(closed)]
        return folds
    rows_of = (Snapshot.objects.filter(pk__in=pks).values_list("pk", "rows")
               .iterator(chunk_size=FOLD_CHUNK))
    for pk, rows in rows_of:
        fold = folds[pk]
        for row in rows:
            counts = fold.setdefault(row.get("community_id"), [0, 0])
            counts[0] += row.get("new", 0)
            counts[1] += row.get("closed_in_week", 0)
    return folds


def _city_trend(scope: CityScope, weeks: list[date], snapshots: list[tuple],
                folds: dict, counts: Cube, live_weeks: list[date]) -> list[dict]:
    """New vs written off per week, oldest first, street by street: from the street's
    weekly snapshot where it exists (only its communities in scope), otherwise from the
    live counts of the cube. A week is "snapshot", "live" or "mixed" by its sources."""
    in_scope_communities = ({root.pk for root in scope.roots} if scope.roots is not None
                            else set())
    whole = {street.pk for street in scope.streets if scope.covers_whole(street)}
    stored = {(street_id, week): pk for pk, street_id, week, _created in snapshots}
    live_index = {week: index for index, week in enumerate(live_weeks)}
    trend = []
    for week in weeks:
        entry = {"week": week, "new": 0, "closed": 0, "snapshot_streets": 0,
                 "live_streets": 0}
        for street in scope.streets:
            pk = stored.get((street.pk, week))
            if pk is not None:
                entry["snapshot_streets"] += 1
                for community_id, (new, closed) in folds[pk].items():
                    if street.pk in whole or community_id in in_scope_communities:
                        entry["new"] += new
                        entry["closed"] += closed
            else:
                entry["live_streets"] += 1
                index = live_index[week]
                entry["new"] += counts.row_weeks[(street.pk, f"new_{index}")]
                entry["closed"] += counts.row_weeks[(street.pk, f"closed_{index}")]
        entry["source"] = ("live" if not entry["snapshot_streets"] else
                           "snapshot" if not entry["live_streets"] else "mixed")
        trend.append(entry)
    return trend


def _overdue_warnings_by_street(scope: CityScope) -> dict[int, int]:
    """Warnings past T+2 without feedback, per street: one grouped query."""
    warnings = RiskWarning.objects.filter(status=WarningStatus.OVERDUE)
    if not scope.whole_city:
        warnings = warnings.filter(scope.matters_q("risk__community__"))
    return {row["street_id"]: row["count"] for row in warnings
            .values(street_id=F("risk__community__parent_id"))
            .annotate(count=Count("*")).order_by()}


def build_city(scope: CityScope, today: date | None = None) -> CityDashboard:
    """The figures of the city dashboard for ``scope`` (supervision.scoping
    .get_city_for_dashboard). Four queries whatever the number of streets, communities or
    matters: categories, the weekly snapshots' ids, the street cube (the trend's live
    weeks included), overdue warnings per street; a fifth reads the weekly snapshots
    of the weeks not folded in the cache yet. The whole city has no area filter; a
    narrower scope with one path-prefix test per root."""
    today = today or timezone.localdate()
    matters = Risk.objects.all()
    if not scope.whole_city:
        matters = matters.filter(scope.matters_q())
    categories = list(Category.objects.order_by("position", "code"))
    weeks = trend_weeks(today)
    snapshots = _weekly_snapshots(weeks, None if scope.whole_city else scope.streets)
    covered = {(street_id, week) for _pk, street_id, week, _created in snapshots}
    live_weeks = [week for week in weeks
                  if any((street.pk, week) not in covered for street in scope.streets)]
    counts = street_cube(matters, today, categories, live_weeks)
    folded = counts.total
    figures = summary_figures(folded)
    warnings = _overdue_warnings_by_street(scope)
    figures["overdue_warnings"] = sum(warnings.get(street.pk, 0) for street in scope.streets)
    figures["streets"] = len(scope.streets)
    figures["links"] = {
        "open": register_link(open_only=True),
        "high_open": register_link(open_only=True, level=RiskLevel.HIGH),
        "overdue_matters": register_link(overdue=True),
        "closed": register_link(status=RiskStatus.CLOSED),
    }
    by_status, by_level, by_tier = _breakdowns(folded, None)
    _shown, by_category = _category_bars(counts, categories, None)
    for entry in figures["rates"]:
        entry["link"] = register_link(level=entry["level"])

    rows = []
    for street in scope.streets:
        street_figures = summary_figures(counts.by_row.get(street.pk, Counter()))
        whole = scope.covers_whole(street)
        rows.append({
            "area": street, "label": street.name, "whole": whole,
            "dashboard": reverse("supervision:street_dashboard", args=[street.pk])
            if whole else "",
            "link": register_link(street.pk, open_only=True) if whole else "",
            "overdue_link": register_link(street.pk, overdue=True) if whole else "",
            **{name: street_figures[name] for name in (
                "total", "open", "high_open", "overdue_matters", "write_off_rate",
                "levels_below_target")},
            "rates": street_figures["rates"],
            "overdue_warnings": warnings.get(street.pk, 0),
        })
    folds = _weekly_folds(snapshots)
    board = CityDashboard(
        scope=scope, figures=figures, by_status=by_status, by_level=by_level,
        by_category=by_category, by_tier=by_tier, rates=figures["rates"], rows=rows,
        trend=_city_trend(scope, weeks, snapshots, folds, counts, live_weeks), today=today)
    board.charts = _breakdown_charts(board)
    return board


# The group's scorecard ---------------------------------------------------------------------

def scorecard(user, group, communities: list[Area], today: date | None = None) -> dict:
    """Per community of the group: rates against the targets, overdue matters and
    warnings, data quality, open findings, listed supervision; ranked by write-off rate
    (highest first), then fewest overdue matters."""
    today = today or timezone.localdate()
    community_ids = [community.pk for community in communities]
    matters = _matters(community_ids)
    counts = cube(matters, "community_id", today)
    quality = {row["community_id"]: row for row in data_quality_rows(group.street, today)}
    findings = _findings(community_ids, today)
    listings, listing_counts, per_community_listings = _listings(user, community_ids)
    overall = summary_figures(counts.total)
    entries = []
    for community in communities:
        figures = summary_figures(counts.by_row.get(community.pk, Counter()))
        data_quality = quality.get(community.pk, {})
        entries.append({
            "community": community,
            "dashboard": reverse("supervision:community_dashboard", args=[community.pk]),
            "link": register_link(community.pk, open_only=True),
            "overdue_link": register_link(community.pk, overdue=True),
            **{name: figures[name] for name in ("total", "open", "high_open",
                                                "overdue_matters", "write_off_rate",
                                                "levels_below_target")},
            "rates": figures["rates"],
            "overdue_warnings": data_quality.get("overdue_warnings", 0),
            "data_quality_problems": data_quality.get("problems", 0),
            "data_quality": data_quality,
            "open_findings": findings.get(community.pk, {}).get("open", 0),
            "overdue_findings": findings.get(community.pk, {}).get("overdue", 0),
            "listings": per_community_listings.get(community.pk, {}),
        })
    entries.sort(key=lambda entry: (-(entry["write_off_rate"] or 0), entry["overdue_matters"],
                                    entry["community"].code))
    for rank, entry in enumerate(entries, start=1):
        entry["rank"] = rank
    result = {"group": group, "communities": communities, "entries": entries,
              "overall": overall, "listings": listings, "listing_counts": listing_counts,
              "last_month": _last_month(group.street, set(community_ids), whole_street=False)}
    result["charts"] = scorecard_charts(result)
    return result


# Chart specifications (drawn by static/js/supervision_charts.js) --------------------------

LEVEL_COLOURS = {RiskLevel.HIGH: "#c62828", RiskLevel.MEDIUM: "#ef6c00",
                 RiskLevel.LOW: "#1565c0", NOT_GRADED: "#9e9e9e"}
STATUS_COLOURS = {RiskStatus.REPORTED: "#90a4ae", RiskStatus.VERIFIED: "#4fc3f7",
                  RiskStatus.RESOLVING: "#1976d2", RiskStatus.RESOLVED: "#43a047",
                  RiskStatus.CLOSED: "#757575", RiskStatus.INVALID: "#bdbdbd"}
TIER_COLOURS = {Tier.COMMUNITY: "#78909c", Tier.STREET: "#6a1b9a", Tier.DISTRICT: "#4a148c"}


def _bar_chart(bars: list[Bar], name: str, colours: dict | None = None,
               horizontal: bool = False) -> dict:
    return {"type": "bar", "horizontal": horizontal,
            "categories": [bar.label for bar in bars],
            "series": [{"name": name, "data": [bar.value for bar in bars]}],
            "colours": [(colours or {}).get(bar.key, "#8b1a1a") for bar in bars],
            "links": [bar.link for bar in bars]}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _breakdown_charts(board) -> dict:
    """The charts a street, community and city dashboard share: the four breakdowns, the
    rates against the targets and the weekly trend."""
    return {
        "status": _bar_chart(board.by_status, _("Matters"), STATUS_COLOURS),
        "level": _bar_chart(board.by_level, _("Open matters"), LEVEL_COLOURS),
        "category": _bar_chart(board.by_category, _("Open matters"), horizontal=True),
        "tier": _bar_chart(board.by_tier, _("Open matters"), TIER_COLOURS),
        "rates": {
            "type": "bar", "percent": True,
            "categories": [entry["label"] for entry in board.rates],
            "series": [
                {"name": _("Resolution rate"),
                 "data": [_percent(entry["resolution_rate"]) for entry in board.rates]},
                {"name": _("Write-off rate"),
                 "data": [_percent(entry["write_off_rate"]) for entry in board.rates]},
                {"name": _("Target"), "line": True,
                 "data": [_percent(entry["target"]) for entry in board.rates]},
            ],
            "colours": [LEVEL_COLOURS[entry["level"]] for entry in board.rates],
            "links": [entry["link"] for entry in board.rates]},
        "trend": {
            "type": "line",
            "categories": [entry["week"].isoformat() for entry in board.trend],
            "series": [{"name": _("New"), "data": [entry["new"] for entry in board.trend]},
                       {"name": _("Written off"),
                        "data": [entry["closed"] for entry in board.trend]}],
            "colours": ["#8b1a1a", "#757575"]},
    }


def charts_of(dashboard: Dashboard) -> dict:
    heat = dashboard.heat
    return {
        **_breakdown_charts(dashboard),
        "heat": {
            "type": "heatmap",
            "x": [category.name for category in heat["columns"]],
            "y": [row["label"] for row in heat["rows"]],
            "data": [[x, y, cell["value"]] for y, row in enumerate(heat["rows"])
                     for x, cell in enumerate(row["cells"])],
            "max": heat["max"],
            "links": [[cell["link"] for cell in row["cells"]] for row in heat["rows"]]},
    }


def scorecard_charts(card: dict) -> dict:
    entries = card["entries"]
    return {
        "write_off": {
            "type": "bar", "horizontal": True, "percent": True,
            "categories": [entry["community"].name for entry in entries],
            "series": [{"name": _("Write-off rate"),
                        "data": [_percent(entry["write_off_rate"]) for entry in entries]}],
            "colours": ["#8b1a1a" for _entry in entries],
            "links": [entry["link"] for entry in entries]},
        "overdue": {
            "type": "bar", "stacked": True,
            "categories": [entry["community"].name for entry in entries],
            "series": [
                {"name": _("Overdue matters"),
                 "data": [entry["overdue_matters"] for entry in entries]},
                {"name": _("Overdue warnings"),
                 "data": [entry["overdue_warnings"] for entry in entries]},
                {"name": _("Open findings"),
                 "data": [entry["open_findings"] for entry in entries]}],
            "colours": ["#c62828", "#ef6c00", "#6a1b9a"],
            "links": [entry["overdue_link"] for entry in entries]},
    }

