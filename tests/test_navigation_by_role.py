"""The navigation by role: each role sees only the pages it uses, its everyday pages
first (a grid worker's phone menu at most six), the rest folded under "更多", a <details>
that opens without JavaScript; every item opens for the role that is shown it."""

import pytest
from django.urls import reverse

from quanfu.navigation import NAVIGATION, PRIMARY, items_for
from tests.conftest import log_in

PERSONAS = ["grid_worker_a1", "officer_a", "section_staff", "leader", "supervisor_a"]

EXPECTED_PRIMARY = {
    "grid_worker_a1": ["home", "rhythm:grid_today", "risks:risk_create", "risks:risk_list",
                       "rhythm:warning_list", "meetings:whistle_board"],
    "officer_a": ["home", "risks:risk_list", "risks:risk_create", "rhythm:warning_list",
                  "rhythm:daily_check_overview", "risks:follow_up_list",
                  "risks:approval_list", "meetings:meeting_list"],
    "section_staff": ["home", "risks:risk_list", "meetings:whistle_board",
                      "meetings:action_item_list", "risks:approval_list",
                      "meetings:meeting_list"],
    "leader": ["home", "risks:approval_list", "risks:risk_list", "supervision:dashboard",
               "supervision:listing_list", "meetings:meeting_list",
               "meetings:tier_dashboards", "rhythm:weekly_report"],
    "supervisor_a": ["home", "supervision:inspection_list", "supervision:listing_list",
                     "supervision:dashboard", "risks:risk_list"],
}

# Pages a role may open but does not use, kept out of its menu altogether.
NOT_SHOWN = {
    "grid_worker_a1": {"ledgers:ledger_index", "meetings:tier_dashboards",
                       "meetings:meeting_list", "supervision:inspection_list",
                       "supervision:listing_list", "supervision:campaign_list"},
    "supervisor_a": {"meetings:meeting_list", "meetings:whistle_board",
                     "meetings:action_item_list", "risks:risk_create"},
}


def names(items) -> list[str]:
    return [item["url_name"] for item in items]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_has_its_everyday_pages_first(request, persona):
    menu = items_for(request.getfixturevalue(persona))
    assert names(menu.primary) == EXPECTED_PRIMARY[persona]
    assert names(menu)[:len(menu.primary)] == EXPECTED_PRIMARY[persona]


def test_a_grid_worker_has_at_most_six_items_on_the_phone(grid_worker_a1):
    menu = items_for(grid_worker_a1)
    assert len(menu.primary) <= 6
    assert names(menu.more) == ["meetings:action_item_list", "grids:area_list"]


@pytest.mark.parametrize("persona", sorted(NOT_SHOWN))
def test_pages_a_role_does_not_use_are_not_shown(request, persona):
    shown = set(names(items_for(request.getfixturevalue(persona))))
    assert not shown & NOT_SHOWN[persona]


def test_every_primary_page_is_one_the_role_is_shown_at_all():
    """A primary entry names a page of NAVIGATION the role may use (else it would vanish
    silently from the menu)."""
    roles_of = {item.url_name: item.roles for item in NAVIGATION}
    for role, primary in PRIMARY.items():
        for name in primary:
            assert role in roles_of[name], (role, name)


@pytest.mark.parametrize("persona", [*PERSONAS, "social_staff", "superuser"])
def test_every_item_opens_for_the_role_it_is_shown_to(client, request, street, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for item in items_for(user):
        response = client.get(item["url"], follow=True)
        assert response.status_code == 200, (persona, item["url_name"])


def test_the_menu_folds_the_rest_under_more(client, officer_a):
    client.force_login(officer_a)
    content = client.get(reverse("home")).content.decode()
    primary, more = content.split('data-testid="navigation-more"')
    assert 'href="/risks/follow-ups/"' in primary.split('data-testid="navigation-primary"')[1]
    assert "更多" in more and f'href="{reverse("ledgers:ledger_index")}"' in more
    assert f'href="{reverse("ledgers:ledger_index")}"' not in primary


def test_more_is_open_on_a_page_it_holds(client, officer_a):
    client.force_login(officer_a)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="navigation-more"' in home
    assert '<details class="qf-nav-more w-100" data-testid' in home  # closed
    ledgers = client.get(reverse("ledgers:ledger_index")).content.decode()
    assert '<details class="qf-nav-more w-100" open data-testid' in ledgers


def test_a_machine_client_has_no_menu(api_client_user):
    assert list(items_for(api_client_user)) == []


# In a browser -----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_grid_worker_phone_header_is_one_line_and_more_opens_without_javascript(
        browser, live_server, street, grid_worker_a1):
    for javascript in (True, False):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                      viewport={"width": 390, "height": 844},
                                      java_script_enabled=javascript)
        phone = context.new_page()
        log_in(phone, "grid_a1")
        phone.wait_for_url("**/")
        header = phone.locator("nav.qf-topbar").bounding_box()
        assert header["height"] < 64  # one line: menu, title, inbox
        assert phone.locator("[data-testid=inbox-link]").is_visible()
        assert not phone.locator("[data-testid=navigation]").is_visible()
        phone.click("[data-testid=menu-button]")  # without JavaScript: the link's target
        phone.locator("[data-testid=navigation]").wait_for(state="visible")
        assert phone.locator("[data-testid=navigation-primary] a").count() <= 6
        folded = phone.locator("[data-testid=navigation-more] ul a").first
        assert not folded.is_visible()
        phone.click("[data-testid=navigation-more] summary")
        folded.wait_for(state="visible")
        assert phone.locator("[data-testid=navigation-account]").is_visible()  # logging out
        context.close()
