"""Errors as pages (issue 18): a 404 that says the page may lie outside the reader's scope,
with a way back; a refused form (CSRF) in the site's layout; a 500 page that needs no
request; a favicon."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_out_of_scope_matter_answers_the_404_page_saying_it_may_be_outside_the_scope(
        client, officer_b, report, officer_a):
    matter = report(officer_a)  # community A's; officer B's is another community
    client.force_login(officer_b)
    response = client.get(reverse("risks:risk_detail", args=[matter.pk]),
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    page = response.content.decode()
    assert "不在您的权限范围内" in page
    assert reverse("home") in page and "返回首页" in page
    assert 'data-testid="navigation"' in page  # in the site's layout, with the menu


def test_a_missing_page_answers_the_404_page_to_someone_logged_out(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert "找不到该页面" in response.content.decode()
    assert reverse("accounts:login") in response.content.decode()


def test_the_api_still_answers_json_404(api, officer_a):
    api.force_authenticate(officer_a)
    response = api.get("/api/v1/risks/999999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["detail"]


def test_a_refused_form_says_nothing_was_saved_in_the_sites_layout(officer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a)
    response = client.post(reverse("inbox:mark_all_read"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    page = response.content.decode()
    assert "未保存任何内容" in page and 'data-testid="navigation"' in page


def test_the_server_error_page_renders_without_a_request():
    page = render_to_string("500.html")
    assert "服务器出错" in page and "返回首页" in page


def test_the_favicon_is_served_from_the_sites_own_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg") and "//" not in response["Location"]
