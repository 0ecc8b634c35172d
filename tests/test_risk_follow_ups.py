"""Follow-up calls after write-off (回访): only a written-off matter is called back, by who
handles it; the outcome is one of three; the list shows the matters of the user's scope
written off within the window and not called back yet; a dissatisfied call offers to
reopen the matter in one click."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from quanfu.errors import Forbidden, RuleBroken
from risks import services
from risks.choices import EventKind, FollowUpOutcome, RiskStatus
from risks.follow_ups import (
    FOLLOW_UP_WORKING_DAYS,
    follow_up_due,
    record_follow_up,
    window_start,
)
from risks.models import FollowUp, Risk, RiskEvent
from tests.conftest import make_user


@pytest.fixture
def written_off(ready_to_start, officer_a, colleague_a):
    """written_off(**fields) -> a matter of community A resolved by the officer and written
    off by a colleague (the resolver may not write it off)."""

    def _write_off(**fields):
        risk = ready_to_start(**fields)
        risk = services.start_risk(risk, actor=officer_a)
        risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
        return services.close_risk(risk, actor=colleague_a, note="双方达成调解协议，已履行。")

    return _write_off


def closed_days_ago(risk, days):
    Risk.objects.filter(pk=risk.pk).update(closed_at=timezone.now() - timedelta(days=days))
    return Risk.objects.get(pk=risk.pk)


def state(risk):
    return (Risk.objects.filter(pk=risk.pk).values().get(), FollowUp.objects.count(),
            RiskEvent.objects.count())


# Recording a call ---------------------------------------------------------------------------

def test_follow_up_is_recorded_with_an_event(written_off, officer_a):
    risk = written_off()
    call = record_follow_up(risk, outcome=FollowUpOutcome.SATISFIED, note="当事人表示满意",
                            actor=officer_a)
    assert (call.outcome, call.called_by, call.note) == ("satisfied", officer_a, "当事人表示满意")
    event = RiskEvent.objects.filter(risk=risk).latest("id")
    assert (event.kind, event.changes, event.actor) == (EventKind.FOLLOW_UP,
                                                        {"outcome": "satisfied"}, officer_a)
    assert Risk.objects.get(pk=risk.pk).version == risk.version + 1


def test_follow_up_only_after_write_off(ready_to_start, officer_a):
    risk = services.start_risk(ready_to_start(), actor=officer_a)
    before = state(risk)
    with pytest.raises(RuleBroken) as refused:
        record_follow_up(risk, outcome=FollowUpOutcome.SATISFIED, actor=officer_a)
    assert refused.value.field == "status"
    assert state(risk) == before


def test_follow_up_refuses_an_unknown_outcome(written_off, officer_a):
    risk = written_off()
    with pytest.raises(RuleBroken) as refused:
        record_follow_up(risk, outcome="happy", actor=officer_a)
    assert refused.value.field == "outcome"
    assert not FollowUp.objects.exists()


def test_follow_up_note_refuses_a_mobile_number(written_off, officer_a):
    risk = written_off()
    before = state(risk)
    with pytest.raises(RuleBroken) as refused:
        record_follow_up(risk, outcome=FollowUpOutcome.UNREACHABLE,
                         note="打了13812345678没人接", actor=officer_a)
    assert refused.value.field == "note"
    assert state(risk) == before


def test_only_who_handles_the_matter_calls_back(written_off, grid_worker_a1, supervisor_a,
                                                section_staff, leader, street):
    risk = written_off()
    for person in (grid_worker_a1, supervisor_a, section_staff):  # staff: not their section's
        with pytest.raises(Forbidden):
            record_follow_up(risk, outcome=FollowUpOutcome.SATISFIED, actor=person)
    Risk.objects.filter(pk=risk.pk).update(department=street.department)
    owned = Risk.objects.get(pk=risk.pk)
    assert record_follow_up(owned, outcome=FollowUpOutcome.SATISFIED, actor=section_staff)
    assert record_follow_up(owned, outcome=FollowUpOutcome.SATISFIED, actor=leader)


# The API ------------------------------------------------------------------------------------

def test_api_records_and_lists_follow_ups(written_off, officer_a, api):
    risk = written_off()
    api.force_authenticate(officer_a)
    url = f"/api/v1/risks/{risk.pk}/follow-ups/"
    response = api.post(url, {"outcome": "dissatisfied", "note": "仍有噪音"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["outcome"], body["note"], body["risk"]) == ("dissatisfied", "仍有噪音", risk.pk)
    assert body["called_by"]["id"] == officer_a.pk
    listed = api.get(url).json()
    assert [call["id"] for call in listed] == [body["id"]]


def test_api_outcome_invalid_is_400_naming_outcome(written_off, officer_a, api):
    risk = written_off()
    api.force_authenticate(officer_a)
    response = api.post(f"/api/v1/risks/{risk.pk}/follow-ups/", {"outcome": "happy"},
                        format="json")
    assert response.status_code == 400
    assert "outcome" in response.json()
    assert not FollowUp.objects.exists()


def test_api_refuses_a_call_on_an_open_matter(ready_to_start, officer_a, api):
    risk = ready_to_start()
    api.force_authenticate(officer_a)
    response = api.post(f"/api/v1/risks/{risk.pk}/follow-ups/", {"outcome": "satisfied"},
                        format="json")
    assert response.status_code == 400
    assert not FollowUp.objects.exists()


def test_api_matter_outside_the_scope_is_404(written_off, officer_b, api):
    risk = written_off()
    api.force_authenticate(officer_b)
    assert api.get(f"/api/v1/risks/{risk.pk}/follow-ups/").status_code == 404
    assert api.post(f"/api/v1/risks/{risk.pk}/follow-ups/", {"outcome": "satisfied"},
                    format="json").status_code == 404


# The list of matters due a call -------------------------------------------------------------

def test_window_is_ten_working_days(db):
    wednesday = timezone.localdate().replace(year=2025, month=6, day=18)
    assert FOLLOW_UP_WORKING_DAYS == 10
    assert window_start(wednesday) == wednesday - timedelta(days=14)


def test_due_list_has_recent_write_offs_without_a_call(written_off, officer_a, officer_b,
                                                       leader, report, street):
    recent, called, old = written_off(), written_off(), written_off()
    old = closed_days_ago(old, 30)
    record_follow_up(called, outcome=FollowUpOutcome.SATISFIED, actor=officer_a)
    open_matter = report(officer_a)
    due = list(follow_up_due(officer_a))
    assert due == [recent]
    assert old not in due and called not in due and open_matter not in due
    assert list(follow_up_due(leader)) == [recent]  # the street's leader: the whole street
    assert list(follow_up_due(officer_b)) == []  # another community's officer: none


def test_due_list_for_section_staff_is_their_sections(written_off, section_staff, street):
    theirs, other = written_off(), written_off()
    Risk.objects.filter(pk=theirs.pk).update(department=street.department)
    assert [risk.pk for risk in follow_up_due(section_staff)] == [theirs.pk]
    assert other.pk not in {risk.pk for risk in follow_up_due(section_staff)}


def test_follow_up_page_lists_due_matters_and_records_a_call(written_off, officer_a, client):
    risk = written_off()
    client.force_login(officer_a)
    page = client.get(reverse("risks:follow_up_list"))
    assert page.status_code == 200
    assert f'data-risk="{risk.pk}"'.encode() in page.content
    response = client.post(reverse("risks:follow_up_add", args=[risk.pk]), {
        "outcome": "satisfied", "note": "满意", "from": "list",
        "next": reverse("risks:follow_up_list")})
    assert response.status_code == 302
    assert response.url == reverse("risks:follow_up_list")
    assert FollowUp.objects.get(risk=risk).outcome == "satisfied"
    assert f'data-risk="{risk.pk}"'.encode() not in client.get(
        reverse("risks:follow_up_list")).content


def test_follow_up_page_shows_a_refusal_in_its_row(written_off, officer_a, client):
    risk = written_off()
    client.force_login(officer_a)
    response = client.post(reverse("risks:follow_up_add", args=[risk.pk]), {
        "outcome": "", "note": "", "from": "list"})
    assert response.status_code == 400
    assert b'data-testid="error-outcome"' in response.content
    assert not FollowUp.objects.exists()


def test_follow_up_page_is_not_for_grid_workers(grid_worker_a1, client):
    client.force_login(grid_worker_a1)
    assert client.get(reverse("risks:follow_up_list")).status_code == 403


def test_follow_up_list_is_in_the_navigation_of_officers_and_leaders(officer_a, leader,
                                                                      grid_worker_a1):
    from quanfu.navigation import items_for

    def has(user):
        return any(item["url_name"] == "risks:follow_up_list" for item in items_for(user))

    assert has(officer_a) and has(leader) and not has(grid_worker_a1)


# Dissatisfied: reopen in one click -----------------------------------------------------------

def test_dissatisfied_call_offers_reopen_and_reopen_works(written_off, officer_a, client):
    risk = written_off()
    client.force_login(officer_a)
    response = client.post(reverse("risks:follow_up_add", args=[risk.pk]), {
        "outcome": "dissatisfied", "note": "楼上仍在漏水", "from": "list"})
    assert response.status_code == 302
    assert response.url == reverse("risks:risk_detail", args=[risk.pk]) + "#follow-ups"
    page = client.get(reverse("risks:risk_detail", args=[risk.pk]))
    offer = page.context["follow_up_reopen"]
    assert offer is not None
    assert b'data-testid="follow-up-reopen-button"' in page.content
    assert "楼上仍在漏水" in offer["note"].value()
    current = Risk.objects.get(pk=risk.pk)
    reopened = client.post(reverse("risks:risk_transition", args=[risk.pk]), {
        "action": "reopen", "version": current.version, "note": offer["note"].value()})
    assert reopened.status_code == 302
    risk = Risk.objects.get(pk=risk.pk)
    assert risk.status == RiskStatus.RESOLVING
    event = RiskEvent.objects.filter(risk=risk, action="reopen").get()
    assert "楼上仍在漏水" in event.note


def test_satisfied_call_offers_no_reopen(written_off, officer_a, client):
    risk = written_off()
    record_follow_up(risk, outcome=FollowUpOutcome.SATISFIED, actor=officer_a)
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk]))
    assert page.context["follow_up_reopen"] is None
    assert b'data-testid="follow-up"' in page.content


def test_matter_page_records_a_call(written_off, officer_a, client):
    risk = written_off()
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk]))
    assert b'data-testid="follow-up-form"' in page.content
    response = client.post(reverse("risks:follow_up_add", args=[risk.pk]),
                           {"outcome": "unreachable", "note": ""})
    assert response.status_code == 302
    assert FollowUp.objects.get(risk=risk).outcome == "unreachable"


def test_matter_page_shows_the_note_refused(written_off, officer_a, client):
    risk = written_off()
    client.force_login(officer_a)
    response = client.post(reverse("risks:follow_up_add", args=[risk.pk]),
                           {"outcome": "satisfied", "note": "回电13812345678"})
    assert response.status_code == 400
    assert b'data-testid="error-note"' in response.content
    assert not FollowUp.objects.exists()


def test_open_matter_page_has_no_follow_up_form(ready_to_start, officer_a, client):
    risk = ready_to_start()
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_detail", args=[risk.pk]))
    assert b'data-testid="follow-up-form"' not in page.content


# Query counts -------------------------------------------------------------------------------

# Measured 6: session, user, the window's working days (2 reads of the official calendar),
# the list, the inbox count; 2 to spare for the navigation's counts. Not one per matter.
FOLLOW_UP_PAGE_QUERIES = 8


@pytest.mark.parametrize("more", [1, 4])
def test_follow_up_page_runs_a_fixed_number_of_queries(written_off, officer_a, client, more,
                                                       django_assert_max_num_queries):
    for _ in range(more):
        written_off()
    client.force_login(officer_a)
    client.get(reverse("risks:follow_up_list"))  # warm the session
    with django_assert_max_num_queries(FOLLOW_UP_PAGE_QUERIES):
        page = client.get(reverse("risks:follow_up_list"))
    assert len(page.context["rows"]) == more


def test_section_staff_of_another_section_cannot_call(written_off, street):
    from grids.services import create_department

    other = create_department(street=street.street, code="S1-social", name="社会事务办公室")
    staff = make_user("staff_social", Role.SECTION_STAFF, street.street, department=other)
    risk = written_off()
    Risk.objects.filter(pk=risk.pk).update(department=street.department)
    with pytest.raises(Forbidden):
        record_follow_up(Risk.objects.get(pk=risk.pk), outcome="satisfied", actor=staff)
