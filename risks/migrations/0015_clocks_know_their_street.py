"""Stage clocks carry their matter's street and community (as the matter does), so that a
street's or a community's red and yellow lights are counted from the clocks alone."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE risks_stageclock SET
    street_id = (SELECT street_id FROM risks_risk WHERE risks_risk.id = risks_stageclock.risk_id),
    community_id = (SELECT community_id FROM risks_risk
                    WHERE risks_risk.id = risks_stageclock.risk_id)
"""


class Migration(migrations.Migration):

    dependencies = [
        ("grids", "0001_initial"),
        ("risks", "0014_seed_clock_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="stageclock", name="street",
            field=models.ForeignKey(editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area", verbose_name="street"),
        ),
        migrations.AddField(
            model_name="stageclock", name="community",
            field=models.ForeignKey(editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area", verbose_name="community"),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="stageclock", name="street",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area", verbose_name="street"),
        ),
        migrations.AlterField(
            model_name="stageclock", name="community",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area", verbose_name="community"),
        ),
        migrations.AddIndex(
            model_name="stageclock",
            index=models.Index(condition=models.Q(("stopped_at", None), models.Q(("flag", ""), _negated=True)),
                               fields=["street", "flag", "risk"], name="clock_street_flag_idx"),
        ),
        migrations.AddIndex(
            model_name="stageclock",
            index=models.Index(condition=models.Q(("stopped_at", None), models.Q(("flag", ""), _negated=True)),
                               fields=["community", "flag"], name="clock_community_flag_idx"),
        ),
    ]
