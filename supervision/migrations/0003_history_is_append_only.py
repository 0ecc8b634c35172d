"""On PostgreSQL the database itself refuses to rewrite the history of findings, listed
supervision and campaign progress reports (the models refuse everywhere)."""

from django.db import migrations

from quanfu.append_only import trigger_operations


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_inspections_findings_notices_listings_campaigns")]
    operations = trigger_operations("supervision_findingevent", "supervision_listingevent",
                                    "supervision_campaignprogressreport")
