"""The guide (操作指南, issue 18): one page per role, one section per task, each with the
screenshots the browser test saves; the "?" of every page opens the section for that page.
The guide cannot drift from the pages: its screenshots are the browser test's, its buttons
the pages' own messages, its pages real URL names."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from guide.sections import GUIDE, SCREENSHOT_FOLDER, every_screenshot, link_for, sections_of

ROOT = Path(settings.BASE_DIR)
BROWSER_TEST = ROOT / "tests" / "test_browser_guide.py"


def shot_names_taken_by_the_browser_test() -> set[str]:
    """The names the browser test passes to shoot(): literal strings, read from its source."""
    tree = ast.parse(BROWSER_TEST.read_text(encoding="utf-8"))
    return {call.args[1].value for call in ast.walk(tree)
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "shoot"
            and isinstance(call.args[1], ast.Constant)}


def english(text) -> str:
    with translation.override("en"):
        return str(text)


def test_every_role_but_the_machine_client_has_a_guide():
    assert set(GUIDE) == {role for role in Role if role != Role.API_CLIENT}
    for role, sections in GUIDE.items():
        keys = [section.key for section in sections]
        assert sections and len(keys) == len(set(keys)), role


def test_the_browser_test_takes_exactly_the_guides_screenshots():
    assert shot_names_taken_by_the_browser_test() == every_screenshot()


def test_every_screenshot_of_the_guide_is_in_the_static_files():
    folder = ROOT / "static" / SCREENSHOT_FOLDER
    missing = sorted(name for name in every_screenshot()
                     if not (folder / f"{name}.png").is_file())
    assert missing == [], "run `make guide-screenshots`"
    sizes = [(folder / f"{name}.png").stat().st_size for name in every_screenshot()]
    assert all(size < 400_000 for size in sizes) and sum(sizes) < 3_000_000
    for name in every_screenshot():
        assert (folder / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_every_section_names_pages_that_exist():
    from django.urls import NoReverseMatch, get_resolver

    known = set()
    resolver = get_resolver()
    for namespace, (_prefix, sub) in resolver.namespace_dict.items():
        known |= {f"{namespace}:{name}" for name in sub.reverse_dict if isinstance(name, str)}
    known |= {name for name in resolver.reverse_dict if isinstance(name, str)}
    for sections in GUIDE.values():
        for section in sections:
            for url_name in section.url_names:
                assert url_name in known, f"{section.key}: {url_name}"
                try:  # pages without arguments reverse as they are
                    reverse(url_name)
                except NoReverseMatch:
                    pass


def test_the_steps_name_the_pages_own_labels_in_chinese():
    """Every title and step is in Chinese; every label a step shows in bold is a message
    the pages use, and is translated."""
    sources = "\n".join(path.read_text(encoding="utf-8") for folder in ("templates", ".")
                        for path in (ROOT / folder).glob("**/*.html" if folder == "templates"
                                                         else "*/*.py")
                        if "guide" not in path.parts and ".venv" not in path.parts)
    with translation.override("zh-hans"):
        for sections in GUIDE.values():
            for section in sections:
                assert str(section.title) != english(section.title), section.title
                for step in section.steps:
                    assert re.search(r"[\u4e00-\u9fff]", str(step.text)), step.text
                    assert str(step.text) != english(step.text), step.text
                    # both languages place every label, and only those
                    for text in (str(step.text), english(step.text)):
                        places = {int(place) for place in re.findall(r"\{(\d+)\}", text)}
                        assert places == set(range(len(step.labels))), text
                    for label in step.labels:
                        assert re.search(r"[\u4e00-\u9fff]", str(label)), label
                        assert f'"{english(label)}"' in sources, f"{label} is on no page"


@pytest.mark.django_db
def test_each_persons_guide_lists_their_role_first(client, grid_worker_a1):
    client.force_login(grid_worker_a1)
    page = client.get(reverse("guide:index")).content.decode()
    roles = re.findall(r'data-testid="guide-role" data-role="(\w+)"', page)
    assert roles[0] == Role.GRID_WORKER and set(roles) == set(GUIDE)


@pytest.mark.django_db
def test_a_roles_guide_shows_every_section_with_its_screenshots(client, officer_a):
    client.force_login(officer_a)
    response = client.get(reverse("guide:role", args=[Role.SUPERVISOR]))
    page = response.content.decode()
    for section in sections_of(Role.SUPERVISOR):
        assert f'data-key="{section.key}"' in page
        for name in section.screenshots:
            assert f"/{SCREENSHOT_FOLDER}/{name}.png" in page
    assert "督导检查" in page and "<strong>记录督导检查</strong>" in page
    assert client.get("/guide/nobody/").status_code == 404


@pytest.mark.django_db
def test_the_guide_needs_a_login(client):
    response = client.get(reverse("guide:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_question_mark_opens_the_section_for_the_page(client, officer_a, grid_worker_a1):
    client.force_login(officer_a)
    page = client.get(reverse("rhythm:daily_check_overview"), follow=True).content.decode()
    link = re.search(r'href="([^"]+)"[^>]*aria-label="操作指南"[^>]*data-testid="guide-link"',
                     page)
    assert link and link.group(1) == "/guide/community_officer/#daily_check"
    # a page no section covers opens the role's guide
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'href="/guide/community_officer/"' in page


def test_link_for_maps_a_page_to_the_section_of_the_readers_role(grid_worker_a1, officer_a,
                                                                  section_staff, leader):
    assert link_for(grid_worker_a1, "risks:risk_create") == "/guide/grid_worker/#report"
    assert link_for(officer_a, "risks:risk_detail") == "/guide/community_officer/#verify"
    assert link_for(section_staff, "risks:risk_detail") == "/guide/section_staff/#accept"
    assert link_for(leader, "ledgers:ledger_page") == "/guide/street_leader/#export"
    assert link_for(leader, "grids:area_list") == "/guide/street_leader/"
