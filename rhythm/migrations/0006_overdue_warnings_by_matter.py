"""A partial index on the overdue warnings' matter: the dashboards count overdue warnings
per community by joining them to the matters; the count read every warning (a sequential
scan of 161,409 on the city preset, 64 ms for the busiest street) and now reads the
overdue ones' index alone (21 ms)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rhythm', '0005_sweep_finds_warnings_by_index'),
        ('risks', '0008_risk_street_required'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='riskwarning',
            index=models.Index(condition=models.Q(('status', 'overdue')), fields=['risk'], name='warning_overdue_risk_idx'),
        ),
    ]
