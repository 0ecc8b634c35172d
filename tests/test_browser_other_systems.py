"""What issue 21 shows on the pages, in a real browser at 1366 px and 390 px: the disputes
ledger counts the records the city platform has not taken yet, and the monthly statistics
offer their .xlsx. Screenshots go to QUANFU_SHOTS (if set) to be looked at."""

import os
from pathlib import Path

import pytest

from ledgers.acknowledgements import acknowledge_dispute
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)


def shoot(page, name: str, width: int) -> None:
    folder = os.environ.get("QUANFU_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_disputes_ledger_counts_what_the_city_platform_has_not_taken(
        page, width, report, officer_a, leader, api_client_user):
    disputes = [report(officer_a, title=f"邻里纠纷{number}") for number in range(3)]
    acknowledge_dispute(disputes[0], actor=api_client_user, platform_ref="JN-1")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "leader")
    page.goto("/ledgers/disputes/")
    count = page.get_by_test_id("not-taken")
    assert count.is_visible()
    assert count.inner_text() == "2 条记录尚未被市“一站式”平台接收"
    shoot(page, "disputes-ledger", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_monthly_statistics_offer_their_xlsx(page, width, report, officer_a, leader):
    report(officer_a)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "leader")
    page.goto("/rhythm/monthly/")
    button = page.get_by_test_id("export")
    assert button.is_visible() and button.inner_text() == "下载 Excel"
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert fits(page)
    shoot(page, "monthly-statistics", width)
