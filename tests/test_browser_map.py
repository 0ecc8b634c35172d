"""The map (挂图作战) in a real browser: the street leader's dashboard draws its communities
from the street's own (invented) boundaries on a canvas, with no console error, no
Content-Security-Policy refusal and no request to another host (no tile server, no CDN);
choosing another figure recolours it and marks its column in the table twin; clicking a
community opens the register filtered to that community, with the count the table says.
Screenshots at 1366 and 390 px wide go to /tmp/shots_h2/.

Selectors are data-testid attributes and values, not labels, so that the test holds in
either language of the interface.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from shapely.geometry import shape

from grids.models import Area
from grids.tessellation import invent_boundaries
from risks.services import update_risk
from tests.conftest import log_in
from tests.supervision_helpers import VARIED, MatterMaker, seed_campaigns
from tests.test_browser_csp import watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_h2")


@pytest.fixture
def mapped_street(street, categories, officer_a, officer_b, leader, roster_a1):
    """The varied matters of A and B on an invented map of the street; two of A's open
    matters located inside grid A1."""
    seed_campaigns()
    matters = MatterMaker(street, categories, officer_a, officer_b, leader).many(VARIED)
    invent_boundaries(street.street)
    inside = shape(Area.objects.get(pk=street.grid_a1.pk).boundary).representative_point()
    for risk in [risk for risk in matters if risk.community_id == street.community_a.pk
                 and risk.status == "reported"][:2]:
        update_risk(risk, actor=officer_a, version=risk.version,
                    changes={"location_lat": inside.y, "location_lng": inside.x})
    return street


def other_hosts(page, live_server) -> list[str]:
    own = urlsplit(live_server.url).netloc
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    return asked, own


def click_area(page, area: Area):
    """Click inside ``area`` on the map: a point inside its boundary, converted to the
    canvas's pixels by the chart itself."""
    inside = shape(area.boundary).representative_point()
    point = page.evaluate(
        """([lng, lat]) => {
             const element = document.querySelector('[data-testid=map]');
             element.scrollIntoView({block: "center", behavior: "instant"});
             const chart = echarts.getInstanceByDom(element);
             const [x, y] = chart.convertToPixel({geoIndex: 0}, [lng, lat]);
             const box = element.getBoundingClientRect();
             return [box.left + x, box.top + y];
           }""", [inside.x, inside.y])
    page.mouse.click(*point)


def test_the_street_dashboard_draws_the_map_and_a_click_opens_the_communitys_register(
        page, mapped_street, leader, live_server):
    street = mapped_street
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = watch(page)
    asked, own = other_hosts(page, live_server)

    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "leader")
    page.wait_for_url("**/")
    page.goto("/supervision/")
    page.wait_for_url(f"**/supervision/street/{street.street.pk}/")
    page.wait_for_selector("[data-testid=map][data-map-ready=true] canvas")
    assert page.locator("[data-testid=map] canvas").count() >= 1
    card = page.locator("[data-testid=area-map]")
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SHOTS / "street_dashboard_map_1366.png"))

    # The table twin: a row per community, the shown figure's column marked.
    rows = page.locator("[data-testid=table-map] tbody tr[data-area]")
    assert rows.count() == 2
    assert page.locator("[data-testid=table-map] th.qf-metric-shown[data-metric=open]"
                        ).count() == 1
    page.select_option("[data-testid=map-metric]", "high")
    assert page.locator("[data-testid=table-map] th.qf-metric-shown[data-metric=high]"
                        ).count() == 1
    page.select_option("[data-testid=map-metric]", "open")

    community_a = Area.objects.get(pk=street.community_a.pk)
    expected = int(page.locator(f"[data-testid=table-map] tr[data-area='{community_a.pk}'] "
                                "td[data-metric=open] [data-count]").inner_text())
    assert expected > 0
    click_area(page, community_a)
    page.wait_for_url(re.compile(r"/risks/\?.*status="))
    assert f"within={community_a.pk}" in page.url
    count_text = page.locator("[data-testid=result-count]").inner_text()
    assert int(re.search(r"\d+", count_text.replace(",", "")).group()) == expected

    # The map's own page, on a phone: the map, its select and its table fit.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/supervision/map/?within={street.street.pk}&kind=grid")
    page.wait_for_selector("[data-testid=map][data-map-ready=true] canvas")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the map page is {width} px wide on a 390 px phone"
    page.screenshot(path=str(SHOTS / "map_page_grids_390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/supervision/map/?within={street.street.pk}&kind=grid")
    page.wait_for_selector("[data-testid=map][data-map-ready=true] canvas")
    page.screenshot(path=str(SHOTS / "map_page_grids_1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/supervision/street/{street.street.pk}/")
    page.wait_for_selector("[data-testid=map][data-map-ready=true] canvas")
    page.locator("[data-testid=area-map]").screenshot(
        path=str(SHOTS / "street_dashboard_map_390.png"))

    strangers = [url for url in asked
                 if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own]
    assert strangers == []
    assert problems == []
