"""Celery tasks: thin wrappers around meetings.services. Idempotent: the inbox delivers a
reminder once per person and item, so a rerun or a redelivery sends nothing twice."""

from celery import shared_task

from meetings import services

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="meetings.send_overdue_reminders_task", **RELIABLE)
def send_overdue_reminders_task() -> int:
    """Remind overdue departments (吹哨报到) and owners of overdue action items."""
    return services.send_overdue_reminders()
