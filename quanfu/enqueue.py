"""Handing work to Celery without making a save depend on the broker.

Tasks are sent after the transaction commits, and a broker that is down is logged, not
raised: the work they carry is also picked up by the scheduled jobs (every task here is
idempotent and its state lives in the database), so it catches up when the broker returns.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def send_task_now(task, *args, **kwargs) -> bool:
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception as error:  # any broker failure: the scheduled jobs will catch up
        logger.warning("Could not enqueue %s (%s); the scheduled jobs will catch up.",
                       task.name, error)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    transaction.on_commit(lambda: send_task_now(task, *args, **kwargs))
