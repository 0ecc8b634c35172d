"""Areas' boundaries: checking a GeoJSON shape, simplifying it for maps, and importing a
GeoJSON FeatureCollection of communities' and grids' boundaries keyed by area code.

A boundary is a GeoJSON Polygon or MultiPolygon in WGS84 (longitude, latitude), kept in
``Area.boundary`` as JSON: no PostGIS, so the embedded SQLite default works as well.
Shapely does the geometry. Tolerances are in metres (settings ``GRID_BOUNDARY_TOLERANCE_M``
and ``GRID_BOUNDARY_SIMPLIFY_M``) and are measured on a flat plane around the shape
(quanfu.shapes.in_metres):

- inside its parent: the part of the shape farther than the tolerance outside the parent's
  boundary must be empty (a shared edge drawn a few metres apart passes);
- no overlap with a sibling: the part of the shape deeper than the tolerance inside an open
  sibling's boundary must be empty.

An import is all or nothing: every feature is checked against the boundaries as they will
be after the import (a parent's new boundary in the same file counts), every refusal is
reported with the feature's position, code and reason, and the areas change only when
there is none, in one transaction with one audit entry.
"""

import json
import math
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import MultiPolygon, Polygon

from audit.choices import AuditAction
from audit.services import record_event
from grids.choices import AreaKind
from grids.models import Area
from grids.validators import validate_official_code
from quanfu import shapes

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
IMPORTED_KINDS = (AreaKind.COMMUNITY, AreaKind.GRID)
# Below this many m², what is left outside a parent or inside a sibling is rounding noise.
NOISE_SQUARE_METRES = 0.5

# GEOS's reasons for an invalid shape (shapely.is_valid_reason), in the UI's language;
# the location GEOS gives follows the reason.
VALIDITY_REASONS = {
    "Self-intersection": gettext_lazy("the outline crosses itself"),
    "Ring Self-intersection": gettext_lazy("a ring touches itself"),
    "Too few points": gettext_lazy("too few points"),
    "Hole lies outside shell": gettext_lazy("a hole lies outside the outline"),
    "Nested holes": gettext_lazy("a hole lies inside another hole"),
    "Interior is disconnected": gettext_lazy("the inside falls apart in pieces"),
    "Nested shells": gettext_lazy("one part lies inside another"),
    "Duplicate Rings": gettext_lazy("a ring is repeated"),
    "Invalid Coordinate": gettext_lazy("a coordinate is not a number"),
    "Ring is not closed": gettext_lazy("a ring is not closed"),
}


class BoundaryError(ValueError):
    """A shape that cannot be an area's boundary; the message says why."""


# One shape ---------------------------------------------------------------------------------

def tolerance_metres() -> float:
    return float(settings.GRID_BOUNDARY_TOLERANCE_M)


def geometry_of(geojson):
    """The shapely shape of a stored boundary (None for none)."""
    return None if geojson is None else shapes.from_geojson(geojson)


def _explain(geometry) -> str:
    explanation = shapely.is_valid_reason(geometry)
    reason, _bracket, where = explanation.partition("[")
    words = VALIDITY_REASONS.get(reason.strip())
    if words is None:
        return explanation
    if not where:
        return str(words)
    return _("%(reason)s at %(where)s") % {"reason": words,
                                           "where": where.rstrip("]").replace(" ", ", ")}


def _coordinates_in_range(geometry) -> str | None:
    """The first coordinate outside WGS84's range, as text, or None."""
    for lon, lat in shapely.get_coordinates(geometry):
        if not (math.isfinite(lon) and math.isfinite(lat)) \
                or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return f"({lon}, {lat})"
    return None


def check_geometry(geojson) -> Polygon | MultiPolygon:
    """The shapely shape of a GeoJSON Polygon or MultiPolygon in WGS84, or BoundaryError
    saying what is wrong: not a polygon, unreadable, out of range, empty, invalid (with
    GEOS's explanation and where)."""
    if not isinstance(geojson, dict) or geojson.get("type") not in GEOMETRY_TYPES:
        kind = geojson.get("type") if isinstance(geojson, dict) else (
            None if geojson is None else type(geojson).__name__)
        raise BoundaryError(_("the shape must be a GeoJSON Polygon or MultiPolygon, not "
                              "%(kind)s") % {"kind": kind or _("nothing")})
    try:
        geometry = shapes.from_geojson(geojson)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError,
            shapely.errors.GEOSException) as error:
        raise BoundaryError(_("the coordinates cannot be read (%(error)s)")
                            % {"error": error}) from error
    if geometry.is_empty:
        raise BoundaryError(_("the shape is empty"))
    outside = _coordinates_in_range(geometry)
    if outside is not None:
        raise BoundaryError(_("the point %(point)s is not a WGS84 longitude and latitude")
                            % {"point": outside})
    if not geometry.is_valid:
        raise BoundaryError(_("the polygon is not valid: %(explanation)s")
                            % {"explanation": _explain(geometry)})
    return geometry


def square_metres_outside(geometry, parent, tolerance: float | None = None) -> float:
    """How many m² of ``geometry`` lie farther than the tolerance outside ``parent``."""
    tolerance = tolerance_metres() if tolerance is None else tolerance
    centroid = parent.centroid
    origin = (centroid.x, centroid.y)
    child_m, parent_m = shapes.in_metres(geometry, origin), shapes.in_metres(parent, origin)
    return child_m.difference(parent_m.buffer(tolerance)).area


def square_metres_overlapping(geometry, sibling, tolerance: float | None = None) -> float:
    """How many m² of ``geometry`` reach deeper than the tolerance into ``sibling``."""
    tolerance = tolerance_metres() if tolerance is None else tolerance
    if not geometry.intersects(sibling):
        return 0.0
    centroid = sibling.centroid
    origin = (centroid.x, centroid.y)
    child_m, sibling_m = shapes.in_metres(geometry, origin), shapes.in_metres(sibling, origin)
    return child_m.intersection(sibling_m.buffer(-tolerance)).area


def simplify(geometry) -> dict:
    """``Area.boundary_simple``: the shape with the vertices a city map does not need
    removed (within GRID_BOUNDARY_SIMPLIFY_M; topology kept), coordinates rounded to 1e-6
    degree. Takes a shapely shape or a GeoJSON dict."""
    if isinstance(geometry, dict):
        geometry = shapes.from_geojson(geometry)
    latitude = geometry.centroid.y
    tolerance = shapes.metres_to_degrees(float(settings.GRID_BOUNDARY_SIMPLIFY_M), latitude)
    return shapes.simplify(geometry, tolerance)


# Importing a FeatureCollection -------------------------------------------------------------

# A street's communities and grids with detailed outlines fit in a few MB; a city's in ~50.
MAX_FILE_BYTES = 50 * 1024 * 1024


def read_geojson(raw: bytes) -> dict:
    """The JSON of an uploaded or named file, or BoundaryError saying why it is unusable."""
    if len(raw) > MAX_FILE_BYTES:
        raise BoundaryError(_("the file is larger than %(megabytes)s MB")
                            % {"megabytes": MAX_FILE_BYTES // (1024 * 1024)})
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise BoundaryError(_("the file is not UTF-8 text")) from error
    except json.JSONDecodeError as error:
        raise BoundaryError(_("the file is not valid JSON (line %(line)s, column %(column)s)")
                            % {"line": error.lineno, "column": error.colno}) from error


@dataclass
class BoundaryRefusal:
    """Why one feature (``index``: its position in ``features``, from 0) was refused;
    ``index`` None for the file as a whole."""

    index: int | None
    code: str
    reason: str

    @property
    def number(self) -> int | None:
        """The feature's position counted from 1, as people count."""
        return None if self.index is None else self.index + 1

    def __str__(self):
        if self.index is None:
            return _("The file: %(reason)s") % {"reason": self.reason}
        return _("Feature %(number)s (%(code)s): %(reason)s") % {
            "number": self.number, "code": self.code or "—", "reason": self.reason}


@dataclass
class BoundaryImportReport:
    features: int = 0
    refusals: list[BoundaryRefusal] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)  # the codes whose boundary was saved

    @property
    def saved(self) -> bool:
        return bool(self.imported) and not self.refusals

    def refuse(self, index, code, reason) -> None:
        self.refusals.append(BoundaryRefusal(index, code, str(reason)))


@dataclass
class _Planned:
    index: int
    area: Area
    geometry: object
    official_code: str | None  # None: leave it as it is


def import_boundaries(feature_collection: dict, *, actor, street: Area | None = None
                      ) -> BoundaryImportReport:
    """Import the boundaries of communities and grids from a GeoJSON FeatureCollection whose
    features carry ``properties.code`` (the area's code) and, optionally,
    ``properties.official_code`` (CJ/T 349-2010; "" clears it). With ``street``, every
    area must lie in it. All or nothing: any refusal and no area changes. One audit entry.
    """
    report = BoundaryImportReport()
    features = _features(feature_collection, report)
    if features is None:
        return report
    report.features = len(features)
    try:
        with transaction.atomic():
            _import(features, street, actor, report)
    except IntegrityError:  # an official code taken meanwhile by another write
        report.imported = []
        report.refuse(None, "", _("it collided with another change saved at the same time; "
                                  "nothing was imported, please import it again"))
    return report


def _import(features, street, actor, report) -> None:
    plans = _read_features(features, street, report)
    if plans:  # the shapes that passed on their own, so that the report lists everything
        _check_places(plans, report)
    if report.refusals or not plans:
        return
    for plan in plans:
        area = plan.area
        area.boundary = shapes.to_geojson(plan.geometry)
        area.boundary_simple = simplify(plan.geometry)
        if plan.official_code is not None:
            area.official_code = plan.official_code
    Area.objects.bulk_update([plan.area for plan in plans],
                             ["boundary", "boundary_simple", "official_code"],
                             batch_size=500)
    report.imported = [plan.area.code for plan in plans]
    codes = ", ".join(report.imported[:20]) + ("…" if len(plans) > 20 else "")
    record_event(action=AuditAction.IMPORT, actor=actor, target="grids:boundary_import",
                 detail=f"boundaries of {len(plans)} areas"
                        f"{f' in street {street.code}' if street else ''}: {codes}")


def _features(feature_collection, report) -> list | None:
    if not isinstance(feature_collection, dict) \
            or feature_collection.get("type") != "FeatureCollection" \
            or not isinstance(feature_collection.get("features"), list):
        report.refuse(None, "", _("it is not a GeoJSON FeatureCollection"))
        return None
    features = feature_collection["features"]
    if not features:
        report.refuse(None, "", _("it holds no feature"))
        return None
    return features


def _read_features(features, street, report) -> list[_Planned]:
    """Each feature on its own: code, kind, state, street, shape, official code."""
    codes = []
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = properties.get("code") if isinstance(properties, dict) else None
        codes.append(code.strip() if isinstance(code, str) else None)
    areas = {area.code: area for area in Area.objects.select_for_update().filter(
        code__in=[code for code in codes if code])}
    official_codes = [
        feature["properties"].get("official_code") if code else None
        for feature, code in zip(features, codes, strict=True)]
    wanted = [value.strip() for value in official_codes
              if isinstance(value, str) and value.strip()]
    taken = dict(Area.objects.filter(official_code__in=wanted).values_list("official_code",
                                                                            "code"))
    seen_codes, seen_official = {}, {}
    plans = []
    for index, (feature, code) in enumerate(zip(features, codes, strict=True)):
        if not code:
            report.refuse(index, "", _("the feature has no properties.code naming the area"))
            continue
        if code in seen_codes:
            report.refuse(index, code, _("the same area is already in feature %(number)s")
                          % {"number": seen_codes[code] + 1})
            continue
        seen_codes[code] = index
        area = areas.get(code)
        if area is None:
            report.refuse(index, code, _("no area has this code"))
            continue
        if area.kind not in IMPORTED_KINDS:
            report.refuse(index, code, _("%(kind)s %(name)s is not a community or a grid")
                          % {"kind": AreaKind(area.kind).label, "name": area.name})
            continue
        if area.closed_on is not None:
            report.refuse(index, code, _("%(name)s was closed on %(day)s")
                          % {"name": area.name, "day": area.closed_on.isoformat()})
            continue
        if street is not None and not area.is_within(street):
            report.refuse(index, code, _("%(name)s is not in %(street)s")
                          % {"name": area.name, "street": street.name})
            continue
        official = _official_code(index, code, area, official_codes[index], taken,
                                  seen_official, report)
        try:
            geometry = check_geometry(feature.get("geometry"))
        except BoundaryError as error:
            report.refuse(index, code, error)
            continue
        if official is not False:
            plans.append(_Planned(index, area, geometry, official))
    return plans


def _official_code(index, code, area, value, taken, seen, report):
    """The official code to save (None: unchanged), or False when it is refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        report.refuse(index, code, _("official_code must be written as text (in quotes), or "
                                     "its 20 digits are lost"))
        return False
    value = value.strip()
    try:
        validate_official_code(value)
    except ValidationError as error:
        report.refuse(index, code, " ".join(error.messages))
        return False
    if value and value in seen:
        report.refuse(index, code, _("the official code %(value)s is already in feature "
                                     "%(number)s") % {"value": value, "number": seen[value] + 1})
        return False
    holder = taken.get(value) if value else None
    if holder is not None and holder != area.code:
        report.refuse(index, code, _("the official code %(value)s belongs to %(other)s")
                      % {"value": value, "other": holder})
        return False
    if value:
        seen[value] = index
    return value


def _check_places(plans: list[_Planned], report) -> None:
    """Each shape against its parent, its open siblings and its own children, as the
    boundaries will be once the file is in."""
    new_shape = {plan.area.pk: plan.geometry for plan in plans}
    parent_ids = {plan.area.parent_id for plan in plans}
    own_ids = set(new_shape)
    neighbours = Area.objects.filter(closed_on__isnull=True, parent_id__in=parent_ids | own_ids
                                     ).exclude(boundary__isnull=True)
    related = {area.pk: area for area in neighbours.only(
        "id", "code", "name", "parent_id", "boundary")}
    parents = {area.pk: area for area in Area.objects.filter(pk__in=parent_ids).only(
        "id", "code", "name", "boundary")}
    stored_shape = {}

    def shape_of(area_id, boundary):
        if area_id in new_shape:
            return new_shape[area_id]
        if area_id not in stored_shape:
            stored_shape[area_id] = geometry_of(boundary)
        return stored_shape[area_id]

    children_of: dict[int, list[Area]] = {}  # open areas with a boundary, by parent
    for area in related.values():
        children_of.setdefault(area.parent_id, []).append(area)
    for plan in plans:  # an open area of the file whose stored boundary is empty
        if plan.area.pk not in related:
            children_of.setdefault(plan.area.parent_id, []).append(plan.area)

    for plan in plans:
        area, geometry = plan.area, plan.geometry
        parent = parents.get(area.parent_id)
        if parent is not None and (parent.pk in new_shape or parent.boundary is not None):
            outside = square_metres_outside(geometry, shape_of(parent.pk, parent.boundary))
            if outside > NOISE_SQUARE_METRES:
                report.refuse(plan.index, area.code, _(
                    "it lies outside its parent %(parent)s: %(square_metres)s m² beyond the "
                    "tolerance of %(tolerance)s m") % {
                    "parent": parent.name, "square_metres": _whole(outside),
                    "tolerance": _whole(tolerance_metres())})
        for sibling in children_of.get(area.parent_id, []):
            if sibling.pk == area.pk:
                continue
            overlap = square_metres_overlapping(geometry, shape_of(sibling.pk, sibling.boundary))
            if overlap > NOISE_SQUARE_METRES:
                report.refuse(plan.index, area.code, _(
                    "it overlaps its neighbour %(sibling)s (%(sibling_code)s) by "
                    "%(square_metres)s m² beyond the tolerance of %(tolerance)s m") % {
                    "sibling": sibling.name, "sibling_code": sibling.code,
                    "square_metres": _whole(overlap), "tolerance": _whole(tolerance_metres())})
        for child in children_of.get(area.pk, []):
            if child.pk in new_shape:
                continue  # checked against this new shape as a feature of its own
            outside = square_metres_outside(shape_of(child.pk, child.boundary), geometry)
            if outside > NOISE_SQUARE_METRES:
                report.refuse(plan.index, area.code, _(
                    "its %(kind)s %(child)s (%(child_code)s) would lie outside it by "
                    "%(square_metres)s m²") % {
                    "kind": AreaKind(AreaKind.GRID if area.kind == AreaKind.COMMUNITY
                                     else AreaKind.MICROGRID).label,
                    "child": child.name, "child_code": child.code,
                    "square_metres": _whole(outside)})


def _whole(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:.1f}"
