from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

WORKER_HEARTBEAT_KEY = "quanfu:worker-heartbeat"


@shared_task(name="quanfu.record_worker_heartbeat_task")
def record_worker_heartbeat_task() -> str:
    """Proves a worker took a message from the broker: the health check reads it."""
    stamp = timezone.now().isoformat()
    cache.set(WORKER_HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
