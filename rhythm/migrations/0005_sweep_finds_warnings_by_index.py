"""Two partial indexes for the T+2 sweep (bench/city.py, city preset, 200,000 open
warnings, 2,000 past their deadline): its notices found the warnings it had just marked
by overdue_at with six scans of every warning (2.4 s of a 2.7 s sweep), and the issue
notices still to deliver by a null notified_at with one more (0.2 s)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rhythm', '0004_daily_items_without_matter_lock'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='riskwarning',
            index=models.Index(condition=models.Q(('overdue_at__isnull', False)), fields=['overdue_at'], name='warning_overdue_at_idx'),
        ),
        migrations.AddIndex(
            model_name='riskwarning',
            index=models.Index(condition=models.Q(('notified_at__isnull', True)), fields=['id'], name='warning_unnotified_idx'),
        ),
    ]
