"""The disputes ledger as a JSON feed for the city one-stop platform (``ledgers/disputes/``):
the caller's scope only, the GB/T 31000-2015 items of the .xlsx, parties masked unless
unmasked by a permitted user (then logged), and the keyset sync walk of the register."""

import time
from datetime import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.services import issue_api_token
from audit.models import AccessLog
from ledgers.layouts import DISPUTE_ITEMS
from risks import services as risk_services

FEED_URL = reverse("api:ledger-disputes")
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def settled_at_once(settings):
    """Pages stop SYNC_SETTLE_SECONDS short of now; the tests read what they just wrote."""
    settings.SYNC_SETTLE_SECONDS = 0


@pytest.fixture
def dispute_a(report, officer_a):
    risk = report(officer_a, title="楼上漏水纠纷", people_involved=2)
    risk_services.add_party(risk, actor=officer_a, name="张三丰", phone=PHONE)
    return risk


@pytest.fixture
def dispute_b(report, officer_b, street):
    return report(officer_b, area=street.grid_b1, title="东泉停车纠纷",
                  description="车位归属引发争执。")


@pytest.fixture
def hazard_a(report, officer_a, categories):
    """A matter of community A that is not a dispute: never in the feed."""
    return report(officer_a, title="电动车充电隐患", category=categories["public_order"])


def codes(response) -> set:
    assert response.status_code == 200, response.content
    return {record["code"] for record in response.json()["results"]}


# Scope ------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona,sees_a,sees_b", [
    ("grid_worker_a1", True, False), ("officer_a", True, False), ("officer_b", False, True),
    ("supervisor_a", True, False), ("leader", True, True), ("social_staff", False, False),
    ("api_client_user", True, True), ("other_street_leader", False, False),
])
def test_feed_holds_only_the_disputes_in_scope(api, request, dispute_a, dispute_b, hazard_a,
                                               persona, sees_a, sees_b):
    api.force_authenticate(request.getfixturevalue(persona))
    expected = ({dispute_a.code} if sees_a else set()) | ({dispute_b.code} if sees_b else set())
    assert codes(api.get(FEED_URL)) == expected


def test_another_communitys_dispute_never_appears_whatever_the_filters(api, officer_a, street,
                                                                      dispute_a, dispute_b):
    api.force_authenticate(officer_a)
    assert codes(api.get(FEED_URL, {"area": street.grid_b1.pk})) == set()
    assert codes(api.get(FEED_URL, {"q": "东泉"})) == set()
    assert codes(api.get(FEED_URL, {"updated_after": "2000-01-01T00:00:00+08:00"})) \
        == {dispute_a.code}
    assert api.get(FEED_URL, {"within": street.community_b.pk}).status_code == 404


def test_the_registers_filters_apply(api, leader, dispute_a, dispute_b, officer_b):
    risk_services.reject_risk(dispute_b, actor=officer_b, note="不属于纠纷")
    api.force_authenticate(leader)
    assert codes(api.get(FEED_URL, {"status": "invalid"})) == {dispute_b.code}


def test_anonymous_is_refused_and_a_token_client_is_served(api, api_client_user, dispute_a):
    assert api.get(FEED_URL).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_api_token(api_client_user)[1]}")
    assert codes(api.get(FEED_URL)) == {dispute_a.code}


# The items --------------------------------------------------------------------------------

def test_records_carry_the_items_of_the_disputes_xlsx(api, client, leader, dispute_a):
    """The feed and the .xlsx are one mapping (ledgers.layouts.dispute_record)."""
    api.force_authenticate(leader)
    [record] = api.get(FEED_URL).json()["results"]
    assert list(record) == ["id", "updated_at", *(key for key, _header, _width in DISPUTE_ITEMS),
                            "version", "acked", "acked_at", "platform_ref"]
    client.force_login(leader)
    exported = client.get(reverse("api:ledger-export", args=["disputes"]))
    sheet = load_workbook(BytesIO(b"".join(exported.streaming_content))).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    row = dict(zip(headers, next(sheet.iter_rows(min_row=2, values_only=True)), strict=True))
    for key, header, _width in DISPUTE_ITEMS:
        value = record[key]
        if isinstance(row[header], datetime):
            value = datetime.fromisoformat(value).replace(tzinfo=None, microsecond=0)
        assert value == (row[header] if row[header] is not None else
                         (None if record[key] is None else "")), header
    assert (record["id"], record["code"], record["people_involved"]) == (
        dispute_a.pk, dispute_a.code, 2)
    assert record["main_party_id_number"] is None and record["main_party_ethnicity"] is None
    assert record["resolved"] == "3-化解中"


def test_scale_and_people_involved_come_from_the_count_not_the_named_parties(
        api, leader, report, officer_a):
    """A 30-worker wage dispute needs one contact, not thirty names."""
    wages = report(officer_a, title="装修公司拖欠工人工资", people_involved=30,
                   description="装修公司拖欠工人工资，需协调企业尽快支付。")
    risk_services.add_party(wages, actor=officer_a, name="王建", phone=PHONE)
    unknown = report(officer_a, title="邻里噪音纠纷")
    risk_services.add_party(unknown, actor=officer_a, name="李明", phone=PHONE)
    api.force_authenticate(leader)
    records = {record["code"]: record for record in api.get(FEED_URL).json()["results"]}
    assert (records[wages.code]["people_involved"], records[wages.code]["scale"]) == (
        30, "3-群体")
    assert (records[unknown.code]["people_involved"], records[unknown.code]["scale"]) == (
        None, None)


# Masking ----------------------------------------------------------------------------------

def test_parties_are_masked_and_a_masked_read_is_not_logged(api, unmasker, dispute_a):
    api.force_authenticate(unmasker)
    [record] = api.get(FEED_URL).json()["results"]
    assert (record["main_party_name"], record["main_party_phone"]) == ("张**", "138****5678")
    assert not AccessLog.objects.filter(action=AccessLog.Action.UNMASKED_READ).exists()


def test_unmasker_gets_the_clear_data_and_the_read_is_logged(api, unmasker, dispute_a):
    api.force_authenticate(unmasker)
    [record] = api.get(FEED_URL, {"unmask": "true"}).json()["results"]
    assert (record["main_party_name"], record["main_party_phone"]) == ("张三丰", PHONE)
    log = AccessLog.objects.get(action=AccessLog.Action.UNMASKED_READ)
    assert (log.actor, log.target) == (unmasker, "ledger:disputes")
    assert dispute_a.code in log.detail


def test_unmasking_without_the_permission_is_refused_and_nothing_leaks(api, leader,
                                                                       dispute_a):
    api.force_authenticate(leader)
    response = api.get(FEED_URL, {"unmask": "true"})
    assert response.status_code == 403
    assert PHONE.encode() not in response.content and "张三丰".encode() not in response.content
    assert not AccessLog.objects.filter(action=AccessLog.Action.UNMASKED_READ).exists()


# The sync walk ----------------------------------------------------------------------------

def walk(api, params) -> list[dict]:
    """Follow ``next`` to the end; every record in walk order."""
    records, response = [], api.get(FEED_URL, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        records += body["results"]
        if body["next"] is None:
            return records
        response = api.get(body["next"])


def test_walk_pages_through_every_changed_dispute_once(api, report, officer_a, leader):
    old = report(officer_a, title="旧纠纷")
    unchanged = report(officer_a, title="未变的纠纷")
    time.sleep(0.01)
    since = unchanged.updated_at
    fresh = [report(officer_a, title=f"新纠纷{number}") for number in range(5)]
    risk_services.verify_risk(old, actor=officer_a)  # changed after T: in the walk
    api.force_authenticate(leader)
    records = walk(api, {"updated_after": since.isoformat(), "page_size": 2})
    ids = [record["id"] for record in records]
    assert sorted(ids) == sorted([risk.pk for risk in fresh] + [old.pk])
    assert len(ids) == len(set(ids)) and ids[-1] == old.pk
    stamps = [datetime.fromisoformat(record["updated_at"]) for record in records]
    assert stamps == sorted(stamps)

    # The next pull starts from the last change taken and brings only what changed since.
    time.sleep(0.01)
    risk_services.add_note(fresh[0], actor=officer_a, note="已回访")
    again = walk(api, {"updated_after": records[-1]["updated_at"], "page_size": 2})
    assert [record["id"] for record in again] == [fresh[0].pk]


def test_walk_leaves_the_last_moments_for_the_next_walk(api, settings, leader, dispute_a):
    settings.SYNC_SETTLE_SECONDS = 60
    api.force_authenticate(leader)
    body = api.get(FEED_URL).json()
    assert body["results"] == [] and body["next"] is None


def test_bad_cursor_is_a_clear_400(api, leader, dispute_a):
    api.force_authenticate(leader)
    response = api.get(FEED_URL, {"cursor": "garbage!"})
    assert response.status_code == 400 and "cursor" in response.json()


# Session or token, the user's scope, the page (matters' ids on the walk's index), the
# page's matters with their labels (one joined SELECT), their parties, and the session
# save of SESSION_SAVE_EVERY_REQUEST (savepoint, update, release), the page's
# acknowledgements by the city platform: the same for 3 or 30.
FEED_QUERIES = 10


@pytest.mark.parametrize("disputes", [3, 30])
def test_a_page_costs_the_same_queries_for_3_or_30_disputes(client, leader, officer_a, report,
                                                            disputes,
                                                            django_assert_max_num_queries):
    for number in range(disputes):
        risk = report(officer_a, title=f"纠纷{number}")
        risk_services.add_party(risk, actor=officer_a, name="李四", phone=PHONE)
    client.force_login(leader)
    with django_assert_max_num_queries(FEED_QUERIES):
        response = client.get(FEED_URL)
    assert len(response.json()["results"]) == disputes


# The schema -------------------------------------------------------------------------------

def test_the_feed_is_in_the_openapi_schema_without_warnings_of_its_own(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert [message for message in messages
            if "DisputeFeed" in message or "DisputeRecord" in message
            or "ledgers/disputes" in message] == []
    operation = schema["paths"]["/api/v1/ledgers/disputes/"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"updated_after", "cursor", "page_size", "unmask", "category"} <= parameters
    assert "ordering" not in parameters  # the walk's order is fixed
    components = schema["components"]["schemas"]
    page_reference = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = components[page_reference["$ref"].rsplit("/", 1)[1]]
    record = components["DisputeRecord"]
    assert {"next", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["items"]["$ref"].endswith("/DisputeRecord")
    assert "矛盾纠纷名称" in record["properties"]["name"]["description"]
    assert record["properties"]["main_party_id_number"]["nullable"] is True
