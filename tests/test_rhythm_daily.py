"""日核: daily checklists of open matters, confirmed by officers; grid workers' zero
reports; grids that stayed silent; work instructions; and the snapshots (周调、月统)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from quanfu.errors import Forbidden, RuleBroken
from rhythm import jobs, snapshots
from rhythm.choices import CheckOutcome, InstructionStatus
from rhythm.models import DailyCheck, DailyCheckItem, Snapshot, ZeroReport
from rhythm.services import (
    answer_instruction,
    confirm_check_item,
    file_zero_report,
    run_daily_checks,
    send_instruction,
    silent_grids,
    sweep_overdue,
)
from risks import services as risk_services


def test_daily_job_lists_each_open_matter_once_and_twice_changes_nothing(
        report, officer_a, officer_b, street):
    report(officer_a)
    report(officer_a)
    report(officer_b, area=street.grid_b1)
    closed = report(officer_a)
    risk_services.reject_risk(closed, actor=officer_a, note="不属于风险")
    today = timezone.localdate()
    first = run_daily_checks(today)
    second = run_daily_checks(today)
    assert first == {"checks": 2, "items": 3}
    assert second == {"checks": 0, "items": 0}
    check_a = DailyCheck.objects.get(community=street.community_a, day=today)
    assert check_a.items.count() == 2


@pytest.mark.parametrize("matters", [3, 30])
def test_daily_job_query_count_does_not_grow_with_the_matters(
        report, officer_a, matters, django_assert_max_num_queries):
    for _ in range(matters):
        report(officer_a)
    # the communities with open matters, then per batch of communities two
    # INSERT … SELECT inside a savepoint (SAVEPOINT and RELEASE count as queries)
    with django_assert_max_num_queries(5):
        run_daily_checks(timezone.localdate())
    assert DailyCheckItem.objects.count() == matters


def test_daily_job_in_small_batches_gives_the_same_checklists(report, officer_a, officer_b,
                                                              street, settings):
    settings.RHYTHM_DAILY_BATCH = 1
    report(officer_a)
    report(officer_b, area=street.grid_b1)
    assert run_daily_checks(timezone.localdate()) == {"checks": 2, "items": 2}


def test_officer_confirms_unchanged_or_changed_with_a_note(report, officer_a):
    risk = report(officer_a)
    run_daily_checks(timezone.localdate())
    item = DailyCheckItem.objects.get(risk=risk)
    with pytest.raises(RuleBroken) as error:
        confirm_check_item(item, actor=officer_a, outcome=CheckOutcome.CHANGED)
    assert error.value.field == "note"
    confirmed = confirm_check_item(item, actor=officer_a, outcome=CheckOutcome.CHANGED,
                                   note="当事人已搬离")
    assert confirmed.confirmed_by == officer_a
    assert risk.events.filter(kind="note", note__contains="当事人已搬离").exists()


def test_grid_workers_do_not_confirm_checklists(report, officer_a, grid_worker_a1):
    report(officer_a)
    run_daily_checks(timezone.localdate())
    with pytest.raises(Forbidden):
        confirm_check_item(DailyCheckItem.objects.get(), actor=grid_worker_a1,
                           outcome=CheckOutcome.UNCHANGED)


def test_zero_report_once_a_day_and_silent_grids(report, grid_worker_a1, officer_a, street):
    today = timezone.localdate()
    assert {grid.code for grid in silent_grids(street.community_a, today)} == {
        "S1-A-G1", "S1-A-G2"}
    file_zero_report(street.grid_a1, actor=grid_worker_a1)
    file_zero_report(street.grid_a1, actor=grid_worker_a1)
    assert ZeroReport.objects.count() == 1
    report(officer_a, area=street.grid_a2)  # a new matter also breaks the silence
    assert list(silent_grids(street.community_a, today)) == []


def test_a_grid_worker_files_zero_reports_only_for_their_own_grid(grid_worker_a1, street):
    with pytest.raises(Forbidden):
        file_zero_report(street.grid_a2, actor=grid_worker_a1)


def test_instructions_are_answered_or_become_overdue(report, officer_a, grid_worker_a1):
    risk = report(officer_a)
    instruction = send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="visit",
                                   content="今日入户走访当事人",
                                   deadline=timezone.now() + timedelta(hours=4), risk=risk)
    recipient = instruction.recipients.get()
    answered = answer_instruction(recipient, actor=grid_worker_a1, answer="已走访，情绪稳定")
    assert answered.status == InstructionStatus.ANSWERED
    assert risk.events.filter(note__contains="已走访").exists()
    late = send_instruction(actor=officer_a, workers=[grid_worker_a1], kind="verify",
                            content="核实情况", deadline=timezone.now() + timedelta(minutes=1),
                            risk=risk)
    assert sweep_overdue(timezone.now() + timedelta(hours=1))["instructions_overdue"] == 1
    assert late.recipients.get().status == InstructionStatus.OVERDUE


def test_an_instruction_goes_to_grid_workers_of_the_place(report, officer_a, officer_b,
                                                          street):
    with pytest.raises(RuleBroken):
        send_instruction(actor=officer_a, workers=[officer_b], kind="visit", content="x",
                         deadline=timezone.now() + timedelta(hours=1), area=street.grid_a1)


# Snapshots ---------------------------------------------------------------------------

def test_weekly_snapshot_is_kept_once_and_compares_with_last_week(report, officer_a,
                                                                   leader, street):
    report(officer_a)
    escalated = report(officer_a)
    risk_services.escalate_risk(escalated, actor=officer_a, note="社区调解未果")
    today = timezone.localdate()
    assert jobs.weekly(today + timedelta(days=7))["snapshots"] == 2  # one per street
    assert jobs.weekly(today + timedelta(days=7))["snapshots"] == 0
    snapshot = Snapshot.objects.get(kind="weekly", street=street.street)
    assert snapshot.period_start == snapshots.week_start(today)
    assert sum(row["new"] for row in snapshot.rows) == 2
    assert sum(row["escalated"] for row in snapshot.rows) == 1
    report_data = snapshots.weekly_report(street.street, today)
    by_community = next(section for section in report_data["sections"]
                        if section["key"] == "community__name")
    assert by_community["lines"][0]["total"] == 2
    assert leader.inbox_messages.filter(kind="weekly_report").count() == 1


def test_weekly_figures_are_a_few_queries_whatever_the_number_of_matters(
        report, officer_a, street, django_assert_max_num_queries):
    for _ in range(25):
        report(officer_a)
    with django_assert_max_num_queries(1):
        rows = snapshots.weekly_rows(street.street, snapshots.week_start(timezone.localdate()))
    assert sum(row["total"] for row in rows) == 25


def test_monthly_rates_against_the_targets(ready_to_start, officer_a, colleague_a, leader,
                                           street):
    from risks.services import resolve_risk, save_emergency_plan, start_risk
    from tests.conftest import write_off_with_approval

    high = ready_to_start(level="high")
    save_emergency_plan(high, actor=officer_a, start_criteria="a", stop_criteria="b",
                        command="c", duties="d", measures="e", supplies="f")
    high = resolve_risk(start_risk(high, actor=officer_a), actor=officer_a,
                        note="已上门调解，双方达成协议。")
    write_off_with_approval(high, requester=colleague_a, leader=leader, note="销号")
    ready_to_start(level="low")
    rows = snapshots.monthly_rows(street.street, snapshots.month_start(timezone.localdate()))
    street_row = rows[-1]
    assert street_row["community"] == "全福街道"
    assert street_row["levels"]["high"] == {"total": 1, "done": 1, "rate": 1.0, "target": 1.0,
                                            "met": True}
    assert street_row["levels"]["low"]["rate"] == 0.0 and not street_row["levels"]["low"]["met"]
    assert street_row["write_off_rate"] == 0.5


def test_data_quality_names_what_each_community_must_fix(report, officer_a, street):
    risk = report(officer_a, area=street.grid_a2)  # grid A2 has no roster: no duties
    risk_services.verify_risk(risk, actor=officer_a)
    rows = {row["community"]: row for row in snapshots.data_quality_rows(street.street)}
    assert rows["花园社区"]["missing_level"] == 1
    assert rows["花园社区"]["missing_duties"] == 1
    assert rows["东泉社区"]["problems"] == 0
    result = jobs.data_quality()
    assert result["snapshots"] == 2 and jobs.data_quality()["snapshots"] == 0
    assert officer_a.inbox_messages.filter(kind="data_quality").count() == 1


@pytest.mark.postgres
def test_daily_job_uses_one_insert_select_on_postgresql(report, officer_a):
    report(officer_a)
    assert connection.vendor == "postgresql"
    assert run_daily_checks(timezone.localdate()) == {"checks": 1, "items": 1}


def test_daily_job_takes_each_community_once(report, officer_a, officer_b, street, settings,
                                             django_assert_max_num_queries):
    settings.RHYTHM_DAILY_BATCH = 1
    for _ in range(5):
        report(officer_a)
    report(officer_b, area=street.grid_b1)
    # the list of communities, then per community (batch of one) SAVEPOINT, two
    # INSERT … SELECT, RELEASE: not one batch per matter
    with django_assert_max_num_queries(9):
        assert run_daily_checks(timezone.localdate()) == {"checks": 2, "items": 6}
