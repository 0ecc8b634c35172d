"""The rhythm's state machines through their tables (rhythm/transitions.py): an answer
closes a warning or an instruction, on time or late, once; the sweep marks only what still
awaits its answer overdue, and no person is offered that step."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from quanfu.errors import Forbidden, RuleBroken
from rhythm.choices import InstructionKind, InstructionStatus, ReplyAction, WarningStatus
from rhythm.models import InstructionRecipient, WorkInstruction
from rhythm.services import (
    answer_instruction,
    issue_warning,
    record_feedback,
    send_instruction,
    sweep_overdue,
)
from rhythm.transitions import INSTRUCTION_TRANSITIONS, WARNING_TRANSITIONS


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def graded(ready_to_start):
    return ready_to_start(level="medium")


def test_an_overdue_warning_is_answered_late_and_then_only_once(graded, officer_a,
                                                                grid_worker_a1):
    warning = issue_warning(graded, actor=officer_a, content="需反馈",
                            issued_at=timezone.now() - timedelta(days=10))
    assert sweep_overdue()["warnings_overdue"] == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OVERDUE
    assert WARNING_TRANSITIONS.available(warning, grid_worker_a1) == [ReplyAction.ANSWER]
    with pytest.raises(RuleBroken) as refused:
        record_feedback(warning, actor=grid_worker_a1, content="  ")
    assert refused.value.field == "content"
    answered = record_feedback(warning, actor=grid_worker_a1, content="已入户，情绪稳定")
    assert answered.status == WarningStatus.ANSWERED and not answered.answered_on_time
    with pytest.raises(RuleBroken) as refused:
        record_feedback(warning, actor=grid_worker_a1, content="再次反馈")
    assert (refused.value.field, str(refused.value.message)) == (
        "status", "This warning has already been answered.")
    assert sweep_overdue()["warnings_overdue"] == 0  # an answered one stays answered


def test_the_sweep_is_the_only_one_to_mark_overdue(graded, officer_a, superuser):
    warning = issue_warning(graded, actor=officer_a, content="需反馈")
    assert ReplyAction.MARK_OVERDUE not in WARNING_TRANSITIONS.available(warning, superuser)


def test_an_instruction_is_answered_by_its_worker_on_time_or_late_once(
        graded, officer_a, grid_worker_a1):
    instruction = send_instruction(actor=officer_a, workers=[grid_worker_a1],
                                   kind=InstructionKind.VISIT, content="今晚走访",
                                   deadline=timezone.now() + timedelta(days=1), risk=graded)
    recipient = InstructionRecipient.objects.get(instruction=instruction)
    with pytest.raises(Forbidden):
        answer_instruction(recipient, actor=officer_a, answer="代答")
    WorkInstruction.objects.filter(pk=instruction.pk).update(
        deadline=timezone.now() - timedelta(hours=1))
    assert sweep_overdue()["instructions_overdue"] == 1
    recipient.refresh_from_db()
    assert recipient.status == InstructionStatus.OVERDUE
    assert INSTRUCTION_TRANSITIONS.available(recipient, grid_worker_a1) == [ReplyAction.ANSWER]
    answered = answer_instruction(recipient, actor=grid_worker_a1, answer="已走访")
    assert answered.status == InstructionStatus.ANSWERED
    with pytest.raises(RuleBroken) as refused:
        answer_instruction(recipient, actor=grid_worker_a1, answer="再答")
    assert str(refused.value.message) == "This instruction has already been answered."
    assert sweep_overdue()["instructions_overdue"] == 0
