"""Warnings (预警) with T+2 feedback, the sweep that marks them overdue, and the notices."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import Message, NoticeRun
from inbox.runs import write_notice_runs
from quanfu.errors import Forbidden, RuleBroken
from rhythm import jobs
from rhythm.choices import WarningStatus
from rhythm.models import RiskWarning
from rhythm.services import (
    OVERDUE_DIGEST_AFTER,
    deliver_issue_notices,
    issue_warning,
    matters_with_overdue_warnings,
    record_feedback,
    sweep_overdue,
)
from risks.models import Risk


@pytest.fixture
def graded(ready_to_start):
    return ready_to_start(level="medium")


def test_a_warning_needs_a_graded_open_matter(report, officer_a):
    with pytest.raises(RuleBroken) as error:
        issue_warning(report(officer_a), actor=officer_a, content="情绪激动，争执可能升级")
    assert error.value.field == "risk"
    assert not RiskWarning.objects.exists()


def test_issuing_computes_t_plus_2_and_tells_the_responsible_persons(graded, officer_a,
                                                                     grid_worker_a1):
    warning = issue_warning(graded, actor=officer_a, content="情绪激动，争执可能升级")
    assert warning.status == WarningStatus.OPEN
    assert warning.feedback_due > warning.issued_at
    assert warning.level == "medium"
    recipients = set(Message.objects.filter(kind="warning_issued")
                     .values_list("recipient__username", flat=True))
    assert recipients == {"officer_a", "grid_a1"}
    assert Risk.objects.get(pk=graded.pk).events.filter(kind="warning").exists()


def test_a_warning_may_be_issued_in_the_past_but_not_the_future(graded, api_client_user):
    past = timezone.now() - timedelta(days=10)
    warning = issue_warning(graded, actor=api_client_user, content="纸质预警补录",
                            issued_at=past)
    assert warning.issued_at == past
    with pytest.raises(RuleBroken):
        issue_warning(graded, actor=api_client_user, content="x",
                      issued_at=timezone.now() + timedelta(days=1))


def test_grid_workers_and_supervisors_do_not_issue_warnings(graded, grid_worker_a1,
                                                            supervisor_a):
    for actor in (grid_worker_a1, supervisor_a):
        with pytest.raises(Forbidden):
            issue_warning(graded, actor=actor, content="x")


def test_feedback_closes_the_warning_once(graded, officer_a, grid_worker_a1):
    warning = issue_warning(graded, actor=officer_a, content="需反馈稳控情况")
    answered = record_feedback(warning, actor=grid_worker_a1, content="已入户，情绪稳定")
    assert answered.status == WarningStatus.ANSWERED and answered.answered_on_time
    with pytest.raises(RuleBroken):
        record_feedback(warning, actor=grid_worker_a1, content="再次反馈")


def test_sweep_marks_overdue_notifies_and_flags_once(graded, officer_a, colleague_a,
                                                     grid_worker_a1, leader):
    warning = issue_warning(graded, actor=officer_a, content="需反馈",
                            issued_at=timezone.now() - timedelta(days=10))
    first = sweep_overdue()
    second = sweep_overdue()
    assert first["warnings_overdue"] == 1 and second["warnings_overdue"] == 0
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OVERDUE and warning.overdue_at is not None
    overdue_notices = Message.objects.filter(kind="warning_overdue")
    # the duty holders and the community's officers, each exactly once
    assert sorted(overdue_notices.values_list("recipient__username", flat=True)) == [
        "colleague_a", "grid_a1", "officer_a"]
    assert list(matters_with_overdue_warnings(Risk.objects.all())) == [graded]


def _overdue_warnings(ready_to_start, officer_a, count):
    past = timezone.now() - timedelta(days=10)
    return [issue_warning(ready_to_start(), actor=officer_a, content="需反馈", issued_at=past)
            for _ in range(count)]


def test_a_few_overdue_warnings_are_told_one_notice_per_matter(ready_to_start, officer_a):
    warnings = _overdue_warnings(ready_to_start, officer_a, OVERDUE_DIGEST_AFTER)
    sweep_overdue()
    notices = Message.objects.filter(recipient=officer_a, kind="warning_overdue")
    assert sorted(notices.values_list("link", flat=True)) == sorted(
        f"/risks/{warning.risk_id}/" for warning in warnings)
    assert not Message.objects.filter(kind="warnings_overdue").exists()


def test_many_overdue_warnings_in_one_sweep_are_told_in_one_digest_per_person(
        ready_to_start, officer_a, colleague_a, grid_worker_a1, client):
    many = OVERDUE_DIGEST_AFTER + 1
    warnings = _overdue_warnings(ready_to_start, officer_a, many)
    assert sweep_overdue()["warnings_overdue"] == many
    assert not Message.objects.filter(kind="warning_overdue").exists()
    digests = Message.objects.filter(kind="warnings_overdue")
    assert sorted(digests.values_list("recipient__username", flat=True)) == [
        "colleague_a", "grid_a1", "officer_a"]
    digest = digests.get(recipient=officer_a)
    assert str(many) in digest.title
    # the digest opens the overdue warnings, where every one of them is listed
    client.force_login(officer_a)
    page = client.get(digest.link)
    assert page.status_code == 200
    for warning in warnings:
        assert warning.risk.code in page.content.decode()
    # a second sweep finds nothing new and tells nobody again
    assert sweep_overdue()["warnings_overdue"] == 0
    assert Message.objects.filter(kind__startswith="warning").exclude(
        kind="warning_issued").count() == 3


def test_a_late_answer_still_closes_an_overdue_warning(graded, officer_a):
    warning = issue_warning(graded, actor=officer_a, content="需反馈",
                            issued_at=timezone.now() - timedelta(days=10))
    sweep_overdue()
    answered = record_feedback(warning, actor=officer_a, content="补充反馈")
    assert answered.status == WarningStatus.ANSWERED and not answered.answered_on_time


def test_warnings_not_yet_due_are_left_alone(graded, officer_a):
    issue_warning(graded, actor=officer_a, content="需反馈")
    assert sweep_overdue()["warnings_overdue"] == 0


@pytest.mark.parametrize("count", [3, 40])
def test_sweep_query_count_does_not_grow_with_the_warnings(ready_to_start, officer_a, count,
                                                           django_assert_max_num_queries):
    past = timezone.now() - timedelta(days=10)
    for _ in range(count):
        issue_warning(ready_to_start(), actor=officer_a, content="需反馈", issued_at=past)
    # the outbox claim + read; the overdue claim + read; people; officers; one insert +
    # read-back; instruction claim; and the savepoint
    with django_assert_max_num_queries(12):
        result = sweep_overdue()
    assert result["warnings_overdue"] == count


def test_issue_notices_missed_are_delivered_by_the_sweep(graded, officer_a):
    # as if the notice could not go out (the row is written, the outbox flag still unset)
    warning = issue_warning(graded, actor=officer_a, content="需反馈")
    RiskWarning.objects.filter(pk=warning.pk).update(notified_at=None)
    Message.objects.filter(kind="warning_issued").delete()
    assert jobs.sweep()["issue_notices"] == 1
    assert Message.objects.filter(kind="warning_issued").count() == 2
    assert deliver_issue_notices() == 0


def test_the_sweep_marks_warnings_in_one_transaction_and_tells_in_the_next(ready_to_start,
                                                                         officer_a):
    past = timezone.now() - timedelta(days=10)
    issue_warning(ready_to_start(), actor=officer_a, content="需反馈", issued_at=past)
    result = sweep_overdue(write_notices=False)
    assert result["warnings_overdue"] == 1
    run = NoticeRun.objects.get(kind="warnings_overdue")
    assert run.items == 1 and run.written_at is None
    assert not Message.objects.filter(kind="warning_overdue").exists()
    assert write_notice_runs() == Message.objects.filter(kind="warning_overdue").count() > 0
    run.refresh_from_db()
    assert run.written_at is not None and run.notices > 0


def test_notices_a_stopped_sweep_left_queued_are_written_by_the_next_sweep(ready_to_start,
                                                                          officer_a):
    past = timezone.now() - timedelta(days=10)
    issue_warning(ready_to_start(), actor=officer_a, content="需反馈", issued_at=past)
    sweep_overdue(write_notices=False)  # as if the process stopped after the marking
    result = jobs.sweep()
    assert result["leftover_notices"] == Message.objects.filter(kind="warning_overdue").count()
    assert result["leftover_notices"] > 0
    assert not NoticeRun.objects.filter(written_at=None).exists()
    # a run written again adds nothing (the notices' unique recipient and key)
    NoticeRun.objects.update(written_at=None)
    assert write_notice_runs() == 0
