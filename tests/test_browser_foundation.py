"""A person logs in with a real browser and finds their part of the street."""

import pytest

from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_and_sees_only_their_community(page, street, officer_a):
    log_in(page, "officer_a")
    page.wait_for_url("**/")
    assert "花园社区" in page.text_content("[data-testid=current-scope]")
    page.click("[data-testid=navigation-more] summary")  # an officer's less used pages
    page.click("text=区域与网格")
    rows = page.locator("table tbody tr")
    assert rows.count() == 4
    assert "东泉" not in page.content()


def test_phone_layout_folds_the_navigation(browser, live_server, street, grid_worker_a1):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 390, "height": 844})
    phone = context.new_page()
    log_in(phone, "grid_a1")
    phone.wait_for_url("**/")
    navigation = phone.locator("[data-testid=navigation]")
    assert not navigation.is_visible()
    phone.click("text=菜单")
    navigation.wait_for(state="visible")
    context.close()
