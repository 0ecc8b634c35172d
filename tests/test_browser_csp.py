"""The app works in a real browser under its Content-Security-Policy: the street dashboard
draws its charts, the register lists matters and htmx suggests duplicates while a matter
is typed, the Swagger page renders the API, and the admin's index, changelist and change
form load, all without one "Refused to …" from the browser (a violation is logged to the
console) and without a script error.

Selectors are data-testid attributes and values, not labels, so that the test holds in
either language of the interface.
"""

import pytest

from risks.models import Risk
from tests.conftest import log_in
from tests.supervision_helpers import VARIED, MatterMaker, seed_campaigns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "楼上漏水引发邻里纠纷"


@pytest.fixture
def street_with_matters(street, categories, officer_a, officer_b, leader, roster_a1, report):
    seed_campaigns()
    MatterMaker(street, categories, officer_a, officer_b, leader).many(VARIED)
    return report(officer_a, title=TITLE)


# Chromium writes a violation to its own log, which Playwright does not relay; the page's
# securitypolicyviolation event is reported to the console instead (an init script runs
# outside the page's policy).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Refused to load or run ${event.blockedURI || "inline code"} ` +
                `(${event.violatedDirective}) at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def watch(page) -> list[str]:
    """What the browser refuses or fails at, as it happens."""
    problems = []
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        text = message.text
        # The browser asks for /favicon.ico on its own; the site has none (not a page error).
        if "favicon.ico" in message.location.get("url", ""):
            return
        if message.type == "error" or "Refused to" in text or "Content Security" in text:
            problems.append(f"{message.type}: {text} at {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def test_pages_work_under_the_content_security_policy(page, street_with_matters, street,
                                                      categories, superuser):
    matter = street_with_matters
    problems = watch(page)

    log_in(page, "leader")
    page.wait_for_url("**/")
    page.goto("/supervision/")
    page.wait_for_url(f"**/supervision/street/{street.street.pk}/")
    assert "script-src 'self'" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    for chart in ("status", "level", "heat", "trend"):
        page.wait_for_selector(f"[data-testid=chart-{chart}][data-chart-ready=true] svg")
        # Hovering shows a tooltip: drawn by the chart, not as HTML with inline styles.
        box = page.locator(f"[data-testid=chart-{chart}]").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(300)

    page.goto("/risks/")
    assert page.locator(f"text={matter.code}").count() >= 1

    # htmx: typing a title like an open matter's brings the suggestion in, in place.
    page.goto("/risks/new/")
    page.select_option("#id_area", str(street.grid_a1.pk))
    page.select_option("#id_category", str(categories["disputes"].pk))
    page.fill("#id_title", TITLE)
    page.fill("#id_description", "住户反映楼上卫生间长期渗漏。")
    page.wait_for_selector(f"[data-duplicate='{matter.code}']")
    assert page.evaluate("document.querySelectorAll('head style').length") == 0

    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    page.wait_for_selector(".swagger-ui .opblock")

    page.context.clear_cookies()
    log_in(page, superuser.username)
    page.wait_for_url("**/")
    for url in ("/admin/", "/admin/risks/risk/", f"/admin/risks/risk/{matter.pk}/change/",
                "/admin/grids/area/add/"):
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_selector("#content")

    assert Risk.objects.filter(pk=matter.pk).exists()
    assert problems == []
