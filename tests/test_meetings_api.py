"""The meetings API (API_CONTRACT.md ``meetings/``), action items, whistle calls and the
escalation flags: shapes, role × scope (404 outside, 403 visible but not allowed, nothing
changed on a refusal), and fixed query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import issue_api_token
from meetings import services
from meetings.choices import ActionItemStatus, Decision, MeetingStatus, WhistleStatus
from meetings.models import ActionItem, Meeting, WhistleCall
from risks.choices import Action, RiskLevel, Tier
from risks.models import Risk, RiskEvent
from tests.meetings_helpers import days_ago, decide, escalated, hold, hold_and_approve, resolving

CONTRACT_FIELDS = {"id", "title", "tier", "kind", "held_on", "risks", "decisions",
                   "action_items"}


@pytest.fixture
def matter(ready_to_start, officer_a):
    return resolving(ready_to_start, officer_a)


@pytest.fixture
def approved(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter], held_on=days_ago(5))
    decide(meeting, officer_a, {matter: Decision.FOLLOW_UP})
    services.add_action_item(meeting, actor=officer_a, item=meeting.items.get(),
                             title="组织调解", owner=officer_a, deadline=days_ago(1))
    return services.approve_meeting(meeting, actor=officer_a)


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_anonymous_requests_get_401(api, approved):
    assert api.get("/api/v1/meetings/").status_code == 401


def test_meetings_follow_the_contract(api, officer_a, approved, matter):
    body = as_user(api, officer_a).get("/api/v1/meetings/").json()
    assert set(body) >= {"next", "previous", "results"}
    meeting = body["results"][0]
    assert CONTRACT_FIELDS <= set(meeting)
    assert meeting["tier"] == "community" and meeting["kind"] == "joint"
    assert meeting["risks"] == [matter.pk]
    assert meeting["decisions"][0]["decision"] == "follow_up"
    assert meeting["action_items"][0] | {"id": 0} == {
        "id": 0, "item": meeting["decisions"][0]["item"], "title": "组织调解",
        "owner": officer_a.pk, "owner_department": None, "deadline": days_ago(1).isoformat(),
        "status": "open", "overdue": True}
    assert meeting["minutes"] == approved.minutes


@pytest.mark.parametrize("persona,expected", [
    ("officer_a", 200), ("leader", 200), ("api_client_user", 200), ("grid_worker_a1", 200),
    ("officer_b", 404), ("social_staff", 404), ("other_street_leader", 404),
])
def test_meeting_detail_follows_the_scope(api, request, approved, persona, expected):
    response = as_user(api, request.getfixturevalue(persona)).get(
        f"/api/v1/meetings/{approved.pk}/")
    assert response.status_code == expected


def test_minutes_are_null_for_who_sees_only_their_matters_decision(api, grid_worker_a1,
                                                                  approved):
    body = as_user(api, grid_worker_a1).get(f"/api/v1/meetings/{approved.pk}/").json()
    assert body["minutes"] is None and body["decisions"]


def test_meetings_filter_by_tier_and_matter(api, leader, officer_a, approved, matter):
    hold(leader, Tier.STREET)
    as_user(api, leader)
    assert [row["tier"] for row in api.get("/api/v1/meetings/?tier=street").json()[
        "results"]] == ["street"]
    assert [row["id"] for row in api.get(f"/api/v1/meetings/?risk={matter.pk}").json()[
        "results"]] == [approved.pk]


def test_officer_convenes_decides_and_approves_through_the_api(api, officer_a, matter):
    as_user(api, officer_a)
    created = api.post("/api/v1/meetings/", {
        "title": "花园社区联席会议", "tier": "community", "held_on": timezone.localdate(),
        "chair": officer_a.pk, "minutes": "纪要", "risks": [matter.pk]}, format="json")
    assert created.status_code == 201, created.json()
    meeting = created.json()
    assert meeting["status"] == "draft" and meeting["risks"] == [matter.pk]
    item = meeting["decisions"][0]["item"]
    decided = api.post(f"/api/v1/meetings/{meeting['id']}/decisions/", {
        "item": item, "decision": "escalate", "note": "提请街道"}, format="json")
    assert decided.status_code == 200
    stale = api.post(f"/api/v1/meetings/{meeting['id']}/approve/", {"version": 1},
                     format="json")
    assert stale.status_code == 409
    approved = api.post(f"/api/v1/meetings/{meeting['id']}/approve/", {
        "version": decided.json()["version"]}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Risk.objects.get(pk=matter.pk).tier == Tier.STREET
    assert RiskEvent.objects.filter(risk=matter, action=Action.ESCALATE).exists()


@pytest.mark.parametrize("persona", ["grid_worker_a1", "section_staff", "supervisor_a"])
def test_who_does_not_convene_gets_403_and_nothing_is_created(api, request, matter, persona):
    response = as_user(api, request.getfixturevalue(persona)).post("/api/v1/meetings/", {
        "title": "会议", "tier": "community", "held_on": timezone.localdate()}, format="json")
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_a_matter_outside_the_scope_is_answered_as_missing(api, officer_a, report, officer_b,
                                                          street):
    matter_b = report(officer_b, area=street.grid_b1)
    response = as_user(api, officer_a).post("/api/v1/meetings/", {
        "title": "会议", "tier": "community", "held_on": timezone.localdate(),
        "risks": [matter_b.pk]}, format="json")
    assert response.status_code == 400 and "risks" in response.json()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("persona,expected", [("grid_worker_a1", 403), ("supervisor_a", 403),
                                              ("officer_b", 404)])
def test_refused_changes_to_a_meeting_change_nothing(api, request, officer_a, matter, persona,
                                                     expected):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    decide(meeting, officer_a, {matter: Decision.ESCALATE})
    item = meeting.items.get()
    version = Meeting.objects.get(pk=meeting.pk).version
    as_user(api, request.getfixturevalue(persona))
    base = f"/api/v1/meetings/{meeting.pk}"
    attempts = [
        api.post(f"{base}/approve/", {}, format="json"),
        api.post(f"{base}/decisions/", {"item": item.pk, "decision": "follow_up",
                                        "note": "跟进"}, format="json"),
        api.post(f"{base}/items/", {"topic": "议题"}, format="json"),
        api.patch(f"{base}/", {"title": "改名"}, format="json"),
    ]
    assert [response.status_code for response in attempts] == [expected] * 4
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert (fresh.status, fresh.version, fresh.title) == (MeetingStatus.DRAFT, version,
                                                          meeting.title)
    assert Risk.objects.get(pk=matter.pk).tier == Tier.COMMUNITY


def test_approved_minutes_are_amended_not_edited(api, officer_a, approved):
    as_user(api, officer_a)
    response = api.patch(f"/api/v1/meetings/{approved.pk}/", {"minutes": "改写"},
                         format="json")
    assert response.status_code == 400 and "status" in response.json()
    amended = api.post(f"/api/v1/meetings/{approved.pk}/amendments/", {
        "part": "minutes", "text": "更正后的纪要", "reason": "笔误"}, format="json")
    assert amended.status_code == 201 and amended.json()["before"] == approved.minutes
    history = api.get(f"/api/v1/meetings/{approved.pk}/amendments/").json()
    assert [row["number"] for row in history] == [1]


def test_agenda_proposal_through_the_api(api, leader, officer_a, matter):
    escalated(matter, officer_a)
    meeting = hold(leader, Tier.STREET)
    body = as_user(api, leader).get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()
    assert [row["code"] for row in body["matters"]] == [matter.code]
    added = api.post(f"/api/v1/meetings/{meeting.pk}/items/", {"risk": matter.pk},
                     format="json")
    assert added.status_code == 201 and added.json()["risk"] == matter.pk
    assert api.get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()["matters"] == []


# Action items ------------------------------------------------------------------------------

def test_action_items_mine_and_overdue(api, officer_a, approved, leader):
    as_user(api, officer_a)
    mine = api.get("/api/v1/action-items/?mine=true").json()["results"]
    assert [row["title"] for row in mine] == ["组织调解"] and mine[0]["overdue"] is True
    assert api.get("/api/v1/action-items/?overdue=false").json()["results"] == []
    as_user(api, leader)
    assert api.get("/api/v1/action-items/?mine=true").json()["results"] == []


def test_owner_reports_progress_and_completes_through_the_api(api, officer_a, approved):
    action_item = ActionItem.objects.get()
    as_user(api, officer_a)
    base = f"/api/v1/action-items/{action_item.pk}"
    assert api.post(f"{base}/progress/", {"note": "已约谈"}, format="json").status_code == 201
    done = api.post(f"{base}/transition/", {"action": "complete", "note": "调解成功"},
                    format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert [row["note"] for row in api.get(f"{base}/progress/").json()] == ["已约谈", "调解成功"]


@pytest.mark.parametrize("persona,expected", [("grid_worker_a1", 403), ("officer_b", 404)])
def test_others_cannot_complete_an_action_item_through_the_api(api, request, approved, persona,
                                                               expected):
    action_item = ActionItem.objects.get()
    response = as_user(api, request.getfixturevalue(persona)).post(
        f"/api/v1/action-items/{action_item.pk}/transition/",
        {"action": "complete", "note": "代为完成"}, format="json")
    assert response.status_code == expected
    assert ActionItem.objects.get().status == ActionItemStatus.OPEN


# Whistle calls -----------------------------------------------------------------------------

def test_whistle_call_and_report_in_through_the_api(api, grid_worker_a1, report, street,
                                                    section_staff):
    matter = report(grid_worker_a1)
    as_user(api, grid_worker_a1)
    created = api.post("/api/v1/whistle-calls/", {
        "risk": matter.pk, "departments": [street.department.pk], "request": "请到场",
        "respond_by": (timezone.now() + timedelta(hours=2)).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    call = created.json()
    assert call["status"] == "open" and call["reports"][0]["overdue"] is False
    refused = api.post(f"/api/v1/whistle-calls/{call['id']}/report/", {
        "department": street.department.pk, "plan": "代报到"}, format="json")
    assert refused.status_code == 403
    reported = as_user(api, section_staff).post(f"/api/v1/whistle-calls/{call['id']}/report/", {
        "department": street.department.pk, "plan": "立即派员"}, format="json")
    assert reported.status_code == 200 and reported.json()["status"] == WhistleStatus.CLOSED


def test_whistle_calls_filter_overdue(api, grid_worker_a1, report, street, leader, officer_b):
    matter = report(grid_worker_a1)
    now = timezone.now()
    services.blow_whistle(matter, actor=grid_worker_a1, departments=[street.department],
                          request="请到场", called_at=now - timedelta(days=2),
                          respond_by=now - timedelta(days=1))
    rows = as_user(api, leader).get("/api/v1/whistle-calls/?overdue=true").json()["results"]
    assert len(rows) == 1 and rows[0]["reports"][0]["overdue"] is True
    assert as_user(api, officer_b).get("/api/v1/whistle-calls/").json()["results"] == []


def test_whistle_call_by_a_supervisor_is_refused(api, supervisor_a, report, grid_worker_a1,
                                                 street):
    matter = report(grid_worker_a1)
    response = as_user(api, supervisor_a).post("/api/v1/whistle-calls/", {
        "risk": matter.pk, "departments": [street.department.pk], "request": "请到场",
        "respond_by": (timezone.now() + timedelta(hours=2)).isoformat()}, format="json")
    assert response.status_code == 403 and not WhistleCall.objects.exists()


# Escalation flags --------------------------------------------------------------------------

def test_escalation_flags_list_the_flagged_matters(api, leader, officer_a, officer_b, street,
                                                   matter):
    services.save_escalation_rule(actor=leader, street=street.street, tier=Tier.COMMUNITY,
                                  level=RiskLevel.MEDIUM, days=2)
    Risk.objects.filter(pk=matter.pk).update(discovered_at=timezone.now() - timedelta(days=3))
    rows = as_user(api, officer_a).get("/api/v1/escalation-flags/?tier=community").json()[
        "results"]
    assert [(row["code"], row["rule_days"]) for row in rows] == [(matter.code, 2)]
    assert as_user(api, officer_b).get("/api/v1/escalation-flags/").json()["results"] == []


# Query counts ------------------------------------------------------------------------------

def many(leader, officer_a, matter, count):
    escalated(matter, officer_a)
    for number in range(count):
        meeting = hold_and_approve(leader, Tier.STREET, {matter: Decision.FOLLOW_UP},
                                   title=f"街道会议{number}", held_on=days_ago(number + 1))
        services.add_action_item(meeting, actor=leader, title=f"任务{number}", owner=officer_a,
                                 deadline=days_ago(0), reason="补记")


# Token auth, the user's area (scope roots), the page's count and rows, then one query per
# prefetch (items, action items, attendees, departments): 9, for any number of meetings.
API_QUERIES = 9


@pytest.mark.parametrize("count", [2, 15])
@pytest.mark.parametrize("path", ["/api/v1/meetings/", "/api/v1/action-items/",
                                  "/api/v1/whistle-calls/", "/api/v1/escalation-flags/"])
def test_list_endpoints_make_a_fixed_number_of_queries(client, leader, officer_a, matter, count,
                                                       path, django_assert_max_num_queries):
    many(leader, officer_a, matter, count)
    headers = {"Authorization": f"Token {issue_api_token(leader)[1]}"}
    client.get(path, headers=headers)  # a token's first use in a minute is audited, once
    with django_assert_max_num_queries(API_QUERIES):
        response = client.get(path, headers=headers)
    assert response.status_code == 200
