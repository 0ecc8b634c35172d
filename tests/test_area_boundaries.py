"""Areas' boundaries (issue 20): a GeoJSON FeatureCollection keyed by area code is imported
all or nothing, each refusal naming the feature, its code and why; invented boundaries
tessellate a street into its communities and grids; the API shows an area's official code,
dates, lineage and, when asked, its boundary.

The test street (tests/conftest.py) is drawn in metres east and north of a point in
Licheng district: the street 2,000 × 1,000 m, community A its western half with grids A1
(west) and A2 (east), community B the eastern half with grid B1.
"""

import json
import re
from datetime import date
from io import StringIO

import pytest
import shapely
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from audit.choices import AuditAction
from audit.models import AuditEntry
from grids import boundaries
from grids.boundaries import import_boundaries
from grids.choices import AreaChangeKind, AreaKind
from grids.demo import load_areas
from grids.models import Area, AreaChange, AreaLineage
from grids.services import create_area, update_area
from grids.tessellation import invent_boundaries
from quanfu import shapes

ORIGIN = (117.10, 36.68)
OFFICIAL_A = "37010200100100000001"
OFFICIAL_A1 = "37010200100100100001"


def point(x_metres, y_metres):
    lon = ORIGIN[0] + x_metres / shapes.metres_per_degree_longitude(ORIGIN[1])
    lat = ORIGIN[1] + y_metres / shapes.METRES_PER_DEGREE_LATITUDE
    return [round(lon, 6), round(lat, 6)]  # as stored


def ring(*corners):
    points = [point(x, y) for x, y in corners]
    return [*points, points[0]]


def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [ring((x0, y0), (x1, y0), (x1, y1), (x0, y1))]}


def feature(code, geometry, **properties):
    return {"type": "Feature", "properties": {"code": code, **properties},
            "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


A = rect(0, 0, 1000, 1000)
B = rect(1000, 0, 2000, 1000)
A1 = rect(0, 0, 500, 1000)
A2 = rect(500, 0, 1000, 1000)
B1 = rect(1000, 0, 2000, 1000)
BOW_TIE = {"type": "Polygon", "coordinates": [ring((0, 0), (500, 1000), (500, 0), (0, 1000))]}


@pytest.fixture
def outlined(street):
    """The test street with its outline (drawn by hand: a street is not imported)."""
    Area.objects.filter(pk=street.street.pk).update(boundary=rect(0, 0, 2000, 1000))
    return street


def boundaries_of(*areas):
    return {area.code: Area.objects.get(pk=area.pk).boundary for area in areas}


def reasons(report, code):
    return [refusal.reason for refusal in report.refusals if refusal.code == code]


# A good file -------------------------------------------------------------------------------

def test_a_good_file_imports_every_boundary_with_its_simplified_copy(outlined, superuser):
    street = outlined
    # A1's western edge wiggles by centimetres every 10 m: the simplified copy drops them.
    wiggly = [(0 + (index % 2) * 0.05, y) for index, y in enumerate(range(1000, 0, -10))]
    a1 = {"type": "Polygon",
          "coordinates": [ring((0, 0), (500, 0), (500, 1000), *wiggly)]}
    report = import_boundaries(collection(
        feature("S1-A", A, official_code=OFFICIAL_A), feature("S1-B", B),
        feature("S1-A-G1", a1, official_code=OFFICIAL_A1), feature("S1-A-G2", A2),
        feature("S1-B-G1", B1)), actor=superuser)

    assert report.refusals == [] and report.saved
    assert report.imported == ["S1-A", "S1-B", "S1-A-G1", "S1-A-G2", "S1-B-G1"]
    grid = Area.objects.get(pk=street.grid_a1.pk)
    assert grid.official_code == OFFICIAL_A1
    assert Area.objects.get(pk=street.community_a.pk).official_code == OFFICIAL_A
    assert grid.boundary["type"] == "Polygon"
    assert len(grid.boundary["coordinates"][0]) == len(a1["coordinates"][0])
    assert len(grid.boundary_simple["coordinates"][0]) == 5  # the four corners, closed
    assert shapely.geometry.shape(grid.boundary_simple).is_valid
    assert all(len(str(value).split(".")[1]) <= 6
               for lon_lat in grid.boundary["coordinates"][0] for value in lon_lat)
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT, target="grids:boundary_import")
    assert entry.actor == superuser and "5 areas" in entry.detail


def test_a_grid_in_two_pieces_is_imported_as_a_multipolygon(outlined, superuser):
    two_pieces = {"type": "MultiPolygon", "coordinates": [
        rect(0, 0, 500, 400)["coordinates"], rect(0, 600, 500, 1000)["coordinates"]]}
    report = import_boundaries(collection(feature("S1-A", A), feature("S1-A-G1", two_pieces)),
                               actor=superuser)
    assert report.saved
    grid = Area.objects.get(pk=outlined.grid_a1.pk)
    assert grid.boundary == two_pieces
    assert grid.boundary_simple["type"] == "MultiPolygon"


def test_edges_drawn_a_few_metres_apart_are_within_the_tolerance(outlined, superuser):
    report = import_boundaries(collection(
        feature("S1-A", rect(0, 0, 1003, 1000)), feature("S1-B", rect(998, 0, 2002, 1000)),
        feature("S1-A-G1", rect(0, 0, 503, 1000)), feature("S1-A-G2", rect(499, 0, 1003, 1000))),
        actor=superuser)
    assert report.refusals == []
    assert report.saved


def test_a_parent_is_checked_against_its_new_boundary_from_the_same_file(outlined, superuser):
    street = outlined
    Area.objects.filter(pk=street.community_a.pk).update(boundary=rect(0, 0, 400, 1000))
    alone = import_boundaries(collection(feature("S1-A-G2", A2)), actor=superuser)
    assert any("花园社区" in reason for reason in reasons(alone, "S1-A-G2"))

    with_parent = import_boundaries(collection(feature("S1-A", A), feature("S1-A-G2", A2)),
                                    actor=superuser)
    assert with_parent.refusals == []
    assert Area.objects.get(pk=street.grid_a2.pk).boundary is not None


def test_a_new_community_boundary_may_not_leave_its_grids_outside(outlined, superuser):
    street = outlined
    import_boundaries(collection(feature("S1-A", A), feature("S1-A-G2", A2)), actor=superuser)
    with translation.override("en"):
        report = import_boundaries(collection(feature("S1-A", rect(0, 0, 400, 1000))),
                                   actor=superuser)
    assert any("S1-A-G2" in reason and "outside" in reason for reason in reasons(report, "S1-A"))
    assert Area.objects.get(pk=street.community_a.pk).boundary == A


# Refusals: each names the feature and its code, and nothing changes -------------------------

def test_import_refuses_a_self_intersecting_bow_tie_naming_its_code_and_changes_nothing(
        outlined, superuser):
    street = outlined
    before = boundaries_of(street.community_a, street.grid_a1)
    with translation.override("en"):
        report = import_boundaries(collection(feature("S1-A", A), feature("S1-A-G1", BOW_TIE)),
                                   actor=superuser)
        text = str(report.refusals[0])

    assert not report.saved and report.imported == []
    [refusal] = report.refusals
    assert (refusal.index, refusal.number, refusal.code) == (1, 2, "S1-A-G1")
    assert "not valid" in refusal.reason and "crosses itself" in refusal.reason
    assert text.startswith("Feature 2 (S1-A-G1):")
    assert boundaries_of(street.community_a, street.grid_a1) == before
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_import_refuses_a_grid_outside_its_community_naming_both(outlined, superuser):
    street = outlined
    with translation.override("en"):
        report = import_boundaries(collection(
            feature("S1-A", A), feature("S1-A-G1", rect(-300, 0, 500, 1000))), actor=superuser)
    [refusal] = report.refusals
    assert refusal.code == "S1-A-G1"
    assert "outside its parent 花园社区" in refusal.reason
    # 300 m × 1,000 m outside, less the 5 m the tolerance allows
    assert re.search(r"29[45],\d{3} m² beyond the tolerance of 5 m", refusal.reason)
    assert boundaries_of(street.community_a, street.grid_a1) == {"S1-A": None, "S1-A-G1": None}


def test_import_refuses_a_grid_overlapping_its_sibling_naming_the_sibling(outlined, superuser):
    street = outlined
    with translation.override("en"):
        report = import_boundaries(collection(
            feature("S1-A", A), feature("S1-A-G1", rect(0, 0, 600, 1000)),
            feature("S1-A-G2", A2)), actor=superuser)
    assert any("育英中学专属网格 (S1-A-G2)" in reason for reason in reasons(report, "S1-A-G1"))
    assert any("花园第1网格 (S1-A-G1)" in reason for reason in reasons(report, "S1-A-G2"))
    assert all("overlaps" in refusal.reason for refusal in report.refusals)
    assert boundaries_of(street.community_a, street.grid_a1, street.grid_a2) == {
        "S1-A": None, "S1-A-G1": None, "S1-A-G2": None}


def test_import_refuses_an_overlap_with_a_stored_sibling(outlined, superuser):
    street = outlined
    assert import_boundaries(collection(feature("S1-A", A)), actor=superuser).saved
    report = import_boundaries(collection(feature("S1-B", rect(900, 0, 2000, 1000))),
                               actor=superuser)
    assert any("S1-A" in reason for reason in reasons(report, "S1-B"))
    assert Area.objects.get(pk=street.community_b.pk).boundary is None


def test_every_refusal_of_a_file_is_listed_with_its_position(outlined, superuser):
    street = outlined
    closed = create_area(kind=AreaKind.GRID, code="S1-B-G9", name="东泉旧网格",
                         parent=street.community_b, grid_type="basic")
    Area.objects.filter(pk=closed.pk).update(closed_on=date(2026, 1, 1))
    with translation.override("en"):
        report = import_boundaries(collection(
            feature("S1-A", A),
            feature("NOPE", A1),
            feature("S1", rect(0, 0, 2000, 1000)),
            feature("S1-A-G1-M1", A1),
            feature("S1-B-G9", B1),
            feature("S1-A", A),
            {"type": "Feature", "properties": {}, "geometry": A2},
            feature("S2-A", rect(5000, 0, 6000, 1000)),
            feature("S1-B", {"type": "Point", "coordinates": point(1500, 500)}),
            feature("S1-A-G2", rect(500, 0, 1000, 1000), official_code="123"),
            feature("S1-B-G1", {"type": "Polygon", "coordinates": [[[200, 0], [201, 1],
                                                                      [200, 1], [200, 0]]]}),
        ), actor=superuser, street=street.street)

    found = {(refusal.index, refusal.code): refusal.reason for refusal in report.refusals}
    assert "no area has this code" in found[(1, "NOPE")]
    assert "not a community or a grid" in found[(2, "S1")]
    assert "not a community or a grid" in found[(3, "S1-A-G1-M1")]
    assert "closed on 2026-01-01" in found[(4, "S1-B-G9")]
    assert "feature 1" in found[(5, "S1-A")]
    assert "properties.code" in found[(6, "")]
    assert "not in 全福街道" in found[(7, "S2-A")]
    assert "Polygon or MultiPolygon, not Point" in found[(8, "S1-B")]
    assert "20 digits" in found[(9, "S1-A-G2")]
    assert "WGS84" in found[(10, "S1-B-G1")]
    assert len(report.refusals) == 10
    assert Area.objects.exclude(boundary__isnull=True).count() == 1  # the street's own


def test_the_report_lists_an_overlap_alongside_an_unknown_code(outlined, superuser):
    report = import_boundaries(collection(
        feature("NOPE", A), feature("S1-A", A), feature("S1-B", rect(900, 0, 2000, 1000))),
        actor=superuser)
    assert {refusal.code for refusal in report.refusals} == {"NOPE", "S1-A", "S1-B"}
    assert not Area.objects.filter(kind=AreaKind.COMMUNITY, boundary__isnull=False).exists()


def test_a_file_that_is_no_feature_collection_is_refused_as_a_whole(street, superuser):
    with translation.override("en"):
        report = import_boundaries({"type": "Feature"}, actor=superuser)
        assert str(report.refusals[0]) == "The file: it is not a GeoJSON FeatureCollection"
        with pytest.raises(boundaries.BoundaryError, match="not valid JSON"):
            boundaries.read_geojson(b'{"type": ')


# Official codes ----------------------------------------------------------------------------

def test_official_codes_are_twenty_digits_and_unique(outlined, superuser):
    street = outlined
    with pytest.raises(ValidationError) as error:
        create_area(kind=AreaKind.GRID, code="S1-A-G3", name="花园第3网格",
                    parent=street.community_a, grid_type="basic",
                    official_code="3701020010010010000")  # 19 digits
    assert "official_code" in error.value.message_dict
    grid = create_area(kind=AreaKind.GRID, code="S1-A-G3", name="花园第3网格",
                       parent=street.community_a, grid_type="basic", official_code=OFFICIAL_A1)
    assert grid.official_code == OFFICIAL_A1
    with pytest.raises(ValidationError) as error:
        update_area(street.grid_a1, code="S1-A-G1", name="花园第1网格", grid_type="basic",
                    official_code=OFFICIAL_A1)
    assert Area.objects.get(pk=street.grid_a1.pk).official_code == ""
    update_area(street.grid_a1, code="S1-A-G1", name="花园第1网格", grid_type="basic",
                official_code=" 37010200100100100002 ")
    assert Area.objects.get(pk=street.grid_a1.pk).official_code == "37010200100100100002"

    with translation.override("en"):
        report = import_boundaries(collection(
            feature("S1-A", A, official_code=OFFICIAL_A1),
            feature("S1-B", B, official_code=37010200100100100003),
            feature("S1-A-G2", A2, official_code=OFFICIAL_A),
            feature("S1-B-G1", B1, official_code=OFFICIAL_A)), actor=superuser)
    found = {refusal.code: refusal.reason for refusal in report.refusals}
    assert "belongs to S1-A-G3" in found["S1-A"]
    assert "as text" in found["S1-B"]
    assert "already in feature 3" in found["S1-B-G1"]
    assert Area.objects.get(pk=street.grid_a2.pk).official_code == ""


# The command and the admin -----------------------------------------------------------------

def test_the_command_imports_a_file_and_refuses_a_bad_one_changing_nothing(outlined, tmp_path):
    street = outlined
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(collection(feature("S1-A", A), feature("S1-A-G1", A1))))
    out = StringIO()
    call_command("import_boundaries", str(good), "--street", "S1", stdout=out)
    assert "2 areas" in out.getvalue()
    assert Area.objects.get(pk=street.grid_a1.pk).boundary == A1

    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(collection(feature("S1-A-G2", BOW_TIE))))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_boundaries", str(bad), stderr=err)
    assert "S1-A-G2" in err.getvalue()
    assert Area.objects.get(pk=street.grid_a2.pk).boundary is None
    with pytest.raises(CommandError, match="No street"):
        call_command("import_boundaries", str(good), "--street", "S9")
    with pytest.raises(CommandError, match="JSON"):
        (tmp_path / "broken.json").write_text("{")
        call_command("import_boundaries", str(tmp_path / "broken.json"))


def test_the_admin_upload_imports_a_file_and_shows_refusals_in_chinese(outlined, client,
                                                                      superuser):
    street = outlined
    client.force_login(superuser)
    changelist = client.get(reverse("admin:grids_area_changelist"))
    url = reverse("admin:grids_area_import_boundaries")
    assert url in changelist.content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "导入边界" in page.content.decode()

    def upload(data, name="areas.geojson"):
        return client.post(url, {"file": SimpleUploadedFile(name, data),
                                 "street": street.street.pk})

    refused = upload(json.dumps(collection(feature("S1-A-G1", BOW_TIE))).encode())
    text = refused.content.decode()
    assert 'data-testid="boundary-refusals"' in text and "S1-A-G1" in text
    assert "自相交" in text and "未导入" in text
    assert Area.objects.get(pk=street.grid_a1.pk).boundary is None

    not_json = upload(b"\xff\xfe")
    assert "UTF-8" in not_json.content.decode()

    imported = upload(json.dumps(collection(feature("S1-A", A),
                                            feature("S1-A-G1", A1))).encode())
    assert 'data-testid="boundaries-imported"' in imported.content.decode()
    assert Area.objects.get(pk=street.grid_a1.pk).boundary == A1
    assert AuditEntry.objects.get(action=AuditAction.IMPORT).actor == superuser


def test_the_admin_edits_an_official_code_and_refuses_a_bad_one(street, client, superuser):
    client.force_login(superuser)
    url = reverse("admin:grids_area_change", args=[street.grid_a1.pk])
    form = {"code": "S1-A-G1", "name": "花园第1网格", "grid_type": "basic",
            "parent": street.community_a.pk}
    refused = client.post(url, {**form, "official_code": "12345"})
    assert refused.status_code == 200 and "official_code" in refused.content.decode()
    assert Area.objects.get(pk=street.grid_a1.pk).official_code == ""
    saved = client.post(url, {**form, "official_code": OFFICIAL_A1})
    assert saved.status_code == 302
    assert Area.objects.get(pk=street.grid_a1.pk).official_code == OFFICIAL_A1


# Invented boundaries -----------------------------------------------------------------------

def assert_tessellates(parent_shape, children_shapes):
    """Children inside the parent, no two overlapping, together covering it."""
    for child in children_shapes:
        assert child.is_valid
        assert boundaries.square_metres_outside(child, parent_shape, tolerance=0.5) < 1
    for index, child in enumerate(children_shapes):
        for other in children_shapes[index + 1:]:
            assert boundaries.square_metres_overlapping(child, other, tolerance=0.5) < 1
    uncovered = parent_shape.difference(shapely.union_all(children_shapes))
    assert shapes.area_in_square_metres(uncovered) < 50  # rounding slivers only


def test_invented_boundaries_tessellate_the_street_into_communities_and_grids(street):
    count = invent_boundaries(street.street, centre=(117.05, 36.70))
    assert count == 1 + 2 + 3  # the street, its two communities, their three grids
    areas = {area.code: area for area in Area.objects.filter(path__startswith=street.street.path)}
    shape = {code: boundaries.geometry_of(area.boundary) for code, area in areas.items()}
    outline = shape["S1"]
    assert outline.is_valid and abs(outline.centroid.x - 117.05) < 0.02
    width = (outline.bounds[2] - outline.bounds[0]) * shapes.metres_per_degree_longitude(36.7)
    assert 1_500 < width < 4_500
    assert_tessellates(outline, [shape["S1-A"], shape["S1-B"]])
    assert_tessellates(shape["S1-A"], [shape["S1-A-G1"], shape["S1-A-G2"]])
    assert_tessellates(shape["S1-B"], [shape["S1-B-G1"]])
    assert shape["S1-A-G1-M1"] is None  # micro-grids are left alone
    assert all(areas[code].boundary_simple for code in ("S1", "S1-A", "S1-A-G1"))
    assert AuditEntry.objects.filter(target="grids.area", detail__contains="6 areas").exists()

    # the same street and centre draw the same shapes
    invent_boundaries(street.street, centre=(117.05, 36.70))
    assert Area.objects.get(code="S1-A-G1").boundary == areas["S1-A-G1"].boundary


def test_invented_boundaries_leave_a_closed_community_its_old_shape(street):
    Area.objects.filter(pk=street.community_b.pk).update(boundary=B, closed_on=date(2026, 1, 1))
    assert invent_boundaries(street.street, grids=False) == 1 + 1  # the street and A
    assert Area.objects.get(pk=street.community_b.pk).boundary == B
    assert Area.objects.get(pk=street.grid_a1.pk).boundary is None  # grids=False
    outline = boundaries.geometry_of(Area.objects.get(pk=street.street.pk).boundary)
    community = boundaries.geometry_of(Area.objects.get(pk=street.community_a.pk).boundary)
    assert shapes.area_in_square_metres(outline.symmetric_difference(community)) < 50


def test_the_demo_street_gets_invented_boundaries_that_an_import_would_accept(db, superuser):
    street = load_areas()
    communities = list(Area.objects.filter(parent=street).order_by("code"))
    assert street.boundary is not None
    outline = boundaries.geometry_of(Area.objects.get(pk=street.pk).boundary)
    assert 117.0 < outline.centroid.x < 117.2 and 36.6 < outline.centroid.y < 36.8
    assert_tessellates(outline, [boundaries.geometry_of(c.boundary) for c in communities])
    grids = Area.objects.filter(kind=AreaKind.GRID)
    assert not grids.filter(boundary__isnull=True).exists()
    for community in communities:
        assert_tessellates(boundaries.geometry_of(community.boundary),
                           [boundaries.geometry_of(grid.boundary)
                            for grid in grids.filter(parent=community)])
    # the validator agrees: the invented shapes, imported as a file, are accepted
    report = import_boundaries(collection(*(
        feature(area.code, area.boundary)
        for area in Area.objects.filter(kind__in=[AreaKind.COMMUNITY, AreaKind.GRID]))),
        actor=superuser)
    assert report.refusals == []
    assert len(report.imported) == len(communities) + grids.count()


# The API -----------------------------------------------------------------------------------

def test_the_area_api_shows_official_code_dates_lineage_and_boundary_when_asked(
        api, outlined, leader, django_assert_max_num_queries):
    street = outlined
    import_boundaries(collection(feature("S1-A", A, official_code=OFFICIAL_A)), actor=leader)
    change = AreaChange.objects.create(kind=AreaChangeKind.SPLIT, street=street.street,
                                       effective_on=date(2026, 6, 1), reason="拆分",
                                       requested_by=leader)
    AreaLineage.objects.create(change=change, predecessor=street.grid_a1,
                               successor=street.grid_a2)
    Area.objects.filter(pk=street.grid_a1.pk).update(opened_on=date(2020, 1, 1),
                                                      closed_on=date(2026, 6, 1))
    api.force_authenticate(leader)

    plain = api.get(f"/api/v1/areas/{street.grid_a1.pk}/").json()
    assert plain["official_code"] is None
    assert (plain["opened_on"], plain["closed_on"]) == ("2020-01-01", "2026-06-01")
    assert (plain["predecessors"], plain["successors"]) == ([], [street.grid_a2.pk])
    assert "boundary" not in plain
    successor = api.get(f"/api/v1/areas/{street.grid_a2.pk}/").json()
    assert successor["predecessors"] == [street.grid_a1.pk]

    community = api.get(f"/api/v1/areas/{street.community_a.pk}/", {"geometry": "1"}).json()
    assert community["official_code"] == OFFICIAL_A
    assert community["boundary"] == A
    assert api.get(f"/api/v1/areas/{street.community_b.pk}/?geometry=true").json()[
        "boundary"] is None

    with django_assert_max_num_queries(8):
        listed = api.get("/api/v1/areas/", {"geometry": "1"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {row["code"]: row["successors"] for row in rows}["S1-A-G1"] == [street.grid_a2.pk]


def test_the_schema_documents_the_area_fields_and_the_geometry_parameter(api, leader):
    api.force_authenticate(leader)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    area = schema["components"]["schemas"]["Area"]["properties"]
    for name in ("official_code", "opened_on", "closed_on", "predecessors", "successors"):
        assert name in area, name
    parameters = schema["paths"]["/api/v1/areas/{id}/"]["get"]["parameters"]
    assert "geometry" in {parameter["name"] for parameter in parameters}
