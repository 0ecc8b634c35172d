"""The subject line (属事): a verified matter is dispatched to a section (proposed by its
subtype's route), which signs for it or returns it with a reason; after two returns only
a street leader dispatches it again and it can no longer be returned. A resolved matter
can be sent back for rework. Refusals change nothing."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from grids.services import create_department
from quanfu.errors import Forbidden, RuleBroken
from risks import services
from risks.choices import Action, RiskStatus
from risks.models import Risk, RiskEvent, Subtype
from risks.routing import proposed_department
from tests.conftest import make_user


@pytest.fixture
def social(street):
    return create_department(street=street.street, code="S1-social", name="社会事务办公室")


@pytest.fixture
def social_staff(street, social):
    return make_user("staff_social", Role.SECTION_STAFF, street.street, department=social)


@pytest.fixture
def wages(report, officer_a, categories):
    """A verified wage-arrears dispute of community A."""
    subtype = Subtype.objects.get(code="labour_wages")
    risk = report(officer_a, category=subtype.category, subtype=subtype, title="装修公司拖欠工资",
                  description="拖欠工人工资，需协调企业支付。", people_involved=12)
    return services.verify_risk(risk, actor=officer_a)


def state(risk):
    return Risk.objects.filter(pk=risk.pk).values().get(), RiskEvent.objects.count()


def test_the_subtype_proposes_its_section(wages, social):
    assert proposed_department(wages) == social


def test_dispatch_then_the_section_signs_for_it_and_owns_it(wages, officer_a, social,
                                                            social_staff, api):
    dispatched = services.transition_risk(wages, Action.DISPATCH, actor=officer_a,
                                          department=social)
    assert (dispatched.dispatched_to, dispatched.accepted_at) == (social, None)
    # the section sees what was dispatched to it, and signs for it
    api.force_authenticate(social_staff)
    detail = api.get(f"/api/v1/risks/{wages.pk}/").json()
    assert detail["dispatch"]["department"] == social.pk
    assert detail["dispatch"]["accepted_at"] is None
    assert "accept" in detail["available_actions"] and "return" in detail["available_actions"]
    response = api.post(f"/api/v1/risks/{wages.pk}/transition/",
                        {"action": "accept", "version": detail["version"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["department"] == social.pk and body["dispatch"]["accepted_at"]
    assert list(RiskEvent.objects.filter(risk=wages, action__in=["dispatch", "accept"])
                .values_list("action", flat=True)) == ["dispatch", "accept"]


def test_return_needs_a_reason_and_after_two_only_a_leader_dispatches(
        wages, officer_a, social, social_staff, leader):
    for attempt in (1, 2):
        risk = services.transition_risk(Risk.objects.get(pk=wages.pk), Action.DISPATCH,
                                        actor=officer_a, department=social)
        with pytest.raises(RuleBroken) as no_reason:
            services.transition_risk(risk, Action.RETURN, actor=social_staff, note="")
        assert no_reason.value.field == "note"
        risk = services.transition_risk(risk, Action.RETURN, actor=social_staff,
                                        note="不属于本科室职责，请转平安办。")
        assert (risk.returns, risk.dispatched_to) == (attempt, None)
        returned = RiskEvent.objects.filter(risk=wages, action="return").latest("id")
        assert returned.changes["department"] == social.name  # the section it came back from
    before = state(risk)
    with pytest.raises(Forbidden):  # arbitration: the officer may not dispatch a third time
        services.transition_risk(risk, Action.DISPATCH, actor=officer_a, department=social)
    assert state(risk) == before
    risk = services.transition_risk(risk, Action.DISPATCH, actor=leader, department=social,
                                    note="经街道研判，由社会事务办公室牵头。")
    with pytest.raises(RuleBroken):  # no third return
        services.transition_risk(risk, Action.RETURN, actor=social_staff, note="仍不属于")
    risk = services.transition_risk(risk, Action.ACCEPT, actor=social_staff)
    assert risk.department == social


def test_only_the_dispatched_section_signs_or_returns(wages, officer_a, social, section_staff,
                                                      grid_worker_a1):
    services.transition_risk(wages, Action.DISPATCH, actor=officer_a, department=social)
    risk = Risk.objects.get(pk=wages.pk)
    before = state(risk)
    for person in (section_staff, officer_a, grid_worker_a1):
        with pytest.raises(Forbidden):
            services.transition_risk(risk, Action.ACCEPT, actor=person)
    assert state(risk) == before


def test_dispatch_needs_a_department_of_the_street_and_only_once(wages, officer_a, social,
                                                                  street):
    from grids.models import Department

    other = Department.objects.create(street=street.other_street, code="S2-social",
                                      name="社会事务办公室")
    before = state(wages)
    for department in (None, other):
        with pytest.raises(RuleBroken) as refused:
            services.transition_risk(wages, Action.DISPATCH, actor=officer_a,
                                     department=department)
        assert refused.value.field == "department"
    assert state(wages) == before
    services.transition_risk(wages, Action.DISPATCH, actor=officer_a, department=social)
    with pytest.raises(RuleBroken):
        services.transition_risk(Risk.objects.get(pk=wages.pk), Action.DISPATCH,
                                 actor=officer_a, department=social)


def test_only_officers_and_the_centre_dispatch(wages, social, social_staff, section_staff):
    with pytest.raises(Forbidden):
        services.transition_risk(wages, Action.DISPATCH, actor=social_staff, department=social)
    # section_staff is of 平安法治和信访办公室, the street's centre
    risk = services.transition_risk(wages, Action.DISPATCH, actor=section_staff,
                                    department=social)
    assert risk.dispatched_to == social


def test_rework_sends_a_resolved_matter_back_with_a_reason(ready_to_start, officer_a,
                                                           colleague_a):
    risk = services.start_risk(ready_to_start(), actor=officer_a)
    risk = services.resolve_risk(risk, actor=officer_a, note="已上门调解，双方达成协议。")
    assert risk.resolved_by == officer_a
    with pytest.raises(RuleBroken):
        services.transition_risk(risk, Action.REWORK, actor=colleague_a, note="")
    risk = services.transition_risk(risk, Action.REWORK, actor=colleague_a,
                                    note="回访发现欠款未全部支付，继续化解。")
    assert (risk.status, risk.reworks, risk.resolved_by) == (RiskStatus.RESOLVING, 1, None)


def test_the_matter_page_offers_dispatch_with_the_proposed_section(client, wages, officer_a,
                                                                   social):
    client.force_login(officer_a)
    page = client.get(reverse("risks:risk_detail", args=[wages.pk])).content.decode()
    assert 'data-testid="action-dispatch"' in page
    assert f'<option value="{social.pk}" selected>' in page
    response = client.post(reverse("risks:risk_transition", args=[wages.pk]), {
        "action": "dispatch", "version": wages.version, "department": social.pk})
    assert response.status_code == 302
    assert Risk.objects.get(pk=wages.pk).dispatched_to == social
    page = client.get(reverse("risks:risk_detail", args=[wages.pk])).content.decode()
    assert 'data-testid="action-dispatch"' not in page  # one pending dispatch at a time
    assert 'data-testid="dispatch-state"' in page and social.name in page


def test_the_section_is_offered_sign_or_return_only_while_pending(wages, officer_a, social,
                                                                  social_staff):
    risk = services.transition_risk(wages, Action.DISPATCH, actor=officer_a,
                                    department=social)
    assert {Action.ACCEPT, Action.RETURN} <= set(services.available_actions(risk,
                                                                            social_staff))
    risk = services.transition_risk(risk, Action.ACCEPT, actor=social_staff)
    offered = set(services.available_actions(risk, social_staff))
    assert not offered & {Action.ACCEPT, Action.RETURN, Action.DISPATCH}
