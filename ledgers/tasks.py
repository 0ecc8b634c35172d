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
