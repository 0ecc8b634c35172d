"""The report form follows the grid worker (issue 19): the subtype select offers only the
chosen category's subtypes, from a map in the page (offline too, no request), while the
server still refuses a retired or foreign subtype on the field; the optional party box
demands nothing when left empty; the phone's menu is the worker's few items; and "use my
location" asks the phone only on the worker's tap."""

import json
import re

import pytest
from django.urls import reverse

from quanfu.navigation import items_for
from risks.models import Party, Risk, Subtype
from tests.conftest import log_in

REPORT_URL = reverse("risks:risk_create")


def form_data(street, categories, **fields) -> dict:
    return {"area": street.grid_a1.pk, "category": categories["disputes"].pk,
            "title": "楼上漏水引发邻里纠纷", "description": "住户反映楼上卫生间长期渗漏。",
            "source": "grid_patrol", **fields}


def subtype_map(page: str) -> dict:
    found = re.search(r'<script id="subtypes-by-category" type="application/json">(.*?)'
                      r'</script>', page, re.DOTALL)
    assert found, "the page carries the category → subtypes map"
    return json.loads(found.group(1))


# Subtypes follow the category ------------------------------------------------------------

def test_the_page_carries_each_categorys_active_subtypes(client, grid_worker_a1, categories):
    client.force_login(grid_worker_a1)
    page = client.get(REPORT_URL).content.decode()
    by_category = subtype_map(page)
    for category in categories.values():
        active = set(category.subtypes.filter(is_active=True).values_list("pk", flat=True))
        assert set(by_category.get(str(category.pk), [])) == active, category.code
    retired = Subtype.objects.filter(is_active=False)
    assert retired.exists()
    offered = {pk for pks in by_category.values() for pk in pks}
    assert not offered & set(retired.values_list("pk", flat=True))
    assert "js/subtype_filter.js" in page


def test_the_edit_page_keeps_the_matters_retired_subtype_in_the_map(client, officer_a, report,
                                                                   categories):
    retired = Subtype.objects.filter(is_active=False).select_related("category").first()
    risk = report(officer_a, category=retired.category)
    Risk.objects.filter(pk=risk.pk).update(subtype=retired)  # as a matter kept from before
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_edit", args=[risk.pk])).content.decode()
    assert retired.pk in subtype_map(page)[str(retired.category_id)]


def test_the_server_still_refuses_a_retired_subtype_on_the_field(client, grid_worker_a1,
                                                                 street, categories):
    retired = Subtype.objects.filter(is_active=False).select_related("category").first()
    client.force_login(grid_worker_a1)
    response = client.post(REPORT_URL, form_data(street, categories,
                                                 category=retired.category_id,
                                                 subtype=retired.pk))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="error-subtype"' in page
    assert retired.name in page and not Risk.objects.exists()


def test_the_server_refuses_a_subtype_of_another_category(client, grid_worker_a1, street,
                                                          categories):
    foreign = categories["public_order"].subtypes.filter(is_active=True).first()
    client.force_login(grid_worker_a1)
    response = client.post(REPORT_URL, form_data(street, categories, subtype=foreign.pk))
    assert 'data-testid="error-subtype"' in response.content.decode()
    assert not Risk.objects.exists()


# The optional party box -------------------------------------------------------------------

def test_an_empty_party_box_demands_nothing(client, grid_worker_a1, street, categories):
    """Not even the relation, which a phone's saved draft or a form without the select
    may leave out."""
    client.force_login(grid_worker_a1)
    response = client.post(REPORT_URL, form_data(street, categories))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Risk.objects.count() == 1 and not Party.objects.exists()


def test_a_named_party_without_a_relation_is_a_party(client, grid_worker_a1, street,
                                                     categories):
    client.force_login(grid_worker_a1)
    response = client.post(REPORT_URL, form_data(street, categories, party_name="张三"))
    assert response.status_code == 302
    assert Party.objects.get().relation == "party"


def test_a_phone_without_a_name_asks_for_the_name(client, grid_worker_a1, street, categories):
    client.force_login(grid_worker_a1)
    response = client.post(REPORT_URL, form_data(street, categories,
                                                 party_phone="13812345678"))
    assert response.status_code == 200
    assert 'data-testid="error-party_name"' in response.content.decode()
    assert not Risk.objects.exists()


# The phone's menu -------------------------------------------------------------------------

def test_the_grid_workers_menu_is_their_few_items(grid_worker_a1):
    primary = [item["url_name"] for item in items_for(grid_worker_a1).primary]
    # to-do, report, zero report and instructions (the day's page), their matters, warnings
    assert primary == ["home", "risks:risk_create", "rhythm:grid_today", "risks:risk_list",
                       "rhythm:warning_list"]
    assert len(primary) <= 5  # the app's drafts follow them: six in all


def test_the_report_form_keeps_its_id_and_standard_field_names(client, grid_worker_a1):
    """The phone's offline drafts read the form by these names (static/js of the app)."""
    client.force_login(grid_worker_a1)
    page = client.get(REPORT_URL).content.decode()
    assert 'id="risk-report-form"' in page
    for name in ("area", "category", "subtype", "title", "description", "people_involved",
                 "address", "location_lat", "location_lng", "source", "discovered_at",
                 "party_name", "party_phone", "party_relation"):
        assert f'name="{name}"' in page, name


# In a browser -----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_subtypes_follow_and_the_position_comes_on_a_tap(
        browser, live_server, street, grid_worker_a1, categories):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 390, "height": 844},
                                  geolocation={"latitude": 36.651234, "longitude": 117.120456,
                                               "accuracy": 12})
    phone = context.new_page()
    asked = []
    phone.add_init_script("""
        const original = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);
        navigator.geolocation.getCurrentPosition = function (...args) {
            window.qfAsked = (window.qfAsked || 0) + 1;
            return original(...args);
        };""")
    log_in(phone, "grid_a1")
    phone.wait_for_url("**/")
    phone.goto(REPORT_URL)
    assert phone.evaluate("window.qfAsked || 0") == 0  # nothing asked on opening the page
    disputes, order = categories["disputes"], categories["public_order"]
    phone.select_option("#id_category", str(disputes.pk))
    offered = phone.eval_on_selector_all("#id_subtype option", "els => els.map(e => e.value)")
    assert set(offered) - {""} == {str(pk) for pk in disputes.subtypes.filter(
        is_active=True).values_list("pk", flat=True)}
    neighbour = disputes.subtypes.get(code="neighbour")
    phone.select_option("#id_subtype", str(neighbour.pk))
    phone.select_option("#id_category", str(order.pk))  # another category: the choice goes
    assert phone.input_value("#id_subtype") == ""
    phone.select_option("#id_category", str(disputes.pk))
    phone.select_option("#id_subtype", str(neighbour.pk))

    status = phone.locator("[data-testid=location-status]")
    assert "尚未定位" in status.text_content()
    context.grant_permissions(["geolocation"])
    phone.click("[data-testid=location-use]")
    phone.wait_for_function("() => document.querySelector('[name=location_lat]').value !== ''")
    asked.append(phone.evaluate("window.qfAsked"))
    assert "纬度 36.651234，经度 117.120456" in status.text_content()
    assert "精度约 12 米" in status.text_content()
    phone.screenshot(path="/tmp/shots/h3/report_located_390.png", full_page=True)
    phone.click("[data-testid=location-clear]")
    assert phone.input_value("[name=location_lat]") == ""
    assert "尚未定位" in status.text_content()
    phone.click("[data-testid=location-use]")
    phone.wait_for_function("() => document.querySelector('[name=location_lng]').value !== ''")

    phone.fill("#id_title", "楼上漏水引发邻里纠纷")
    phone.fill("#id_description", "住户反映楼上卫生间长期渗漏，双方多次争吵。")
    phone.fill("#id_address", "花园路12号楼下")
    # the form's own POST (the app's offline drafts, which take over the button for a
    # worker, are tested with the app): what the server receives from these fields
    with phone.expect_navigation():
        phone.evaluate("() => document.getElementById('risk-report-form').submit()")
    phone.wait_for_selector("[data-testid=address]")
    risk = Risk.objects.get()
    assert (risk.subtype_id, risk.address, risk.location_lat, risk.location_lng) == (
        neighbour.pk, "花园路12号楼下", 36.651234, 117.120456)
    assert asked == [1]
    context.close()
