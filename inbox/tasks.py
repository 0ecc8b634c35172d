from celery import shared_task

from inbox import channels
from inbox.runs import write_notice_runs


@shared_task(name="inbox.send_pending_emails_task", acks_late=True, reject_on_worker_lost=True)
def send_pending_emails_task() -> int:
    """After notices are written: send those wanted at once, by e-mail and chat robot."""
    return channels.send_immediate_notices()


@shared_task(name="inbox.send_hourly_digests_task", acks_late=True, reject_on_worker_lost=True)
def send_hourly_digests_task() -> int:
    return channels.send_hourly_digests()


@shared_task(name="inbox.send_daily_digests_task", acks_late=True, reject_on_worker_lost=True)
def send_daily_digests_task() -> int:
    return channels.send_daily_digests()


@shared_task(name="inbox.send_chat_delivery_task", bind=True, acks_late=True,
             reject_on_worker_lost=True, max_retries=None)
def send_chat_delivery_task(self, delivery_id: int) -> str | None:
    """One attempt at a chat delivery; the delivery's own attempt count (not Celery's)
    decides when to stop, so a lost task handed out again by the hourly run goes on
    counting where it was."""
    attempt = channels.attempt_chat_delivery(delivery_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in)
    return attempt.status


@shared_task(name="inbox.write_notice_runs_task", acks_late=True, reject_on_worker_lost=True)
def write_notice_runs_task() -> int:
    """After a sweep's marking: write the notices it queued (inbox.runs). Two at once take
    different runs; a run written twice adds nothing."""
    return write_notice_runs()
