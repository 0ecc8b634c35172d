"""One lock order for writes that lock several rows (risks/locking.py): a meeting's
approval, which carries out its decisions on several matters, locks them all first, by
id. The old order — each matter as its decision was carried out, after an audit entry of
the one before held the chain's lock — deadlocked with a transition on the second matter
that wrote its own entry (PostgreSQL aborted one of them after deadlock_timeout)."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from audit.choices import AuditAction
from audit.services import record_event
from meetings import services as meeting_services
from meetings.choices import Decision
from risks.choices import Tier
from risks.locking import lock_matters
from risks.models import Risk
from tests.meetings_helpers import decide, hold, resolving

pytestmark = pytest.mark.postgres


def approve_while_another_holds_the_second_matter(meeting, officer, second):
    """Thread B locks the second matter and, once the approval has carried out its first
    decision (or after 3 s), writes an audit entry and commits; thread A approves."""
    holds_it, first_done = threading.Event(), threading.Event()
    errors: dict[str, Exception] = {}
    carry_out = meeting_services._carry_out

    def carry_out_and_signal(item, *args):
        carry_out(item, *args)
        first_done.set()

    def other_transition():
        try:
            with transaction.atomic():
                Risk.objects.select_for_update().get(pk=second.pk)
                holds_it.set()
                first_done.wait(timeout=3)
                record_event(action=AuditAction.TRANSITION, target=f"risk:{second.pk}",
                             detail="a transition on the second matter")
        except DatabaseError as error:
            errors["transition"] = error
        finally:
            connection.close()

    def approval():
        try:
            holds_it.wait(timeout=5)
            meeting_services.approve_meeting(meeting, actor=officer)
        except DatabaseError as error:
            errors["approval"] = error
        finally:
            connection.close()

    meeting_services._carry_out = carry_out_and_signal
    try:
        threads = [threading.Thread(target=other_transition), threading.Thread(target=approval)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        meeting_services._carry_out = carry_out
    return errors


@pytest.fixture
def meeting_on_two_matters(transactional_db, ready_to_start, officer_a):
    first, second = (resolving(ready_to_start, officer_a) for _ in range(2))
    meeting = hold(officer_a, Tier.COMMUNITY, risks=[first, second])
    decide(meeting, officer_a, {first: Decision.ESCALATE, second: Decision.ESCALATE})
    return meeting, first, second


def test_a_meetings_approval_and_a_transition_on_one_of_its_matters_do_not_deadlock(
        meeting_on_two_matters, officer_a):
    meeting, first, second = meeting_on_two_matters
    errors = approve_while_another_holds_the_second_matter(meeting, officer_a, second)
    assert errors == {}
    meeting.refresh_from_db()
    assert meeting.approved_at is not None
    assert set(Risk.objects.filter(pk__in=[first.pk, second.pk])
               .values_list("tier", flat=True)) == {Tier.STREET}


def test_without_the_lock_order_the_same_work_deadlocks(meeting_on_two_matters, officer_a,
                                                       monkeypatch):
    meeting, _first, second = meeting_on_two_matters
    monkeypatch.setattr(meeting_services, "lock_matters",
                        lambda ids: sorted({pk for pk in ids if pk is not None}))
    errors = approve_while_another_holds_the_second_matter(meeting, officer_a, second)
    assert len(errors) == 1
    assert "deadlock" in str(next(iter(errors.values()))).lower()


def test_an_agenda_written_in_any_order_does_not_deadlock_with_matters_locked_by_id(
        transactional_db, ready_to_start, officer_a):
    """A draft's agenda names its matters in the order they were put on it, and PostgreSQL
    checks those foreign keys at COMMIT (FOR KEY SHARE, in that order). Under FOR UPDATE
    they waited for an approval holding the first matter, which then waited for the
    second (bench/concurrency.py found it); FOR NO KEY UPDATE leaves them nothing to wait
    for."""
    first, second = sorted((resolving(ready_to_start, officer_a) for _ in range(2)),
                           key=lambda risk: risk.pk)
    holds_first = threading.Event()
    errors: dict[str, Exception] = {}

    def locking_by_id():
        try:
            with transaction.atomic():
                lock_matters([first.pk])
                holds_first.set()
                time.sleep(1)  # meanwhile the draft commits, its checks reaching `first`
                lock_matters([second.pk])
        except DatabaseError as error:
            errors["locking"] = error
        finally:
            connection.close()

    def draft():
        try:
            holds_first.wait(timeout=5)
            hold(officer_a, Tier.COMMUNITY, risks=[second, first])
        except DatabaseError as error:
            errors["draft"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=locking_by_id), threading.Thread(target=draft)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == {}
    assert first.meeting_items.count() == second.meeting_items.count() == 1
