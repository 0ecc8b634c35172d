"""A split of a grid in a real browser: the community officer asks for it from the grid's
page, choosing the part of a matter that no location places; the preview shows where each
matter goes; a street leader finds it where approvals are and approves it; the old grid's
page then says it is closed and what it became. No console error, no request to another
host. Screenshots at 1366 px and 390 px go to var/screenshots/area_changes/.

Selectors are data-testid attributes and values, not labels."""

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from grids.choices import AreaChangeState
from grids.models import Area, AreaChange
from risks.models import Risk
from risks.services import report_risk
from tests.conftest import log_in, seed_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "area_changes"


@pytest.fixture(autouse=True)
def seeded_categories(transactional_db):
    seed_taxonomy()


@pytest.fixture
def person(browser, live_server):
    contexts = []

    def _open(username, width=1366):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                      viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("console", lambda message: message.type == "error"
                and page.problems.append(message.text))
        host = urlparse(live_server.url).netloc
        page.on("request", lambda request: urlparse(request.url).netloc not in (host, "")
                and not request.url.startswith("data:")
                and page.problems.append(f"request to {request.url}"))
        log_in(page, username)
        page.wait_for_url("**/")
        return page

    yield _open
    for context in contexts:
        context.close()


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_an_officer_splits_a_grid_and_a_leader_approves_it(
        person, street, officer_a, leader, categories):
    matter = report_risk(actor=officer_a, title="停车纠纷待核实", description="两户争车位。",
                         category=categories["disputes"], area=street.grid_a1).risk

    officer = person("officer_a")
    officer.goto(f"/areas/{street.grid_a1.pk}/")
    officer.click("[data-testid=change-kinds] a[href$='/change/split/']")
    officer.fill("#id_parts", "S1-A-G1a 花园第1网格西\nS1-A-G1b 花园第1网格东")
    officer.select_option(f"#id_microgrid_{street.micro_a1.pk}", "2")
    officer.fill("#id_reason", "户数超过500户，按道路拆分。")
    shoot(officer, "request")
    officer.click("[data-testid=change-request-form] button[type=submit]")
    officer.wait_for_selector(f"[data-field=matter_{matter.pk}] .invalid-feedback")
    # the refused form comes back as a 400 page, which the console reports: expected
    officer.problems = [problem for problem in officer.problems if "(Bad Request)" not in problem]
    officer.select_option(f"#id_matter_{matter.pk}", "2")
    officer.click("[data-testid=change-request-form] button[type=submit]")
    officer.wait_for_selector("[data-testid=preview-matters]")
    assert matter.code in officer.inner_text("[data-testid=preview-matters]")
    shoot(officer, "preview")

    chief = person("leader")
    chief.goto("/risks/approvals/")
    chief.click("[data-testid=area-changes-to-decide] a")
    shoot(chief, "list")
    chief.click("[data-testid=change-row] a")
    chief.click("[data-testid=decide-form] button.btn-success")
    chief.wait_for_selector("[data-testid=applied]")
    shoot(chief, "applied")
    assert AreaChange.objects.get().state == AreaChangeState.APPLIED
    assert Risk.objects.get(pk=matter.pk).area == Area.objects.get(code="S1-A-G1b")

    chief.goto(f"/areas/{street.grid_a1.pk}/")
    chief.wait_for_selector("[data-testid=area-closed]")
    assert chief.locator("[data-testid=successors] [data-testid=lineage-area]").count() == 2
    shoot(chief, "closed-grid")
    assert officer.problems == [] and chief.problems == []
