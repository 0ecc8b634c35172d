"""How many people a matter involves is a count (涉及人数), never a list of names; and the
weekly re-grading (周调) can confirm a level that is still right."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rhythm.snapshots import STALE_GRADING_DAYS, stale_gradings
from risks import services
from risks.choices import Action, EventKind, RiskStatus
from risks.models import Risk, RiskEvent
from tests.test_ledgers_import import import_rows, sheet_row


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# People involved --------------------------------------------------------------------------

def test_api_reports_and_shows_people_involved(api, officer_a, street, categories):
    api.force_authenticate(officer_a)
    created = api.post("/api/v1/risks/", {
        "title": "装修公司拖欠工资", "description": "拖欠工资约三万元，需协调支付。",
        "category": "mass_interest", "subtype": "labour_wages", "area": street.grid_a1.pk,
        "people_involved": 30}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["people_involved"] == 30
    listed = api.get("/api/v1/risks/").json()["results"]
    assert [row["people_involved"] for row in listed] == [30]


@pytest.mark.parametrize("count", [0, -3, "许多"])
def test_api_refuses_a_count_below_one(count, api, officer_a, street, categories):
    api.force_authenticate(officer_a)
    response = api.post("/api/v1/risks/", {
        "title": "欠薪纠纷", "description": "拖欠工资。", "category": "disputes",
        "area": street.grid_a1.pk, "people_involved": count}, format="json")
    assert response.status_code == 400 and "people_involved" in response.json()
    assert not Risk.objects.exists()


def test_api_edits_people_involved_with_an_event(api, officer_a, report):
    risk = report(officer_a, people_involved=3)
    api.force_authenticate(officer_a)
    response = api.patch(f"/api/v1/risks/{risk.pk}/",
                         {"version": risk.version, "people_involved": 12}, format="json")
    assert response.status_code == 200 and response.json()["people_involved"] == 12
    event = RiskEvent.objects.get(risk=risk, kind=EventKind.EDITED)
    assert event.changes == {"people_involved": [3, 12]}


def test_report_form_takes_people_involved_without_naming_anyone(client, grid_worker_a1,
                                                                 street, categories):
    client.force_login(grid_worker_a1)
    response = client.post(reverse("risks:risk_create"), {
        "area": street.grid_a1.pk, "category": categories["disputes"].pk,
        "title": "工地欠薪纠纷", "description": "工地拖欠工人工资，需协调支付。",
        "source": "grid_patrol", "people_involved": "30", "party_relation": "party"})
    risk = Risk.objects.get()
    assert response.status_code == 302
    assert (risk.people_involved, risk.parties.count()) == (30, 0)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk])).content.decode()
    assert 'data-testid="people-involved">30<' in page


def test_import_refuses_a_bad_count_naming_row_and_column(officer_a, street, categories):
    outcome = import_rows(officer_a, [sheet_row(涉及人数="三十")])
    [error] = outcome.check.errors
    assert (error.row, error.column, error.field) == (2, "M", "涉及人数")
    assert not Risk.objects.exists()


def test_online_ledger_export_has_the_count(client, leader, report, officer_a):
    from io import BytesIO

    from openpyxl import load_workbook

    report(officer_a, people_involved=7)
    client.force_login(leader)
    exported = client.get(reverse("api:ledger-export", args=["online"]))
    sheet = load_workbook(BytesIO(b"".join(exported.streaming_content))).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    row = next(sheet.iter_rows(min_row=2, values_only=True))
    assert row[headers.index("涉及人数")] == 7


# Confirming a grade (周调) ------------------------------------------------------------------

def graded(report, officer_a, level="medium", days_ago=0):
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                changes={"level": level})
    if days_ago:
        Risk.objects.filter(pk=risk.pk).update(
            graded_at=timezone.now() - timedelta(days=days_ago))
        risk.refresh_from_db()
    return risk


def test_stale_list_uses_the_weekly_rhythm(street, report, officer_a):
    assert STALE_GRADING_DAYS == 7
    fresh = graded(report, officer_a, days_ago=6)
    old = graded(report, officer_a, days_ago=8)
    assert [risk.pk for risk in stale_gradings(street.street)] == [old.pk]
    assert fresh.pk not in [risk.pk for risk in stale_gradings(street.street)]


def test_confirm_grade_stamps_graded_at_keeps_the_level_and_clears_the_stale_list(
        street, report, officer_a):
    old = graded(report, officer_a, level="high", days_ago=10)
    before = old.graded_at
    confirmed = services.confirm_grade(old, actor=officer_a, version=old.version)
    assert confirmed.level == "high" and confirmed.graded_at > before
    assert confirmed.status == RiskStatus.VERIFIED
    event = RiskEvent.objects.get(risk=old, kind=EventKind.GRADE_CONFIRMED)
    assert (event.action, event.actor, event.changes) == (Action.CONFIRM_GRADE, officer_a,
                                                          {"level": "high"})
    assert list(stale_gradings(street.street)) == []


def test_confirm_grade_needs_a_grade_and_a_grader(report, officer_a, grid_worker_a1):
    ungraded = services.verify_risk(report(officer_a), actor=officer_a)
    with pytest.raises(services.RuleBroken) as refused:
        services.confirm_grade(ungraded, actor=officer_a)
    assert refused.value.field == "level"
    risk = graded(report, officer_a)
    with pytest.raises(services.Forbidden):
        services.confirm_grade(risk, actor=grid_worker_a1)
    assert not RiskEvent.objects.filter(kind=EventKind.GRADE_CONFIRMED).exists()


def test_confirm_grade_through_the_api_transition(api, officer_a, officer_b, report):
    risk = graded(report, officer_a, days_ago=9)
    api.force_authenticate(officer_b)
    url = f"/api/v1/risks/{risk.pk}/transition/"
    assert api.post(url, {"action": "confirm_grade"}, format="json").status_code == 404
    api.force_authenticate(officer_a)
    detail = api.get(f"/api/v1/risks/{risk.pk}/").json()
    assert "confirm_grade" in detail["available_actions"]
    response = api.post(url, {"action": "confirm_grade", "version": risk.version},
                        format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["level"] == "medium" and body["version"] == risk.version + 1
    assert body["graded_at"] > detail["graded_at"]


def test_confirm_grade_button_on_the_matter_page(client, officer_a, report):
    risk = graded(report, officer_a, days_ago=9)
    client.force_login(officer_a)
    url = reverse("risks:risk_detail", args=[risk.pk])
    assert 'data-testid="action-confirm_grade"' in client.get(url).content.decode()
    response = client.post(reverse("risks:risk_transition", args=[risk.pk]),
                           {"action": "confirm_grade", "version": risk.version})
    assert response.status_code == 302
    assert RiskEvent.objects.filter(risk=risk, kind=EventKind.GRADE_CONFIRMED).exists()


def test_bulk_confirms_grades(client, officer_a, report, street):
    risks = [graded(report, officer_a, days_ago=9) for _ in range(3)]
    client.force_login(officer_a)
    data = {"selected": [risk.pk for risk in risks], "operation": "confirm_grade",
            "next_query": ""}
    for risk in risks:
        data[f"version_{risk.pk}"] = risk.version
    client.post(reverse("risks:risk_bulk"), data)
    assert RiskEvent.objects.filter(kind=EventKind.GRADE_CONFIRMED).count() == 3
    assert list(stale_gradings(street.street)) == []
