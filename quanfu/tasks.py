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


@shared_task(name="quanfu.sweep_media_files_task", acks_late=True, reject_on_worker_lost=True)
def sweep_media_files_task() -> int:
    """Daily: files no row names any more, and files past their days (quanfu.media_files)."""
    from quanfu.media_files import sweep_media_files

    return sweep_media_files()
