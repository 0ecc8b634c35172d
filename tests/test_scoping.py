"""Each person sees exactly their part of the street (属地), pages and API alike."""

import pytest
from django.urls import reverse

from accounts.scoping import visible_people
from grids.scoping import visible_areas, visible_departments


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_officer_sees_only_their_community(street, officer_a):
    assert codes(visible_areas(officer_a)) == ["S1-A", "S1-A-G1", "S1-A-G1-M1", "S1-A-G2"]


def test_grid_worker_sees_only_their_grid(street, grid_worker_a1):
    assert codes(visible_areas(grid_worker_a1)) == ["S1-A-G1", "S1-A-G1-M1"]


def test_street_leader_sees_their_own_street_only(street, leader, other_street_leader):
    assert "S2" not in codes(visible_areas(leader))
    assert "S1-B-G1-M1" in codes(visible_areas(leader))
    assert codes(visible_areas(other_street_leader)) == ["S2", "S2-A"]


def test_supervisor_sees_the_communities_of_their_group(street, supervisor_a):
    assert codes(visible_areas(supervisor_a)) == ["S1-A", "S1-A-G1", "S1-A-G1-M1", "S1-A-G2"]


def test_section_staff_see_their_street(street, section_staff):
    visible = codes(visible_areas(section_staff))
    assert "S1-B-G1" in visible and "S2" not in visible


def test_superuser_sees_every_street(street, superuser):
    assert {"S1", "S2"} <= set(codes(visible_areas(superuser)))


def test_departments_are_those_of_the_users_street(street, officer_a, other_street_leader):
    assert codes(visible_departments(officer_a)) == ["S1-pingan"]
    assert codes(visible_departments(other_street_leader)) == []


def test_people_are_those_working_in_scope(street, officer_a, officer_b, grid_worker_a1,
                                           leader):
    names = set(visible_people(officer_a).values_list("username", flat=True))
    assert names == {"officer_a", "grid_a1"}


def test_user_without_area_sees_nothing(db, street):
    from accounts.models import User

    user = User.objects.create_user("nobody", password="x")
    assert not visible_areas(user).exists()


# Pages -------------------------------------------------------------------------------

def test_officer_cannot_open_other_community_page(client, street, officer_a):
    client.force_login(officer_a)
    assert client.get(reverse("grids:area_detail", args=[street.community_b.pk])).status_code == 404
    assert client.get(reverse("grids:area_detail", args=[street.grid_b1.pk])).status_code == 404
    assert client.get(reverse("grids:area_detail", args=[street.grid_a1.pk])).status_code == 200


def test_officer_cannot_list_other_community_areas(client, street, officer_a):
    client.force_login(officer_a)
    response = client.get(reverse("grids:area_list"))
    assert response.status_code == 200
    listed = {area.code for area in response.context["areas"]}
    assert listed == {"S1-A", "S1-A-G1", "S1-A-G1-M1", "S1-A-G2"}
    response = client.get(reverse("grids:area_list"), {"within": street.community_b.pk})
    assert response.status_code == 404


def test_officer_cannot_export_other_community_roster(client, street, officer_a):
    client.force_login(officer_a)
    url = reverse("grids:area_roster_export", args=[street.community_b.pk])
    assert client.get(url).status_code == 404
    own = client.get(reverse("grids:area_roster_export", args=[street.community_a.pk]))
    assert own.status_code == 200
    assert own["Content-Type"].startswith("application/vnd.openxmlformats")


def test_grid_worker_cannot_open_the_neighbouring_grid(client, street, grid_worker_a1):
    client.force_login(grid_worker_a1)
    assert client.get(reverse("grids:area_detail", args=[street.grid_a2.pk])).status_code == 404
    assert client.get(reverse("grids:area_detail", args=[street.micro_a1.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, street):
    response = client.get(reverse("grids:area_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# API ---------------------------------------------------------------------------------

def test_api_anonymous_gets_401(api, street):
    assert api.get("/api/v1/areas/").status_code == 401


def test_api_officer_lists_only_their_community(api, street, officer_a):
    api.force_authenticate(officer_a)
    response = api.get("/api/v1/areas/", {"page_size": 500})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {
        "S1-A", "S1-A-G1", "S1-A-G1-M1", "S1-A-G2"}


def test_api_officer_gets_404_for_other_community(api, street, officer_a):
    api.force_authenticate(officer_a)
    assert api.get(f"/api/v1/areas/{street.community_b.pk}/").status_code == 404
    assert api.get("/api/v1/areas/", {"within": street.community_b.pk}).status_code == 404
    assert api.get("/api/v1/areas/", {"within": 999999}).status_code == 404


def test_api_within_filter_returns_the_whole_subtree(api, street, leader,
                                                   django_assert_max_num_queries):
    api.force_authenticate(leader)
    # session-less auth, the within lookup, count and page, and the page's lineage
    # (predecessors and successors: a query each, whatever the number of areas)
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/areas/", {"within": street.grid_a1.pk})
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["S1-A-G1", "S1-A-G1-M1"]


def test_api_kind_and_parent_filters(api, street, leader):
    api.force_authenticate(leader)
    response = api.get("/api/v1/areas/", {"kind": "community"})
    assert [row["code"] for row in response.json()["results"]] == ["S1-A", "S1-B"]
    response = api.get("/api/v1/areas/", {"parent": street.community_a.pk})
    assert [row["code"] for row in response.json()["results"]] == ["S1-A-G1", "S1-A-G2"]


def test_api_area_fields_follow_the_contract(api, street, leader):
    api.force_authenticate(leader)
    row = api.get(f"/api/v1/areas/{street.grid_a2.pk}/").json()
    assert {"id", "code", "name", "kind", "parent", "path"} <= set(row)
    assert row["kind"] == "grid" and row["grid_type"] == "dedicated"
    assert row["parent"] == street.community_a.pk


def test_api_departments_and_people_are_scoped(api, street, officer_a, officer_b):
    api.force_authenticate(officer_a)
    departments = api.get("/api/v1/departments/").json()["results"]
    assert [row["code"] for row in departments] == ["S1-pingan"]
    people = api.get("/api/v1/people/").json()["results"]
    assert [row["username"] for row in people] == ["officer_a"]
    assert api.get(f"/api/v1/people/{officer_b.pk}/").status_code == 404


@pytest.mark.parametrize("page_size,expected", [(1, 1), (500, 4)])
def test_api_page_size_is_honoured(api, street, officer_a, page_size, expected):
    api.force_authenticate(officer_a)
    response = api.get("/api/v1/areas/", {"page_size": page_size}).json()
    assert len(response["results"]) == expected
    assert set(response) >= {"next", "previous", "results"}
