"""Every periodic job of the project, written once: the work plan's clock (crontabs in
CELERY_TIMEZONE, Asia/Shanghai) and the housekeeping.

Beat runs django-celery-beat's DatabaseScheduler, which runs the rows of its PeriodicTask
table. Those rows are written from this list, by name, after every ``migrate`` (QuanfuConfig
connects ``install_periodic_jobs`` to post_migrate) and again when beat starts (settings hand
the list to Celery as CELERY_BEAT_SCHEDULE). Both write the same thing the same way: the
task, its schedule and no arguments; ``enabled`` is left as the admin set it, so an
administrator may pause a job, but its time is changed here, not in the admin.

The task names are strings: the core never imports the apps whose tasks it schedules.
"""

from dataclasses import dataclass

from celery.schedules import crontab

from quanfu.celery import app


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # the PeriodicTask row's unique name, as the admin lists it
    task: str  # the registered Celery task
    schedule: crontab | float  # a crontab, or every so many seconds


PERIODIC_JOBS = (
    # the work plan's rhythm (rhythm.jobs)
    PeriodicJob("日核 daily checks 07:00", "rhythm.run_daily_checks_task",
                crontab(minute=0, hour=7)),
    PeriodicJob("T+2 sweep every 15 minutes", "rhythm.sweep_overdue_task",
                crontab(minute="*/15")),
    PeriodicJob("周调 weekly report Monday 08:00", "rhythm.take_weekly_snapshot_task",
                crontab(minute=0, hour=8, day_of_week=1)),
    PeriodicJob("月统 monthly statistics 1st 08:00", "rhythm.take_monthly_snapshot_task",
                crontab(minute=0, hour=8, day_of_month=1)),
    PeriodicJob("数据质量 data-quality feedback Friday 16:00",
                "rhythm.send_data_quality_feedback_task",
                crontab(minute=0, hour=16, day_of_week=5)),
    PeriodicJob("meetings-overdue-reminders", "meetings.send_overdue_reminders_task",
                crontab(minute=30, hour=8)),
    PeriodicJob("listed-supervision-grades", "supervision.escalate_listed_supervision_task",
                crontab(minute=10, hour=7)),
    # notices by e-mail and chat robot (inbox.channels); the daily digest skips the days
    # off of the official calendar itself (a 调休 Saturday is a working day)
    PeriodicJob("通知摘要 hourly notice digests", "inbox.send_hourly_digests_task",
                crontab(minute=0)),
    PeriodicJob("通知日报 daily notice digest 08:00", "inbox.send_daily_digests_task",
                crontab(minute=0, hour=8)),
    # webhooks to other systems: the outbox fanned out and delivered (webhooks.sending)
    PeriodicJob("webhooks-delivery", "webhooks.deliver_webhooks_task", 5.0),
    # housekeeping
    PeriodicJob("ledger-exports-requeue", "ledgers.requeue_stale_exports_task",
                crontab(minute="5-59/15")),
    PeriodicJob("audit-retention", "audit.remove_expired_audit_entries_task",
                crontab(minute=40, hour=3)),
    PeriodicJob("audit-sealer", "audit.seal_audit_chain_task", 5.0),
    PeriodicJob("media-files-sweep", "quanfu.sweep_media_files_task",
                crontab(minute=50, hour=3)),
    PeriodicJob("ledger-exports-expiry", "ledgers.remove_expired_exports_task",
                crontab(minute=55, hour=3)),
    PeriodicJob("idempotency-keys-expiry", "accounts.forget_old_idempotent_requests_task",
                crontab(minute=25)),
    PeriodicJob("worker-heartbeat", "quanfu.record_worker_heartbeat_task", 60.0),
)


def beat_schedule() -> dict[str, dict]:
    """The jobs as Celery's beat_schedule (CELERY_BEAT_SCHEDULE)."""
    return {job.name: {"task": job.task, "schedule": job.schedule} for job in PERIODIC_JOBS}


def install_periodic_jobs(using: str = "default", **signal_arguments) -> None:
    """Write every job into django-celery-beat's tables by name, as beat does when it
    starts (its own ModelEntry.from_entry). After ``migrate`` of the default database;
    nothing when that migrate left django-celery-beat's tables out (unapplied)."""
    if using != "default":
        return
    migrated_apps = signal_arguments.get("apps")
    if migrated_apps is not None:
        try:
            migrated_apps.get_model("django_celery_beat", "PeriodicTask")
        except LookupError:
            return
    # not above: the settings import this module, before any model can load
    from django_celery_beat.schedulers import ModelEntry

    for name, entry in beat_schedule().items():
        ModelEntry.from_entry(name, app=app, **entry)
