"""Who sees which meetings, which of their items, and which action items: a community's
meetings by its people, the street's and the district's by street-level users, and a
meeting elsewhere only through a decision on one's own matter (and then only that)."""

import pytest
from django.http import Http404
from django.utils import timezone

from meetings import services
from meetings.choices import Decision
from meetings.scoping import get_meeting_for_user, visible_action_items, visible_items
from tests.meetings_helpers import escalated, hold, hold_and_approve, resolving


@pytest.fixture
def matter_a(ready_to_start, officer_a):
    return resolving(ready_to_start, officer_a)


@pytest.fixture
def matter_b(report, officer_b, street):
    from risks import services as risk_services

    risk = report(officer_b, area=street.grid_b1, title="东泉停车纠纷")
    return risk_services.escalate_risk(risk, actor=officer_b, note="提请街道")


@pytest.fixture
def community_meeting(officer_a, matter_a):
    return hold_and_approve(officer_a, "community", {matter_a: Decision.FOLLOW_UP})


@pytest.fixture
def street_meeting(leader, officer_a, matter_a, matter_b):
    escalated(matter_a, officer_a)
    meeting = hold_and_approve(leader, "street", {matter_a: Decision.FOLLOW_UP,
                                                  matter_b: Decision.FOLLOW_UP})
    services.add_action_item(meeting, actor=leader, item=meeting.items.get(risk=matter_b),
                             title="B 社区的任务", owner=leader,
                             deadline=timezone.localdate(), reason="补记")
    return meeting


def sees(user, meeting):
    try:
        return get_meeting_for_user(user, meeting.pk).shows_record
    except Http404:  # not visible at all
        return None


# None: not visible (404); True: the whole record; False: only decisions on own matters.
@pytest.mark.parametrize("persona,expected", [
    ("officer_a", True), ("colleague_a", True), ("leader", True), ("supervisor_a", True),
    ("api_client_user", True), ("grid_worker_a1", False), ("officer_b", None),
    ("social_staff", None), ("other_street_leader", None), ("superuser", True),
])
def test_community_meeting_visibility(request, community_meeting, persona, expected):
    assert sees(request.getfixturevalue(persona), community_meeting) is expected


@pytest.mark.parametrize("persona,expected", [
    ("leader", True), ("section_staff", True), ("api_client_user", True),
    ("officer_a", False), ("officer_b", False), ("grid_worker_a1", False),
    ("supervisor_a", False), ("colleague_a", False), ("other_street_leader", None),
])
def test_street_meeting_visibility(request, street_meeting, persona, expected):
    assert sees(request.getfixturevalue(persona), street_meeting) is expected


def test_an_officer_sees_only_the_street_decisions_on_their_own_matters(street_meeting,
                                                                       officer_a, officer_b,
                                                                       matter_a, matter_b):
    assert [item.risk for item in visible_items(officer_a).filter(meeting=street_meeting)] == [
        matter_a]
    assert [item.risk for item in visible_items(officer_b).filter(meeting=street_meeting)] == [
        matter_b]
    assert [item.title for item in visible_action_items(officer_a)] == []
    assert [item.title for item in visible_action_items(officer_b)] == ["B 社区的任务"]


def test_taking_part_shows_the_whole_record(leader, officer_b, matter_a, officer_a):
    escalated(matter_a, officer_a)
    meeting = hold(leader, "street", risks=[matter_a], attendees=[leader, officer_b])
    assert sees(officer_b, meeting) is True
    assert list(visible_items(officer_b).filter(meeting=meeting)) == []  # not their matter


def test_an_attending_department_sees_the_community_meeting(officer_a, section_staff, street):
    meeting = hold(officer_a, "community", departments=[street.department])
    assert sees(section_staff, meeting) is True


def test_owner_sees_their_action_item_wherever_it_was_assigned(street_meeting, leader,
                                                               grid_worker_a1):
    action_item = services.add_action_item(street_meeting, actor=leader, title="网格走访",
                                           owner=grid_worker_a1,
                                           deadline=timezone.localdate(), reason="补记")
    assert action_item in visible_action_items(grid_worker_a1)


def test_inactive_user_sees_nothing(community_meeting, officer_a):
    officer_a.is_active = False
    assert sees(officer_a, community_meeting) is None
