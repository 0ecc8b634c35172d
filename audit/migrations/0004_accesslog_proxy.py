"""The access log becomes the part of the audit log that holds reads in the clear and
exports (its rows were copied into the chain by 0003)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_copy_access_log'),
    ]

    operations = [
        migrations.DeleteModel(
            name='AccessLog',
        ),
        migrations.CreateModel(
            name='AccessLog',
            fields=[
            ],
            options={
                'verbose_name': 'access log entry',
                'verbose_name_plural': 'access log',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('audit.auditentry',),
        ),
    ]
