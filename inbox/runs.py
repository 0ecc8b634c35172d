"""The sweeps' outbox of notices (NoticeRun).

A sweep's transaction marks what went overdue or red and queues a run; the notices —
hundreds of thousands of rows after an outage — are written afterwards by the run's
writer in a transaction of its own, so the marking transaction stays short (bench/city.py)
and the rows it locked are free again. A run a stopped process left behind is written by
the next sweep; two writers at once take different runs (SKIP LOCKED), and a run written
twice adds nothing (the notices' unique (recipient, dedupe_key)).

The writers live in the apps that know what to tell (risks.clocks, rhythm.services) and
register here from their AppConfig.ready(): the inbox sits below them.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from inbox.models import NoticeRun

Writer = Callable[[NoticeRun], int]
_writers: dict[str, Writer] = {}


def register_writer(kind: str, writer: Writer) -> None:
    _writers[kind] = writer


def queue_run(kind: str, moment: datetime, *, since: datetime | None = None,
              items: int = 0) -> NoticeRun:
    """Queue the notices of ``kind`` as of ``moment`` (in the caller's transaction)."""
    if kind not in _writers:
        raise LookupError(f"no writer registered for notice runs of kind {kind!r}")
    return NoticeRun.objects.create(kind=kind, moment=moment, since=since, items=items)


def write_notice_runs(*, kinds=None) -> int:
    """Write every queued run (of ``kinds``, by default all) in one transaction of their
    own (or as part of a caller's: a failure there is the caller's to roll back); returns
    the notices written."""
    written = 0
    with transaction.atomic(savepoint=False):
        pending = NoticeRun.objects.filter(written_at=None)
        if kinds is not None:
            pending = pending.filter(kind__in=kinds)
        for run in pending.select_for_update(skip_locked=True).order_by("id"):
            run.notices = _writers[run.kind](run)
            run.written_at = timezone.now()
            run.save(update_fields=["notices", "written_at"])
            written += run.notices
    return written
