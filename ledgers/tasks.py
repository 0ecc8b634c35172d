from celery import shared_task

from ledgers import services


@shared_task(name="ledgers.write_ledger_export_task")
def write_ledger_export_task(job_id: int) -> str:
    """Write a large ledger export in the background; its owner is told in the inbox."""
    job = services.run_export_job(job_id)
    return job.status if job else "already taken"


@shared_task(name="ledgers.requeue_stale_exports_task")
def requeue_stale_exports_task() -> dict:
    """Every 15 minutes (quanfu/periodic.py): export jobs left pending or cut short are
    handed to a worker again."""
    return services.requeue_stale_exports()


@shared_task(name="ledgers.remove_expired_exports_task", acks_late=True,
             reject_on_worker_lost=True)
def remove_expired_exports_task() -> int:
    """Daily (quanfu/periodic.py): finished exports past LEDGER_FILES_KEEP_DAYS go, with
    their files."""
    return services.remove_expired_exports()
