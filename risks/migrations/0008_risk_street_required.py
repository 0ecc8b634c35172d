"""The matter's street is always known (filled by 0007, in its own transaction: PostgreSQL
refuses to alter a table with the fill's deferred foreign-key checks still pending)."""

import django.db.models.deletion
from django.db import migrations, models



def create_place_statistics(apps, schema_editor):
    # A community lies in one street, a grid in one community: tell PostgreSQL's planner,
    # so that "street = S AND community = C" is not estimated as two independent filters.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS risk_place_dependencies (dependencies) "
            "ON street_id, community_id, grid_id FROM risks_risk")


def drop_place_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS risk_place_dependencies")


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0007_risk_street"),
    ]

    operations = [
        migrations.AlterField(
            model_name="risk",
            name="street",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area", verbose_name="street"),
        ),
        migrations.AddIndex(
            model_name="risk",
            index=models.Index(fields=["street", "updated_at", "id"],
                               name="risk_street_recent_idx"),
        ),
        migrations.AddIndex(
            model_name="risk",
            index=models.Index(fields=["street", "community", "updated_at", "id"],
                               name="risk_community_recent_idx"),
        ),
        migrations.RunPython(create_place_statistics, drop_place_statistics),
    ]
