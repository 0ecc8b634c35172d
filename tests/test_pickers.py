"""Pickers that scale (issue 18): a person field offers only the people who fit it, found
by a scoped search as one types, and a page carries the chosen names, not hundreds of
options. Who fits is written once (accounts/pickers.py): the search, the forms' validation
and, for a matter's lead (包案领导: street leaders and section heads), the services."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from meetings.models import Meeting
from quanfu.errors import RuleBroken
from risks import services
from risks.choices import Tier
from risks.models import Risk
from tests.conftest import log_in, make_user, pick_person
from tests.meetings_helpers import hold

SEARCH = reverse("accounts:people_search")
CROWD = 30


@pytest.fixture
def crowd(street):
    """Thirty grid workers of grid A1: more than a page should list as options."""
    return [make_user(f"crowd_{number:02d}", Role.GRID_WORKER, street.grid_a1,
                      name=f"张网格{number:02d}") for number in range(CROWD)]


def found(client, **params) -> set[int]:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return {person["id"] for person in response.json()["results"]}


def options_of(page: str, name: str) -> list[str]:
    """The options of the select named ``name`` in the page."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select, f"no select named {name}"
    return re.findall(r"<option[^>]*>", select.group(0))


# The search ---------------------------------------------------------------------------------

def test_an_officer_finds_the_people_of_their_community_only(client, officer_a, colleague_a,
                                                             officer_b, grid_worker_a1):
    client.force_login(officer_a)
    assert found(client, **{"for": "attendee", "q": "a"}) >= {
        officer_a.pk, colleague_a.pk, grid_worker_a1.pk}
    assert officer_b.pk not in found(client, **{"for": "attendee", "q": "officer_b"})
    assert officer_b.pk not in found(client, **{"for": "chair", "q": ""})


def test_a_matters_area_outside_the_scope_is_not_found(client, officer_a, street):
    client.force_login(officer_a)
    for kind in ("duty", "lead"):
        response = client.get(SEARCH, {"for": kind, "area": street.grid_b1.pk, "q": "o"})
        assert response.status_code == 404


def test_duty_offers_who_works_in_above_or_below_the_area(client, officer_a, officer_b,
                                                          grid_worker_a1, leader,
                                                          supervisor_a, street):
    client.force_login(officer_a)
    offered = found(client, **{"for": "duty", "area": street.grid_a1.pk})
    assert {officer_a.pk, grid_worker_a1.pk, leader.pk} <= offered
    assert officer_b.pk not in offered  # community B
    assert supervisor_a.pk not in offered  # supervisors hold no duty


def test_lead_offers_only_street_leaders_and_department_heads(
        client, officer_a, leader, department_head, section_staff, social_staff,
        grid_worker_a1, other_street_leader, street):
    client.force_login(officer_a)
    assert found(client, **{"for": "lead", "area": street.grid_a1.pk}) == {
        leader.pk, department_head.pk}


def test_the_search_takes_a_name_and_answers_twenty_at_most(client, officer_a, crowd):
    client.force_login(officer_a)
    assert found(client, **{"for": "attendee", "q": "张网格07"}) == {crowd[7].pk}
    assert len(found(client, **{"for": "attendee", "q": "张网格"})) == 20


def test_the_search_says_what_it_needs(client, officer_a):
    client.force_login(officer_a)
    assert client.get(SEARCH).status_code == 400
    assert client.get(SEARCH, {"for": "everyone"}).status_code == 400
    assert client.get(SEARCH, {"for": "duty"}).status_code == 400  # which area?


def test_the_search_is_for_signed_in_people(client, street):
    response = client.get(SEARCH, {"for": "attendee", "q": "a"})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login"))


def test_the_search_reads_a_fixed_number_of_rows(client, officer_a, crowd, street,
                                                 django_assert_max_num_queries):
    client.force_login(officer_a)
    # the session, the user (with their area: their scope), the matter's area, the people
    # with their areas in one query, however many
    with django_assert_max_num_queries(4):
        assert len(found(client, **{"for": "duty", "area": street.grid_a1.pk,
                                    "q": "张"})) == 20
    with django_assert_max_num_queries(3):
        assert len(found(client, **{"for": "attendee", "q": "张"})) == 20


# The lead's rule, everywhere ----------------------------------------------------------------

def test_a_lead_who_is_neither_leader_nor_department_head_is_refused(
        report, officer_a, grid_worker_a1, section_staff):
    risk = report(officer_a)
    for person in (grid_worker_a1, section_staff):
        with pytest.raises(RuleBroken) as refusal:
            services.update_risk(risk, actor=officer_a, version=risk.version,
                                 changes={"lead": person})
        assert refusal.value.field == "lead"
    assert Risk.objects.get(pk=risk.pk).lead is None


def test_a_department_head_may_lead_a_matter(report, officer_a, department_head):
    risk = report(officer_a)
    risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                changes={"level": "high", "lead": department_head})
    assert risk.lead == department_head


def test_the_edit_page_refuses_a_lead_who_does_not_fit(client, report, officer_a,
                                                       grid_worker_a1, section_staff):
    risk = report(officer_a)
    client.force_login(officer_a)
    url = reverse("risks:risk_edit", args=[risk.pk])
    initial = client.get(url).context["form"].initial
    for person in (grid_worker_a1, section_staff):
        data = {name: "" if value is None else value for name, value in initial.items()}
        data["discovered_at"] = timezone.localtime(initial["discovered_at"]).strftime(
            "%Y-%m-%dT%H:%M")
        response = client.post(url, {**data, "lead": person.pk})
        assert response.status_code == 200
        assert response.context["form"].errors.keys() == {"lead"}
        assert 'data-testid="error-lead"' in response.content.decode()
    assert Risk.objects.get(pk=risk.pk).lead is None


def test_the_api_refuses_a_lead_who_does_not_fit(api, report, officer_a, grid_worker_a1):
    risk = report(officer_a)
    api.force_authenticate(officer_a)
    response = api.patch(f"/api/v1/risks/{risk.pk}/",
                         {"version": risk.version, "lead": grid_worker_a1.pk}, format="json")
    assert response.status_code == 400 and "lead" in response.json()
    assert Risk.objects.get(pk=risk.pk).lead is None


# The pages carry the chosen people, not everyone ---------------------------------------------

def test_the_meeting_form_renders_no_one_but_validates_against_everyone(
        client, officer_a, crowd, street):
    client.force_login(officer_a)
    page = client.get(reverse("meetings:meeting_create")).content.decode()
    assert options_of(page, "attendees") == []
    assert len(options_of(page, "chair")) == 1  # nobody chosen yet: the empty choice
    assert page.count("<option") < CROWD
    assert f'data-picker-url="{SEARCH}?for=attendee"' in page
    assert 'data-picker-no-results="没有找到符合条件的人员"' in page  # the library's texts too
    # whoever fits may be posted, though the page never listed them
    client.post(reverse("meetings:meeting_create"), {
        "tier": Tier.COMMUNITY, "kind": "joint", "area": street.community_a.pk,
        "title": "花园社区联席会议", "held_on": timezone.localdate().isoformat(),
        "chair": officer_a.pk, "attendees": [crowd[5].pk, crowd[29].pk]})
    assert set(Meeting.objects.get().attendees.all()) == {crowd[5], crowd[29]}


def test_the_meeting_form_shows_the_chosen_attendees_without_javascript(client, officer_a,
                                                                        crowd):
    meeting = hold(officer_a, Tier.COMMUNITY, attendees=[crowd[3], crowd[4]])
    client.force_login(officer_a)
    page = client.get(reverse("meetings:meeting_edit", args=[meeting.pk])).content.decode()
    assert options_of(page, "attendees") == [
        f'<option value="{person.pk}" selected>' for person in (crowd[3], crowd[4])]
    assert f'<option value="{officer_a.pk}" selected>' in options_of(page, "chair")


def test_a_person_outside_the_scope_cannot_be_posted_as_attendee(client, officer_a, officer_b,
                                                                 street):
    client.force_login(officer_a)
    response = client.post(reverse("meetings:meeting_create"), {
        "tier": Tier.COMMUNITY, "kind": "joint", "area": street.community_a.pk,
        "title": "花园社区联席会议", "held_on": timezone.localdate().isoformat(),
        "attendees": [officer_b.pk]})
    assert response.status_code == 200 and "attendees" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_the_edit_page_lists_the_present_holders_only(client, report, officer_a, roster_a1,
                                                      grid_worker_a1, crowd, leader):
    risk = report(officer_a)  # grid A1's roster names the officer and the grid worker
    risk = services.update_risk(risk, actor=officer_a, version=risk.version,
                                changes={"level": "high", "lead": leader})
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_edit", args=[risk.pk])).content.decode()
    holders = {"dispatch_person": officer_a, "investigate_person": grid_worker_a1,
               "resolve_person": officer_a, "stabilize_person": grid_worker_a1,
               "lead": leader}
    for field, person in holders.items():
        assert options_of(page, field) == [
            '<option value="">', f'<option value="{person.pk}" selected>'], field


# In the browser ----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_types_two_characters_and_picks_an_attendee(page, officer_a, crowd,
                                                              street):
    from tests.test_browser_csp import watch

    wanted = make_user("wang_xiaodong", Role.GRID_WORKER, street.grid_a1, name="王晓东")
    problems = watch(page)
    log_in(page, "officer_a")
    page.wait_for_url("**/")
    page.goto("/meetings/new/")
    assert page.locator("select[name=attendees] option").count() == 0
    page.select_option("#id_tier", Tier.COMMUNITY)
    page.select_option("#id_area", str(street.community_a.pk))
    page.fill("#id_title", "花园社区联席会议")
    pick_person(page, "attendees", wanted)  # types 王晓, clicks 王晓东
    # the library's own texts are Chinese too
    page.locator("#id_chair-ts-control").press_sequentially("查无此人")
    page.wait_for_selector("#id_chair-ts-dropdown .no-results:has-text('没有找到符合条件的人员')")
    page.keyboard.press("Escape")
    page.click("[data-testid=save-meeting]")
    page.wait_for_selector("[data-testid=agenda]")
    meeting = Meeting.objects.get(title="花园社区联席会议")
    assert list(meeting.attendees.all()) == [wanted]
    assert problems == []

