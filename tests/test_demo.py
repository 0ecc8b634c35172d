"""`load_demo` builds the Quanfu street a newcomer can explore, and is idempotent."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from grids.choices import AreaKind, GridType
from grids.models import Area, Department, DutyAssignment
from supervision.models import SupervisionGroup


def snapshot():
    return (Area.objects.count(), User.objects.count(), Department.objects.count(),
            DutyAssignment.objects.count(), SupervisionGroup.objects.count())


def test_load_demo_builds_the_street_and_twice_changes_nothing(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "demo12345" in out.getvalue() and "officer_c01" in out.getvalue()

    street = Area.objects.get(kind=AreaKind.STREET)
    assert street.name == "全福街道"
    communities = Area.objects.filter(kind=AreaKind.COMMUNITY).annotate(
        grids=Count("children"))
    assert communities.count() == 15
    assert all(6 <= community.grids <= 10 for community in communities)
    grids = Area.objects.filter(kind=AreaKind.GRID).annotate(micro=Count("children"))
    assert all(3 <= grid.micro <= 6 for grid in grids)
    assert grids.filter(grid_type=GridType.DEDICATED).exists()
    assert Department.objects.filter(name="平安法治和信访办公室").exists()
    groups = SupervisionGroup.objects.annotate(total=Count("communities"))
    assert sorted(group.total for group in groups) == [5, 5, 5]
    for username in ("leader", "officer_c01", "grid_c01_g01", "staff_pingan",
                     "supervisor_g1", "api_district"):
        assert User.objects.get(username=username).check_password("demo12345")
    assert DutyAssignment.objects.filter(ends_on__isnull=True).count() == grids.count() * 4

    before = snapshot()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert snapshot() == before
    assert "nothing changed" in out.getvalue()
