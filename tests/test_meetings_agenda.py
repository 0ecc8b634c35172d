"""The agenda proposal (matters that reached a tier and were not discussed there since,
plus overdue action items) and the escalation rules that flag matters for a person to
decide on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import services
from meetings.agenda import matters_awaiting_discussion, propose_agenda
from meetings.choices import Decision
from meetings.escalation import flagged_matters
from meetings.models import EscalationRule
from quanfu.errors import Forbidden, RuleBroken
from risks.choices import RiskLevel, Tier
from risks.models import Risk
from tests.meetings_helpers import days_ago, decide, escalated, hold, hold_and_approve, resolving


@pytest.fixture
def matter(ready_to_start, officer_a):
    return resolving(ready_to_start, officer_a)


def proposed(meeting, user):
    return [risk.code for risk in propose_agenda(meeting, user).matters]


def test_matter_climbs_the_tiers_showing_on_each_agenda_in_turn(officer_a, leader, matter,
                                                                 street):
    """community → street → district, and back out of each agenda once decided there."""
    community = hold(officer_a, Tier.COMMUNITY)
    assert proposed(community, officer_a) == [matter.code]
    services.adopt_proposed_agenda(community, actor=officer_a)
    decide(community, officer_a, {matter: Decision.ESCALATE})
    services.approve_meeting(community, actor=officer_a)
    assert proposed(hold(officer_a, Tier.COMMUNITY, title="下一次社区会议"), officer_a) == []

    street_meeting = hold(leader, Tier.STREET)
    assert proposed(street_meeting, leader) == [matter.code]
    services.adopt_proposed_agenda(street_meeting, actor=leader)
    decide(street_meeting, leader, {matter: Decision.ESCALATE})
    services.approve_meeting(street_meeting, actor=leader)
    assert proposed(hold(leader, Tier.STREET, title="下一次街道会议"), leader) == []

    district = hold(leader, Tier.DISTRICT)
    assert proposed(district, leader) == [matter.code]
    services.adopt_proposed_agenda(district, actor=leader)
    decide(district, leader, {matter: Decision.SETTLE})
    services.approve_meeting(district, actor=leader)
    assert proposed(hold(leader, Tier.DISTRICT, title="下一次区会议"), leader) == []
    assert Risk.objects.get(pk=matter.pk).status == "closed"


def test_matter_sent_down_comes_back_to_the_lower_agenda(officer_a, leader, matter):
    hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.ESCALATE})
    hold_and_approve(leader, Tier.STREET, {matter: Decision.SEND_DOWN})
    assert proposed(hold(officer_a, Tier.COMMUNITY), officer_a) == [matter.code]


def test_matter_on_a_draft_meeting_is_not_proposed_again(officer_a, matter):
    hold(officer_a, Tier.COMMUNITY, risks=[matter])
    assert proposed(hold(officer_a, Tier.COMMUNITY, title="另一次会议"), officer_a) == []


def test_follow_up_matter_returns_through_its_overdue_action_item(officer_a, matter):
    earlier = hold(officer_a, Tier.COMMUNITY, risks=[matter], held_on=days_ago(10))
    decide(earlier, officer_a, {matter: Decision.FOLLOW_UP})
    overdue = services.add_action_item(earlier, actor=officer_a, item=earlier.items.get(),
                                       title="组织调解", owner=officer_a, deadline=days_ago(2))
    services.add_action_item(earlier, actor=officer_a, title="未到期的任务", owner=officer_a,
                             deadline=timezone.localdate() + timedelta(days=3))
    services.approve_meeting(earlier, actor=officer_a)

    meeting = hold(officer_a, Tier.COMMUNITY)
    proposal = propose_agenda(meeting, officer_a)
    assert proposal.matters == [] and proposal.action_items == [overdue]
    services.adopt_proposed_agenda(meeting, actor=officer_a)
    assert propose_agenda(meeting, officer_a).action_items == []
    review = meeting.items.get()
    services.record_decision(review, actor=officer_a, decision=Decision.FOLLOW_UP,
                             note="限三日内完成")
    services.approve_meeting(meeting, actor=officer_a)
    assert "限三日内完成" in overdue.progress.get().note


def test_chair_takes_a_proposed_item_off_and_adds_a_topic(officer_a, ready_to_start, matter):
    other = resolving(ready_to_start, officer_a, title="另一件事项")
    meeting = hold(officer_a, Tier.COMMUNITY)
    items = services.adopt_proposed_agenda(meeting, actor=officer_a)
    assert {item.risk for item in items} == {matter, other}
    assert all(item.proposed for item in items)
    services.remove_agenda_item(items[0], actor=officer_a)
    services.add_agenda_item(meeting, actor=officer_a, topic="本周统计")
    assert [item.topic for item in meeting.items.order_by("position")][-1] == "本周统计"
    assert proposed(meeting, officer_a) == [items[0].risk.code]


def test_proposal_keeps_to_the_meetings_area_and_the_chairs_scope(leader, officer_a, report,
                                                                  officer_b, street, matter):
    report(officer_b, area=street.grid_b1)  # community B's
    meeting_a = hold(leader, Tier.COMMUNITY, area=street.community_a)
    assert proposed(meeting_a, leader) == [matter.code]
    assert matters_awaiting_discussion(officer_b, Tier.COMMUNITY).filter(pk=matter.pk).count() == 0


def test_proposal_of_an_approved_meeting_is_empty(officer_a, matter):
    meeting = hold_and_approve(officer_a, Tier.COMMUNITY, {matter: Decision.FOLLOW_UP})
    assert not propose_agenda(meeting, officer_a)


# Escalation rules --------------------------------------------------------------------------

@pytest.fixture
def rules(leader, street):
    for tier, days in ((Tier.COMMUNITY, 10), (Tier.STREET, 20)):
        services.save_escalation_rule(actor=leader, street=street.street, tier=tier,
                                      level=RiskLevel.MEDIUM, days=days)


def in_days(days):
    return timezone.now() + timedelta(days=days)


def test_rule_flags_a_matter_unresolved_longer_than_its_days(leader, rules, matter):
    assert list(flagged_matters(leader, Tier.COMMUNITY, now=in_days(9))) == []
    flagged = list(flagged_matters(leader, Tier.COMMUNITY, now=in_days(11)))
    assert flagged == [matter] and flagged[0].rule_days == 10


def test_rule_is_per_level(leader, rules, ready_to_start, officer_a):
    low = resolving(ready_to_start, officer_a, level=RiskLevel.LOW)
    assert low not in flagged_matters(leader, now=in_days(100))


def test_days_count_from_arrival_at_the_current_tier(leader, officer_a, rules, matter):
    escalated(matter, officer_a)
    assert list(flagged_matters(leader, Tier.COMMUNITY, now=in_days(11))) == []
    assert list(flagged_matters(leader, Tier.STREET, now=in_days(11))) == []
    assert list(flagged_matters(leader, Tier.STREET, now=in_days(21))) == [matter]


def test_flags_only_flag(leader, rules, matter):
    list(flagged_matters(leader, now=in_days(30)))
    assert Risk.objects.get(pk=matter.pk).tier == Tier.COMMUNITY


def test_flags_keep_to_the_scope(officer_b, officer_a, rules, matter):
    assert list(flagged_matters(officer_a, now=in_days(30))) == [matter]
    assert list(flagged_matters(officer_b, now=in_days(30))) == []


def test_no_rules_flag_nothing(leader, matter):
    assert list(flagged_matters(leader, now=in_days(300))) == []


@pytest.mark.parametrize("persona", ["officer_a", "section_staff", "supervisor_a",
                                     "grid_worker_a1"])
def test_only_street_leaders_set_escalation_rules(request, street, persona):
    with pytest.raises(Forbidden):
        services.save_escalation_rule(actor=request.getfixturevalue(persona),
                                      street=street.street, tier=Tier.COMMUNITY,
                                      level=RiskLevel.HIGH, days=3)
    assert not EscalationRule.objects.exists()


@pytest.mark.parametrize("tier,days,field", [(Tier.DISTRICT, 3, "tier"),
                                             (Tier.COMMUNITY, 0, "days"),
                                             (Tier.COMMUNITY, 400, "days")])
def test_escalation_rule_checks_its_tier_and_days(leader, street, tier, days, field):
    with pytest.raises(RuleBroken) as refused:
        services.save_escalation_rule(actor=leader, street=street.street, tier=tier,
                                      level=RiskLevel.HIGH, days=days)
    assert refused.value.field == field


def test_leader_cannot_set_rules_for_another_street(other_street_leader, street):
    with pytest.raises(RuleBroken):
        services.save_escalation_rule(actor=other_street_leader, street=street.street,
                                      tier=Tier.COMMUNITY, level=RiskLevel.HIGH, days=3)


def test_saving_a_rule_again_changes_its_days(leader, street):
    for days in (3, 5):
        services.save_escalation_rule(actor=leader, street=street.street, tier=Tier.STREET,
                                      level=RiskLevel.HIGH, days=days)
    assert list(EscalationRule.objects.values_list("days", flat=True)) == [5]


def test_the_gravest_escalated_matter_heads_the_proposed_agenda(officer_a, leader,
                                                                 ready_to_start):
    """Ranked by level, then how it came (escalated here before sent down), then age: a
    high-level matter escalated today comes before an older medium one and a high one
    sent down from the district."""
    medium = escalated(resolving(ready_to_start, officer_a, level=RiskLevel.MEDIUM,
                                 title="较早上报的中风险事项"), officer_a)
    sent_down = escalated(escalated(ready_to_start(level=RiskLevel.HIGH, title="区里退回的事项"),
                                    officer_a), leader)
    from risks import services as risk_services  # tests stand above every layer

    sent_down = risk_services.deescalate_risk(sent_down, actor=leader, note="由街道继续化解。")
    high = escalated(ready_to_start(level=RiskLevel.HIGH, title="今日上报的高风险事项"),
                     officer_a)
    assert proposed(hold(leader, Tier.STREET), leader) == [high.code, sent_down.code,
                                                           medium.code]
