"""The grid worker's day through the API (issue 19, API_CONTRACT.md "People at work"):
``instructions/`` sent to the caller and their answers, ``zero-reports/`` of the grids the
caller sees, filed by grid workers for their own grid; and a matter posted with a person's
own token records that person as its reporter.

Each role: the grid worker of A1 (and of a micro-grid), the officer of A (who sends the
instructions), the section staff, the street leader, the officer of B (the outsider)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.services import issue_api_token
from rhythm.choices import InstructionStatus
from rhythm.models import InstructionRecipient, ZeroReport
from rhythm.services import send_instruction
from risks.choices import EventKind
from risks.models import Risk, RiskEvent
from tests.conftest import make_user

INSTRUCTIONS = "/api/v1/instructions/"
ZERO_REPORTS = "/api/v1/zero-reports/"


@pytest.fixture
def instruction(report, officer_a, grid_worker_a1):
    """The officer of A tells the grid worker of A1 to visit the parties of a matter."""
    risk = report(officer_a)
    return send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="visit",
                            content="入户走访当事人，了解诉求", risk=risk,
                            deadline=timezone.now() + timedelta(hours=4))


def as_person(api, person):
    api.force_authenticate(person)
    return api


# Instructions -----------------------------------------------------------------------------

def test_the_grid_worker_lists_the_instructions_sent_to_them(api, grid_worker_a1, officer_a,
                                                             instruction):
    response = as_person(api, grid_worker_a1).get(INSTRUCTIONS)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == instruction.pk
    assert (row["kind"], row["content"], row["status"]) == (
        "visit", "入户走访当事人，了解诉求", "open")
    assert row["issued_by"] == {"id": officer_a.pk, "username": "officer_a",
                                "name": officer_a.display_name}
    assert (row["risk"], row["risk_code"]) == (instruction.risk_id, instruction.risk.code)
    assert row["deadline"] and row["issued_at"]
    assert (row["answer"], row["answered_at"]) == ("", None)
    assert as_person(api, grid_worker_a1).get(f"{INSTRUCTIONS}{instruction.pk}/").json() == row


@pytest.mark.parametrize("persona", ["officer_a", "section_staff", "leader", "officer_b"])
def test_instructions_sent_to_someone_else_are_not_there(persona, request, api, instruction):
    """Even the officer who sent it: this is the recipient's list (the sender follows the
    answers on the instructions page)."""
    client = as_person(api, request.getfixturevalue(persona))
    assert client.get(INSTRUCTIONS).json()["results"] == []
    assert client.get(f"{INSTRUCTIONS}{instruction.pk}/").status_code == 404
    answer = client.post(f"{INSTRUCTIONS}{instruction.pk}/answer/", {"content": "已走访"},
                         format="json")
    assert answer.status_code == 404
    assert InstructionRecipient.objects.get().status == InstructionStatus.OPEN


def test_another_grid_worker_cannot_answer_it(api, street, instruction):
    colleague = make_user("grid_a2", Role.GRID_WORKER, street.grid_a2)
    response = as_person(api, colleague).post(f"{INSTRUCTIONS}{instruction.pk}/answer/",
                                              {"content": "已走访"}, format="json")
    assert response.status_code == 404
    assert InstructionRecipient.objects.get().answer == ""


def test_the_worker_answers_once_and_the_answer_goes_on_the_matter(api, grid_worker_a1,
                                                                   instruction):
    client = as_person(api, grid_worker_a1)
    url = f"{INSTRUCTIONS}{instruction.pk}/answer/"
    response = client.post(url, {"content": "已入户走访，双方同意调解。"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["answer"]) == (
        instruction.pk, "answered", "已入户走访，双方同意调解。")
    assert body["answered_at"]
    note = RiskEvent.objects.get(risk=instruction.risk, kind=EventKind.NOTE)
    assert "已入户走访" in note.note and note.actor == grid_worker_a1

    again = client.post(url, {"content": "再次回复"}, format="json")
    assert again.status_code == 400 and list(again.json()) == ["status"]
    assert InstructionRecipient.objects.get().answer == "已入户走访，双方同意调解。"
    answered = client.get(INSTRUCTIONS, {"unanswered": "true"}).json()["results"]
    assert answered == []


@pytest.mark.parametrize("content", ["", "   ", None, "请联系13812345678"])
def test_an_empty_answer_or_one_with_a_mobile_number_is_refused_naming_content(
        content, api, grid_worker_a1, instruction):
    body = {} if content is None else {"content": content}
    response = as_person(api, grid_worker_a1).post(f"{INSTRUCTIONS}{instruction.pk}/answer/",
                                                   body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["content"]
    assert InstructionRecipient.objects.get().status == InstructionStatus.OPEN


def test_open_instructions_come_first_by_deadline(api, report, officer_a, grid_worker_a1):
    risk = report(officer_a)
    later, sooner = (send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="visit",
                                      content=content, risk=risk,
                                      deadline=timezone.now() + timedelta(hours=hours))
                     for content, hours in (("三日内回访", 72), ("今日核实", 2)))
    rows = as_person(api, grid_worker_a1).get(INSTRUCTIONS).json()["results"]
    assert [row["id"] for row in rows] == [sooner.pk, later.pk]


def test_the_workbench_names_the_instruction_by_the_id_the_api_opens(api, grid_worker_a1,
                                                                     instruction):
    client = as_person(api, grid_worker_a1)
    groups = client.get("/api/v1/me/todo/").json()
    [item] = [item for group in groups for item in group["items"]
              if item["type"] == "instruction"]
    assert client.get(f"{INSTRUCTIONS}{item['id']}/").status_code == 200


# Zero reports -----------------------------------------------------------------------------

def test_the_grid_worker_files_a_zero_report_once_a_day(api, grid_worker_a1, street):
    client = as_person(api, grid_worker_a1)
    today = timezone.localdate().isoformat()
    first = client.post(ZERO_REPORTS, {"grid": street.grid_a1.pk, "day": today}, format="json")
    assert first.status_code == 201, first.content
    assert (first.json()["grid"], first.json()["day"]) == (street.grid_a1.pk, today)
    assert first.json()["reporter"]["id"] == grid_worker_a1.pk
    again = client.post(ZERO_REPORTS, {"grid": street.grid_a1.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ZeroReport.objects.count() == 1
    listed = client.get(ZERO_REPORTS).json()["results"]
    assert [row["id"] for row in listed] == [first.json()["id"]]
    assert client.get(f"{ZERO_REPORTS}{first.json()['id']}/").status_code == 200


def test_a_phone_that_was_offline_files_yesterdays(api, grid_worker_a1, street):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = as_person(api, grid_worker_a1).post(
        ZERO_REPORTS, {"grid": street.grid_a1.pk, "day": yesterday}, format="json")
    assert response.status_code == 201 and response.json()["day"] == yesterday


def test_a_day_to_come_is_refused_naming_day(api, grid_worker_a1, street):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = as_person(api, grid_worker_a1).post(
        ZERO_REPORTS, {"grid": street.grid_a1.pk, "day": tomorrow}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["day"]
    assert not ZeroReport.objects.exists()


def test_a_day_with_matters_reported_needs_no_zero_report(api, grid_worker_a1, street, report):
    report(grid_worker_a1, area=street.micro_a1)  # in the grid, through its micro-grid
    response = as_person(api, grid_worker_a1).post(ZERO_REPORTS, {"grid": street.grid_a1.pk},
                                                   format="json")
    assert response.status_code == 400 and list(response.json()) == ["day"]
    assert "无需零报告" in response.json()["day"][0]
    assert not ZeroReport.objects.exists()


@pytest.mark.parametrize("body", [{"grid": "x"}, {}, {"grid": 1, "day": "2026-13-01"}])
def test_a_malformed_zero_report_is_refused_by_field(body, api, grid_worker_a1, street):
    response = as_person(api, grid_worker_a1).post(ZERO_REPORTS, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"grid", "day"} and response.json()
    assert not ZeroReport.objects.exists()


def test_another_grid_is_outside_the_workers_scope(api, grid_worker_a1, street):
    response = as_person(api, grid_worker_a1).post(ZERO_REPORTS, {"grid": street.grid_a2.pk},
                                                   format="json")
    assert response.status_code == 400 and list(response.json()) == ["grid"]
    assert not ZeroReport.objects.exists()


def test_a_micro_grid_worker_reports_for_the_grid_around_it(api, street):
    worker = make_user("micro_a1", Role.GRID_WORKER, street.micro_a1)
    client = as_person(api, worker)
    response = client.post(ZERO_REPORTS, {"grid": street.grid_a1.pk}, format="json")
    assert response.status_code == 201, response.content
    assert [row["grid"] for row in client.get(ZERO_REPORTS).json()["results"]] == [
        street.grid_a1.pk]


@pytest.mark.parametrize("persona", ["officer_a", "section_staff", "leader"])
def test_only_grid_workers_file_zero_reports(persona, request, api, street):
    response = as_person(api, request.getfixturevalue(persona)).post(
        ZERO_REPORTS, {"grid": street.grid_a1.pk}, format="json")
    assert response.status_code == 403
    assert not ZeroReport.objects.exists()


@pytest.mark.parametrize("persona,sees", [
    ("officer_a", True), ("section_staff", True), ("leader", True), ("supervisor_a", True),
    ("officer_b", False), ("other_street_leader", False),
])
def test_those_who_see_the_grid_see_its_zero_reports(persona, sees, request, api,
                                                     grid_worker_a1, street):
    from rhythm.services import file_zero_report

    filed = file_zero_report(street.grid_a1, actor=grid_worker_a1)
    client = as_person(api, request.getfixturevalue(persona))
    listed = [row["id"] for row in client.get(ZERO_REPORTS).json()["results"]]
    assert listed == ([filed.pk] if sees else [])
    assert client.get(f"{ZERO_REPORTS}{filed.pk}/").status_code == (200 if sees else 404)


def test_the_workbench_names_the_zero_report_by_the_id_the_api_opens(api, grid_worker_a1,
                                                                     street):
    client = as_person(api, grid_worker_a1)
    client.post(ZERO_REPORTS, {"grid": street.grid_a1.pk}, format="json")
    groups = client.get("/api/v1/me/todo/").json()
    [item] = [item for group in groups for item in group["items"]
              if item["type"] == "zero_report"]
    assert client.get(f"{ZERO_REPORTS}{item['id']}/").status_code == 200


# A person's own token ---------------------------------------------------------------------

def test_a_matter_posted_with_a_workers_own_token_is_reported_by_the_worker(
        api, grid_worker_a1, api_client_user, street, categories):
    _token, key = issue_api_token(grid_worker_a1, name="网格员手机")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/v1/risks/", {
        "title": "楼道堆放杂物", "description": "楼道堆放纸箱，堵塞消防通道。",
        "category": "public_order", "area": street.grid_a1.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["reported_by"] == grid_worker_a1.pk
    assert Risk.objects.get().reported_by == grid_worker_a1
    # the platform's client reports as itself, never as a worker
    _token, platform_key = issue_api_token(api_client_user, name="district platform")
    api.credentials(HTTP_AUTHORIZATION=f"Token {platform_key}")
    other = api.post("/api/v1/risks/", {
        "title": "小区门口占道经营", "description": "早市摊贩占用消防通道。",
        "category": "public_order", "area": street.grid_a1.pk}, format="json")
    assert other.json()["reported_by"] == api_client_user.pk


def test_the_workers_token_answers_their_day(api, grid_worker_a1, instruction):
    _token, key = issue_api_token(grid_worker_a1, name="网格员手机")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [row["id"] for row in api.get(INSTRUCTIONS).json()["results"]] == [instruction.pk]
    assert api.get("/api/v1/notices/").status_code == 200
    assert api.get("/api/v1/me/todo/").status_code == 200


def test_anonymous_callers_get_401(api, instruction):
    assert api.get(INSTRUCTIONS).status_code == 401
    assert api.post(ZERO_REPORTS, {}, format="json").status_code == 401


# The schema -------------------------------------------------------------------------------

def test_the_schema_documents_the_workers_day(api, officer_a):
    schema = as_person(api, officer_a).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"get"} <= set(paths["/api/v1/instructions/"])
    assert {"post"} <= set(paths["/api/v1/instructions/{id}/answer/"])
    assert {"get", "post"} <= set(paths["/api/v1/zero-reports/"])
    assert {"get"} <= set(paths["/api/v1/zero-reports/{id}/"])
    created = paths["/api/v1/zero-reports/"]["post"]["responses"]
    assert {"200", "201", "400", "403"} <= set(created)
