"""Retention: entries are kept at least 180 days; the daily job removes older ones only
when AUDIT_RETENTION_DAYS is configured, and the chain still verifies afterwards."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.choices import AuditAction
from audit.models import AuditEntry
from audit.services import record_event, remove_expired_entries
from audit.tasks import remove_expired_audit_entries_task


@pytest.fixture
def aged_log(db, monkeypatch):
    """Entries written 400, 200 and 10 days ago, three of each, in that order."""
    now = timezone.now()
    for days in (400, 200, 10):
        monkeypatch.setattr(timezone, "now", lambda days=days: now - timedelta(days=days))
        for number in range(3):
            record_event(action=AuditAction.EXPORT, target=f"ledger:{days}", detail=f"{number}")
    monkeypatch.undo()
    return now


def verify() -> str:
    out = StringIO()
    call_command("verify_audit_chain", "--batch-size", "2", stdout=out)
    return out.getvalue()


def test_without_the_setting_nothing_is_removed(aged_log, settings):
    settings.AUDIT_RETENTION_DAYS = None
    assert remove_expired_audit_entries_task.delay().get() == 0
    assert AuditEntry.objects.count() == 9
    assert not AuditEntry.objects.filter(action=AuditAction.RETENTION).exists()


def test_only_entries_older_than_the_setting_are_removed_and_the_chain_verifies(aged_log,
                                                                                 settings):
    settings.AUDIT_RETENTION_DAYS = 300
    assert remove_expired_audit_entries_task.delay().get() == 3
    remaining = list(AuditEntry.objects.order_by("seq"))
    assert [entry.target for entry in remaining[:6]] == ["ledger:200"] * 3 + ["ledger:10"] * 3
    retention = remaining[-1]
    assert (retention.action, retention.actor) == (AuditAction.RETENTION, None)
    assert retention.origin == "task:audit.remove_expired_audit_entries_task"
    assert retention.changes["anchor_seq"] == remaining[0].seq == 4
    assert retention.changes["anchor_prev_hash"] == remaining[0].prev_hash
    assert retention.changes["removed"] == 3
    assert verify().startswith("chain intact, 7 entries")


def test_removal_in_small_batches_gives_the_same_result(aged_log, settings):
    settings.AUDIT_RETENTION_DAYS = 190
    assert remove_expired_entries(batch_size=1) == 6
    assert list(AuditEntry.objects.order_by("seq").values_list("target", flat=True)) == [
        "ledger:10", "ledger:10", "ledger:10", "audit"]
    assert verify().startswith("chain intact, 4 entries")


def test_a_second_run_removes_nothing_more(aged_log, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    remove_expired_entries()
    assert remove_expired_entries() == 0
    assert AuditEntry.objects.filter(action=AuditAction.RETENTION).count() == 1


def test_when_every_entry_is_old_the_retention_entry_is_the_anchor(aged_log, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    assert remove_expired_entries(now=aged_log + timedelta(days=365)) == 9
    retention = AuditEntry.objects.get()
    assert retention.changes["anchor_seq"] == retention.seq == 10
    assert verify().startswith("chain intact, 1 entries")


def test_removing_more_than_the_retention_entry_allows_is_found(aged_log, settings):
    settings.AUDIT_RETENTION_DAYS = 300
    remove_expired_entries()  # removes seq 1 to 3; seq 4 is the anchor
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:  # past the model and the trigger
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL quanfu.audit_retention = 'on'")
        cursor.execute(f"DELETE FROM {table} WHERE seq = 4")
    with pytest.raises(CommandError, match="seq 5"):
        call_command("verify_audit_chain", stdout=StringIO())


@pytest.mark.parametrize("days", [30, 179])
def test_a_retention_below_180_days_is_refused_by_the_job(aged_log, settings, days):
    settings.AUDIT_RETENTION_DAYS = days
    with pytest.raises(ImproperlyConfigured, match="at least 180"):
        remove_expired_audit_entries_task.delay().get()
    assert AuditEntry.objects.count() == 9


def test_a_retention_below_180_days_is_refused_at_start_up():
    environment = {**os.environ, "AUDIT_RETENTION_DAYS": "90", "DJANGO_SETTINGS_MODULE":
                   "quanfu.settings"}
    finished = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                              cwd=django_settings.BASE_DIR, env=environment,
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    assert "ImproperlyConfigured" in finished.stderr and "at least 180" in finished.stderr


def test_the_retention_job_runs_daily():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["audit-retention"]
    assert schedule["task"] == remove_expired_audit_entries_task.name
    assert schedule["schedule"].hour == {3}
