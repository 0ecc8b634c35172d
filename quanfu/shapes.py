"""Plane geometry of areas' boundaries, on plain shapely shapes (no models): metres and
degrees, GeoJSON with rounded coordinates, simplification, and invented outlines cut into
contiguous parts.

It sits in the core because two layers draw with it: grids (grids/boundaries.py checks and
imports boundaries, grids/tessellation.py invents them for the demo street) and the
benchmark generator (quanfu/scale.py), which writes areas with COPY and imports no app.

Coordinates are WGS84 longitude/latitude. Distances are converted to degrees at the
shape's own latitude (a degree of latitude is ~111.3 km everywhere; a degree of longitude
shrinks with the cosine of the latitude); at the size of a street (a few km) the error of
this flat approximation is far below a metre.
"""

import math
import random

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape

METRES_PER_DEGREE_LATITUDE = 111_320.0
# Six decimals of a degree: ~0.1 m, finer than any boundary a street draws.
COORDINATE_DECIMALS = 6
GRID_SIZE = 10.0 ** -COORDINATE_DECIMALS
# Where an invented street stands when no centre is given: Licheng district, Jinan.
LICHENG_CENTRE = (117.10, 36.68)


def metres_per_degree_longitude(latitude: float) -> float:
    return METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude))


def metres_to_degrees(metres: float, latitude: float) -> float:
    """``metres`` as degrees at ``latitude``, taking the shorter (east–west) degree: a
    tolerance in degrees is then at least ``metres`` in every direction."""
    return metres / metres_per_degree_longitude(latitude)


def in_metres(geometry, origin: tuple[float, float]):
    """The shape on a flat plane in metres around ``origin`` (lon, lat): where tolerances,
    buffers and areas are measured."""
    lon0, lat0 = origin
    x_scale = metres_per_degree_longitude(lat0)

    def project(coordinates):
        projected = coordinates.copy()
        projected[:, 0] = (coordinates[:, 0] - lon0) * x_scale
        projected[:, 1] = (coordinates[:, 1] - lat0) * METRES_PER_DEGREE_LATITUDE
        return projected

    return shapely.transform(geometry, project)


def area_in_square_metres(geometry) -> float:
    """The area of a lon/lat shape in m², measured around its centroid."""
    if geometry.is_empty:
        return 0.0
    centroid = geometry.centroid
    return in_metres(geometry, (centroid.x, centroid.y)).area


# GeoJSON ----------------------------------------------------------------------------------

def from_geojson(geojson: dict):
    return shape(geojson)


def _rounded(coordinates):
    if isinstance(coordinates[0], int | float):
        return [round(float(value), COORDINATE_DECIMALS) for value in coordinates]
    return [_rounded(part) for part in coordinates]


def to_geojson(geometry) -> dict:
    """A Polygon or MultiPolygon as a GeoJSON dict, coordinates rounded to 1e-6 degree, in
    the order given; a shape that rounding would spoil is snapped to that grid by shapely
    instead, which keeps it valid."""
    data = mapping(geometry)
    if data["type"] in ("Polygon", "MultiPolygon"):
        rounded = {"type": data["type"], "coordinates": _rounded(data["coordinates"])}
        if shape(rounded).is_valid:
            return rounded
    snapped = shapely.set_precision(geometry, GRID_SIZE)
    if isinstance(snapped, Polygon | MultiPolygon):
        polygonal = snapped
    else:  # a collection left by snapping: keep its polygons
        parts = [part for part in getattr(snapped, "geoms", []) if isinstance(part, Polygon)]
        polygonal = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if isinstance(polygonal, MultiPolygon) and len(polygonal.geoms) == 1:
        polygonal = polygonal.geoms[0]
    data = mapping(polygonal)
    return {"type": data["type"], "coordinates": _rounded(data["coordinates"])}


def simplify(geometry, tolerance_degrees: float) -> dict:
    """The shape with fewer vertices (topology kept: no self-intersection, no ring lost),
    as rounded GeoJSON: what a map of many areas draws."""
    return to_geojson(geometry.simplify(tolerance_degrees, preserve_topology=True))


# Invented shapes --------------------------------------------------------------------------

def invent_outline(centre: tuple[float, float], *, rng: random.Random,
                   across_metres: float | None = None, vertices: int = 14) -> Polygon:
    """A plausible street outline around ``centre``: a rounded, slightly irregular shape
    ``across_metres`` wide (2–4 km when not given), as streets drawn along roads are."""
    lon, lat = centre
    across = across_metres or rng.uniform(2_000, 4_000)
    aspect = rng.uniform(0.75, 1.25)
    half_width = across / 2 / metres_per_degree_longitude(lat)
    half_height = across / 2 * aspect / METRES_PER_DEGREE_LATITUDE
    turn = rng.uniform(0, 2 * math.pi)
    points = []
    for index in range(vertices):
        angle = turn + 2 * math.pi * index / vertices
        # a squarish superellipse (streets follow a road grid), each corner moved a little
        cos, sin = math.cos(angle), math.sin(angle)
        reach = rng.uniform(0.85, 1.0)
        x = math.copysign(abs(cos) ** 0.6, cos) * reach
        y = math.copysign(abs(sin) ** 0.6, sin) * reach
        points.append((lon + x * half_width, lat + y * half_height))
    outline = Polygon(points)
    return outline if outline.is_valid else outline.convex_hull


def _random_points_in(polygon: Polygon, count: int, rng: random.Random) -> list[Point]:
    min_x, min_y, max_x, max_y = polygon.bounds
    points = []
    shapely.prepare(polygon)
    while len(points) < count:
        point = Point(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        if polygon.contains(point):
            points.append(point)
    return points


def random_point_in(geojson: dict, rng: random.Random) -> tuple[float, float]:
    """(lat, lng) of a point drawn uniformly inside a GeoJSON (multi)polygon: an invented
    place of the demo's matters."""
    point = _random_points_in(_largest_polygon(from_geojson(geojson)), 1, rng)[0]
    return round(point.y, 6), round(point.x, 6)


def _cells(polygon, seeds: list[Point]) -> list:
    """The Voronoi cell of each seed, clipped to ``polygon``, in the order of the seeds."""
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=polygon,
                                       ordered=True)
    return [cell.intersection(polygon) for cell in diagram.geoms]


def _largest_polygon(geometry) -> Polygon:
    if isinstance(geometry, Polygon):
        return geometry
    parts = [part for part in getattr(geometry, "geoms", []) if isinstance(part, Polygon)]
    return max(parts, key=lambda part: part.area)


def tessellate(polygon, count: int, *, rng: random.Random, relax: int = 2) -> list:
    """Cut ``polygon`` into ``count`` contiguous parts of similar size that cover it with
    no gap and no overlap: the Voronoi cells of seeds spread over it, moved twice to their
    cell's centroid (Lloyd) so the parts come out even but not regular."""
    if count <= 1:
        return [polygon]
    seeds = _random_points_in(_largest_polygon(polygon), count, rng)
    cells = _cells(polygon, seeds)
    for _ in range(relax):
        moved = []
        for seed, cell in zip(seeds, cells, strict=True):
            centroid = cell.centroid if not cell.is_empty else seed
            moved.append(centroid if polygon.contains(centroid) else seed)
        if len({(point.x, point.y) for point in moved}) < count:
            break
        seeds = moved
        cells = _cells(polygon, seeds)
    return cells
