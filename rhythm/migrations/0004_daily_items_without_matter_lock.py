"""The daily job's items without the per-row work that cost more than the inserts
(bench/city.py, city preset, 599,341 items; one batch of 200 communities, PostgreSQL):
the foreign-key check on the matter, which locks each matter row FOR KEY SHARE at commit
(1.70 s of 2.96 s for 30,495 items), and a second index on check_list beside the unique
(check_list, risk) that already leads with it. The check list keeps its constraint."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rhythm', '0003_install_schedules'),
        ('risks', '0006_risk_graded_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dailycheckitem',
            name='check_list',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='rhythm.dailycheck', verbose_name='daily check'),
        ),
        migrations.AlterField(
            model_name='dailycheckitem',
            name='risk',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='risks.risk', verbose_name='matter'),
        ),
    ]
