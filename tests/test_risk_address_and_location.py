"""Where a matter is (地址、位置): an address in words and an optional WGS84 point from the
phone's GPS, both or neither of its coordinates. Reported and edited through the service,
the API and the pages; refused with the field named when half a point, a point out of
range, or an ID or mobile number in the address; shown on the matter's page as text (no
map tiles from elsewhere)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from quanfu.errors import RuleBroken
from risks import services
from risks.choices import EventKind
from risks.models import Risk, RiskEvent

LOCATION = {"lat": 36.651234, "lng": 117.120456}


def matter_body(street, **fields) -> dict:
    return {"title": "小区门口占道经营", "description": "早市摊贩占用消防通道。",
            "category": "public_order", "area": street.grid_a1.pk, **fields}


# The service ------------------------------------------------------------------------------

def test_a_report_keeps_its_address_and_point(report, officer_a):
    risk = report(officer_a, address=" 花园路12号楼下 ", location=LOCATION)
    risk.refresh_from_db()
    assert (risk.address, risk.location_lat, risk.location_lng) == (
        "花园路12号楼下", 36.651234, 117.120456)


@pytest.mark.parametrize("location", [
    {"lat": 36.65, "lng": None}, {"lat": None, "lng": 117.12}, {"lat": "", "lng": 117.12},
    {"lat": 91, "lng": 117.12}, {"lat": 36.65, "lng": -180.5}, {"lat": "北纬", "lng": 117},
    {"lat": float("nan"), "lng": 117.12},
])
def test_half_a_point_or_one_out_of_range_is_refused_naming_location(location, report,
                                                                       officer_a):
    with pytest.raises(RuleBroken) as refused:
        report(officer_a, location=location)
    assert refused.value.field == "location"
    assert not Risk.objects.exists()


def test_no_point_is_none_or_both_parts_empty(report, officer_a):
    assert report(officer_a, location=None).location_lat is None
    assert report(officer_a, location={"lat": "", "lng": None}).location_lng is None


@pytest.mark.parametrize("address", ["当事人身份证370102199003071238", "联系13812345678"])
def test_an_address_holding_an_id_or_mobile_number_is_refused(address, report, officer_a):
    with pytest.raises(RuleBroken) as refused:
        report(officer_a, address=address)
    assert refused.value.field == "address"
    assert not Risk.objects.exists()


def test_editing_moves_the_point_and_says_so_in_the_history(report, officer_a):
    risk = report(officer_a, address="花园路12号", location=LOCATION)
    risk = services.update_risk(risk, actor=officer_a, version=risk.version, changes={
        "address": "花园路14号", "location": {"lat": 36.66, "lng": 117.13}})
    assert (risk.address, risk.location_lat, risk.location_lng) == ("花园路14号", 36.66, 117.13)
    event = RiskEvent.objects.get(risk=risk, kind=EventKind.EDITED)
    assert event.changes == {"address": ["花园路12号", "花园路14号"],
                             "location_lat": [36.651234, 36.66],
                             "location_lng": [117.120456, 117.13]}
    cleared = services.update_risk(risk, actor=officer_a, version=risk.version,
                                   changes={"location": None})
    assert (cleared.location_lat, cleared.location_lng) == (None, None)


def test_a_refused_edit_changes_nothing(report, officer_a):
    risk = report(officer_a, location=LOCATION)
    with pytest.raises(RuleBroken) as refused:
        services.update_risk(risk, actor=officer_a, version=risk.version,
                             changes={"location": {"lat": 36.7, "lng": None}})
    assert refused.value.field == "location"
    risk.refresh_from_db()
    assert (risk.version, risk.location_lat, risk.location_lng) == (1, 36.651234, 117.120456)


def test_the_database_keeps_a_point_whole(report, officer_a):
    risk = report(officer_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(location_lat=36.6)


def test_the_personal_data_scan_masks_an_address_written_before(report, officer_a):
    risk = report(officer_a)
    Risk.objects.filter(pk=risk.pk).update(address="找13812345678")
    masked = services.mask_personal_data_in_risk(risk, fields=["address"])
    assert "13812345678" not in masked.address


# The API ----------------------------------------------------------------------------------

def test_api_reports_reads_and_lists_the_address_and_point(api, grid_worker_a1, street,
                                                           categories):
    api.force_authenticate(grid_worker_a1)
    created = api.post("/api/v1/risks/", matter_body(
        street, address="花园路12号", location=LOCATION), format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["address"], created.json()["location"]) == ("花园路12号", LOCATION)
    detail = api.get(f"/api/v1/risks/{created.json()['id']}/").json()
    assert (detail["address"], detail["location"]) == ("花园路12号", LOCATION)
    [row] = api.get("/api/v1/risks/").json()["results"]
    assert (row["address"], row["location"]) == ("花园路12号", LOCATION)


def test_api_without_a_point_answers_null_and_an_empty_address(api, officer_a, street,
                                                               categories):
    api.force_authenticate(officer_a)
    created = api.post("/api/v1/risks/", matter_body(street), format="json").json()
    assert (created["address"], created["location"]) == ("", None)


@pytest.mark.parametrize("location", [
    {"lat": 36.65}, {"lng": 117.12}, {"lat": 91, "lng": 117.12}, {"lat": 36.6, "lng": 181},
    {"lat": "北纬", "lng": 117.12}, [36.6, 117.1], "36.6,117.1",
])
def test_api_refuses_a_bad_point_naming_location(location, api, officer_a, street,
                                                 categories):
    api.force_authenticate(officer_a)
    response = api.post("/api/v1/risks/", matter_body(street, location=location),
                        format="json")
    assert response.status_code == 400 and list(response.json()) == ["location"]
    assert not Risk.objects.exists()


def test_api_refuses_a_mobile_number_in_the_address(api, officer_a, street, categories):
    api.force_authenticate(officer_a)
    response = api.post("/api/v1/risks/", matter_body(street, address="联系人13812345678"),
                        format="json")
    assert response.status_code == 400 and list(response.json()) == ["address"]
    assert not Risk.objects.exists()


def test_api_edits_and_clears_the_point(api, officer_a, report):
    risk = report(officer_a, location=LOCATION)
    api.force_authenticate(officer_a)
    moved = api.patch(f"/api/v1/risks/{risk.pk}/", {
        "version": 1, "address": "花园路14号", "location": {"lat": 36.7, "lng": 117.2}},
        format="json")
    assert moved.status_code == 200, moved.content
    assert (moved.json()["address"], moved.json()["location"]) == (
        "花园路14号", {"lat": 36.7, "lng": 117.2})
    cleared = api.patch(f"/api/v1/risks/{risk.pk}/", {"version": 2, "location": None},
                        format="json")
    assert cleared.status_code == 200 and cleared.json()["location"] is None


def test_the_schema_documents_address_and_location(api, officer_a):
    api.force_authenticate(officer_a)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert set(components["Location"]["required"]) == {"lat", "lng"}
    for name in ("Risk", "RiskDetail", "RiskCreateRequest", "PatchedRiskUpdateRequest"):
        assert {"address", "location"} <= set(components[name]["properties"]), name


# The pages --------------------------------------------------------------------------------

def form_data(street, categories, **fields) -> dict:
    return {"area": street.grid_a1.pk, "category": categories["public_order"].pk,
            "title": "小区门口占道经营", "description": "早市摊贩占用消防通道。",
            "source": "grid_patrol", **fields}


def test_the_report_form_takes_an_address_and_the_phones_point(client, grid_worker_a1,
                                                               street, categories):
    client.force_login(grid_worker_a1)
    page = client.get(reverse("risks:risk_create")).content.decode()
    assert 'name="address"' in page and 'data-testid="location-use"' in page
    assert 'type="hidden" name="location_lat"' in page
    assert "使用我的位置" in page and "js/location.js" in page
    response = client.post(reverse("risks:risk_create"), form_data(
        street, categories, address="花园路12号", location_lat="36.651234",
        location_lng="117.120456"))
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert (risk.address, risk.location_lat, risk.location_lng) == (
        "花园路12号", 36.651234, 117.120456)
    matter = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    assert 'data-testid="address">花园路12号<' in matter
    assert "纬度 36.651234，经度 117.120456" in matter
    assert "tile" not in matter.lower() and "openstreetmap" not in matter.lower()


def test_half_a_point_on_the_form_comes_back_with_the_reason(client, grid_worker_a1, street,
                                                             categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), form_data(
        street, categories, address="花园路12号", location_lat="36.651234"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-location"' in page and "同时给出纬度和经度" in page
    assert 'value="花园路12号"' in page  # what was typed comes back
    assert not Risk.objects.exists()


def test_a_phone_number_in_the_address_comes_back_on_the_address(client, grid_worker_a1,
                                                                 street, categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), form_data(
        street, categories, address="找13812345678"))
    assert 'data-testid="error-address"' in response.content.decode()
    assert not Risk.objects.exists()


def test_the_edit_form_moves_and_clears_the_point(client, officer_a, report):
    risk = report(officer_a, address="花园路12号", location=LOCATION)
    client.force_login(officer_a)
    url = reverse("risks:risk_edit", args=[risk.pk])
    page = client.get(url).content.decode()
    assert 'value="36.651234"' in page and 'value="花园路12号"' in page
    assert 'data-testid="location-clear"' in page
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"discovered_at": form.initial["discovered_at"].strftime("%Y-%m-%dT%H:%M"),
                 "location_lat": "", "location_lng": ""})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    risk.refresh_from_db()
    assert (risk.address, risk.location_lat, risk.location_lng) == ("花园路12号", None, None)
    event = RiskEvent.objects.get(risk=risk, kind=EventKind.EDITED)
    assert set(event.changes) == {"location_lat", "location_lng"}
    history = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    timeline = history.split('id="timeline"')[-1]
    assert "纬度" in timeline and "经度" in timeline and "latitude" not in timeline


def test_a_matter_without_a_place_says_so(client, officer_a, report):
    risk = report(officer_a)
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    assert 'data-testid="address">—<' in page and 'data-testid="location"' not in page


# The ledgers ------------------------------------------------------------------------------

def test_the_online_ledger_has_the_address_column(client, leader, report, officer_a,
                                                  settings, tmp_path):
    from io import BytesIO

    from openpyxl import load_workbook

    settings.MEDIA_ROOT = tmp_path
    report(officer_a, address="花园路12号楼下")
    report(officer_a, title="小区门口占道经营")
    client.force_login(leader)
    response = client.get(reverse("api:ledger-export", args=["online"]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("地址")
    assert headers[column - 1] == "简要情况"  # the matter's words, then where it is
    addresses = {row[column] for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)}
    assert addresses == {"花园路12号楼下", None}


def test_the_disputes_record_places_the_matter_at_its_address(api, leader, report, officer_a,
                                                              settings):
    settings.SYNC_SETTLE_SECONDS = 0
    report(officer_a, title="楼上漏水纠纷", address="花园路12号2单元")
    report(officer_a, title="邻里噪音纠纷")
    api.force_authenticate(leader)
    places = {record["name"]: record["place"]
              for record in api.get(reverse("api:ledger-disputes")).json()["results"]}
    assert places == {"楼上漏水纠纷": "花园社区/花园第1网格 花园路12号2单元",
                      "邻里噪音纠纷": "花园社区/花园第1网格"}
