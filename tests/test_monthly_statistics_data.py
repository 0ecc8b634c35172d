"""The monthly statistics as data (issue 21): ``statistics/monthly/`` (JSON) and
``statistics/monthly.xlsx`` give the very figures of the monthly statistics page — one
function counts them (rhythm.report_scope.monthly_rows) — by community, level and
category, for the caller's scope only."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AccessLog
from risks.choices import RiskLevel, RiskStatus
from tests.supervision_helpers import MatterMaker, Spec

HIGH, MEDIUM, LOW = RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW
S = RiskStatus
MATTERS = [
    Spec("a", "disputes", HIGH, S.CLOSED), Spec("a", "disputes", HIGH, S.RESOLVING),
    Spec("a", "disputes", MEDIUM, S.RESOLVED), Spec("a", "public_order", MEDIUM, S.VERIFIED),
    Spec("a", "disputes", LOW, S.INVALID), Spec("a", "public_order", LOW, S.RESOLVED),
    Spec("b", "disputes", HIGH, S.RESOLVING), Spec("b", "cyber", LOW, S.CLOSED),
]
XLSX_URL = "/api/v1/statistics/monthly.xlsx"
JSON_URL = "/api/v1/statistics/monthly/"


@pytest.fixture
def matters(street, categories, officer_a, officer_b, leader, roster_a1):
    return MatterMaker(street, categories, officer_a, officer_b, leader).many(MATTERS)


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def page_rows(client, user) -> dict:
    client.force_login(user)
    response = client.get(reverse("rhythm:monthly_stats"), {"month": this_month()})
    assert response.status_code == 200
    return {row["community"]: row for row in response.context["rows"]}


def json_rows(api, user) -> dict:
    api.force_authenticate(user)
    body = api.get(JSON_URL, {"month": this_month()}).json()
    rows = list(body["communities"])
    if body["street_total"] is not None:
        rows.append(body["street_total"])
    return {row["name"]: row for row in rows}


def sheets(client, user) -> dict:
    client.force_login(user)
    response = client.get(XLSX_URL, {"month": this_month()})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    found = {}
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        body = [row for row in rows[1:] if row and row[1] is not None]  # not the footer
        found[sheet.title] = [dict(zip(header, row, strict=False)) for row in body]
    return found


def test_json_gives_the_figures_of_the_monthly_page(matters, client, api, leader):
    page, data = page_rows(client, leader), json_rows(api, leader)
    assert set(page) == set(data) == {"花园社区", "东泉社区", "全福街道"}
    for name, row in page.items():
        served = data[name]
        assert (served["valid"], served["done"], served["closed"]) == (
            row["total"], row["done"], row["closed"]), name
        assert (served["resolution_rate"], served["write_off_rate"],
                served["on_time_feedback_rate"]) == (
            row["resolution_rate"], row["write_off_rate"], row["on_time_feedback_rate"])
        for level in served["levels"]:
            figures = row["levels"][level["level"]]
            assert (level["valid"], level["done"], level["resolution_rate"], level["met"]) == (
                figures["total"], figures["done"], figures["rate"], figures["met"])
        assert {category["category"]: (category["valid"], category["done"],
                                       category["resolution_rate"])
                for category in served["categories"]} == {
            code: (figures["total"], figures["done"], figures["rate"])
            for code, figures in row["categories"].items()}
    # by hand, community A: 5 valid (the invalid one left out), 3 done, 1 written off
    assert (data["花园社区"]["valid"], data["花园社区"]["done"],
            data["花园社区"]["closed"]) == (5, 3, 1)


def test_xlsx_opens_and_holds_the_same_numbers(matters, client, api, leader):
    data = json_rows(api, leader)
    workbook = sheets(client, leader)
    assert set(workbook) == {"按社区", "按等级", "按类别"}
    by_community = {row["社区"]: row for row in workbook["按社区"]}
    assert set(by_community) == set(data)
    for name, served in data.items():
        row = by_community[name]
        assert (row["有效事项"], row["已化解（含已销号）"], row["已销号"]) == (
            served["valid"], served["done"], served["closed"])
        assert row["化解率"] == served["resolution_rate"]
        assert row["销号率"] == served["write_off_rate"]
    levels = {(row["社区"], row["风险等级"]): row for row in workbook["按等级"]}
    for name, served in data.items():
        for level, word in zip((HIGH, MEDIUM, LOW), ("高", "中", "低"), strict=True):
            [figures] = [entry for entry in served["levels"] if entry["level"] == level]
            row = levels[(name, word)]
            assert (row["有效事项"], row["已化解（含已销号）"], row["化解率"]) == (
                figures["valid"], figures["done"], figures["resolution_rate"])
            assert row["是否达标"] == ("是" if figures["met"] else "否")
    categories = {(row["社区"], row["风险类别"]): row for row in workbook["按类别"]}
    for name, served in data.items():
        for category in served["categories"]:
            row = categories[(name, category["name"])]
            assert (row["有效事项"], row["已化解（含已销号）"], row["化解率"]) == (
                category["valid"], category["done"], category["resolution_rate"])


def test_the_export_is_scoped_to_the_caller(matters, client, officer_a):
    workbook = sheets(client, officer_a)
    assert [row["社区"] for row in workbook["按社区"]] == ["花园社区"]
    assert {row["社区"] for row in workbook["按类别"]} == {"花园社区"}


def test_the_export_is_logged(matters, client, leader):
    sheets(client, leader)
    entry = AccessLog.objects.filter(action=AccessLog.Action.EXPORT,
                                     target__startswith="monthly:").get()
    assert entry.actor_id == leader.pk


def test_a_bad_month_is_a_400_naming_the_field(client, leader, db):
    client.force_login(leader)
    response = client.get(XLSX_URL, {"month": "2026-13"})
    assert response.status_code == 400 and "month" in response.json()


def test_the_monthly_page_offers_the_xlsx(client, leader, db):
    client.force_login(leader)
    text = client.get(reverse("rhythm:monthly_stats")).content.decode()
    assert f"{XLSX_URL}?month={this_month()}" in text


def test_the_xlsx_is_in_the_openapi_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/statistics/monthly.xlsx"]["get"]
    assert "month" in {parameter["name"] for parameter in operation["parameters"]}
