"""The three dashboards put together from the queries (queries.py), their folding
(folding.py) and their charts (charts.py): a street's or community's (build), the
city's (build_city) and a supervision group's scorecard (scorecard). Each runs a fixed
number of queries whatever the number of matters, communities or streets."""

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area, Department
from grids.scoping import scope_roots
from rhythm.choices import WarningStatus
from rhythm.snapshots import data_quality_rows
from risks import flow_figures
from risks.choices import ClockFlag, RiskLevel, RiskStatus, Tier
from supervision.dashboards import charts, folding, queries
from supervision.dashboards.figures import (
    LEVELS,
    NOT_GRADED,
    AreaRow,
    Bar,
    BoardFigures,
    CityDashboard,
    CityFigures,
    Dashboard,
    FindingCounts,
    GradeCounts,
    HeatCell,
    HeatTable,
    LevelRate,
    RegisterLinks,
    Scorecard,
    ScorecardEntry,
    StreetRow,
)
from supervision.dashboards.folding import Cube, Tally, summarise
from supervision.dashboards.links import list_link, register_link
from supervision.scoping import CityScope


def _figure_links(within: int | None) -> RegisterLinks:
    return RegisterLinks(
        open=register_link(within, open_only=True),
        high_open=register_link(within, open_only=True, level=RiskLevel.HIGH),
        overdue_matters=register_link(within, overdue=True),
        closed=register_link(within, status=RiskStatus.CLOSED),
        overdue_warnings=list_link("rhythm:warning_list", within,
                                   status=WarningStatus.OVERDUE))


def _row_links(row_area: Area | None, area: Area, with_findings: bool) -> dict[str, str]:
    """A row's figures' links: its own area's, or for the community's matters on no grid
    the register's ``area=`` (the other lists have no such filter: those link nowhere)."""
    if row_area is None:
        return {"high_open": register_link(area.pk, open_only=True, area=area.pk,
                                           level=RiskLevel.HIGH),
                "overdue_matters": register_link(area.pk, overdue=True, area=area.pk)}
    links = {"high_open": register_link(row_area.pk, open_only=True, level=RiskLevel.HIGH),
             "overdue_matters": register_link(row_area.pk, overdue=True),
             "overdue_warnings": list_link("rhythm:warning_list", row_area.pk,
                                           status=WarningStatus.OVERDUE)}
    if with_findings:
        links["open_findings"] = list_link("supervision:finding_list", row_area.pk,
                                           open=True)
    return links


def _link_rates(rates: list[LevelRate], within: int | None) -> None:
    for entry in rates:
        entry.link = register_link(within, level=entry.level)


def _breakdowns(tally: Tally, within: int | None) -> tuple[list, list, list]:
    """The bars by status (every matter), by level and by tier (open matters), each
    linking to the register filtered the same way."""
    status_labels = dict(RiskStatus.choices)
    by_status = [Bar(status, status_labels[status], tally.by_status[status],
                     register_link(within, status=status)) for status in RiskStatus.values]
    by_level = [Bar(level, RiskLevel(level).label, tally.open_by_level[level],
                    register_link(within, open_only=True, level=level)) for level in LEVELS]
    # The register has no "not graded" filter: that bar and its number link nowhere.
    by_level.append(Bar(NOT_GRADED, _("Not graded"), tally.open_by_level[NOT_GRADED], ""))
    by_tier = [Bar(tier, Tier(tier).label, tally.open_by_tier[tier],
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


def _band(value: int, highest: int) -> int:
    """0 for nothing, then 1–4 by quarters of the highest cell: the heat table's shade."""
    if not value or not highest:
        return 0
    return min(4, max(1, -(-value * 4 // highest)))


# A street's or a community's dashboard ------------------------------------------------------

def build(user, *, kind: str, area: Area, street: Area, communities: list[Area],
          today: date | None = None,
          flow_period: flow_figures.Period | None = None) -> Dashboard:
    """The figures of one dashboard. ``kind`` is "street" or "community" (rows by grid);
    ``communities`` the communities it counts, already in the user's scope."""
    today = today or timezone.localdate()
    community_ids = [community.pk for community in communities]
    key = "grid_id" if kind == "community" else "community_id"
    matters = queries.matters_of(community_ids)
    categories = queries.categories()
    weeks = folding.trend_weeks(today)
    stored = queries.stored_weeks(street, weeks)
    live_weeks = [week for week in weeks if week not in stored]
    counts = folding.cube(matters, key, today, live_weeks)
    within = area.pk

    if kind == "community":
        row_areas = queries.grids_of(area)
    else:
        row_areas = {community.pk: community for community in communities}
    warnings = queries.overdue_warnings(community_ids, key)
    overdue_action_items = queries.overdue_actions(user, area)
    findings = queries.findings(community_ids, today)
    listings, listing_counts, _per_community = queries.listings(user, community_ids)
    figures = summarise(
        counts.total, BoardFigures, links=_figure_links(within),
        overdue_warnings=sum(warnings.values()), overdue_action_items=overdue_action_items,
        open_findings=sum(finding.open for finding in findings.values()),
        overdue_findings=sum(finding.overdue for finding in findings.values()),
        listings=listing_counts.total)
    _link_rates(figures.rates, within)
    by_status, by_level, by_tier = _breakdowns(counts.total, within)
    shown_categories, by_category = _category_bars(counts, categories, within)
    heat_max = max(counts.heat.values(), default=0)
    # The community's own dashboard has no findings per grid: findings are the community's.
    rows = _area_rows(kind, area, row_areas, counts, shown_categories, heat_max, warnings,
                      findings if kind != "community" else {})
    last_month = folding.last_month(street, set(community_ids),
                                    whole_street=kind == "street")
    for entry in figures.rates:
        entry.last_month = last_month.levels.get(entry.level) if last_month else None

    dashboard = Dashboard(
        kind=kind, area=area, street=street, communities=communities, figures=figures,
        by_status=by_status, by_level=by_level, by_category=by_category, by_tier=by_tier,
        rates=figures.rates, last_month=last_month,
        heat=HeatTable(columns=shown_categories, rows=rows, max=heat_max), rows=rows,
        trend=folding.trend(weeks, stored, counts, live_weeks, set(community_ids)),
        top_overdue=queries.top_overdue(matters, today),
        listings=listings, listing_counts=listing_counts,
        campaigns=queries.campaigns(community_ids, street if kind == "street" else None,
                                    today),
        today=today,
        daily_check=(queries.daily_check_progress(area, today) if kind == "community"
                     else None),
    )
    lights = queries.clock_lights(community_ids)
    dashboard.clock_lights = [
        (flag, label, lights[flag], register_link(within, clock=flag))
        for flag, label in ((ClockFlag.RED, _("Red light")), (ClockFlag.YELLOW, _("Yellow light")))]
    if kind == "street":
        dashboard.flow = flow_table(user, street, communities,
                                    flow_period or flow_figures.Period.of(today))
    dashboard.charts = charts.dashboard_charts(dashboard)
    return dashboard


def flow_table(user, street: Area, communities: list[Area],
               period: flow_figures.Period) -> flow_figures.FlowTable:
    """流转情况: the flow figures of the month per community, and per section for a reader
    of the whole street (risks.flow_figures; two queries: the figures, the sections)."""
    roots = scope_roots(user)
    whole = roots is None or any(root.pk == street.pk for root in roots)
    sections = list(Department.objects.filter(street=street).order_by("code")) if whole else None
    return flow_figures.flow_table(period, street=street, communities=communities,
                                   sections=sections)


def _area_rows(kind: str, area: Area, row_areas: dict[int, Area], counts: Cube,
               categories: list, heat_max: int, warnings: dict[int, int],
               findings: dict) -> list[AreaRow]:
    """A row per community (a street's dashboard) or grid (a community's), and one for the
    community's matters on no grid if it has any, each with its cells of the heat table."""
    within = area.pk
    row_keys = list(row_areas)
    if None in counts.by_row:
        row_keys.append(None)
    rows = []
    for row_key in row_keys:
        row_area = row_areas.get(row_key)
        row_within = row_area.pk if row_area else within
        cells = []
        for category in categories:
            value = counts.heat[(row_key, category.pk)]
            link = (register_link(row_within, open_only=True, category=category.code)
                    if row_area else register_link(within, open_only=True, area=area.pk,
                                                   category=category.code))
            cells.append(HeatCell(value=value, link=link, category=category,
                                  band=_band(value, heat_max)))
        finding_counts = findings.get(row_key, FindingCounts())
        rows.append(summarise(
            counts.row(row_key), AreaRow, area=row_area,
            label=row_area.name if row_area else _("The community itself (no grid)"),
            link=register_link(row_within, open_only=True) if row_area else
            register_link(within, open_only=True, area=area.pk),
            dashboard=(reverse("supervision:community_dashboard", args=[row_area.pk])
                       if row_area is not None and kind != "community" else ""),
            overdue_warnings=warnings.get(row_key, 0),
            open_findings=finding_counts.open, overdue_findings=finding_counts.overdue,
            cells=cells, figure_links=_row_links(row_area, area, kind != "community")))
    return rows


# The city dashboard -------------------------------------------------------------------------

def build_city(scope: CityScope, today: date | None = None) -> CityDashboard:
    """The figures of the city dashboard for ``scope`` (supervision.scoping
    .get_city_for_dashboard). Four queries whatever the number of streets, communities or
    matters: categories, the weekly snapshots' ids, the street cube (the trend's live
    weeks included), overdue warnings per street; a fifth reads the weekly snapshots
    of the weeks not folded in the cache yet. The whole city has no area filter; a
    narrower scope with one path-prefix test per root."""
    today = today or timezone.localdate()
    matters = queries.matters_in_city(scope)
    categories = queries.categories()
    weeks = folding.trend_weeks(today)
    snapshots = queries.weekly_snapshots(weeks, None if scope.whole_city else scope.streets)
    covered = {(street_id, week) for _pk, street_id, week, _created in snapshots}
    live_weeks = [week for week in weeks
                  if any((street.pk, week) not in covered for street in scope.streets)]
    counts = folding.street_cube(matters, today, categories, live_weeks)
    warnings = queries.overdue_warnings_by_street(scope)
    figures = summarise(
        counts.total, CityFigures, links=_figure_links(None),
        overdue_warnings=sum(warnings.get(street.pk, 0) for street in scope.streets),
        streets=len(scope.streets))
    _link_rates(figures.rates, None)
    by_status, by_level, by_tier = _breakdowns(counts.total, None)
    _shown, by_category = _category_bars(counts, categories, None)

    rows = []
    for street in scope.streets:
        whole = scope.covers_whole(street)
        rows.append(summarise(
            counts.row(street.pk), StreetRow, area=street, label=street.name, whole=whole,
            dashboard=reverse("supervision:street_dashboard", args=[street.pk])
            if whole else "",
            link=register_link(street.pk, open_only=True) if whole else "",
            overdue_link=register_link(street.pk, overdue=True) if whole else "",
            high_open_link=register_link(street.pk, open_only=True, level=RiskLevel.HIGH)
            if whole else "",
            warnings_link=list_link("rhythm:warning_list", street.pk,
                                    status=WarningStatus.OVERDUE) if whole else "",
            overdue_warnings=warnings.get(street.pk, 0)))
    folds = folding.weekly_folds(snapshots)
    board = CityDashboard(
        scope=scope, figures=figures, by_status=by_status, by_level=by_level,
        by_category=by_category, by_tier=by_tier, rates=figures.rates, rows=rows,
        trend=folding.city_trend(scope, weeks, snapshots, folds, counts), today=today)
    board.charts = charts.breakdown_charts(board)
    return board


# The group's scorecard ---------------------------------------------------------------------

def scorecard(user, group, communities: list[Area], today: date | None = None) -> Scorecard:
    """Per community of the group: rates against the targets, overdue matters and
    warnings, data quality, open findings, listed supervision; ranked by write-off rate
    (highest first), then fewest overdue matters."""
    today = today or timezone.localdate()
    community_ids = [community.pk for community in communities]
    counts = folding.cube(queries.matters_of(community_ids), "community_id", today)
    quality = {row["community_id"]: row for row in data_quality_rows(group.street, today)}
    findings = queries.findings(community_ids, today)
    listings, listing_counts, per_community_listings = queries.listings(user, community_ids)
    entries = []
    for community in communities:
        data_quality = quality.get(community.pk, {})
        finding_counts = findings.get(community.pk, FindingCounts())
        entries.append(summarise(
            counts.row(community.pk), ScorecardEntry, community=community,
            dashboard=reverse("supervision:community_dashboard", args=[community.pk]),
            link=register_link(community.pk, open_only=True),
            overdue_link=register_link(community.pk, overdue=True),
            high_open_link=register_link(community.pk, open_only=True, level=RiskLevel.HIGH),
            warnings_link=list_link("rhythm:warning_list", community.pk,
                                    status=WarningStatus.OVERDUE),
            overdue_warnings=data_quality.get("overdue_warnings", 0),
            data_quality_problems=data_quality.get("problems", 0),
            data_quality=data_quality,
            open_findings=finding_counts.open, overdue_findings=finding_counts.overdue,
            listings=per_community_listings.get(community.pk, GradeCounts())))
    entries.sort(key=lambda entry: (-(entry.write_off_rate or 0), entry.overdue_matters,
                                    entry.community.code))
    for rank, entry in enumerate(entries, start=1):
        entry.rank = rank
    card = Scorecard(
        group=group, communities=communities, entries=entries,
        overall=summarise(counts.total), listings=listings, listing_counts=listing_counts,
        last_month=folding.last_month(group.street, set(community_ids), whole_street=False))
    card.charts = charts.scorecard_charts(card)
    return card
