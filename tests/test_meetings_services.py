"""meetings.services: convening, the agenda, decisions carried out through the register's
services on approval (with their events), the lock on approved minutes and amendments
with their history, and action items followed through to completion."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import Message
from meetings import services
from meetings.choices import (
    ActionItemStatus,
    AmendedPart,
    Decision,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import ActionItem, ActionItemProgress, Amendment, Meeting, MeetingItem
from quanfu.errors import Forbidden, RuleBroken, StaleVersion
from risks.choices import Action, EventKind, RiskStatus, Tier
from risks.models import Risk, RiskEvent
from tests.meetings_helpers import days_ago, decide, escalated, hold, hold_and_approve, resolving


@pytest.fixture
def matter(ready_to_start, officer_a):
    return resolving(ready_to_start, officer_a)


def meeting_snapshot(meeting):
    fresh = Meeting.objects.get(pk=meeting.pk)
    return (fresh.status, fresh.title, fresh.minutes, fresh.version,
            list(fresh.items.values_list("pk", "decision", "decision_note")),
            list(fresh.action_items.values_list("pk", "status")))


def risk_snapshot(risk):
    fresh = Risk.objects.get(pk=risk.pk)
    return fresh.status, fresh.tier, fresh.version, fresh.events.count()


# Convening ---------------------------------------------------------------------------------

def test_officer_convenes_a_community_meeting_for_their_own_community(officer_a, street):
    meeting = services.create_meeting(actor=officer_a, tier=Tier.COMMUNITY, title="联席会议",
                                      held_on=timezone.localdate())
    assert meeting.area == street.community_a
    assert meeting.status == MeetingStatus.DRAFT and meeting.created_by == officer_a


def test_leader_convenes_street_and_district_meetings_for_the_street(leader, street):
    for tier in (Tier.STREET, Tier.DISTRICT):
        meeting = hold(leader, tier)
        assert meeting.area == street.street and meeting.tier == tier


@pytest.mark.parametrize("persona", ["officer_a", "grid_worker_a1", "section_staff",
                                     "supervisor_a", "api_client_user"])
def test_only_street_leaders_convene_street_meetings(request, persona):
    with pytest.raises(Forbidden):
        hold(request.getfixturevalue(persona), Tier.STREET)
    assert not Meeting.objects.exists()


def test_community_meeting_is_held_for_a_community(leader):
    with pytest.raises(RuleBroken) as refused:
        hold(leader, Tier.COMMUNITY)  # the leader's own area is the street
    assert refused.value.field == "area"


def test_officer_cannot_convene_for_another_community(officer_a, street):
    with pytest.raises(RuleBroken) as refused:
        hold(officer_a, Tier.COMMUNITY, area=street.community_b)
    assert refused.value.field == "area"
    assert not Meeting.objects.exists()


def test_party_committee_meeting_is_a_street_meeting(leader, street):
    with pytest.raises(RuleBroken) as refused:
        hold(leader, Tier.DISTRICT, kind=MeetingKind.PARTY_COMMITTEE)
    assert refused.value.field == "kind"


def test_attendees_are_staff_of_the_meetings_street(leader, other_street_leader):
    with pytest.raises(RuleBroken) as refused:
        hold(leader, Tier.STREET, attendees=[leader, other_street_leader])
    assert refused.value.field == "attendees"


def test_editing_a_draft_with_a_stale_version_is_refused(leader):
    meeting = hold(leader, Tier.STREET)
    services.update_meeting(meeting, actor=leader, version=meeting.version, title="新标题")
    with pytest.raises(StaleVersion):
        services.update_meeting(meeting, actor=leader, version=1, title="旧页面上的标题")
    assert Meeting.objects.get(pk=meeting.pk).title == "新标题"


# The agenda --------------------------------------------------------------------------------

def test_matter_at_another_tier_cannot_be_put_on_the_agenda(officer_a, leader, matter):
    escalated(matter, officer_a)
    meeting = hold(officer_a, Tier.COMMUNITY)
    with pytest.raises(RuleBroken) as refused:
        services.add_agenda_item(meeting, actor=officer_a, risk=matter)
    assert refused.value.field == "risk"
    assert not meeting.items.exists()


def test_matter_outside_the_meetings_area_cannot_be_put_on_the_agenda(leader, report, officer_b,
                                                                    street):
    matter_b = report(officer_b, area=street.grid_b1)
    meeting = hold(leader, Tier.COMMUNITY, area=street.community_a)
    with pytest.raises(RuleBroken):
        services.add_agenda_item(meeting, actor=leader, risk=matter_b)


def test_a_matter_is_on_an_agenda_once(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    with pytest.raises(RuleBroken):
        services.add_agenda_item(meeting, actor=officer_a, risk=matter)
    assert meeting.items.count() == 1


def test_removing_an_item_removes_its_action_items(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    item = meeting.items.get()
    services.add_action_item(meeting, actor=officer_a, item=item, title="回访",
                             owner=officer_a, deadline=timezone.localdate())
    services.remove_agenda_item(item, actor=officer_a)
    assert not MeetingItem.objects.exists() and not ActionItem.objects.exists()


# Decisions and approval --------------------------------------------------------------------

def test_decision_must_fit_the_tier(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    with pytest.raises(RuleBroken) as refused:  # a community has no tier below it
        services.record_decision(meeting.items.get(), actor=officer_a,
                                 decision=Decision.SEND_DOWN, note="交下级")
    assert refused.value.field == "decision"


def test_decision_needs_its_text(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    with pytest.raises(RuleBroken) as refused:
        services.record_decision(meeting.items.get(), actor=officer_a,
                                 decision=Decision.ESCALATE, note="  ")
    assert refused.value.field == "note"


def test_approval_needs_a_decision_on_every_item_the_chair_and_the_minutes(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter], minutes="", chair=None)
    before, matter_before = meeting_snapshot(meeting), risk_snapshot(matter)
    for field, fix in (("chair", {"chair": officer_a}), ("minutes", {"minutes": "纪要"})):
        with pytest.raises(RuleBroken) as refused:
            services.approve_meeting(meeting, actor=officer_a)
        assert refused.value.field == field
        services.update_meeting(meeting, actor=officer_a, **fix)
    with pytest.raises(RuleBroken) as refused:
        services.approve_meeting(meeting, actor=officer_a)
    assert refused.value.field == "items"
    assert meeting_snapshot(meeting)[0] == before[0] == MeetingStatus.DRAFT
    assert risk_snapshot(matter) == matter_before


def test_minutes_are_approved_after_the_meeting(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, held_on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(RuleBroken) as refused:
        services.approve_meeting(meeting, actor=officer_a)
    assert refused.value.field == "held_on"


def test_decisions_take_effect_only_on_approval(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    decide(meeting, officer_a, {matter: Decision.ESCALATE})
    assert Risk.objects.get(pk=matter.pk).tier == Tier.COMMUNITY
    services.approve_meeting(meeting, actor=officer_a)
    assert Risk.objects.get(pk=matter.pk).tier == Tier.STREET


def test_escalate_decision_writes_the_matters_escalation_event(officer_a, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.ESCALATE},
                               title="花园社区联席会议")
    event = RiskEvent.objects.filter(risk=matter, action=Action.ESCALATE).get()
    assert event.actor == officer_a and event.changes == {"tier": ["community", "street"]}
    assert "花园社区联席会议" in event.note
    assert meeting.status == MeetingStatus.APPROVED and meeting.approved_by == officer_a


def test_settle_decision_resolves_and_writes_off_a_matter_being_resolved(officer_a, matter):
    hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.SETTLE})
    fresh = Risk.objects.get(pk=matter.pk)
    assert fresh.status == RiskStatus.CLOSED and fresh.closed_at is not None
    actions = list(RiskEvent.objects.filter(risk=matter, kind=EventKind.TRANSITION)
                   .values_list("action", flat=True))
    assert actions[-2:] == [Action.RESOLVE, Action.CLOSE]


def test_settle_is_refused_for_a_matter_not_yet_being_resolved(officer_a, ready_to_start):
    verified = ready_to_start()
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[verified])
    with pytest.raises(RuleBroken):
        services.record_decision(meeting.items.get(), actor=officer_a,
                                 decision=Decision.SETTLE, note="销号")


def test_send_down_decision_deescalates_the_matter(officer_a, leader, matter):
    escalated(matter, officer_a)
    hold_and_approve(leader, Tier.STREET, {matter: Decision.SEND_DOWN})
    assert Risk.objects.get(pk=matter.pk).tier == Tier.COMMUNITY
    assert RiskEvent.objects.filter(risk=matter, action=Action.DEESCALATE).exists()


def test_follow_up_decision_writes_a_progress_note_on_the_matter(officer_a, matter):
    hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    note = RiskEvent.objects.filter(risk=matter, kind=EventKind.NOTE).last()
    assert "议定" in note.note and Risk.objects.get(pk=matter.pk).tier == Tier.COMMUNITY


def test_one_refused_decision_approves_nothing(officer_a, ready_to_start, report, roster_a1):
    first = resolving(ready_to_start, officer_a)
    second = resolving(ready_to_start, officer_a, title="第二件事项")
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[first, second])
    decide(meeting, officer_a, {first: Decision.ESCALATE, second: Decision.FOLLOW_UP})
    escalated(second, officer_a)  # moved on by someone else before the approval
    before = risk_snapshot(first)
    with pytest.raises(RuleBroken) as refused:
        services.approve_meeting(meeting, actor=officer_a)
    assert refused.value.field == "items" and second.code in str(refused.value.message)
    assert risk_snapshot(first) == before
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.DRAFT


def test_visible_but_not_managing_user_cannot_decide_or_approve(officer_a, grid_worker_a1,
                                                                supervisor_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    decide(meeting, officer_a, {matter: Decision.ESCALATE})
    before = meeting_snapshot(meeting)
    for outsider in (grid_worker_a1, supervisor_a):
        with pytest.raises(Forbidden):
            services.record_decision(meeting.items.get(), actor=outsider,
                                     decision=Decision.FOLLOW_UP, note="跟进")
        with pytest.raises(Forbidden):
            services.approve_meeting(meeting, actor=outsider)
    assert meeting_snapshot(meeting) == before


# The lock and amendments -------------------------------------------------------------------

def test_approved_minutes_are_locked(officer_a, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    item = meeting.items.get()
    before = meeting_snapshot(meeting)
    attempts = [
        lambda: services.update_meeting(meeting, actor=officer_a, minutes="改写"),
        lambda: services.add_agenda_item(meeting, actor=officer_a, topic="新议题"),
        lambda: services.record_decision(item, actor=officer_a, decision=Decision.ESCALATE,
                                         note="改为升级"),
        lambda: services.remove_agenda_item(item, actor=officer_a),
        lambda: services.discard_meeting(meeting, actor=officer_a),
        lambda: services.approve_meeting(meeting, actor=officer_a),
    ]
    for attempt in attempts:
        with pytest.raises(RuleBroken) as refused:
            attempt()
        assert refused.value.field == "status"
    assert meeting_snapshot(meeting) == before


def test_amendments_change_the_text_and_keep_the_approved_one(officer_a, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    approved = meeting.minutes
    services.amend_minutes(meeting, actor=officer_a, minutes="更正后的纪要", reason="笔误")
    services.amend_minutes(meeting, actor=officer_a, minutes="再次更正的纪要", reason="补充")
    item = meeting.items.get()
    services.amend_decision(item, actor=officer_a, note="更正后的议定事项", reason="表述不准")
    rows = list(Amendment.objects.filter(meeting=meeting).order_by("number"))
    assert [(row.number, row.part) for row in rows] == [
        (1, AmendedPart.MINUTES), (2, AmendedPart.MINUTES), (3, AmendedPart.DECISION)]
    assert rows[0].before == approved and rows[1].before == "更正后的纪要"
    assert rows[2].item == item and rows[2].amended_by == officer_a
    assert Meeting.objects.get(pk=meeting.pk).minutes == "再次更正的纪要"
    assert MeetingItem.objects.get(pk=item.pk).decision_note == "更正后的议定事项"


def test_amendment_needs_a_reason_and_a_change(officer_a, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    with pytest.raises(RuleBroken) as refused:
        services.amend_minutes(meeting, actor=officer_a, minutes="新纪要", reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(RuleBroken) as refused:
        services.amend_minutes(meeting, actor=officer_a, minutes=meeting.minutes, reason="无")
    assert refused.value.field == "minutes"
    assert not Amendment.objects.exists()


def test_a_draft_is_edited_not_amended(officer_a):
    meeting = hold(officer_a, Tier.COMMUNITY)
    with pytest.raises(RuleBroken):
        services.amend_minutes(meeting, actor=officer_a, minutes="新纪要", reason="更正")


def test_amendments_and_progress_notes_are_append_only(officer_a, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    amendment = services.amend_minutes(meeting, actor=officer_a, minutes="新纪要", reason="更正")
    with pytest.raises(PermissionError):
        amendment.save()
    with pytest.raises(PermissionError):
        Amendment.objects.all().update(reason="改写")
    with pytest.raises(PermissionError):
        Amendment.objects.all().delete()
    with pytest.raises(PermissionError):
        ActionItemProgress.objects.all().delete()


def test_only_managers_amend(officer_a, colleague_a, grid_worker_a1, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    services.amend_minutes(meeting, actor=colleague_a, minutes="同事更正", reason="更正")
    with pytest.raises(Forbidden):
        services.amend_minutes(meeting, actor=grid_worker_a1, minutes="网格员更正", reason="x")
    assert Amendment.objects.count() == 1


# Action items ------------------------------------------------------------------------------

def test_owners_are_told_of_their_action_items_on_approval(leader, officer_a, section_staff,
                                                           street, matter):
    escalated(matter, officer_a)
    meeting = hold(leader, Tier.STREET, risks=[matter])
    decide(meeting, leader, {matter: Decision.FOLLOW_UP})
    services.add_action_item(meeting, actor=leader, item=meeting.items.get(), title="政策解释",
                             owner=officer_a, owner_department=street.department,
                             deadline=timezone.localdate() + timedelta(days=7))
    told = Message.objects.filter(kind="action_item")  # (the escalation told the centre)
    assert not told.exists()  # not in force while a draft
    services.approve_meeting(meeting, actor=leader)
    assert set(told.values_list("recipient__username", flat=True)) == {
        "officer_a", "staff_pingan"}


def test_action_item_needs_an_owner_and_a_deadline_from_the_meeting_on(officer_a):
    meeting = hold(officer_a, Tier.COMMUNITY, held_on=days_ago(3))
    with pytest.raises(RuleBroken) as refused:
        services.add_action_item(meeting, actor=officer_a, title="回访",
                                 deadline=timezone.localdate())
    assert refused.value.field == "owner"
    with pytest.raises(RuleBroken) as refused:
        services.add_action_item(meeting, actor=officer_a, title="回访", owner=officer_a,
                                 deadline=days_ago(4))
    assert refused.value.field == "deadline"
    assert not ActionItem.objects.exists()


def test_action_item_added_to_approved_minutes_is_an_amendment(officer_a, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    with pytest.raises(RuleBroken) as refused:
        services.add_action_item(meeting, actor=officer_a, title="补充回访", owner=officer_a,
                                 deadline=timezone.localdate())
    assert refused.value.field == "reason" and not ActionItem.objects.exists()
    services.add_action_item(meeting, actor=officer_a, title="补充回访", owner=officer_a,
                             deadline=timezone.localdate(), reason="会上口头布置，补记")
    amendment = Amendment.objects.get()
    assert amendment.part == AmendedPart.ACTION_ITEM and "补充回访" in amendment.after


def _action_item(officer_a, matter, **fields):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    decide(meeting, officer_a, {matter: Decision.FOLLOW_UP})
    fields.setdefault("owner", officer_a)
    action_item = services.add_action_item(meeting, actor=officer_a, title="组织调解",
                                           deadline=timezone.localdate(), **fields)
    return action_item, meeting


def test_action_item_is_not_in_force_before_approval(officer_a, matter):
    action_item, meeting = _action_item(officer_a, matter)
    with pytest.raises(RuleBroken):
        services.complete_action_item(action_item, actor=officer_a, note="已完成")
    with pytest.raises(RuleBroken):
        services.add_progress_note(action_item, actor=officer_a, note="进展")


def test_owner_completes_an_action_item_and_its_history_is_kept(officer_a, matter):
    action_item, meeting = _action_item(officer_a, matter)
    services.approve_meeting(meeting, actor=officer_a)
    services.add_progress_note(action_item, actor=officer_a, note="已约谈双方")
    done = services.complete_action_item(action_item, actor=officer_a, note="调解成功")
    assert done.status == ActionItemStatus.DONE and done.completed_at is not None
    rows = list(action_item.progress.order_by("id").values_list("action", "to_status", "note"))
    assert rows == [("", "", "已约谈双方"), ("complete", "done", "调解成功")]


def test_section_staff_of_the_owning_department_report_progress(leader, officer_a, section_staff,
                                                                officer_b, street, matter):
    escalated(matter, officer_a)
    meeting = hold(leader, Tier.STREET, risks=[matter])
    decide(meeting, leader, {matter: Decision.FOLLOW_UP})
    action_item = services.add_action_item(meeting, actor=leader, title="政策解释",
                                           owner_department=street.department,
                                           deadline=timezone.localdate())
    services.approve_meeting(meeting, actor=leader)
    services.add_progress_note(action_item, actor=section_staff, note="已派员解释政策")
    with pytest.raises(Forbidden):
        services.add_progress_note(action_item, actor=officer_b, note="不相干的人")
    with pytest.raises(Forbidden):  # owners complete; only the meeting's managers cancel
        services.cancel_action_item(action_item, actor=section_staff, note="不做了")
    assert ActionItem.objects.get(pk=action_item.pk).status == ActionItemStatus.OPEN
    assert action_item.progress.count() == 1


def test_managers_cancel_and_reopen_with_a_note(officer_a, matter):
    action_item, meeting = _action_item(officer_a, matter)
    services.approve_meeting(meeting, actor=officer_a)
    with pytest.raises(RuleBroken) as refused:
        services.cancel_action_item(action_item, actor=officer_a, note="")
    assert refused.value.field == "note"
    services.cancel_action_item(action_item, actor=officer_a, note="情况变化，不再需要")
    with pytest.raises(RuleBroken):
        services.complete_action_item(action_item, actor=officer_a, note="完成")
    reopened = services.reopen_action_item(action_item, actor=officer_a, note="重新布置")
    assert reopened.status == ActionItemStatus.OPEN


def test_overdue_action_item_of_approved_minutes(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter], held_on=days_ago(10))
    decide(meeting, officer_a, {matter: Decision.FOLLOW_UP})
    action_item = services.add_action_item(meeting, actor=officer_a, title="回访",
                                           owner=officer_a, deadline=days_ago(3))
    assert not ActionItem.objects.get(pk=action_item.pk).is_overdue  # a draft's item
    services.approve_meeting(meeting, actor=officer_a)
    assert ActionItem.objects.get(pk=action_item.pk).is_overdue


def test_discarding_a_draft_deletes_it(officer_a, matter):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[matter])
    services.discard_meeting(meeting, actor=officer_a)
    assert not Meeting.objects.exists() and Risk.objects.filter(pk=matter.pk).exists()


@pytest.fixture
def high_resolving(ready_to_start, officer_a):
    from risks import services as risk_services

    risk = ready_to_start(level="high", title="小区围墙倒塌隐患引发业主纠纷")
    risk_services.save_emergency_plan(risk, actor=officer_a, start_criteria="裂缝扩大",
                                      stop_criteria="加固完成", command="街道分管领导指挥",
                                      duties="社区疏导", measures="设置警戒线", supplies="警戒带")
    return risk_services.start_risk(risk, actor=officer_a)


def test_a_street_meeting_settles_a_high_level_matter_as_the_leaders_decision(
        officer_a, leader, high_resolving):
    """The street's joint meeting (its leaders sit on it) decides the write-off itself."""
    escalated(high_resolving, officer_a)
    hold_and_approve(leader, Tier.STREET, {high_resolving: Decision.SETTLE})
    assert Risk.objects.get(pk=high_resolving.pk).status == RiskStatus.CLOSED


def test_a_community_meeting_cannot_write_off_a_high_level_matter_without_approval(
        officer_a, high_resolving):
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[high_resolving])
    decide(meeting, officer_a, {high_resolving: Decision.SETTLE})
    before = risk_snapshot(high_resolving)
    with pytest.raises(RuleBroken) as refused:
        services.approve_meeting(meeting, actor=officer_a)
    assert "审批" in str(refused.value)  # the write-off needs the leader's approval
    assert risk_snapshot(high_resolving) == before
    assert Meeting.objects.get(pk=meeting.pk).status != MeetingStatus.APPROVED
