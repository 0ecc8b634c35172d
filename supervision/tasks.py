"""Celery tasks: thin wrappers around supervision.jobs, idempotent, so a redelivery after
a worker dies (acks_late, reject_on_worker_lost) does no harm."""

from datetime import date

from celery import shared_task

from supervision import jobs

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="supervision.escalate_listed_supervision_task", **RELIABLE)
def escalate_listed_supervision_task(day: str | None = None) -> dict:
    return jobs.escalate_listed_supervision(date.fromisoformat(day) if day else None)
