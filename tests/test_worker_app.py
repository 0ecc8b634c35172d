"""The grid worker's installable app, as the server gives it (issue 19): the manifest, the
service worker served from the site's root, the pages that carry the app (a grid
worker's) and those that do not (a desk's), the codes the drafts need, the drafts and
offline pages. What the app does in a phone is tests/test_browser_offline_report.py.
"""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from PIL import Image

from quanfu import service_worker
from risks.models import Risk, Subtype

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def static_file(url: str) -> str:
    return finders.find(url.removeprefix("/static/"))


def worker_settings(body: str) -> dict:
    first_line = body.split("\n", 1)[0]
    assert first_line.startswith("self.QF_SW = ") and first_line.endswith(";")
    return json.loads(first_line.removeprefix("self.QF_SW = ").removesuffix(";"))


def test_the_manifest_is_served_as_a_manifest_and_names_the_app(client, db):
    response = client.get("/manifest.webmanifest", **ZH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "全福风险排查"
    assert manifest["short_name"] == "风险排查"
    assert (manifest["display"], manifest["scope"], manifest["start_url"]) == (
        "standalone", "/", "/")
    assert manifest["theme_color"] == "#8b1a1a"
    sizes = set()
    for icon in manifest["icons"]:
        with Image.open(static_file(icon["src"])) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"),
                     ("512x512", "maskable")}


def test_the_manifest_speaks_the_readers_language(client, db):
    manifest = json.loads(client.get("/manifest.webmanifest",
                                     HTTP_ACCEPT_LANGUAGE="en").content)
    assert manifest["name"] == "Quanfu risk checks"


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]  # a new version reaches the phones
    assert "Content-Security-Policy" in response
    settings = worker_settings(response.content.decode())
    assert settings["shell"] == ["/", "/risks/new/", "/rhythm/today/", "/app/drafts/"]
    assert settings["offline"] == "/app/offline/"
    assert "/api/" in settings["passThrough"]  # never kept, never answered from a cache
    for url in settings["precache"]:
        assert static_file(url), url  # a missing file would make installing fail


def test_a_changed_service_worker_has_a_new_version_and_the_same_one_keeps_it(db):
    source = service_worker.source()
    version = service_worker.config(source)["version"]
    assert service_worker.config(source)["version"] == version
    assert service_worker.config(source + "\n// changed")["version"] != version


def test_a_grid_worker_page_carries_the_app(client, grid_worker_a1):
    client.force_login(grid_worker_a1)
    page = client.get(reverse("home")).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'rel="apple-touch-icon"' in page
    assert 'data-qf-app="worker"' in page and f'data-qf-user="{grid_worker_a1.pk}"' in page
    assert 'data-qf-sw="/sw.js"' in page
    assert "js/drafts.js" in page and 'id="qf-app-words"' in page
    assert 'data-testid="drafts-badge"' in page and 'data-testid="navigation-drafts"' in page
    assert page.count("data-qf-logout") == 2  # both log-out buttons empty the kept pages


def test_a_desk_page_does_not_carry_the_app(client, officer_a):
    client.force_login(officer_a)
    page = client.get(reverse("home")).content.decode()
    assert 'rel="manifest"' not in page and 'data-qf-app="worker"' not in page
    assert "js/drafts.js" not in page and "drafts-badge" not in page
    # it still empties what a grid worker left on a shared computer
    assert "js/sw-register.js" in page


def test_the_sign_in_page_offers_the_app_to_install(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="manifest"' in page
    assert "js/drafts.js" not in page


def test_the_report_form_gives_a_grid_worker_the_codes_the_drafts_send(
        client, grid_worker_a1, officer_a, categories):
    retired = Subtype.objects.filter(is_active=False).first()
    client.force_login(grid_worker_a1)
    page = client.get(reverse("risks:risk_create")).content.decode()
    found = re.search(r'<script id="qf-report-codes" type="application/json">(.*?)</script>',
                      page)
    codes = json.loads(found.group(1))
    assert codes["categories"][str(categories["disputes"].pk)] == "disputes"
    # a retired subtype too: a draft names what was chosen, the server says what became of it
    assert codes["subtypes"][str(retired.pk)] == retired.code
    client.force_login(officer_a)
    assert "qf-report-codes" not in client.get(reverse("risks:risk_create")).content.decode()


def test_the_grid_day_tells_the_drafts_what_a_zero_report_needs(client, street, grid_worker_a1):
    client.force_login(grid_worker_a1)
    page = client.get(reverse("rhythm:grid_today")).content.decode()
    form = re.search(r'<form [^>]*data-qf-draft="zero_report"[^>]*>', page).group(0)
    assert f'data-grid="{street.grid_a1.pk}"' in form
    assert re.search(r'data-day="\d{4}-\d{2}-\d{2}"', form)


def test_the_drafts_page_is_for_a_signed_in_person(client, grid_worker_a1):
    response = client.get(reverse("workbench:drafts"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(grid_worker_a1)
    page = client.get(reverse("workbench:drafts"), **ZH).content.decode()
    assert "待发送草稿" in page and 'data-testid="drafts-list"' in page


def test_the_offline_page_names_nobody(client, grid_worker_a1):
    """The service worker keeps it once, for whoever uses the phone next."""
    client.force_login(grid_worker_a1)
    page = client.get(reverse("workbench:offline"), **ZH).content.decode()
    assert "当前没有网络" in page
    assert grid_worker_a1.display_name not in page and "data-qf-user" not in page
    assert 'data-qf-app="offline"' in page


@pytest.mark.parametrize("size", [192, 512])
def test_the_icons_are_the_sites_red(size):
    with Image.open(static_file(f"/static/icons/maskable-{size}.png")) as image:
        assert image.convert("RGB").getpixel((2, 2)) == (0x8B, 0x1A, 0x1A)


def test_a_draft_sent_twice_through_the_session_makes_one_matter(street, grid_worker_a1,
                                                                   categories):
    """What js/drafts.js sends: the session's cookie, its CSRF token and the draft's key;
    the second send (a timeout's retry) answers the first answer again."""
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(grid_worker_a1)
    phone.get(reverse("risks:risk_create"))  # the page sets the CSRF cookie
    body = json.dumps({"area": street.grid_a1.pk, "category": "disputes",
                       "title": "楼道堆放杂物堵塞通道", "description": "3号楼楼道堆满纸箱。",
                       "people_involved": 3, "address": "花园路3号楼",
                       "discovered_at": "2026-11-28T09:30:00+08:00"})
    headers = {"X-CSRFToken": phone.cookies["csrftoken"].value,
               "Idempotency-Key": "7d3c8a52-0b1e-4f7a-9a55-1f2e3d4c5b6a"}
    first = phone.post("/api/v1/risks/", body, content_type="application/json",
                       headers=headers)
    again = phone.post("/api/v1/risks/", body, content_type="application/json",
                       headers=headers)
    assert first.status_code == 201, first.content
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])
    risk = Risk.objects.get()
    assert (risk.reported_by, risk.address, risk.people_involved) == (
        grid_worker_a1, "花园路3号楼", 3)
