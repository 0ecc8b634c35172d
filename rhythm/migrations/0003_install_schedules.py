"""The work plan's clock as django-celery-beat schedules (Asia/Shanghai), editable in the
admin. Installed once; an administrator's later edits are never overwritten."""

from django.db import migrations

SCHEDULES = [
    # name, task, crontab (minute, hour, day_of_week, day_of_month)
    ("日核 daily checks 07:00", "rhythm.run_daily_checks_task", ("0", "7", "*", "*")),
    ("T+2 sweep every 15 minutes", "rhythm.sweep_overdue_task", ("*/15", "*", "*", "*")),
    ("周调 weekly report Monday 08:00", "rhythm.take_weekly_snapshot_task",
     ("0", "8", "1", "*")),
    ("月统 monthly statistics 1st 08:00", "rhythm.take_monthly_snapshot_task",
     ("0", "8", "*", "1")),
    ("数据质量 data-quality feedback Friday 16:00", "rhythm.send_data_quality_feedback_task",
     ("0", "16", "5", "*")),
]


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, day_of_week, day_of_month) in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=day_of_week, day_of_month=day_of_month,
            month_of_year="*", timezone="Asia/Shanghai")
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, enabled=True)


def uninstall(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rhythm", "0002_seed_official_calendar"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, uninstall)]
