"""Once installed the work plan's schedules into django-celery-beat's tables. They are
listed in quanfu/periodic.py now, the one registry of periodic jobs, whose rows are written
by name after every migrate (and by beat when it starts): the same names as the rows this
migration wrote, so an older database keeps its rows and their ``enabled``."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("rhythm", "0002_seed_official_calendar"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
