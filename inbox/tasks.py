from celery import shared_task

from inbox.services import send_pending_emails


@shared_task(name="inbox.send_pending_emails_task", acks_late=True, reject_on_worker_lost=True)
def send_pending_emails_task() -> int:
    return send_pending_emails()
