"""Sections act on what is theirs (issue 16): section staff act only on the matters
dispatched to or owned by their department; voiding a matter at the street tier or of high
level is for the street's centre and street leaders; a section's register opens on its
department's open matters (在办); and the register filters by the section a matter was
dispatched to and by whether it was ever returned, on the page and in the API alike."""

import pytest
from django.urls import reverse

from quanfu.errors import Forbidden
from risks import services
from risks.choices import Action, RiskStatus, Tier
from risks.models import Risk, RiskEvent
from risks.transitions import RISK_TRANSITIONS
from tests.meetings_helpers import second_department

LIST_URL = reverse("risks:risk_list")


@pytest.fixture
def urban(street):
    return second_department(street)


def state(risk):
    return Risk.objects.filter(pk=risk.pk).values().get(), RiskEvent.objects.count()


def change(risk, actor, **changes) -> Risk:
    risk = Risk.objects.get(pk=risk.pk)
    return services.update_risk(risk, actor=actor, version=risk.version, changes=changes)


@pytest.fixture
def owned_by_urban(report, officer_a, urban):
    """A verified matter of community A that 城市管理办公室 signed for."""
    department, staff = urban
    risk = services.verify_risk(report(officer_a), actor=officer_a)
    risk = services.transition_risk(risk, Action.DISPATCH, actor=officer_a,
                                    department=department)
    return services.transition_risk(risk, Action.ACCEPT, actor=staff)


@pytest.fixture
def street_tier_high(owned_by_urban, officer_a, leader):
    """The section's matter, graded high and escalated to the street."""
    risk = change(owned_by_urban, officer_a, level="high", lead=leader)
    return services.transition_risk(risk, Action.ESCALATE, actor=officer_a,
                                    note="社区调解未果，提请街道。")


# Acting on what is theirs -----------------------------------------------------------------

def test_section_staff_act_only_on_their_departments_matters(api, street, report, officer_a,
                                                             urban):
    """A section's staff named as a duty holder on another section's matter read it but
    neither act on it, edit it nor write notes on it; refusals change nothing."""
    _department, staff = urban
    risk = report(officer_a, department=street.department)
    risk = change(risk, officer_a, resolve_person=staff)
    assert services.available_actions(risk, staff) == []
    before = state(risk)
    api.force_authenticate(staff)
    assert api.get(f"/api/v1/risks/{risk.pk}/").status_code == 200
    refused = api.post(f"/api/v1/risks/{risk.pk}/transition/",
                       {"action": "verify", "version": risk.version}, format="json")
    assert refused.status_code == 403
    assert "本科室" in refused.json()["detail"]
    assert api.patch(f"/api/v1/risks/{risk.pk}/", {"version": risk.version, "title": "改标题"},
                     format="json").status_code == 403
    assert api.post(f"/api/v1/risks/{risk.pk}/notes/", {"note": "已了解"},
                    format="json").status_code == 403
    assert state(risk) == before


def test_the_owning_section_still_handles_its_matter(owned_by_urban, urban):
    _department, staff = urban
    offered = dict(RISK_TRANSITIONS.offers(owned_by_urban, staff))
    assert {Action.START, Action.REJECT, Action.ESCALATE} <= set(offered)
    # starting waits for the grade and the four persons, and says so
    assert offered[Action.START] and Action.START not in services.available_actions(
        owned_by_urban, staff)
    services.add_note(owned_by_urban, actor=staff, note="已约谈双方")


def test_voiding_a_street_tier_high_level_matter_is_for_the_centre(street_tier_high, urban,
                                                                   section_staff, leader):
    _department, staff = urban
    assert street_tier_high.tier == Tier.STREET
    assert Action.REJECT not in services.available_actions(street_tier_high, staff)
    assert Action.REJECT in services.available_actions(street_tier_high, leader)
    centre_offered = services.available_actions(street_tier_high, section_staff)
    assert Action.REJECT in centre_offered  # but nothing else on another section's matter
    assert not {Action.START, Action.ESCALATE, Action.CONFIRM_GRADE} & set(centre_offered)
    before = state(street_tier_high)
    with pytest.raises(Forbidden) as refused:
        services.transition_risk(street_tier_high, Action.REJECT, actor=staff, note="不予受理")
    assert "平安法治和信访办公室" in str(refused.value)
    assert state(street_tier_high) == before
    # the centre (平安法治和信访办公室) voids it, though the matter is another section's
    risk = services.transition_risk(street_tier_high, Action.REJECT, actor=section_staff,
                                    note="经核实不属实。")
    assert risk.status == RiskStatus.INVALID


def test_a_section_does_not_void_its_own_high_level_matter(api, owned_by_urban, officer_a,
                                                           leader, urban):
    _department, staff = urban
    risk = change(owned_by_urban, officer_a, level="high", lead=leader)
    before = state(risk)
    api.force_authenticate(staff)
    refused = api.post(f"/api/v1/risks/{risk.pk}/transition/",
                       {"action": "reject", "version": risk.version, "note": "不予受理"},
                       format="json")
    assert refused.status_code == 403
    assert state(risk) == before


def test_a_community_officer_does_not_void_a_high_level_matter(report, officer_a, leader):
    risk = change(report(officer_a), officer_a, level="high", lead=leader)
    assert Action.REJECT not in services.available_actions(risk, officer_a)
    with pytest.raises(Forbidden):
        services.transition_risk(risk, Action.REJECT, actor=officer_a, note="重复上报")
    low = report(officer_a, title="楼道堆放杂物", description="楼道内堆放杂物影响通行。")
    assert Action.REJECT in services.available_actions(low, officer_a)


def test_a_duplicate_of_a_high_level_matter_is_set_aside_only_by_the_centre(
        report, officer_a, leader):
    original = report(officer_a)
    copy = change(report(officer_a), officer_a, level="high", lead=leader)
    with pytest.raises(Forbidden):
        services.link_duplicate(copy, original, actor=officer_a)
    assert services.link_duplicate(copy, original, actor=leader).status == RiskStatus.INVALID


# The section's register opens on its open matters ---------------------------------------

@pytest.fixture
def registers(report, officer_a, colleague_a, urban, street):
    """Matters of 城市管理办公室: open and owned, dispatched and waiting, written off; one
    of another section on which its staff member is named; one returned once."""
    department, staff = urban
    owned = report(officer_a, department=department, title="占道经营")
    waiting = services.verify_risk(report(officer_a, title="违章搭建"), actor=officer_a)
    waiting = services.transition_risk(waiting, Action.DISPATCH, actor=officer_a,
                                       department=department)
    voided = services.transition_risk(report(officer_a, department=department, title="误报"),
                                      Action.REJECT, actor=officer_a, note="经核实系误报。")
    named = change(report(officer_a, department=street.department, title="邻里纠纷"),
                   officer_a, investigate_person=staff)
    returned = services.verify_risk(report(officer_a, title="噪声扰民"), actor=officer_a)
    returned = services.transition_risk(returned, Action.DISPATCH, actor=officer_a,
                                        department=street.department)
    return {"owned": owned, "waiting": waiting, "voided": voided, "named": named,
            "returned": returned}


def listed(response) -> set[str]:
    return {risk.title for risk in response.context["risks"]}


def test_a_sections_register_opens_on_its_open_matters(client, registers, urban):
    department, staff = urban
    client.force_login(staff)
    response = client.get(LIST_URL)
    assert listed(response) == {"占道经营", "违章搭建"}
    form = response.context["filter_form"]
    assert (form["status"].value(), form["section"].value()) == ("open", str(department.pk))
    # sorting and the next page keep the opening filters
    assert listed(client.get(LIST_URL, {"ordering": "code"})) == {"占道经营", "违章搭建"}
    # widened with the filter form: every status, every matter they may read
    widened = client.get(LIST_URL, {"status": "", "section": ""})
    assert listed(widened) == {"占道经营", "违章搭建", "误报", "邻里纠纷"}


def test_other_roles_open_on_everything_in_scope(client, registers, officer_a):
    client.force_login(officer_a)
    assert listed(client.get(LIST_URL)) == {"占道经营", "违章搭建", "误报", "邻里纠纷",
                                             "噪声扰民"}


# Filters: dispatched to, returned ----------------------------------------------------------

def test_filter_by_the_section_dispatched_to(api, client, registers, leader, urban, street):
    department, _staff = urban
    api.force_authenticate(leader)
    rows = api.get("/api/v1/risks/", {"dispatched_to": department.pk}).json()["results"]
    assert {row["title"] for row in rows} == {"违章搭建"}
    client.force_login(leader)
    page = client.get(LIST_URL, {"dispatched_to": street.department.pk})
    assert listed(page) == {"噪声扰民"}
    assert page.context["filter_form"]["dispatched_to"].value() == str(street.department.pk)


def test_filter_by_returned(api, client, registers, leader, street, section_staff, officer_a):
    services.transition_risk(registers["returned"], Action.RETURN, actor=section_staff,
                             note="不属于本科室职责。")
    api.force_authenticate(leader)
    returned = api.get("/api/v1/risks/", {"returned": "true"}).json()["results"]
    assert [row["title"] for row in returned] == ["噪声扰民"]
    never = api.get("/api/v1/risks/", {"returned": "false"}).json()["results"]
    assert "噪声扰民" not in {row["title"] for row in never} and len(never) == 4
    client.force_login(leader)
    assert listed(client.get(LIST_URL, {"returned": "true"})) == {"噪声扰民"}


def test_status_open_stands_for_the_open_statuses(api, registers, leader):
    api.force_authenticate(leader)
    rows = api.get("/api/v1/risks/", {"status": "open"}).json()["results"]
    assert "误报" not in {row["title"] for row in rows} and len(rows) == 4
