"""The audit log is append-only and hash-chained: every entry links to the one before it,
``verify_audit_chain`` finds a changed, removed or inserted entry by its seq, appends
from many threads stay one line, and neither Python nor PostgreSQL lets an entry be
changed or deleted."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.chain import GENESIS_HASH, entry_hash
from audit.choices import AuditAction
from audit.models import AccessLog, AuditEntry
from audit.services import log_access, record_event

TABLE = AuditEntry._meta.db_table


def verify() -> str:
    out = StringIO()
    call_command("verify_audit_chain", "--batch-size", "3", stdout=out)
    return out.getvalue()


def broken_at() -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit_chain", "--batch-size", "3", stdout=StringIO())
    assert error.value.returncode == 1
    return str(error.value)


def write_entries(count: int, actor=None) -> list[AuditEntry]:
    return [record_event(action=AuditAction.EXPORT, actor=actor, target=f"ledger:{number}",
                         detail=f"rows={number}") for number in range(count)]


def raw_sql(sql: str, params=()) -> None:
    """Tamper as someone with database access would, past the model and, on PostgreSQL,
    past the trigger (switched off inside this test's transaction only)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_append_only")


def test_entries_link_to_the_one_before_and_the_chain_verifies(db, leader):
    # the street and the leader were written first (seq 1 upwards)
    first = AuditEntry.objects.get(seq=1)
    assert first.prev_hash == GENESIS_HASH and first.model_label == "grids.area"
    existing = AuditEntry.objects.count()
    entries = write_entries(7, actor=leader)
    assert [entry.seq for entry in entries] == list(range(existing + 1, existing + 8))
    assert entries[0].prev_hash == AuditEntry.objects.get(seq=existing).hash
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
    stored = AuditEntry.objects.get(seq=existing + 4)
    assert entry_hash(stored.hashed_values()) == stored.hash  # reads back identically
    assert verify().startswith(f"chain intact, {existing + 7} entries")


def test_an_empty_log_is_intact(db):
    assert verify().startswith("chain intact, 0 entries")


def test_changing_one_entry_by_sql_is_found_with_its_seq(db, leader):
    write_entries(10, actor=leader)
    raw_sql(f"UPDATE {TABLE} SET detail = %s WHERE seq = 6", ["rows=0"])
    message = broken_at()
    assert "seq 6" in message and "does not match its hash" in message


def test_rewriting_an_entry_with_a_fresh_hash_breaks_the_next_link(db, leader):
    write_entries(5, actor=leader)
    forged = AuditEntry.objects.get(seq=3)
    forged.detail = "rows=999"
    raw_sql(f"UPDATE {TABLE} SET detail = %s, hash = %s WHERE seq = 3",
            ["rows=999", entry_hash(forged.hashed_values())])
    assert "seq 4" in broken_at()


def test_deleting_an_entry_in_the_middle_is_found(db, leader):
    write_entries(6, actor=leader)
    raw_sql(f"DELETE FROM {TABLE} WHERE seq = 4")
    message = broken_at()
    assert "seq 5" in message and "missing" in message


def test_removing_the_oldest_entries_outside_the_retention_job_is_found(db, leader):
    write_entries(6, actor=leader)
    raw_sql(f"DELETE FROM {TABLE} WHERE seq < 3")
    assert "seq 3" in broken_at()


def test_the_model_and_the_queryset_refuse_updates_and_deletes(db, leader):
    entry = write_entries(1, actor=leader)[0]
    entry.detail = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="changed")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).detail == "rows=0"


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [f"UPDATE {TABLE} SET detail = 'changed'",
                                       f"DELETE FROM {TABLE}"])
def test_postgresql_refuses_update_and_delete(db, leader, statement):
    write_entries(2, actor=leader)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.filter(detail__startswith="rows=").count() == 2


@pytest.mark.postgres
def test_concurrent_appends_from_threads_keep_the_chain_linear(transactional_db):
    threads, per_thread = 6, 15
    start = threading.Barrier(threads)
    failures = []

    def append_some(number):
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

    workers = [threading.Thread(target=append_some, args=(number,))
               for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads * per_thread + 1))
    assert verify().startswith(f"chain intact, {threads * per_thread} entries")


def test_log_access_keeps_its_signature_and_writes_chained_entries(db, leader):
    entry = log_access(actor=leader, action=AccessLog.Action.EXPORT, target="ledger:matters",
                       detail="rows=3")
    assert AccessLog.objects.get() == entry
    assert AccessLog.objects.filter(action=AccessLog.Action.UNMASKED_READ).count() == 0
    everything = AuditEntry.objects.count()
    record_event(action=AuditAction.LOGIN, actor=leader)  # not an access: not in AccessLog
    assert AccessLog.objects.count() == 1
    assert AuditEntry.objects.count() == everything + 1


def test_the_access_log_is_migrated_into_the_chain(transactional_db, leader):
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    old_apps = executor.loader.project_state([("audit", "0001_initial")]).apps
    OldAccessLog = old_apps.get_model("audit", "AccessLog")
    OldAccessLog.objects.create(actor_id=leader.pk, action="unmasked_read",
                                target="risk:QF-2026-000001", detail="1 parties",
                                ip_address="10.0.0.8", user_agent="Firefox")
    OldAccessLog.objects.create(actor_id=leader.pk, action="export", target="ledger:matters",
                                detail="rows=12")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("audit"))
    entries = list(AccessLog.objects.order_by("seq"))
    assert [(entry.seq, entry.action, entry.target, entry.username) for entry in entries] == [
        (1, "unmasked_read", "risk:QF-2026-000001", "leader"),
        (2, "export", "ledger:matters", "leader")]
    assert (entries[0].actor, entries[0].ip_address) == (leader, "10.0.0.8")
    assert verify().startswith("chain intact, 2 entries")
    record_event(action=AuditAction.LOGIN, actor=leader)  # the chain goes on from them
    assert AuditEntry.objects.get(seq=3).prev_hash == entries[1].hash
