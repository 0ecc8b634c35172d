"""Settings come from the environment; production refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from quanfu.environment import database_from_url, read_bool

PROJECT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 60


def load_settings(**env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS",
                            "QUANFU_ENV", "DJANGO_DEBUG"}}
    clean.update(env)
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'quanfu.settings');"
            "from django.conf import settings;"
            "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'],"
            " settings.CACHES['default']['BACKEND'], settings.CELERY_BROKER_URL,"
            " settings.TIME_ZONE, settings.LANGUAGE_CODE)")
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=clean,
                          capture_output=True, text=True, timeout=60)


def test_no_configuration_runs_on_sqlite_and_a_filesystem_broker():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    debug, engine, cache, broker, zone, language = result.stdout.split()
    assert (debug, engine, broker) == ("True", "django.db.backends.sqlite3", "filesystem://")
    assert cache.endswith("LocMemCache")
    assert (zone, language) == ("Asia/Shanghai", "zh-hans")


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    result = load_settings(DATABASE_URL="postgres://u:p@db.example:5433/quanfu",
                           REDIS_URL="redis://cache.example:6379/1")
    assert result.returncode == 0, result.stderr
    _, engine, cache, broker, *_ = result.stdout.split()
    assert engine == "quanfu.postgresql"  # Django's PostgreSQL backend, timestamps parsed in C
    assert cache.endswith("RedisCache")
    assert broker == "redis://cache.example:6379/1"


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(QUANFU_ENV="production", ALLOWED_HOSTS="quanfu.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key_and_short_keys():
    for key in ("dev-only-insecure-key-never-use-in-production", "short"):
        result = load_settings(QUANFU_ENV="production", ALLOWED_HOSTS="x", SECRET_KEY=key)
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = load_settings(DJANGO_DEBUG="0", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_both():
    result = load_settings(QUANFU_ENV="production", SECRET_KEY=GOOD_KEY,
                           ALLOWED_HOSTS="quanfu.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_database_url_is_parsed_with_escapes():
    entry = database_from_url("postgresql://user:p%40ss@127.0.0.1:5432/quanfu?sslmode=disable")
    assert entry["PASSWORD"] == "p@ss"
    assert entry["NAME"] == "quanfu"
    assert entry["OPTIONS"] == {"sslmode": "disable", "options": "-c jit=off",
                                "connect_timeout": "3"}


def test_database_url_turns_off_jit_unless_it_gives_options_of_its_own():
    assert database_from_url("postgres://127.0.0.1/quanfu")["OPTIONS"] == {
        "options": "-c jit=off", "connect_timeout": "3"}
    entry = database_from_url("postgres://127.0.0.1/quanfu?options=-c%20work_mem%3D64MB")
    assert entry["OPTIONS"] == {"options": "-c work_mem=64MB", "connect_timeout": "3"}


def test_database_url_of_another_kind_is_refused_clearly():
    with pytest.raises(ImproperlyConfigured, match="postgres://"):
        database_from_url("mysql://localhost/quanfu")


def test_boolean_reader_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        read_bool("SOME_FLAG", True)


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


# The periodic jobs: one registry (quanfu/periodic.py) ---------------------------------------

def test_beat_schedule_is_the_registry_and_every_job_names_a_task(settings):
    from quanfu.celery import app
    from quanfu.periodic import PERIODIC_JOBS, beat_schedule

    assert settings.CELERY_BEAT_SCHEDULE == beat_schedule()
    assert len({job.name for job in PERIODIC_JOBS}) == len(PERIODIC_JOBS)
    app.loader.import_default_modules()  # every app's tasks module, as a worker does
    assert {job.task for job in PERIODIC_JOBS} - set(app.tasks) == set()


@pytest.mark.django_db
def test_migrate_writes_every_periodic_job_in_the_streets_time():
    from django_celery_beat.models import PeriodicTask

    from quanfu.periodic import PERIODIC_JOBS

    rows = {row.name: row for row in PeriodicTask.objects.select_related("crontab", "interval")}
    assert {job.name: job.task for job in PERIODIC_JOBS} == {
        name: rows[name].task for name in rows if name in {job.name for job in PERIODIC_JOBS}}
    daily = rows["日核 daily checks 07:00"].crontab
    assert (daily.minute, daily.hour, str(daily.timezone)) == ("0", "7", "Asia/Shanghai")
    assert rows["worker-heartbeat"].interval.every == 60
    assert set(rows) == {job.name for job in PERIODIC_JOBS}  # nothing else is scheduled


@pytest.mark.django_db
def test_beat_starting_writes_the_same_rows_and_keeps_a_paused_job_paused(monkeypatch):
    from django_celery_beat import schedulers
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from quanfu.celery import app
    from quanfu.periodic import install_periodic_jobs

    # beat closes connections past their age; the test's one holds its transaction
    monkeypatch.setattr(schedulers, "close_old_connections", lambda: None)
    PeriodicTask.objects.filter(name="audit-retention").update(enabled=False)
    before = set(PeriodicTask.objects.values_list("name", "task", "crontab", "interval"))
    crontabs = CrontabSchedule.objects.count()
    schedulers.DatabaseScheduler(app=app, lazy=True).setup_schedule()  # beat starting
    install_periodic_jobs()  # what the next migrate does
    assert set(PeriodicTask.objects.values_list("name", "task", "crontab", "interval")) \
        == before
    assert CrontabSchedule.objects.count() == crontabs
    assert not PeriodicTask.objects.get(name="audit-retention").enabled


@pytest.mark.django_db
def test_a_database_scheduled_by_the_old_migration_keeps_one_row_per_job():
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from quanfu.periodic import PERIODIC_JOBS, install_periodic_jobs

    # as rhythm/migrations/0003 wrote them before the registry: crontab fields as text
    PeriodicTask.objects.filter(name="日核 daily checks 07:00").delete()
    CrontabSchedule.objects.filter(minute="0", hour="7").delete()
    old = CrontabSchedule.objects.create(minute="0", hour="7", day_of_week="*",
                                         day_of_month="*", month_of_year="*",
                                         timezone="Asia/Shanghai")
    PeriodicTask.objects.create(name="日核 daily checks 07:00", crontab=old, enabled=False,
                                task="rhythm.run_daily_checks_task")
    install_periodic_jobs()
    assert PeriodicTask.objects.count() == len(PERIODIC_JOBS)
    daily = PeriodicTask.objects.get(name="日核 daily checks 07:00")
    assert (daily.crontab_id, daily.enabled) == (old.pk, False)
