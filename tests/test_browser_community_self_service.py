"""A community runs its grids in a real browser (issue 20): the officer finds the rosters
from the menu, names a new duty holder of a grid, opens a new grid worker's account and
hands over the one-time link, with which the worker chooses a password and logs in. Each
page fits a desk (1366 px) and a phone (390 px); screenshots go to var/screenshots/
community_self_service/ (QUANFU_SHOTS overrides it).

Selectors are data-testid attributes and values, not labels.
"""

import os
from pathlib import Path

import pytest

from accounts.models import User
from grids.choices import Duty
from grids.services import roster_on
from tests.conftest import log_in, pick_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("QUANFU_SHOTS", "var/screenshots/community_self_service"))
STRONG = "Huayuan-2026-grid"


def watch(page) -> list[str]:
    """Console errors and requests to another host, collected as the page runs."""
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.on("request", lambda request: problems.append(f"request to {request.url}")
            if not request.url.startswith(("http://localhost", "http://127.0.0.1", "data:"))
            else None)
    return problems


def shoot(page, name: str, width: int) -> None:
    """The page at ``width`` px, whole; it must not be wider than the window."""
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def shoot_both(page, name: str) -> None:
    shoot(page, name, 390)
    shoot(page, name, 1366)


def test_an_officer_keeps_the_roster_and_opens_a_workers_account(
        page, browser, live_server, street, officer_a, colleague_a, grid_worker_a1, roster_a1):
    problems = watch(page)
    log_in(page, "officer_a")
    page.wait_for_url("**/")
    page.click("[data-testid=community-keeping] a")  # from the workbench
    page.wait_for_url(f"**/areas/{street.community_a.pk}/rosters/")
    grid = page.locator(f"[data-testid=grid-roster][data-grid='{street.grid_a1.code}']")
    assert "officer_a" in grid.locator(f"[data-duty={Duty.DISPATCH}]").inner_text()
    shoot_both(page, "roster")

    grid.locator(f"[data-duty={Duty.DISPATCH}] [data-testid=change-holder]").click()
    page.wait_for_selector("[data-testid=duty-holder-form]")
    assert page.input_value("#id_duty") == Duty.DISPATCH
    pick_person(page, "person", colleague_a)
    shoot_both(page, "holder-form")
    page.click("[data-testid=duty-holder-form] button[type=submit]")
    page.wait_for_url(f"**/areas/{street.community_a.pk}/rosters/**")
    assert "colleague_a" in grid.locator(f"[data-duty={Duty.DISPATCH}]").inner_text()
    assert page.locator(".alert-success").count() == 1
    assert roster_on(street.grid_a1)[Duty.DISPATCH] == colleague_a

    page.click("[data-testid=keeping-tabs] li:nth-child(2) a")
    page.wait_for_selector("[data-testid=workers]")
    shoot_both(page, "workers")
    page.click("[data-testid=worker-create]")
    page.fill("#id_username", "grid_new")
    page.fill("#id_name", "李新")
    page.select_option("#id_grid", str(street.grid_a1.pk))
    shoot_both(page, "worker-form")
    page.click("[data-testid=worker-form] button[type=submit]")
    page.wait_for_selector("[data-testid=password-link]")
    shoot_both(page, "worker-link")
    link = page.input_value("[data-testid=password-link-url]")
    assert not problems, problems

    phone = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                viewport={"width": 390, "height": 844})
    try:
        worker_page = phone.new_page()
        worker_problems = watch(worker_page)
        worker_page.goto(link)
        worker_page.wait_for_selector("[data-testid=set-password-form]")
        shoot(worker_page, "set-password", 390)
        worker_page.fill("#id_new_password1", STRONG)
        worker_page.fill("#id_new_password2", STRONG)
        worker_page.click("[data-testid=set-password-form] button[type=submit]")
        worker_page.wait_for_url("**/accounts/login/**")
        log_in(worker_page, "grid_new", STRONG)
        worker_page.wait_for_url("**/")
        assert worker_page.locator("[data-testid=workbench]").count() == 1
        worker_page.goto(link)  # a second time: the link is spent
        assert worker_page.locator("[data-testid=link-invalid]").count() == 1
        shoot(worker_page, "link-spent", 390)
        assert not worker_problems, worker_problems
    finally:
        phone.close()
    assert User.objects.get(username="grid_new").has_usable_password()


def test_an_officer_deactivates_a_worker_who_left_naming_who_takes_over(
        page, street, officer_a, colleague_a, grid_worker_a1, roster_a1):
    problems = watch(page)
    log_in(page, "officer_a")
    page.wait_for_url("**/")
    page.goto(f"/accounts/communities/{street.community_a.pk}/workers/")
    page.click("[data-username=grid_a1] a")
    page.wait_for_selector("[data-testid=worker-duties]")
    pick_person(page, "successor", colleague_a)
    shoot_both(page, "worker-deactivate")
    page.click("[data-testid=deactivate] button[type=submit]")
    page.wait_for_selector("[data-testid=workers]")
    assert page.locator(".alert-success").count() == 1
    assert page.locator("[data-username=grid_a1] .text-bg-secondary").count() == 1
    shoot_both(page, "workers-after-deactivation")
    assert not User.objects.get(pk=grid_worker_a1.pk).is_active
    assert roster_on(street.grid_a1)[Duty.INVESTIGATE] == colleague_a
    assert not problems, problems
