"""Keep each matter's street beside its community and grid (see Risk.place_in), so that a
street leader's scope is an equality on an indexed column rather than a join on area paths."""

import django.db.models.deletion
from django.db import migrations, models

# One statement, portable (PostgreSQL and SQLite): a community's parent is its street.
FILL_STREETS = """
UPDATE risks_risk SET street_id = (
    SELECT grids_area.parent_id FROM grids_area WHERE grids_area.id = risks_risk.community_id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0001_initial"),
        ("risks", "0006_risk_graded_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="risk",
            name="street",
            field=models.ForeignKey(editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area", verbose_name="street"),
        ),
        migrations.RunSQL(FILL_STREETS, migrations.RunSQL.noop, elidable=False),
    ]
