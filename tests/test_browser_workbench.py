"""The workbench in a real browser (issue 17's acceptance): a grid worker reports a matter;
the community officer logs in, finds it on the workbench among the matters to verify,
verifies it from there in one click, and it leaves that list for the next one (to
dispatch). On a phone the same card fits the screen.

Selectors are data-testid attributes and values, not labels.
"""

import pytest

from risks.choices import RiskStatus
from risks.models import Risk
from tests.conftest import PASSWORD, log_in, seed_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def seeded_categories(transactional_db):
    seed_taxonomy()


def group(page, kind):
    return page.locator(f"[data-testid=group][data-kind={kind}]")


def test_the_officer_verifies_a_new_report_from_the_workbench(
        page, report, grid_worker_a1, officer_a, roster_a1):
    risk = report(grid_worker_a1, title="楼道堆放杂物堵塞消防通道")

    log_in(page, "officer_a", PASSWORD)
    page.wait_for_url("**/")
    to_verify = group(page, "to_verify")
    assert to_verify.get_attribute("data-urgency") == "orange"
    assert to_verify.locator("[data-testid=group-count]").inner_text() == "1"
    row = to_verify.locator(f"[data-testid=todo-item][data-id='{risk.pk}']")
    assert risk.code in row.inner_text() and "楼道堆放杂物" in row.inner_text()

    row.locator("[data-testid=act][data-action=verify]").click()
    page.wait_for_url(f"**/risks/{risk.pk}/**")
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.VERIFIED

    page.goto("/")
    assert group(page, "to_verify").count() == 0  # nothing left: a quiet line below
    assert page.locator("[data-testid=idle-group][data-kind=to_verify]").count() == 1
    dispatch = group(page, "to_dispatch")
    assert dispatch.locator(f"[data-testid=todo-item][data-id='{risk.pk}']").count() == 1


def test_the_grid_workers_workbench_fits_a_phone(browser, live_server, report, grid_worker_a1,
                                                 officer_a, roster_a1):
    report(officer_a, title="小区门口流动摊贩占道经营")
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        log_in(phone, "grid_a1", PASSWORD)
        phone.wait_for_url("**/")
        assert group(phone, "duties").locator("[data-testid=todo-item]").count() == 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
