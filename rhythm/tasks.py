"""Celery tasks: thin wrappers around rhythm.jobs. Each is idempotent, so a redelivery
after a worker dies (acks_late, reject_on_worker_lost) finishes the work without doubles."""

from datetime import date

from celery import shared_task

from rhythm import jobs

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="rhythm.run_daily_checks_task", **RELIABLE)
def run_daily_checks_task(day: str | None = None) -> dict:
    return jobs.daily(date.fromisoformat(day) if day else None)


@shared_task(name="rhythm.sweep_overdue_task", **RELIABLE)
def sweep_overdue_task() -> dict:
    return jobs.sweep()


@shared_task(name="rhythm.take_weekly_snapshot_task", **RELIABLE)
def take_weekly_snapshot_task(day: str | None = None) -> dict:
    return jobs.weekly(date.fromisoformat(day) if day else None)


@shared_task(name="rhythm.take_monthly_snapshot_task", **RELIABLE)
def take_monthly_snapshot_task(day: str | None = None) -> dict:
    return jobs.monthly(date.fromisoformat(day) if day else None)


@shared_task(name="rhythm.send_data_quality_feedback_task", **RELIABLE)
def send_data_quality_feedback_task(day: str | None = None) -> dict:
    return jobs.data_quality(date.fromisoformat(day) if day else None)
