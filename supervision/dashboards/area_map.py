"""The map (挂图作战): the communities or grids of an area drawn from their own boundaries,
each with its figures, and the located open matters as points.

One figure per area for each metric, counted by one grouped query (never one per area),
with the definitions the rest of the register counts with, so that a number on the map is
the number the register's list shows when the area is clicked:

- ``open``, ``high``, ``overdue``: risks.figures' open_q, high_open_q and overdue_q (the
  register's ``status=open``, ``level=high`` and ``overdue=true``), in one scan of the
  matters grouped by community or grid (COUNT … FILTER, one column per metric asked);
- ``red_clocks``: matters with a running red stage clock (risks.clocks.colour_q, the
  register's ``clock=red``), counted from the clocks grouped by community or grid;
- ``overdue_warnings``: warnings past T+2 without feedback (rhythm.overdue, the warnings
  list's ``status=overdue``), by queries.overdue_warnings_where as the dashboards count.

The areas are those of ``kind`` that lie within ``within`` and in the user's scope and
are open today (a closed area's open matters have moved with its change); an area without
a boundary is still listed, with no geometry, so that the numbers are complete. What the
areas shown do not hold (a community's matters on no grid, matters left on a closed area)
is ``unplaced``: the areas' values and it add up to ``totals``.

Points: the open matters that have a location, one point each up to POINTS_SHOWN, beyond
that clustered by cells of the map's extent (coordinates floored to the cell, counted and
averaged in the database).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Avg, Count, F, Max, Min, Q
from django.db.models.functions import Coalesce, Floor
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.choices import AreaKind
from grids.models import Area
from grids.scoping import NOTHING, area_scope_q, get_area_for_user, scope_roots
from rhythm.choices import WarningStatus
from risks.choices import ClockFlag, RiskLevel
from risks.clocks import colour_q
from risks.figures import high_open_q, open_q, overdue_q
from risks.models import Risk, StageClock
from risks.scoping import PLACE_COLUMNS
from supervision.dashboards.links import list_link, register_link
from supervision.dashboards.queries import overdue_warnings_where

OPEN, HIGH, OVERDUE = "open", "high", "overdue"
RED_CLOCKS, OVERDUE_WARNINGS = "red_clocks", "overdue_warnings"
# The API contract's three, then the page's two more.
CONTRACT_METRICS = (OPEN, HIGH, OVERDUE)
METRIC_LABELS = {
    OPEN: _("Open matters"),
    HIGH: _("High-level open"),
    OVERDUE: _("Overdue matters"),
    RED_CLOCKS: _("Red clocks"),
    OVERDUE_WARNINGS: _("Overdue warnings"),
}
METRICS = tuple(METRIC_LABELS)
MATTER_METRICS = (OPEN, HIGH, OVERDUE)  # counted in one scan of the matters

# The kinds of area a map draws, and the matters' column that places a matter in one.
KEYS = {AreaKind.COMMUNITY: "community_id", AreaKind.GRID: "grid_id"}
KIND_DEPTH = {AreaKind.COMMUNITY: 2, AreaKind.GRID: 3}

# risks.scoping.PLACE_COLUMNS as a clock reaches them: its own street and community, the
# matter's grid and area.
CLOCK_PLACE_COLUMNS = ("street_id", "community_id", "risk__grid_id", "risk__area_id")

POINTS_SHOWN = 300  # located matters drawn one by one; beyond, clustered
CLUSTER_CELLS = 40  # cells across the map's extent when clustering
# The points' colours: the level badges' (static/css/quanfu.css, .qf-swatch-* in the legend)
LEVEL_COLOURS = {RiskLevel.HIGH: "#c62828", RiskLevel.MEDIUM: "#b85000",
                 RiskLevel.LOW: "#1565c0", None: "#616161"}
CLUSTER_COLOUR = "#8b1a1a"


class MapRefused(ValueError):
    """A map that cannot be drawn as asked; ``field`` names the parameter."""

    def __init__(self, field_name: str, message):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(kw_only=True)
class MapArea:
    """An area on the map: its shape (GeoJSON, simplified where there is a simplified one;
    None without a boundary), its figures and where each leads."""

    pk: int
    code: str
    name: str
    shape: dict | None
    values: dict[str, int]
    links: dict[str, str]

    def cells(self, metrics) -> list[tuple[str, int, str]]:
        """(metric, value, link) in the order of ``metrics``: a row of the table."""
        return [(metric, self.values[metric], self.links[metric]) for metric in metrics]


@dataclass(kw_only=True)
class AreaMap:
    within: Area | None
    kind: str
    metrics: tuple[str, ...]
    areas: list[MapArea]
    totals: dict[str, int]
    unplaced: dict[str, int]
    points: list[dict] | None = None  # None: not asked
    clustered: bool = False
    located: int = 0  # open matters with a location
    extra: dict = field(default_factory=dict)

    @property
    def drawn(self) -> int:
        return sum(1 for area in self.areas if area.shape is not None)

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(metric, METRIC_LABELS[metric]) for metric in self.metrics]

    @property
    def rows(self) -> list[tuple[MapArea, list]]:
        """The table twin's rows: each area with its cells."""
        return [(area, area.cells(self.metrics)) for area in self.areas]

    @property
    def point_legend(self) -> list[tuple[str, str]]:
        """What the points' colours say, (key of .qf-swatch-<key>, words): the levels, or
        the groups when the points are clustered; empty when no point is drawn."""
        if not self.points:
            return []
        if self.clustered:
            return [("cluster", _("A group of matters: the number says how many"))]
        return [*((level.value, level.label) for level in RiskLevel), ("none", _("Not graded"))]

    @property
    def unplaced_cells(self) -> list[tuple[str, int]]:
        return [(metric, self.unplaced[metric]) for metric in self.metrics]

    @property
    def total_cells(self) -> list[tuple[str, int]]:
        return [(metric, self.totals[metric]) for metric in self.metrics]

    @property
    def has_unplaced(self) -> bool:
        return any(self.unplaced.values())


def metric_links(pk: int) -> dict[str, str]:
    """Where each figure of an area leads: the register (the warnings' list for warnings)
    filtered by its own FilterSet to the very matters counted."""
    return {
        OPEN: register_link(pk, open_only=True),
        HIGH: register_link(pk, open_only=True, level=RiskLevel.HIGH),
        OVERDUE: register_link(pk, overdue=True),
        RED_CLOCKS: register_link(pk, clock=ClockFlag.RED),
        OVERDUE_WARNINGS: list_link("rhythm:warning_list", pk, status=WarningStatus.OVERDUE),
    }


def map_within(user, within_id, kind: str) -> Area | None:
    """The area the map is of: ``within_id`` if the user may see it (404 otherwise), None
    for the user's whole scope. A map of communities cannot be of a grid."""
    if kind not in KEYS:
        raise MapRefused("kind", _("Choose communities or grids."))
    if within_id in (None, ""):
        return None
    try:
        within_id = int(within_id)
    except (TypeError, ValueError) as error:
        raise MapRefused("within", _("Give the id of an area.")) from error
    within = get_area_for_user(user, within_id)
    if within.depth > KIND_DEPTH[kind]:
        raise MapRefused("within", _("This area holds no areas of that kind."))
    return within


def check_metric(metric: str) -> str:
    if metric not in METRIC_LABELS:
        raise MapRefused("metric", _("Choose one of the map's figures."))
    return metric


def build_map(user, *, within: Area | None, kind: str, metrics=METRICS,
              points: bool = False, today: date | None = None,
              now: datetime | None = None) -> AreaMap:
    """The map of ``within`` (None: the user's whole scope) by ``kind`` with the figures of
    ``metrics``. Queries: the communities of the streets among the roots (when there are
    any), the areas, one per metric family asked (the matters' three together, red
    clocks, overdue warnings), and with ``points`` one or two for the
    located matters (two when they are clustered, three if no area has a boundary)."""
    for metric in metrics:
        check_metric(metric)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    roots = [within] if within is not None else scope_roots(user)
    places = _places(roots)
    matters = _matters_q(places)
    key = KEYS[kind]

    shown = (Area.objects.filter(area_scope_q(user), kind=kind)
             .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
             .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=today)))
    if within is not None:
        shown = shown.filter(path__startswith=within.path)
    rows = list(shown.annotate(shape=Coalesce("boundary_simple", "boundary"))
                .values_list("pk", "code", "name", "shape").order_by("code"))

    counts = figures_by_area(places, roots, key, metrics, today, now)
    areas = [MapArea(pk=pk, code=code, name=name, shape=shape,
                     values={metric: counts[metric].get(pk, 0) for metric in metrics},
                     links=metric_links(pk))
             for pk, code, name, shape in rows]
    totals = {metric: sum(counts[metric].values()) for metric in metrics}
    unplaced = {metric: totals[metric] - sum(area.values[metric] for area in areas)
                for metric in metrics}
    area_map = AreaMap(within=within, kind=kind, metrics=tuple(metrics), areas=areas,
                       totals=totals, unplaced=unplaced)
    if points:
        _add_points(area_map, matters)
    return area_map


def _places(roots: list[Area] | None) -> list[dict] | None:
    """The subtrees of ``roots`` (None: everything) as conditions on the matters' place
    columns: the rows of risks.scoping.matters_within_q, written on the columns of the
    dashboards' covering index (risk_dashboard_cube_idx: community, status, … INCLUDE
    grid, level, due_on) so that the counts read that index alone rather than a busy
    street's matters from the table. A street is its communities, listed as the dashboards
    list them (one query for every street root: exact estimates, where a subquery on the
    tree made PostgreSQL loop per matter); a community or a grid is its own columns."""
    if roots is None:
        return None
    streets = [root.pk for root in roots if len(root.ancestor_ids()) == 1]
    communities: dict[int, list[int]] = {street: [] for street in streets}
    if streets:
        for pk, street in (Area.objects.filter(kind=AreaKind.COMMUNITY, parent_id__in=streets)
                           .values_list("pk", "parent_id")):
            communities[street].append(pk)
    places = []
    for root in roots:
        ancestors = root.ancestor_ids()
        if len(ancestors) == 1:
            places.append({"community_id__in": communities[root.pk]})
        else:
            places.append(dict(zip(PLACE_COLUMNS[1:len(ancestors)], ancestors[1:],
                                   strict=True)))
    return places


def _matters_q(places: list[dict] | None, prefix: str = "") -> Q:
    """The matters (reached through ``prefix``) in ``places`` (_places; None: every one)."""
    if places is None:
        return Q()
    condition = NOTHING
    for place in places:
        condition |= Q(**{f"{prefix}{name}": value for name, value in place.items()})
    return condition


def figures_by_area(places: list[dict] | None, roots: list[Area] | None, key: str, metrics,
                    today: date, now: datetime) -> dict[str, dict]:
    """{metric: {area id (``key``'s value, None for none): count}} of the matters in
    ``places`` (_places of ``roots``): one grouped query per family of metrics."""
    matters = _matters_q(places)
    counts: dict[str, dict] = {}
    matter_metrics = [metric for metric in MATTER_METRICS if metric in metrics]
    if matter_metrics:
        conditions = {OPEN: open_q(), HIGH: high_open_q(), OVERDUE: overdue_q(today)}
        aggregates = {metric: Count("id", filter=conditions[metric])
                      for metric in matter_metrics}
        grouped = list(Risk.objects.filter(matters, open_q()).values(key)
                       .annotate(**aggregates).order_by())
        for metric in matter_metrics:
            counts[metric] = {row[key]: row[metric] for row in grouped if row[metric]}
    if RED_CLOCKS in metrics:
        counts[RED_CLOCKS] = red_clocks_by_area(places, roots, key, now)
    if OVERDUE_WARNINGS in metrics:
        counts[OVERDUE_WARNINGS] = overdue_warnings_where(_matters_q(places, "risk__"), key)
    return counts


def red_clocks_by_area(places: list[dict] | None, roots: list[Area] | None, key: str,
                       now: datetime) -> dict:
    """Matters with a running red clock (the register's ``clock=red``: risks.clocks
    .colour_q), per community or grid: one grouped query on the clocks. A clock carries
    its matter's street and community (risks.models.StageClock), so a street's lights are
    read through clock_street_lights_idx; a grid's are reached through the matter."""
    clocks = StageClock.objects.filter(colour_q(ClockFlag.RED, now))
    if roots is not None:
        within = NOTHING
        for root in roots:
            columns = CLOCK_PLACE_COLUMNS[:len(root.ancestor_ids())]
            within |= Q(**dict(zip(columns, root.ancestor_ids(), strict=True)))
        clocks = clocks.filter(within)
    if key == "community_id":
        return {row["community_id"]: row["count"] for row in clocks.values("community_id")
                .annotate(count=Count("risk_id", distinct=True)).order_by()}
    # A grid is the matter's: the area's matters (the covering index gives their grids)
    # whose id is among the red clocks' — a hash semi-join, not a lookup per clock.
    return {row[key]: row["count"] for row in Risk.objects
            .filter(_matters_q(places), pk__in=clocks.values("risk_id")).values(key)
            .annotate(count=Count("*")).order_by()}


# Points -----------------------------------------------------------------------------------

def _add_points(area_map: AreaMap, matters: Q) -> None:
    located = Risk.objects.filter(matters, open_q(), location_lat__isnull=False)
    # No ORDER BY: "the newest first" would let PostgreSQL walk the primary key backwards
    # through the whole table looking for located matters of the area.
    first = list(located.order_by().values_list(
        "pk", "code", "title", "level", "location_lat", "location_lng")[:POINTS_SHOWN + 1])
    if len(first) <= POINTS_SHOWN:
        area_map.located = len(first)
        area_map.points = [
            {"lng": lng, "lat": lat, "count": 1, "code": code, "title": title,
             "level": level or "", "colour": LEVEL_COLOURS.get(level, LEVEL_COLOURS[None]),
             "link": reverse("risks:risk_detail", args=[pk])}
            for pk, code, title, level, lat, lng in first]
        return
    extent = _extent(area.shape for area in area_map.areas if area.shape)
    if extent is None:
        bounds = located.aggregate(west=Min("location_lng"), east=Max("location_lng"),
                                   south=Min("location_lat"), north=Max("location_lat"))
        extent = (bounds["west"], bounds["south"], bounds["east"], bounds["north"])
    west, south, east, north = extent
    cell = max(east - west, north - south, 0.001) / CLUSTER_CELLS
    clusters = (located.annotate(cell_x=Floor(F("location_lng") / cell),
                                 cell_y=Floor(F("location_lat") / cell))
                .values("cell_x", "cell_y")
                .annotate(count=Count("*"), lng=Avg("location_lng"), lat=Avg("location_lat"))
                .order_by())
    area_map.clustered = True
    area_map.points = [{"lng": round(row["lng"], 6), "lat": round(row["lat"], 6),
                        "count": row["count"], "colour": CLUSTER_COLOUR} for row in clusters]
    area_map.located = sum(point["count"] for point in area_map.points)


def _extent(shapes) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of GeoJSON geometries, or None for none."""
    west = south = float("inf")
    east = north = float("-inf")
    for shape in shapes:
        for lng, lat in _positions(shape.get("coordinates", [])):
            west, east = min(west, lng), max(east, lng)
            south, north = min(south, lat), max(north, lat)
    return None if west == float("inf") else (west, south, east, north)


def _positions(coordinates):
    if coordinates and isinstance(coordinates[0], int | float):
        yield coordinates[0], coordinates[1]
        return
    for part in coordinates:
        yield from _positions(part)


# What the API and the page read ----------------------------------------------------------

def feature_collection(area_map: AreaMap, metric: str) -> dict:
    """The GeoJSON of the API contract (``areas/map/``): a feature per area, properties
    ``id, code, name, value``; foreign members say what was counted and what the areas
    shown do not hold (``unplaced``: the areas' values and it add up to ``total``)."""
    return {
        "type": "FeatureCollection",
        "kind": area_map.kind,
        "metric": metric,
        "within": area_map.within.pk if area_map.within is not None else None,
        "total": area_map.totals[metric],
        "unplaced": area_map.unplaced[metric],
        "features": [
            {"type": "Feature", "id": area.pk, "geometry": area.shape,
             "properties": {"id": area.pk, "code": area.code, "name": area.name,
                            "value": area.values[metric]}}
            for area in area_map.areas],
    }


def chart_spec(area_map: AreaMap, metric: str = OPEN) -> dict:
    """What static/js/area_map.js draws: the areas with a boundary as a map registered
    from our own GeoJSON, coloured by the chosen figure (every figure's values are here,
    so that choosing another redraws without asking again), and the points."""
    drawn = [area for area in area_map.areas if area.shape is not None]
    return {
        "geojson": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": area.shape,
             "properties": {"key": str(area.pk), "name": area.name}} for area in drawn]},
        "areas": [{"key": str(area.pk), "name": area.name, "values": area.values,
                   "links": area.links} for area in drawn],
        "metric": metric,
        "metrics": [{"key": key, "label": str(METRIC_LABELS[key])}
                    for key in area_map.metrics],
        "points": area_map.points or [],
        "clustered": area_map.clustered,
        "labels": {"points": str(_("Located open matters")),
                   "cluster": str(_("Matters here"))},
    }
