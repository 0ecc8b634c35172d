from celery import shared_task

from accounts import idempotency


@shared_task(name="accounts.forget_old_idempotent_requests_task", acks_late=True,
             reject_on_worker_lost=True)
def forget_old_idempotent_requests_task() -> int:
    """Hourly: delete the stored answers of API POSTs older than 24 hours (they no longer
    count: a key older than that is new again). Safe to run twice."""
    return idempotency.forget_old_requests()
