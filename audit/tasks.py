from celery import shared_task

from audit import chain, services


@shared_task(name="audit.remove_expired_audit_entries_task", acks_late=True,
             reject_on_worker_lost=True)
def remove_expired_audit_entries_task() -> int:
    """Daily: the retention job (nothing happens unless AUDIT_RETENTION_DAYS is set).
    Safe to run twice: a second run finds nothing older than the cut-off."""
    return services.remove_expired_entries()


@shared_task(name="audit.seal_audit_chain_task", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)
def seal_audit_chain_task() -> int:
    """Every few seconds: seal what audited writes have committed since (audit.chain).
    Two at once take turns on the chain's lock; the second finds nothing left."""
    return chain.seal()
