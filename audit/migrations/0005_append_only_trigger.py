"""On PostgreSQL the audit log refuses UPDATE always, and DELETE unless the retention job
switched it on for its own transaction (SET LOCAL quanfu.audit_retention = 'on')."""

from django.db import migrations

TABLE = "audit_auditentry"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger AS $$ "
        "BEGIN "
        "IF TG_OP = 'DELETE' AND current_setting('quanfu.audit_retention', true) = 'on' "
        "THEN RETURN OLD; END IF; "
        f"RAISE EXCEPTION '{TABLE} is append-only: %% is not allowed', TG_OP; "
        "END; $$ LANGUAGE plpgsql; "
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}; "
                          f"DROP FUNCTION IF EXISTS {TABLE}_append_only();")


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0004_accesslog_proxy"),
    ]

    operations = [migrations.RunPython(create, drop)]
