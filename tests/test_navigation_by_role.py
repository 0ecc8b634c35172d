"""The navigation by role: each role sees only the pages it uses, its everyday pages
first (a grid worker's phone menu at most six), the rest folded under "更多", a <details>
that opens without JavaScript, grouped there as 日常工作 / 台账与统计 / 会议与督导 / 管理
(a group with nothing for the role is left out); every item opens for the role that is
shown it."""

import re

import pytest
from django.urls import reverse

from quanfu.navigation import GROUPS, NAVIGATION, PRIMARY, items_for
from tests.conftest import log_in

PERSONAS = ["grid_worker_a1", "officer_a", "section_staff", "leader", "supervisor_a"]

EXPECTED_PRIMARY = {
    "grid_worker_a1": ["home", "risks:risk_create", "rhythm:grid_today", "risks:risk_list",
                       "rhythm:warning_list"],
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


# The groups under "更多", in their order, with what each holds for the role.
EXPECTED_MORE_GROUPS = {
    "grid_worker_a1": [("meetings", ["meetings:whistle_board", "meetings:action_item_list"]),
                       ("management", ["grids:area_list"])],
    "officer_a": [("daily", ["rhythm:instruction_list"]),
                  ("ledgers", ["ledgers:ledger_index", "supervision:dashboard",
                               "rhythm:monthly_stats", "rhythm:data_quality"]),
                  ("meetings", ["meetings:tier_dashboards", "meetings:whistle_board",
                                "meetings:action_item_list", "supervision:inspection_list",
                                "supervision:listing_list", "supervision:campaign_list"]),
                  ("management", ["grids:area_list", "grids:community_index"])],
    "section_staff": [("daily", ["risks:risk_create", "rhythm:warning_list",
                                 "rhythm:daily_check_overview", "rhythm:instruction_list"]),
                      ("ledgers", ["ledgers:ledger_index", "rhythm:weekly_report",
                                   "rhythm:monthly_stats", "rhythm:data_quality"]),
                      ("meetings", ["meetings:tier_dashboards", "supervision:inspection_list",
                                    "supervision:listing_list", "supervision:campaign_list"]),
                      ("management", ["grids:area_list"])],
    "leader": [("daily", ["risks:risk_create", "rhythm:warning_list",
                          "rhythm:daily_check_overview", "risks:follow_up_list",
                          "rhythm:instruction_list"]),
               ("ledgers", ["ledgers:ledger_index", "rhythm:monthly_stats",
                            "rhythm:data_quality"]),
               ("meetings", ["meetings:whistle_board", "meetings:action_item_list",
                             "supervision:inspection_list", "supervision:campaign_list"]),
               ("management", ["grids:area_list", "grids:community_index",
                               "audit:entry_list"])],
    "supervisor_a": [("daily", ["rhythm:warning_list", "rhythm:daily_check_overview",
                                "rhythm:instruction_list"]),
                     ("ledgers", ["ledgers:ledger_index", "rhythm:weekly_report",
                                  "rhythm:monthly_stats", "rhythm:data_quality"]),
                     ("meetings", ["supervision:campaign_list"]),
                     ("management", ["grids:area_list"])],
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
    assert names(menu.more) == ["meetings:whistle_board", "meetings:action_item_list",
                                "grids:area_list"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_rest_is_grouped_by_kind_of_work_in_order(request, persona):
    menu = items_for(request.getfixturevalue(persona))
    grouped = [(group["key"], names(group["items"])) for group in menu.more_groups]
    assert grouped == EXPECTED_MORE_GROUPS[persona]
    # every item is either at hand or in exactly one group
    assert sorted(names(menu.primary) + [name for _key, items in grouped for name in items]) \
        == sorted(names(menu))


def test_every_item_belongs_to_a_group():
    assert {item.group for item in NAVIGATION} == set(GROUPS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_shows_the_groups_in_their_order_and_no_empty_one(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    content = client.get(reverse("home")).content.decode()
    shown = re.findall(r'data-testid="navigation-group" data-group="(\w+)">([^<]+)<', content)
    assert [key for key, _label in shown] == [key for key, _items in
                                             EXPECTED_MORE_GROUPS[persona]]
    assert [label for _key, label in shown] == [str(GROUPS[key]) for key, _label in shown]
    assert set(dict(shown).values()) <= {"日常工作", "台账与统计", "会议与督导", "管理"}


def test_a_grid_workers_page_shows_six_items_before_the_fold(client, grid_worker_a1):
    client.force_login(grid_worker_a1)
    content = client.get(reverse("home")).content.decode()
    navigation = content.split('data-testid="navigation"')[1]
    before_fold = navigation.split('data-testid="navigation-more"')[0]
    assert 1 <= before_fold.count('class="nav-link') <= 6


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
