"""Who can see what they are named on (issue 16): a person named on a matter beyond their
own scope — one of the four duties, the lead, staff of the section it is dispatched to or
owned by, a section called by a whistle, the owner of a meeting's action item on it — opens
that matter (its page, timeline, API detail and the notices that link to it), and only
that matter; naming gives reading, not acting; un-naming takes the access away again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.services import notify
from meetings import services as meeting_services
from meetings.choices import Tier as MeetingTier
from meetings.models import ActionItem
from quanfu.errors import Forbidden
from risks import services
from risks.choices import Action
from risks.models import Risk, RiskEvent
from risks.scoping import get_risk_for_user, visible_risks
from tests.meetings_helpers import hold, second_department


@pytest.fixture
def urban(street):
    """城市管理办公室 and its staff member, who sees none of community A's matters."""
    return second_department(street)


@pytest.fixture
def urban_staff(urban):
    return urban[1]


@pytest.fixture
def matter(report, officer_a):
    """A verified matter of community A owned by no section."""
    return services.verify_risk(report(officer_a), actor=officer_a)


@pytest.fixture
def neighbour(report, officer_a):
    """Another matter of the same community, on which nobody outside is named."""
    return report(officer_a, title="小区门口占道经营", description="商户占用人行道经营。")


def opens(client, person, risk) -> dict:
    """What ``person`` gets on the matter's page, its timeline, and its API detail and
    history (200: found; 404: as if it did not exist)."""
    client.force_login(person)
    return {
        "page": client.get(reverse("risks:risk_detail", args=[risk.pk])).status_code,
        "api": client.get(f"/api/v1/risks/{risk.pk}/").status_code,
        "events": client.get(f"/api/v1/risks/{risk.pk}/events/").status_code,
    }


FOUND = {"page": 200, "api": 200, "events": 200}
MISSING = {"page": 404, "api": 404, "events": 404}


def follow_notice(client, person, risk):
    """A notice linking to the matter, opened from the inbox as the person would."""
    message = notify([person], kind="test", title=f"关于 {risk.code}", key=f"named-{risk.pk}",
                     link=reverse("risks:risk_detail", args=[risk.pk]), email=False)[0]
    client.force_login(person)
    return client.post(reverse("inbox:message_open", args=[message.pk]), follow=True)


def change(risk, actor, **changes) -> Risk:
    risk = Risk.objects.get(pk=risk.pk)
    return services.update_risk(risk, actor=actor, version=risk.version, changes=changes)


@pytest.mark.parametrize("duty", ["dispatch_person", "investigate_person", "resolve_person",
                                  "stabilize_person", "lead"])
def test_a_person_named_on_a_duty_opens_the_matter_until_replaced(
        client, matter, neighbour, officer_a, colleague_a, urban_staff, leader, duty):
    replacement = colleague_a
    if duty == "lead":  # 包案领导: a section's head or a street leader
        urban_staff.is_department_head = True
        urban_staff.save(update_fields=["is_department_head"])
        replacement = leader
    assert opens(client, urban_staff, matter) == MISSING
    change(matter, officer_a, **{duty: urban_staff})
    assert opens(client, urban_staff, matter) == FOUND
    assert follow_notice(client, urban_staff, matter).status_code == 200
    assert opens(client, urban_staff, neighbour) == MISSING  # only what they are named on
    change(matter, officer_a, **{duty: replacement})
    assert opens(client, urban_staff, matter) == MISSING


def test_a_grid_worker_named_on_a_community_matter_opens_it(client, report, officer_a,
                                                            grid_worker_a1, street):
    """The grid worker sees their grid; a matter of the whole community names them."""
    matter = report(officer_a, area=street.community_a)
    assert opens(client, grid_worker_a1, matter) == MISSING
    change(matter, officer_a, investigate_person=grid_worker_a1)
    assert opens(client, grid_worker_a1, matter) == FOUND


def test_the_section_it_is_dispatched_to_opens_it_until_it_returns_it(
        client, matter, neighbour, officer_a, urban):
    department, staff = urban
    matter = services.transition_risk(matter, Action.DISPATCH, actor=officer_a,
                                      department=department)
    assert opens(client, staff, matter) == FOUND
    assert follow_notice(client, staff, matter).status_code == 200
    assert opens(client, staff, neighbour) == MISSING
    services.transition_risk(matter, Action.RETURN, actor=staff, note="不属于本科室职责。")
    assert opens(client, staff, matter) == MISSING


def test_the_owning_section_opens_it_until_it_is_moved(client, report, officer_a, neighbour,
                                                       urban, street):
    department, staff = urban
    matter = report(officer_a, department=department)
    assert opens(client, staff, matter) == FOUND
    assert follow_notice(client, staff, matter).status_code == 200
    assert opens(client, staff, neighbour) == MISSING
    change(matter, officer_a, department=street.department)
    assert opens(client, staff, matter) == MISSING


def test_a_section_called_by_a_whistle_opens_the_matter(client, matter, neighbour,
                                                        grid_worker_a1, urban):
    department, staff = urban
    call = meeting_services.blow_whistle(
        matter, actor=grid_worker_a1, departments=[department], request="请派员到场处置",
        respond_by=timezone.now() + timedelta(hours=24))
    assert opens(client, staff, matter) == FOUND
    assert follow_notice(client, staff, matter).status_code == 200
    assert opens(client, staff, neighbour) == MISSING
    # the called section reports in on the matter's timeline, though it is not theirs
    meeting_services.report_in(call.reports.get(), actor=staff, plan="今日派员到场")
    assert RiskEvent.objects.filter(risk=matter, actor=staff, note__contains="今日派员到场"
                                    ).exists()


def give_action_item(risk, officer, owner) -> ActionItem:
    """The community's meeting on the matter makes ``owner`` responsible for a task."""
    meeting = hold(officer, MeetingTier.COMMUNITY, risks=[risk], area=risk.community)
    return meeting_services.add_action_item(
        meeting, actor=officer, title="协调双方调解", deadline=timezone.localdate()
        + timedelta(days=5), owner=owner, item=meeting.items.get())


def test_the_owner_of_an_action_item_opens_the_matter_until_it_is_reassigned(
        client, matter, neighbour, officer_a, officer_b, colleague_a):
    action_item = give_action_item(matter, officer_a, officer_b)
    assert opens(client, officer_b, matter) == FOUND
    assert follow_notice(client, officer_b, matter).status_code == 200
    assert opens(client, officer_b, neighbour) == MISSING
    ActionItem.objects.filter(pk=action_item.pk).update(owner=colleague_a)  # reassigned
    assert opens(client, officer_b, matter) == MISSING


def test_a_removed_action_item_names_nobody(client, matter, officer_a, officer_b):
    action_item = give_action_item(matter, officer_a, officer_b)
    meeting_services.remove_action_item(action_item, actor=officer_a)
    assert opens(client, officer_b, matter) == MISSING


def test_a_notice_of_a_warning_leads_a_named_section_to_the_matter(client, matter, officer_a,
                                                                    urban_staff):
    """The notices sent to the duty holders link to the matter: no longer a 404."""
    from inbox.models import Message
    from rhythm import services as rhythm_services

    change(matter, officer_a, level="medium", stabilize_person=urban_staff)
    rhythm_services.issue_warning(Risk.objects.get(pk=matter.pk), actor=officer_a,
                                  content="当事人情绪激动")
    message = Message.objects.get(recipient=urban_staff, kind="warning_issued")
    assert message.link == reverse("risks:risk_detail", args=[matter.pk])
    client.force_login(urban_staff)
    response = client.post(reverse("inbox:message_open", args=[message.pk]), follow=True)
    assert response.status_code == 200 and matter.code in response.content.decode()


# Naming gives reading, not acting --------------------------------------------------------

def test_a_named_person_beyond_their_scope_reads_and_notes_but_does_not_act(client, api, matter,
                                                                   officer_a, officer_b):
    give_action_item(matter, officer_a, officer_b)
    matter = change(matter, officer_a, level="medium")
    assert services.available_actions(matter, officer_b) == []
    before = (Risk.objects.filter(pk=matter.pk).values().get(), RiskEvent.objects.count())
    api.force_authenticate(officer_b)
    detail = api.get(f"/api/v1/risks/{matter.pk}/").json()
    assert detail["available_actions"] == []
    refused = api.post(f"/api/v1/risks/{matter.pk}/transition/",
                       {"action": "start", "version": matter.version}, format="json")
    assert refused.status_code == 403
    assert "不在您的辖区" in refused.json()["detail"]  # read, not act
    assert (Risk.objects.filter(pk=matter.pk).values().get(),
            RiskEvent.objects.count()) == before
    client.force_login(officer_b)
    page = client.get(reverse("risks:risk_detail", args=[matter.pk])).content.decode()
    assert 'data-testid="action-' not in page
    # they report progress on what they were given to do
    assert api.post(f"/api/v1/risks/{matter.pk}/notes/", {"note": "已联系双方"},
                    format="json").status_code == 201


def test_the_person_named_acts_as_their_role_allows_within_their_scope(matter, officer_a,
                                                                        colleague_a):
    """Inside their own scope a duty holder acts as before: naming changes nothing there."""
    matter = change(matter, officer_a, resolve_person=colleague_a)
    assert Action.REJECT in services.available_actions(matter, colleague_a)


def test_the_scope_and_the_lookup_agree(matter, officer_a, urban_staff):
    change(matter, officer_a, dispatch_person=urban_staff)
    assert list(visible_risks(urban_staff)) == [Risk.objects.get(pk=matter.pk)]
    assert get_risk_for_user(urban_staff, matter.pk).pk == matter.pk
    with pytest.raises(Forbidden):
        services.add_note(Risk.objects.get(pk=matter.pk), actor=urban_staff, note="已到场")


def test_the_register_lists_what_a_person_is_named_on(api, matter, neighbour, officer_a,
                                                      officer_b):
    give_action_item(matter, officer_a, officer_b)
    api.force_authenticate(officer_b)
    codes = {row["code"] for row in api.get("/api/v1/risks/").json()["results"]}
    assert matter.code in codes and neighbour.code not in codes


def test_a_street_wide_scope_is_one_equality_without_the_named_on_arms(leader, section_staff,
                                                                      officer_a):
    """Nobody is named outside their own streets: a leader's or the centre's register
    keeps the (street, updated_at) index order, with no OR of naming conditions."""
    from risks.scoping import visible_risks

    def where(person):
        return str(visible_risks(person).query).split(" WHERE ", 1)[1]

    for person in (leader, section_staff):
        assert where(person).startswith('"risks_risk"."street_id" = ') and " OR " not in where(
            person), where(person)
    assert "lead_id" in where(officer_a)  # a community's officer: the named ones too
