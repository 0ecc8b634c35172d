"""Supervision's state machines through their tables (supervision/transitions.py): the
refusals people know keep their words, the grade rises one step per run whatever grade a
listing is at (one UPDATE per grade, a CASE over the source grades), and the job-only
steps are offered to nobody."""

from datetime import timedelta

import pytest
from django.utils import translation

from quanfu.errors import RuleBroken
from supervision import services
from supervision.choices import (
    FindingAction,
    FindingStatus,
    ListingAction,
    ListingGrade,
    ListingStatus,
    TaskStatus,
)
from supervision.models import Campaign, ListedSupervision
from supervision.transitions import (
    FINDING_TRANSITIONS,
    LISTING_GRADE_TRANSITIONS,
    LISTING_TRANSITIONS,
    TASK_TRANSITIONS,
)
from tests.supervision_helpers import days_from_today, find, group_of, inspect


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def finding(supervisor_a, street):
    return find(supervisor_a, inspect(supervisor_a, street.community_a))


def test_a_finding_refused_in_its_state_says_so_in_its_own_words(finding, officer_a,
                                                                  supervisor_a):
    services.submit_rectification(finding, actor=officer_a, note="已整改。")
    with pytest.raises(RuleBroken) as refused:
        services.submit_rectification(finding, actor=officer_a, note="再次提交。")
    assert refused.value.field == "status"
    assert str(refused.value.message) == (
        "This finding is Rectified, awaiting acceptance: that cannot be done now.")
    closed = services.accept_rectification(finding, actor=supervisor_a)
    assert closed.status == FindingStatus.CLOSED
    assert FINDING_TRANSITIONS.available(closed, supervisor_a) == []


def test_a_finding_awaiting_acceptance_offers_its_group_return_and_accept(finding, officer_a,
                                                                          supervisor_a):
    assert FINDING_TRANSITIONS.available(finding, officer_a) == [FindingAction.SUBMIT]
    submitted = services.submit_rectification(finding, actor=officer_a, note="已整改。")
    assert FINDING_TRANSITIONS.available(submitted, supervisor_a) == [
        FindingAction.RETURN, FindingAction.ACCEPT]
    with pytest.raises(RuleBroken) as refused:
        services.return_rectification(submitted, actor=supervisor_a, note="材料不全。",
                                      deadline=days_from_today(-1))
    assert refused.value.field == "deadline"
    assert services.return_rectification(submitted, actor=supervisor_a, note="材料不全。"
                                         ).status == FindingStatus.OPEN


def test_a_notice_is_sent_once(finding, supervisor_a):
    notice = services.draft_notice(actor=supervisor_a, group=group_of(supervisor_a),
                                   findings=[finding])
    services.send_notice(notice, actor=supervisor_a)
    with pytest.raises(RuleBroken) as refused:
        services.send_notice(notice, actor=supervisor_a)
    assert str(refused.value.message) == "This notice was already sent."


def listed(leader, community, days=1):
    return services.list_for_supervision(actor=leader, community=community, reason="理由",
                                         deadline=days_from_today(days))


def test_a_lifted_listing_is_lifted_once(leader, street):
    listing = services.lift_supervision(listed(leader, street.community_a), actor=leader,
                                        note="已整改。")
    assert listing.status == ListingStatus.LIFTED
    assert LISTING_TRANSITIONS.available(listing, leader) == []
    with pytest.raises(RuleBroken) as refused:
        services.lift_supervision(listing, actor=leader, note="再摘一次。")
    assert str(refused.value.message) == "This listed supervision was already lifted."


def test_grades_rise_one_step_each_in_one_run_whatever_grade_they_are_at(leader, street):
    earlier = listed(leader, street.community_a, days=1)
    assert services.escalate_overdue_listings(days_from_today(2))["escalated"] == 1
    lifted = services.lift_supervision(listed(leader, street.community_b, days=1),
                                       actor=leader, note="已整改。")
    later = listed(leader, street.community_b, days=3)
    # both deadlines slipped by day 20: yellow → red and normal → yellow, one step each
    assert services.escalate_overdue_listings(days_from_today(20)) == {
        "escalated": 2, "red": 1}
    grades = dict(ListedSupervision.objects.values_list("pk", "grade"))
    assert grades == {earlier.pk: ListingGrade.RED, later.pk: ListingGrade.YELLOW,
                      lifted.pk: ListingGrade.NORMAL}
    deadlines = set(ListedSupervision.objects.filter(pk__in=[earlier.pk, later.pk])
                    .values_list("deadline", flat=True))
    assert deadlines == {days_from_today(20) + timedelta(days=7)}


def test_the_grade_is_raised_by_the_daily_job_only(leader, street, superuser):
    listing = listed(leader, street.community_a)
    assert LISTING_GRADE_TRANSITIONS.available(listing, leader) == []
    assert LISTING_GRADE_TRANSITIONS.available(listing, superuser) == []
    assert LISTING_GRADE_TRANSITIONS.reachable_states() == {ListingGrade.YELLOW,
                                                             ListingGrade.RED}
    assert LISTING_GRADE_TRANSITIONS[ListingAction.ESCALATE].leads_to(
        ListingGrade.YELLOW) == ListingGrade.RED


def test_a_progress_report_moves_a_task_only_as_its_table_allows(leader, street, officer_a):
    task = services.add_campaign_task(Campaign.objects.order_by("position").first(),
                                      actor=leader, title="逐一建账",
                                      owner_community=street.community_a,
                                      deadline=days_from_today(10))
    assert TASK_TRANSITIONS.available(task, officer_a) == [TaskStatus.IN_PROGRESS,
                                                           TaskStatus.DONE]
    with pytest.raises(RuleBroken) as refused:
        services.report_task_progress(task, actor=officer_a, note="x", progress=10,
                                      status=TaskStatus.NOT_STARTED)
    assert refused.value.field == "status"
    assert str(refused.value.message) == "A task that is Not started cannot become Not started."
    with pytest.raises(RuleBroken) as refused:
        services.report_task_progress(task, actor=officer_a, note="x", progress=101,
                                      status=TaskStatus.IN_PROGRESS)
    assert refused.value.field == "progress"
    services.report_task_progress(task, actor=officer_a, note="完成。", progress=10,
                                  status=TaskStatus.DONE)
    with pytest.raises(RuleBroken) as refused:
        services.report_task_progress(task, actor=officer_a, note="又完成。", progress=100,
                                      status=TaskStatus.DONE)
    assert str(refused.value.message) == "A task that is Done cannot become Done."
    task.refresh_from_db()
    assert (task.status, task.progress) == (TaskStatus.DONE, 100)
