"""The Content-Security-Policy (quanfu/security.py) allows only the app's own origin, and
the pages keep to it: no inline script (a ``json_script`` block is data, not script), no
``<style>`` block, no ``style=""`` attribute, no ``on…=`` handler, no ``javascript:`` link.

Every page the street leader and the superuser can open (the URL walk and the world of
the authorisation matrix, and the admin's changelist and change form of every model) is
rendered and read; every template file is read too, for the pages other roles see.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.urls import reverse

from quanfu.security import (
    CONTENT_SECURITY_POLICY,
    CROSS_ORIGIN_OPENER_POLICY,
    PERMISSIONS_POLICY,
)
from tests.authorization_helpers import client_for, world_in_rolled_back_transaction
from tests.test_authorization_matrix import (
    ADMIN_MODELS,
    ADMIN_VIEWS,
    PAGES,
    PATTERNS,
    ROLES,
    admin_url,
    url_of,
)

READERS = ("leader", "superuser")


class InlineCodeFinder(HTMLParser):
    """Collects what a strict Content-Security-Policy would refuse in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"line {self.getpos()[0]} <{tag}>"
        if tag == "script" and "src" not in attributes:
            if (attributes.get("type") or "").lower() != "application/json":
                self.problems.append(f"{where}: inline script")
        if tag == "style":
            self.problems.append(f"{where}: <style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"{where}: style attribute")
            if re.fullmatch(r"on\w+", name):
                self.problems.append(f"{where}: {name} handler")
            if name in ("href", "src", "action", "formaction") and (value or "").strip() \
                    .lower().startswith("javascript:"):
                self.problems.append(f"{where}: javascript: URL")


def inline_code_in(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_in_rolled_back_transaction(django_db_blocker,
                                          tmp_path_factory.mktemp("media")) as built:
        yield built


def pages_for(role) -> list[tuple[str, object, tuple]]:
    """(key, pattern, argument names) of every page the matrix says ``role`` opens."""
    column = ROLES.index(role)
    return [(key, PATTERNS[key], names) for key, (names, answers) in sorted(PAGES.items())
            if answers[column] == 200 and key in PATTERNS]


def admin_pages() -> list:
    """The admin's index, and each model's changelist and change form that the superuser
    opens."""
    keys = ["admin:index"]
    for label, answers in sorted(ADMIN_MODELS.items()):
        app, model = label.split(".")
        for view in ("changelist", "change"):
            if answers[ADMIN_VIEWS.index(view)] == 200:
                keys.append(f"admin:{app}_{model}_{view}")
    return [PATTERNS[key] for key in keys if key in PATTERNS]


def test_every_response_carries_the_policy(client, db):
    for url in ("/accounts/login/", "/", "/api/v1/risks/", "/health/", "/no-such-page/"):
        response = client.get(url)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY, url
        assert response["Cross-Origin-Opener-Policy"] == CROSS_ORIGIN_OPENER_POLICY, url


def test_the_policy_allows_only_the_apps_own_origin():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("role", READERS)
def test_every_page_keeps_to_the_policy(role, world, db):
    checked, problems = 0, {}
    for key, pattern, names in pages_for(role):
        url = url_of(pattern, names, world)
        response = client_for(world, role).get(url)
        assert response.status_code == 200, (key, response.status_code)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, key
        if not response["Content-Type"].startswith("text/html"):
            continue
        checked += 1
        found = inline_code_in(response.content.decode())
        if found:
            problems[key] = found
    assert checked > 40, "the walk found too few pages: is the world still built?"
    assert problems == {}


def test_the_admin_keeps_to_the_policy(world, db):
    problems = {}
    for pattern in admin_pages():
        url = admin_url(pattern)
        response = client_for(world, "superuser").get(url)
        assert response.status_code == 200, (url, response.status_code)
        found = inline_code_in(response.content.decode())
        if found:
            problems[url] = found
    assert problems == {}


def test_the_swagger_page_loads_its_script_from_a_file(world, db):
    client = client_for(world, "leader")
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert inline_code_in(page.content.decode()) == []
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def template_files() -> list[Path]:
    folders = [Path(folder) for folder in engines["django"].engine.dirs]
    folders += [Path(settings.BASE_DIR) / app / "templates"
                for app in ("accounts", "audit", "grids", "inbox", "ledgers", "meetings",
                            "quanfu", "rhythm", "risks", "supervision")]
    return sorted(path for folder in folders if folder.exists()
                  for path in folder.rglob("*.html"))


def test_no_template_writes_inline_code():
    """Also the templates of pages the two readers above never open (a grid worker's day,
    an officer's forms, fragments htmx swaps in)."""
    problems = {}
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        # Template comments go; tags and variables ({% … %}, {{ … }}) become plain text.
        text = re.sub(r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", text, flags=re.DOTALL)
        found = inline_code_in(re.sub(r"{%.*?%}|{{.*?}}", "x", text, flags=re.DOTALL))
        if found:
            problems[str(path.relative_to(settings.BASE_DIR))] = found
    assert len(template_files()) > 50
    assert problems == {}


# The phone's position and camera: allowed to this site on the pages that ask for them ---

DEVICE_PAGES = {"risks:risk_create": {"geolocation", "camera"},
                "risks:risk_edit": {"geolocation", "camera"},
                "risks:risk_detail": {"camera"}}


def policy_of(response) -> dict[str, str]:
    return dict(part.split("=", 1) for part in response["Permissions-Policy"].split(", "))


def test_the_report_page_lets_this_site_ask_for_the_position_and_the_camera(world, db):
    client = client_for(world, "leader")
    for key, allowed in DEVICE_PAGES.items():
        names = PAGES[key][0]
        response = client.get(url_of(PATTERNS[key], names, world))
        assert response.status_code == 200, key
        policy = policy_of(response)
        for feature in ("geolocation", "camera"):
            assert policy[feature] == ("(self)" if feature in allowed else "()"), (key, feature)
        # everything else stays off, and no other origin is named anywhere
        assert {feature for feature, value in policy.items() if value != "()"} == allowed
        assert "*" not in response["Permissions-Policy"]
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("role", READERS)
def test_every_other_page_denies_the_position_and_the_camera(role, world, db):
    checked = 0
    for key, pattern, names in pages_for(role):
        if key in DEVICE_PAGES:
            continue
        response = client_for(world, role).get(url_of(pattern, names, world))
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY, key
        checked += 1
    assert checked > 40
    policy = dict(part.split("=", 1) for part in PERMISSIONS_POLICY.split(", "))
    assert policy["geolocation"] == policy["camera"] == "()"


def test_a_refused_or_redirected_device_page_grants_nothing(world, db):
    # not signed in: sent to the login page, which asks for nothing
    anonymous = client_for(world, "anonymous").get(reverse("risks:risk_create"))
    assert anonymous.status_code == 302
    assert anonymous["Permissions-Policy"] == PERMISSIONS_POLICY
    # a supervisor may not report: the 403 page denies them too
    refused = client_for(world, "supervisor").get(reverse("risks:risk_create"))
    assert refused.status_code == 403
    assert refused["Permissions-Policy"] == PERMISSIONS_POLICY
    worker = client_for(world, "grid_worker").get(reverse("risks:risk_create"))
    assert policy_of(worker)["geolocation"] == policy_of(worker)["camera"] == "(self)"
