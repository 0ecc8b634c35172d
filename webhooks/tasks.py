from celery import shared_task
from django.core.cache import cache

from webhooks import sending

# One run at a time (beat may hand out the next while one is still draining a burst; the
# claims would keep two apart anyway, this only spares the second its empty queries).
RUNNING_KEY = "webhooks:delivering"


@shared_task(name="webhooks.deliver_webhooks_task", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)
def deliver_webhooks_task() -> dict:
    """Every few seconds: fan out the new outbox events and POST the deliveries due, until
    nothing is left or 50 s have passed (webhooks.sending)."""
    if not cache.add(RUNNING_KEY, 1, timeout=90):
        return {"events": 0, "attempts": 0}
    try:
        return sending.deliver_webhooks(seconds=50.0)
    finally:
        cache.delete(RUNNING_KEY)
