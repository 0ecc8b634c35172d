"""Checks that the database, the cache and the Celery broker answer."""

import uuid

from django.core.cache import cache
from django.db import connection

from quanfu.celery import app
from quanfu.db_router import replica_configured, replica_state
from quanfu.tasks import WORKER_HEARTBEAT_KEY


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was just written")
    cache.delete(key)


def check_broker() -> None:
    with app.connection_for_write() as connection_to_broker:
        connection_to_broker.ensure_connection(max_retries=1, timeout=2)


def last_worker_heartbeat() -> str | None:
    return cache.get(WORKER_HEARTBEAT_KEY)


def run_health_checks() -> dict[str, dict]:
    results = {}
    for name, check in (("database", check_database), ("cache", check_cache),
                        ("broker", check_broker)):
        try:
            check()
        except Exception as error:  # a health check reports every failure, it never raises
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        else:
            results[name] = {"ok": True}
    results["worker"] = {"ok": True, "last_heartbeat": last_worker_heartbeat()}
    if replica_configured():
        # never a failure: with the replica lagging or down the primary serves its reads
        results["replica"] = replica_state(refresh=True).as_health()
    return results
