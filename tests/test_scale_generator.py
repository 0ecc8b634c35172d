"""The synthetic-data generator of issue 8 (``generate_scale``), at a tiny size.

It writes with PostgreSQL COPY, so the test needs PostgreSQL; on SQLite the command must
refuse with a clear message.
"""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from accounts.models import User
from grids.boundaries import geometry_of, square_metres_outside
from grids.choices import AreaKind
from grids.models import Area
from grids.services import create_area
from meetings.models import Meeting
from rhythm.models import RiskWarning
from risks.choices import OPEN_STATUSES, RiskStatus
from risks.models import Category, Risk, RiskEvent

TINY = ["--streets", "2", "--communities-per-street", "3", "--grids-per-community", "4",
        "--microgrids-per-grid", "2", "--matters", "600", "--seed", "7"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_generator_writes_a_consistent_register():
    call_command("generate_scale", *TINY)

    assert Area.objects.filter(kind=AreaKind.STREET, code__startswith="G").count() == 2
    assert Area.objects.filter(kind=AreaKind.COMMUNITY, code__startswith="G").count() == 6
    assert Area.objects.filter(kind=AreaKind.GRID, code__startswith="G").count() == 24
    assert Area.objects.filter(kind=AreaKind.MICROGRID, code__startswith="G").count() == 48
    assert Risk.objects.count() == 600
    assert User.objects.filter(role="street_leader", username__startswith="scale_").count() == 2

    # Every area's path is its parent's path plus its own id, at the right depth.
    for area in Area.objects.select_related("parent"):
        parent_path = area.parent.path if area.parent else ""
        assert area.path == f"{parent_path}{area.pk}."
        assert area.depth == area.path.count(".")

    # Every matter's denormalised community and grid agree with its area's path.
    for risk in Risk.objects.select_related("area", "community", "grid"):
        ancestors = risk.area.ancestor_ids()
        assert risk.community_id == ancestors[1]
        assert risk.grid_id == (ancestors[2] if len(ancestors) > 2 else None)
        assert risk.community.kind == AreaKind.COMMUNITY

    codes = Risk.objects.values_list("code", flat=True)
    assert len(set(codes)) == len(codes)

    # Variety: every category and status, 3–8 events a matter, warnings only on graded
    # open matters, a few meetings.
    assert set(Risk.objects.values_list("category", flat=True)) == set(
        Category.objects.values_list("pk", flat=True))
    assert set(Risk.objects.values_list("status", flat=True)) == set(RiskStatus.values)
    per_matter = RiskEvent.objects.values("risk").annotate(n=Count("id"))
    assert {row["n"] for row in per_matter} <= set(range(3, 9))
    assert per_matter.count() == 600
    assert RiskWarning.objects.exists()
    assert not RiskWarning.objects.exclude(risk__status__in=OPEN_STATUSES).exists()
    assert not RiskWarning.objects.filter(risk__level__isnull=True).exists()
    assert Meeting.objects.exists()

    # The sequences were left past the generated rows: the ORM can insert after them.
    area = create_area(kind=AreaKind.STREET, code="after", name="after")
    assert area.pk > max(Area.objects.exclude(pk=area.pk).values_list("pk", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db
def test_generator_gives_every_community_and_the_busiest_streets_grids_a_polygon():
    call_command("generate_scale", *TINY)

    communities = Area.objects.filter(kind=AreaKind.COMMUNITY)
    assert not communities.filter(boundary__isnull=True).exists()
    assert not communities.filter(boundary_simple__isnull=True).exists()
    drawn = Area.objects.filter(kind=AreaKind.GRID, boundary__isnull=False)
    assert drawn.count() == 4 * 3  # the grids of one street: the busiest
    busiest = Risk.objects.filter(area__path__startswith=drawn.first().street_path()).count()
    for street in Area.objects.filter(kind=AreaKind.STREET):
        assert Risk.objects.filter(area__path__startswith=street.path).count() <= busiest
    for grid in drawn.select_related("parent"):
        shape, parent = geometry_of(grid.boundary), geometry_of(grid.parent.boundary)
        assert shape.is_valid and square_metres_outside(shape, parent) < 1
    assert not Area.objects.filter(kind=AreaKind.MICROGRID, boundary__isnull=False).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_generator_refuses_a_database_with_matters_unless_appending():
    call_command("generate_scale", *TINY)

    with pytest.raises(CommandError, match="--append"):
        call_command("generate_scale", *TINY)
    call_command("generate_scale", *TINY, "--append")
    assert Risk.objects.count() == 1200


@pytest.mark.django_db
def test_generator_refuses_sqlite_with_a_clear_message():
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")
    with pytest.raises(CommandError, match="PostgreSQL COPY"):
        call_command("generate_scale", *TINY)
