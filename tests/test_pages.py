"""Login, the home page of each role, and the navigation each role is shown."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def test_login_page_is_in_chinese(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "登录" in content
    assert "全福街道社会稳定风险隐患排查整治平台" in content


def test_login_with_the_right_password_leads_home(client, street, officer_a):
    response = client.post(reverse("accounts:login"),
                           {"username": "officer_a", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "花园社区" in response.content.decode()


def test_login_with_a_wrong_password_says_so_and_keeps_the_username(client, street, officer_a):
    response = client.post(reverse("accounts:login"),
                           {"username": "officer_a", "password": "wrong"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="officer_a"' in content
    assert "alert-danger" in content


def test_logout_is_a_post_and_ends_the_session(client, street, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("persona,guidance", [
    ("grid_worker_a1", "零报告"),
    ("officer_a", "四个责任人"),
    ("section_staff", "本科室"),
    ("leader", "各社区"),
    ("supervisor_a", "记录督导检查和发现的问题"),  # what they do, not "read-only"
    ("superuser", "管理后台"),
])
def test_each_role_has_its_home_page(client, request, persona, guidance):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert guidance in response.content.decode()


def test_the_administrators_home_counts_the_areas_in_scope(client, street, superuser):
    # the other roles' home is their workbench (tests/test_workbench.py)
    client.force_login(superuser)
    counts = client.get(reverse("home")).context["area_counts"]
    assert counts == {"street": 2, "community": 3, "grid": 3, "microgrid": 2}


def test_navigation_shows_each_role_what_it_can_use(client, street, officer_a, leader,
                                                    superuser):
    client.force_login(officer_a)
    officer_items = {item["url_name"] for item in client.get("/").context["navigation_items"]}
    assert "admin:index" not in officer_items and "grids:area_list" in officer_items
    client.force_login(superuser)
    admin_items = {item["url_name"] for item in client.get("/").context["navigation_items"]}
    assert "admin:index" in admin_items


def test_top_bar_shows_the_user_and_their_scope(client, street, section_staff):
    client.force_login(section_staff)
    content = client.get("/").content.decode()
    assert "全福街道" in content and "平安法治和信访办公室" in content


def test_english_is_available(client, street, officer_a):
    client.force_login(officer_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get("/").content.decode()
    assert "Log out" in content
    assert "退出" not in content


def test_pages_load_assets_only_from_our_own_static_files(client, street, officer_a):
    client.force_login(officer_a)
    content = client.get("/").content.decode()
    assert "http://" not in content.replace("http://www.w3.org", "")
    assert "https://" not in content
    assert "/static/vendor/htmx/htmx.min.js" in content


def test_api_docs_use_no_cdn(client, street, leader):
    client.force_login(leader)
    content = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in content.lower()
    assert "/static/drf_spectacular_sidecar/" in content


def test_admin_lists_every_model(client, superuser):
    client.force_login(superuser)
    content = client.get(reverse("admin:index")).content.decode()
    for url in ("/admin/grids/area/", "/admin/grids/department/", "/admin/grids/dutyassignment/",
                "/admin/accounts/user/", "/admin/accounts/apitoken/",
                "/admin/supervision/supervisiongroup/"):
        assert url in content
        assert client.get(url).status_code == 200


def test_admin_creates_areas_through_the_service(client, superuser, street):
    client.force_login(superuser)
    response = client.post("/admin/grids/area/add/", {
        "kind": "grid", "code": "S1-B-G9", "name": "东泉第9网格", "grid_type": "basic",
        "parent": street.community_b.pk})
    assert response.status_code == 302
    from grids.models import Area

    area = Area.objects.get(code="S1-B-G9")
    assert area.path == f"{street.community_b.path}{area.pk}."
    response = client.post("/admin/grids/area/add/", {
        "kind": "grid", "code": "S1-G-BAD", "name": "x", "grid_type": "basic",
        "parent": street.street.pk})
    assert response.status_code == 200
    assert not Area.objects.filter(code="S1-G-BAD").exists()


def test_health_reports_database_cache_and_broker(client, db):
    response = client.get(reverse("health"))
    body = response.json()
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert "broker" in body["checks"]
