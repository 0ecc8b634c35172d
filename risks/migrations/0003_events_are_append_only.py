"""On PostgreSQL the database itself refuses to update or delete a matter's events, so
not even a raw query or the admin can rewrite history. (The model refuses everywhere.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION risks_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'risks_riskevent is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER risks_event_append_only
    BEFORE UPDATE OR DELETE ON risks_riskevent
    FOR EACH ROW EXECUTE FUNCTION risks_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS risks_event_append_only ON risks_riskevent;
DROP FUNCTION IF EXISTS risks_event_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("risks", "0002_seed_categories")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
