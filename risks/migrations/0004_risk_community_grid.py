"""Keep each matter's community and grid beside its area (see Risk.place_in)."""

import django.db.models.deletion
from django.db import migrations, models


def fill_places(apps, schema_editor):
    Risk = apps.get_model("risks", "Risk")
    Area = apps.get_model("grids", "Area")
    paths = dict(Area.objects.values_list("id", "path"))
    for risk in Risk.objects.only("id", "area_id").iterator():
        ancestors = [int(part) for part in paths[risk.area_id].split(".") if part]
        Risk.objects.filter(pk=risk.pk).update(
            community_id=ancestors[1], grid_id=ancestors[2] if len(ancestors) > 2 else None)


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0001_initial"),
        ("risks", "0003_events_are_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="risk",
            name="community",
            field=models.ForeignKey(editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area",
                                    verbose_name="community"),
        ),
        migrations.AddField(
            model_name="risk",
            name="grid",
            field=models.ForeignKey(blank=True, editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area", verbose_name="grid"),
        ),
        migrations.RunPython(fill_places, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="risk",
            name="community",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area",
                                    verbose_name="community"),
        ),
        migrations.AddIndex(
            model_name="risk",
            index=models.Index(fields=["community", "status"], name="risk_community_status_idx"),
        ),
    ]
