"""Invented boundaries: a street outline cut into its communities, each community into its
grids, so that a street without surveyed boundaries (the demo street, a benchmark street)
still draws a real map. The shapes are plausible (a street 2–4 km across, parts of similar
size, contiguous, no gap, no overlap, each inside its parent) and entirely made up: never
a real boundary.
"""

import random

from django.db import transaction

from audit.choices import AuditAction
from audit.services import record_event
from grids.boundaries import geometry_of, simplify
from grids.choices import AreaKind
from grids.models import Area
from quanfu import shapes


@transaction.atomic
def invent_boundaries(street: Area, *, centre: tuple[float, float] | None = None,
                      grids: bool = True, actor=None) -> int:
    """Give ``street`` an invented outline around ``centre`` (lon, lat; Licheng district,
    Jinan, when not given), tessellate it into the street's open communities and, with
    ``grids``, each community into its open grids; fill ``boundary`` and
    ``boundary_simple``. Any boundary these areas had is replaced. The same street and
    centre give the same shapes. Returns how many areas got a boundary; one audit entry.
    """
    rng = random.Random(f"{street.code}:{centre}")
    outline = shapes.invent_outline(centre or shapes.LICHENG_CENTRE, rng=rng)
    drawn: list[Area] = []

    def draw(area: Area, geometry) -> object:
        area.boundary = shapes.to_geojson(geometry)
        area.boundary_simple = simplify(geometry)
        drawn.append(area)
        return geometry_of(area.boundary)  # the stored (rounded) shape: the children's parent

    street_shape = draw(street, outline)
    communities = list(Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY,
                                           closed_on__isnull=True).order_by("code"))
    grids_of: dict[int, list[Area]] = {}
    if grids:
        for grid in Area.objects.filter(parent__in=communities, kind=AreaKind.GRID,
                                        closed_on__isnull=True).order_by("code"):
            grids_of.setdefault(grid.parent_id, []).append(grid)
    for community, cell in zip(communities, _parts(street_shape, len(communities), rng),
                               strict=True):
        community_shape = draw(community, cell)
        children = grids_of.get(community.pk, [])
        for grid, grid_cell in zip(children, _parts(community_shape, len(children), rng),
                                   strict=True):
            draw(grid, grid_cell)
    Area.objects.bulk_update(drawn, ["boundary", "boundary_simple"], batch_size=500)
    record_event(action=AuditAction.UPDATE, actor=actor, target="grids.area",
                 detail=f"invented boundaries of street {street.code}: {len(drawn)} areas "
                        f"({len(communities)} communities, "
                        f"{sum(len(children) for children in grids_of.values())} grids)")
    return len(drawn)


def _parts(geometry, count: int, rng: random.Random) -> list:
    if count == 0:
        return []
    return shapes.tessellate(geometry, count, rng=rng)
