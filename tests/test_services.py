"""The real services: PostgreSQL for the tree's index, Redis as cache and Celery broker."""

import pytest
from django.core.cache import cache
from django.db import connection

from grids.models import Area
from quanfu.health import run_health_checks


@pytest.mark.redis
def test_redis_is_the_cache(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("quanfu:test", "全福", timeout=5)
    assert cache.get("quanfu:test") == "全福"


@pytest.mark.redis
def test_a_celery_worker_takes_a_task_from_the_redis_broker(settings, worker_id,
                                                           tasks_run_inline):
    tasks_run_inline.conf.task_always_eager = False
    from celery.contrib.testing.worker import start_worker

    from quanfu.celery import app
    from quanfu.tasks import WORKER_HEARTBEAT_KEY, record_worker_heartbeat_task

    assert app.conf.broker_url.startswith("redis://")
    queue = f"test-{worker_id}"  # parallel test processes must not take each other's tasks
    cache.delete(WORKER_HEARTBEAT_KEY)
    with start_worker(app, queues=[queue], perform_ping_check=False, pool="solo",
                      shutdown_timeout=10):
        result = record_worker_heartbeat_task.apply_async(queue=queue, ignore_result=True)
        for _ in range(100):
            if cache.get(WORKER_HEARTBEAT_KEY):
                break
            import time

            time.sleep(0.1)
    assert result.id
    assert cache.get(WORKER_HEARTBEAT_KEY) is not None


@pytest.mark.redis
def test_health_sees_the_redis_broker(db):
    checks = run_health_checks()
    assert checks["broker"]["ok"], checks["broker"]
    assert checks["cache"]["ok"]


@pytest.mark.postgres
def test_subtree_query_uses_the_path_index_on_postgresql(street):
    prefix = street.community_a.path
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM grids_area WHERE path LIKE %s", [prefix + "%"]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "grids_area_path" in plan and "_like" in plan, plan
    assert Area.objects.filter(path__startswith=prefix).count() == 4
