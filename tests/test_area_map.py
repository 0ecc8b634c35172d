"""The map (挂图作战, issue 20): `areas/map/` and the map page draw the communities or grids
of an area from their own boundaries, each with a figure that is the very count of the
list a click opens (the register's, or the warnings list's for overdue warnings) and of
the dashboard's table; an area without a boundary is still listed; the caller's scope
decides what is drawn (outside it: 404); the queries do not grow with the areas."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from grids.choices import AreaKind, GridType
from grids.models import Area
from grids.services import create_area
from rhythm.services import issue_warning, sweep_overdue
from risks.choices import OPEN_STATUSES
from risks.services import update_risk
from supervision.dashboards import area_map
from tests.supervision_helpers import VARIED, MatterMaker, days_from_today

pytestmark = pytest.mark.django_db

MAP_URL = "/api/v1/areas/map/"
METRICS = ["open", "high", "overdue", "red_clocks", "overdue_warnings"]


def square(west: float, south: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[
        [west, south], [west + size, south], [west + size, south + size],
        [west, south + size], [west, south]]]}


def give_boundaries(street) -> None:
    """Squares side by side (the tests' own: the tessellation has tests of its own);
    grid A2 keeps none."""
    shapes = {street.community_a: square(117.00, 36.60, 0.02),
              street.community_b: square(117.02, 36.60, 0.02),
              street.grid_a1: square(117.00, 36.60), street.grid_b1: square(117.02, 36.60)}
    for area, shape in shapes.items():
        Area.objects.filter(pk=area.pk).update(boundary=shape, boundary_simple=shape)


@pytest.fixture
def mapped_street(street, categories, officer_a, officer_b, leader, roster_a1, report,
                  monkeypatch):
    """The varied matters of A and B, one more on community A itself (no grid) and one
    due in two months; overdue warnings; then the clock set 30 days on, when the stage
    clocks of the matters being handled have turned red."""
    give_boundaries(street)
    matters = MatterMaker(street, categories, officer_a, officer_b, leader).many(VARIED)
    matters.append(report(officer_a, area=street.community_a, due_on=days_from_today(60)))
    long_ago = timezone.now() - timedelta(days=20)
    for risk in matters:
        if risk.status in OPEN_STATUSES and risk.level is not None:
            issue_warning(risk, actor=leader, content="请反馈化解进展", issued_at=long_ago)
    sweep_overdue()
    later = timezone.now() + timedelta(days=30)
    monkeypatch.setattr(timezone, "now", lambda: later)
    return matters


def listed(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    return response.context["paginator"].count


def map_values(api, user, **query) -> dict:
    api.force_authenticate(user)
    response = api.get(MAP_URL, query)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("persona, within, kind", [("leader", "street", "community"),
                                                   ("officer_a", "community_a", "grid")])
def test_map_counts_equal_the_lists_a_click_opens_for_each_metric(
        api, client, street, mapped_street, persona, within, kind, request):
    user = request.getfixturevalue(persona)
    area = getattr(street, within)
    client.force_login(user)
    built = area_map.build_map(user, within=area, kind=kind)
    for metric in METRICS:
        body = map_values(api, user, within=area.pk, kind=kind, metric=metric)
        values = {feature["id"]: feature["properties"]["value"]
                  for feature in body["features"]}
        for shown in built.areas:
            assert values[shown.pk] == shown.values[metric]
            assert listed(client, shown.links[metric]) == shown.values[metric], (
                metric, shown.name)
        # the whole area's list holds the areas' values and what no area shown holds
        assert body["total"] == sum(values.values()) + body["unplaced"]
        assert listed(client, area_map.metric_links(area.pk)[metric]) == body["total"]
    assert built.totals["red_clocks"] > 0 and built.totals["overdue_warnings"] > 0
    assert built.totals["high"] < built.totals["overdue"] < built.totals["open"]


def test_map_counts_equal_the_dashboards_rows(client, leader, street, mapped_street):
    client.force_login(leader)
    board = client.get(reverse("supervision:street_dashboard",
                               args=[street.street.pk])).context["board"]
    built = area_map.build_map(leader, within=street.street, kind=AreaKind.COMMUNITY)
    rows = {row.area.pk: row for row in board.rows if row.area is not None}
    for shown in built.areas:
        row = rows[shown.pk]
        assert (shown.values["open"], shown.values["high"], shown.values["overdue"],
                shown.values["overdue_warnings"]) == (
            row.open, row.high_open, row.overdue_matters, row.overdue_warnings)
    red = next(count for flag, _label, count, _link in board.clock_lights if flag == "red")
    assert built.totals["red_clocks"] == red


def test_the_community_itself_is_counted_as_unplaced_on_the_grids_map(
        api, officer_a, street, mapped_street):
    body = map_values(api, officer_a, within=street.community_a.pk, kind="grid")
    assert body["unplaced"] == 1  # the matter reported on the community, on no grid
    assert [feature["properties"]["code"] for feature in body["features"]] == [
        "S1-A-G1", "S1-A-G2"]


def test_an_area_without_a_boundary_is_listed_without_geometry(api, officer_a, street,
                                                               mapped_street):
    body = map_values(api, officer_a, within=street.community_a.pk, kind="grid")
    geometry = {feature["properties"]["code"]: feature["geometry"]
                for feature in body["features"]}
    assert geometry["S1-A-G1"]["type"] == "Polygon"
    assert geometry["S1-A-G2"] is None


def test_the_simplified_boundary_is_drawn_where_there_is_one(api, leader, street):
    detailed = square(117.0, 36.6, 0.02)
    detailed["coordinates"][0].insert(1, [117.005, 36.6])
    Area.objects.filter(pk=street.community_a.pk).update(
        boundary=detailed, boundary_simple=square(117.0, 36.6, 0.02))
    Area.objects.filter(pk=street.community_b.pk).update(boundary=square(117.02, 36.6))
    body = map_values(api, leader, within=street.street.pk, kind="community")
    drawn = {feature["properties"]["code"]: feature["geometry"]
             for feature in body["features"]}
    assert drawn["S1-A"] == square(117.0, 36.6, 0.02)
    assert drawn["S1-B"] == square(117.02, 36.6)  # no simplified copy: the boundary


def test_a_closed_grid_is_not_drawn(api, officer_a, street):
    Area.objects.filter(pk=street.grid_a2.pk).update(
        opened_on=timezone.localdate() - timedelta(days=400),
        closed_on=timezone.localdate() - timedelta(days=1))
    body = map_values(api, officer_a, within=street.community_a.pk, kind="grid")
    assert [feature["properties"]["code"] for feature in body["features"]] == ["S1-A-G1"]


# Scope ------------------------------------------------------------------------------------

def test_an_officer_of_another_community_gets_404_for_a_community_outside_their_area(
        api, client, officer_b, street):
    api.force_authenticate(officer_b)
    assert api.get(MAP_URL, {"within": street.community_a.pk, "kind": "grid"}
                   ).status_code == 404
    client.force_login(officer_b)
    assert client.get(reverse("supervision:area_map"),
                      {"within": street.community_a.pk}).status_code == 404


def test_without_within_the_map_is_the_callers_own_scope(api, officer_b, leader, street):
    mine = map_values(api, officer_b, kind="community")
    assert [feature["id"] for feature in mine["features"]] == [street.community_b.pk]
    street_wide = map_values(api, leader, kind="community")
    assert {feature["id"] for feature in street_wide["features"]} == {
        street.community_a.pk, street.community_b.pk}


def test_a_supervisor_sees_only_their_groups_communities(api, supervisor_a, street):
    body = map_values(api, supervisor_a, kind="community")
    assert [feature["id"] for feature in body["features"]] == [street.community_a.pk]


def test_roles_that_do_not_read_whole_areas_are_refused(api, grid_worker_a1, section_staff,
                                                       api_client_user):
    for user in (grid_worker_a1, section_staff):
        api.force_authenticate(user)
        assert api.get(MAP_URL).status_code == 403
    api.force_authenticate(api_client_user)  # the district platform reads it
    assert api.get(MAP_URL).status_code == 200


@pytest.mark.parametrize("query, field", [({"kind": "street"}, "kind"),
                                          ({"metric": "rate"}, "metric"),
                                          ({"within": "x"}, "within")])
def test_bad_parameters_are_refused_naming_the_field(api, leader, street, query, field):
    api.force_authenticate(leader)
    response = api.get(MAP_URL, query)
    assert response.status_code == 400
    assert field in response.json()


def test_a_map_of_communities_cannot_be_of_a_grid(api, leader, street):
    api.force_authenticate(leader)
    response = api.get(MAP_URL, {"within": street.grid_a1.pk, "kind": "community"})
    assert response.status_code == 400
    assert "within" in response.json()


# Points -----------------------------------------------------------------------------------

def locate(risk, actor, lat, lng):
    return update_risk(risk, actor=actor, version=risk.version,
                       changes={"location_lat": lat, "location_lng": lng})


def test_located_open_matters_are_points_and_many_are_clustered(
        street, officer_a, report, monkeypatch):
    give_boundaries(street)
    for index in range(4):
        locate(report(officer_a), officer_a, 36.6011 + index * 0.00001, 117.0011)
    locate(report(officer_a), officer_a, 36.615, 117.015)
    built = area_map.build_map(officer_a, within=street.community_a, kind="grid",
                               points=True)
    assert not built.clustered and built.located == 5
    assert all(point["link"].startswith("/risks/") for point in built.points)

    monkeypatch.setattr(area_map, "POINTS_SHOWN", 3)
    clustered = area_map.build_map(officer_a, within=street.community_a, kind="grid",
                                   points=True)
    assert clustered.clustered and clustered.located == 5
    assert sorted(point["count"] for point in clustered.points) == [1, 4]


def legend_of(client, area) -> list[tuple[str, str]]:
    page = client.get(reverse("supervision:area_map"), {"within": area.pk, "kind": "grid"})
    legend = re.search(r'data-testid="map-legend">(.*?)</p>', page.content.decode()).group(1)
    return re.findall(r'data-legend="(\w+)"><span[^>]*></span>([^<]+)</span>', legend)


def test_the_colours_of_the_points_are_explained_in_words_beside_the_map(
        client, leader, street, officer_a, report, monkeypatch):
    give_boundaries(street)
    locate(report(officer_a), officer_a, 36.6011, 117.0011)
    client.force_login(leader)
    assert legend_of(client, street.community_a) == [
        ("high", "高"), ("medium", "中"), ("low", "低"), ("none", "未定级")]
    monkeypatch.setattr(area_map, "POINTS_SHOWN", 0)
    assert legend_of(client, street.community_a) == [("cluster", "一组事项，数字为件数")]


def test_the_legend_shows_the_very_colours_the_points_are_drawn_in():
    css = "".join((settings.BASE_DIR / "static" / "css" / name).read_text()
                  for name in ("quanfu.css", "supervision.css"))
    variables = dict(re.findall(r"--qf-level-(\w+): (#[0-9a-f]{6})", css))
    swatches = {}
    for key, variable, colour in re.findall(
            r"\.qf-swatch-(\w+) \{ background: (?:var\(--qf-level-(\w+)\)|(#[0-9a-f]{6})); \}",
            css):
        swatches[key] = variables[variable] if variable else colour
    drawn = {(level or "none"): colour for level, colour in area_map.LEVEL_COLOURS.items()}
    assert swatches == {**drawn, "cluster": area_map.CLUSTER_COLOUR}


# Cost -------------------------------------------------------------------------------------

def test_the_map_runs_a_fixed_number_of_queries_whatever_the_areas(
        api, leader, street, mapped_street, django_assert_max_num_queries):
    def ask():
        api.force_authenticate(leader)
        for metric in METRICS:
            assert api.get(MAP_URL, {"within": street.street.pk, "kind": "grid",
                                     "metric": metric}).status_code == 200

    # per metric: the area, the street's communities, the areas, one grouped count (and
    # the caller's session where there is one)
    with django_assert_max_num_queries(5 * 5):
        ask()
    for index in range(30):
        create_area(kind=AreaKind.GRID, code=f"S1-B-G{index + 2}", name=f"东泉第{index + 2}网格",
                    parent=street.community_b, grid_type=GridType.BASIC)
    with django_assert_max_num_queries(5 * 5):
        ask()


def test_the_map_page_runs_a_fixed_number_of_queries(client, leader, street, mapped_street,
                                                      django_assert_max_num_queries):
    client.force_login(leader)
    client.get(reverse("supervision:area_map"))  # the session's first write
    # session, user, inbox count, the area, the street's communities, the areas, the
    # matters' three figures, red clocks, overdue warnings, the located matters
    with django_assert_max_num_queries(12):
        response = client.get(reverse("supervision:area_map"),
                              {"within": street.street.pk, "kind": "grid"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="table-map"' in content and 'id="map-data"' in content
