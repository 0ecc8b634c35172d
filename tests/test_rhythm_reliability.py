"""The jobs survive what production does to them: a worker killed in the middle of a job,
and Redis going away. Real worker processes, the real Redis, PostgreSQL."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import kombu.pools
import pytest
from django.db import connection
from django.utils import timezone

from inbox.models import Message
from rhythm.models import DailyCheck, DailyCheckItem
from rhythm.tasks import run_daily_checks_task, sweep_overdue_task

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(queue: str, broker: str, **env) -> subprocess.Popen:
    """A real Celery worker in its own process, on the test database."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:"
                        f"{database['PORT'] or 5432}/{database['NAME']}",
        "REDIS_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "quanfu", "worker", "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip",
         "-Q", queue, "--loglevel=INFO"],
        cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL,
        stderr=open(f"/tmp/worker-{queue}.log", "ab"),
        start_new_session=True)


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)


def wait_until(condition, timeout=40.0, step=0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def use_broker(app, url: str) -> None:
    """Point the test process's Celery app at another broker (new connection pools).
    kombu keeps its pools in process-wide registries keyed by the broker's address:
    closing a pool without clearing them left a closed pool for the next test that sends a
    task to that address ("Acquire on closed pool", test_services on the same worker)."""
    app.conf.broker_url = url
    kombu.pools.reset()  # closes every pool and empties the registries
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def real_broker(tasks_run_inline, settings):
    app = tasks_run_inline
    app.conf.task_always_eager = False
    original = app.conf.broker_url
    yield app
    use_broker(app, original)


def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes_once(
        real_broker, report, officer_a, officer_b, street, settings):
    for _ in range(3):
        report(officer_a)
    for _ in range(2):
        report(officer_b, area=street.grid_b1)
    queue = f"reliability-{uuid.uuid4().hex[:8]}"
    # batches of one community, with a pause after each: room to kill it half-way
    first = start_worker(queue, settings.REDIS_URL, RHYTHM_DAILY_BATCH="1",
                         RHYTHM_BATCH_PAUSE_SECONDS="20")
    try:
        run_daily_checks_task.apply_async(queue=queue)
        assert wait_until(lambda: DailyCheck.objects.count() == 1), "first batch never ran"
        stop(first, signal.SIGKILL)  # no warm shutdown: the message stays unacknowledged
        assert DailyCheck.objects.count() == 1
    finally:
        stop(first, signal.SIGKILL)
    second = start_worker(queue, settings.REDIS_URL, RHYTHM_DAILY_BATCH="1")
    try:
        finished = wait_until(lambda: DailyCheck.objects.count() == 2
                              and DailyCheckItem.objects.count() == 5)
        assert finished, second.stderr.read1().decode() if second.poll() is not None else ""
    finally:
        stop(second)
    today = timezone.localdate()
    assert DailyCheck.objects.filter(day=today).count() == 2
    assert DailyCheckItem.objects.count() == 5  # every open matter once, none twice


def test_with_redis_down_saving_works_and_the_jobs_catch_up(
        real_broker, client, ready_to_start, officer_a, grid_worker_a1):
    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is needed for this test"
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    use_broker(real_broker, broker)
    for person in (officer_a, grid_worker_a1):
        person.email = f"{person.username}@example.com"
        person.save(update_fields=["email"])
    risk = ready_to_start(level="medium")

    # Redis is not running: issuing a warning still works and is fast
    client.force_login(officer_a)
    started = time.monotonic()
    response = client.post("/api/v1/warnings/", {"risk": risk.pk, "content": "需反馈"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 10
    pending = Message.objects.filter(kind="warning_issued", emailed_at__isnull=True)
    assert pending.count() == 2  # in the inbox already; the e-mails wait for the broker

    server = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, start_new_session=True)
    queue = f"catch-up-{uuid.uuid4().hex[:8]}"
    worker = None
    try:
        assert wait_until(lambda: _answers(port), timeout=10)
        worker = start_worker(queue, broker)
        sweep_overdue_task.apply_async(queue=queue)
        assert wait_until(lambda: not pending.exists()), "the sweep did not catch up"
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
    assert Message.objects.filter(kind="warning_issued").count() == 2  # nothing doubled


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
