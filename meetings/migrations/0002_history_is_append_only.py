"""On PostgreSQL the database itself refuses to rewrite an action item's progress notes
or a meeting's amendments (the models refuse everywhere)."""

from django.db import migrations

TABLES = ("meetings_actionitemprogress", "meetings_amendment")
FUNCTION = """
CREATE OR REPLACE FUNCTION meetings_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION meetings_history_append_only();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table), params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
                              params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS meetings_history_append_only();",
                          params=None)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
