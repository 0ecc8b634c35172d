"""Seed the official calendar (holidays and make-up workdays) from chinesecalendar."""

from django.db import migrations


def seed(apps, schema_editor):
    from rhythm.official_calendar import official_calendar_rows

    CalendarDay = apps.get_model("rhythm", "CalendarDay")
    existing = set(CalendarDay.objects.values_list("day", flat=True))
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=day, is_workday=is_workday, name=name)
         for day, is_workday, name in official_calendar_rows() if day not in existing],
        batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("rhythm", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
