"""On PostgreSQL audited writes insert their entries unsealed, without the chain's lock,
and the sealer chains them afterwards (AUDIT_SEALING = "deferred", production's default):
writers never wait for one another, a rolled-back change leaves nothing to seal, the seal
is the one UPDATE the database allows, and the chain verifies as before."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit import chain
from audit.choices import AuditAction
from audit.models import AuditEntry
from audit.services import record_event
from audit.tasks import seal_audit_chain_task

pytestmark = pytest.mark.postgres
TABLE = AuditEntry._meta.db_table


@pytest.fixture(autouse=True)
def deferred_sealing(settings):
    settings.AUDIT_SEALING = "deferred"


def export(number: int) -> AuditEntry:
    return record_event(action=AuditAction.EXPORT, target=f"ledger:{number}",
                        detail=f"rows={number}")


def verify() -> str:
    out = StringIO()
    call_command("verify_audit_chain", "--batch-size", "3", stdout=out)
    return out.getvalue()


def test_a_writer_inserts_its_entry_unsealed_without_taking_the_chains_lock(
        db, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        entry = export(1)
    assert "advisory" not in captured.captured_queries[0]["sql"]
    entry.refresh_from_db()
    assert (entry.seq, entry.prev_hash, entry.hash) == (None, "", "")


def test_the_sealer_chains_the_waiting_entries_in_order_and_the_chain_verifies(db):
    entries = [export(number) for number in range(7)]
    assert "7 entries wait to be sealed" in verify()
    assert seal_audit_chain_task() == 7
    sealed = list(AuditEntry.objects.order_by("seq").values_list("id", "seq", "prev_hash",
                                                                 "hash"))
    assert [row[0] for row in sealed] == [entry.pk for entry in entries]
    assert [row[1] for row in sealed] == list(range(1, 8))
    assert sealed[0][2] == chain.GENESIS_HASH
    assert all(later[2] == earlier[3] for earlier, later in zip(sealed, sealed[1:], strict=False))
    assert verify().startswith("chain intact, 7 entries")
    assert chain.seal() == 0  # nothing left: a second sealer finds nothing


def test_entries_written_after_a_seal_continue_the_chain(db):
    export(1)
    chain.seal(batch_size=1)
    export(2), export(3)
    assert chain.seal(batch_size=1) == 2
    assert verify().startswith("chain intact, 3 entries (seq 1 to 3")


def test_a_rolled_back_change_leaves_no_entry_to_seal(db):
    export(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        export(2)
        raise RuntimeError("the change fails")
    assert chain.seal() == 1
    assert list(AuditEntry.objects.values_list("target", flat=True)) == ["ledger:1"]


def test_changing_a_sealed_entry_is_found_as_before(db):
    export(1), export(2), export(3)
    chain.seal()
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_append_only")
        cursor.execute(f"UPDATE {TABLE} SET detail = 'rows=99' WHERE seq = 2")
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_append_only")
    result = chain.verify()
    assert result.broken.seq == 2


@pytest.mark.parametrize("statement", [
    f"UPDATE {TABLE} SET detail = 'changed'",
    f"UPDATE {TABLE} SET seq = 1, prev_hash = 'x', hash = 'y', detail = 'changed'",
    f"DELETE FROM {TABLE}",
])
def test_the_database_allows_only_the_seal_of_an_unsealed_entry(db, statement):
    export(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    chain.seal()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:  # a sealed entry cannot be sealed again
            cursor.execute(f"UPDATE {TABLE} SET seq = 5, prev_hash = 'x', hash = 'y'")
    assert verify().startswith("chain intact, 1 entries")


def test_concurrent_writers_do_not_wait_for_each_other_and_the_sealer_keeps_one_line(
        transactional_db):
    threads, per_thread = 6, 15
    start = threading.Barrier(threads + 1)
    failures = []

    def write_some(number):
        try:
            start.wait()
            for index in range(per_thread):
                with transaction.atomic():
                    record_event(action=AuditAction.EXPORT, target=f"thread:{number}",
                                 detail=f"{index}")
        except Exception as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    def seal_meanwhile():
        try:
            start.wait()
            for _ in range(20):
                chain.seal(batch_size=7)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=write_some, args=(number,)) for number in range(threads)]
    workers.append(threading.Thread(target=seal_meanwhile))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    chain.seal()
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads * per_thread + 1))
    assert verify().startswith(f"chain intact, {threads * per_thread} entries")


def test_an_entry_waiting_too_long_is_an_alarm_on_the_administrations_home(
        admin_client, settings):
    export(1)
    response = admin_client.get("/admin/")
    assert 'data-testid="audit-seal-waiting"' in response.content.decode()
    assert 'data-testid="audit-seal-late"' not in response.content.decode()
    settings.AUDIT_SEAL_ALARM_SECONDS = 0  # the entry written a moment ago is now late
    response = admin_client.get("/admin/")
    assert 'data-testid="audit-seal-late"' in response.content.decode()
    chain.seal()
    response = admin_client.get("/admin/")
    assert "audit-seal" not in response.content.decode()


def test_the_audit_page_seals_first_so_a_change_just_made_is_listed(client, leader):
    record_event(action=AuditAction.EXPORT, actor=leader, target="ledger:now", detail="rows=1")
    client.force_login(leader)
    response = client.get("/audit/")
    assert "ledger:now" in response.content.decode()
    assert chain.unsealed()[0] == 0


def test_the_sealer_runs_well_within_the_alarms_limit(settings):
    from quanfu.periodic import PERIODIC_JOBS

    job = next(job for job in PERIODIC_JOBS if job.task == "audit.seal_audit_chain_task")
    assert job.schedule <= 10 < settings.AUDIT_SEAL_ALARM_SECONDS
