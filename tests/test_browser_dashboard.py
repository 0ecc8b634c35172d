"""The street dashboard in a real browser: the street leader opens it, every chart is
drawn (ECharts' SVG) without a console error, the numbers sit beside them as tables, and
clicking a bar opens the register filtered to that bar with the same count. A screenshot
is saved in the test's output folder.

Selectors are data-testid attributes and values, not labels, so that the test holds in
either language of the interface.
"""

import re

import pytest

from risks.choices import RiskStatus
from supervision import services
from tests.conftest import log_in
from tests.supervision_helpers import VARIED, MatterMaker, days_from_today, seed_campaigns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ["status", "level", "category", "tier", "rates", "heat", "trend"]


@pytest.fixture
def street_with_matters(street, categories, officer_a, officer_b, leader, roster_a1):
    seed_campaigns()
    MatterMaker(street, categories, officer_a, officer_b, leader).many(VARIED)
    services.list_for_supervision(actor=leader, community=street.community_b,
                                  reason="台账问题较多。", deadline=days_from_today(5))
    return street


def test_leader_reads_the_street_dashboard_and_clicks_through_to_the_register(
        page, street_with_matters, leader, tmp_path):
    street = street_with_matters
    problems = []

    def on_console(message):
        # The browser asks for /favicon.ico on its own; the site has none (not a page error).
        if message.type == "error" and "favicon.ico" not in message.location.get("url", ""):
            problems.append(f"{message.text} at {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    log_in(page, "leader")
    page.wait_for_url("**/")
    page.goto("/supervision/")
    page.wait_for_url(f"**/supervision/street/{street.street.pk}/")
    for chart in CHARTS:
        page.wait_for_selector(f"[data-testid=chart-{chart}][data-chart-ready=true] svg")
        assert page.locator(f"[data-testid=chart-{chart}] svg path").count() > 0, chart
    # Numbers first: the figure cards, and each chart's numbers as a table.
    open_matters = int(page.locator("[data-figure=open]").first.inner_text())
    assert open_matters == sum(1 for spec in VARIED if spec.status in (
        RiskStatus.REPORTED, RiskStatus.VERIFIED, RiskStatus.RESOLVING))
    assert page.locator("[data-testid=table-status] tr[data-key]").count() == len(RiskStatus)
    assert page.locator("[data-testid=listings] [data-listing]").count() == 1

    screenshot = tmp_path / "street_dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot of the street dashboard: {screenshot}")
    assert screenshot.stat().st_size > 10_000

    # Click the "closed" bar of the status chart: the register opens filtered to it.
    closed = int(page.locator("[data-testid=table-status] tr[data-key=closed] [data-count]")
                 .inner_text())
    index = list(RiskStatus.values).index(RiskStatus.CLOSED)
    point = page.evaluate(
        """([index, value]) => {
             const element = document.querySelector('[data-testid=chart-status]');
             element.scrollIntoView({block: "center", behavior: "instant"});
             const chart = echarts.getInstanceByDom(element);
             const [x, y] = chart.convertToPixel({seriesIndex: 0}, [index, value / 2]);
             const box = element.getBoundingClientRect();
             return [box.left + x, box.top + y];
           }""", [index, closed])
    page.mouse.click(*point)
    page.wait_for_url(re.compile(r"/risks/\?.*status=closed"))
    assert f"within={street.street.pk}" in page.url
    count_text = page.locator("[data-testid=result-count]").inner_text()
    assert int(re.search(r"\d+", count_text.replace(",", "")).group()) == closed
    assert problems == []
