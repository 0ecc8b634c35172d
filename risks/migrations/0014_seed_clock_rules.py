"""The street's default stage clocks, in working days (yellow = the stage's time limit,
red = the unit and the street's centre are told). The administrator changes them in the
admin; seeding leaves existing rows."""

from django.db import migrations

RULES = [  # stage, level (None = any), yellow, red
    ("accept", None, 1, 2),
    ("handle", "high", 5, 10),
    ("handle", "medium", 10, 15),
    ("handle", "low", 15, 20),
    ("handle", None, 15, 20),  # not graded yet
    ("verify", None, 2, 3),
    ("answer", None, 3, 5),
]


def seed(apps, schema_editor):
    ClockRule = apps.get_model("risks", "ClockRule")
    for stage, level, yellow, red in RULES:
        ClockRule.objects.get_or_create(stage=stage, level=level, category=None,
                                        defaults={"yellow_days": yellow, "red_days": red})


def unseed(apps, schema_editor):
    apps.get_model("risks", "ClockRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("risks", "0013_clocks_approvals_follow_ups")]
    operations = [migrations.RunPython(seed, unseed)]
