"""History that is written once and never changed (倒查): matters' events, meetings'
amendments, supervision findings' events. The model and its queryset refuse updates and
deletes; on PostgreSQL a trigger (see ``trigger_operations``) refuses them too."""

from django.db import migrations, models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("History is append-only: it is never updated.")

    def delete(self):
        raise PermissionError("History is append-only: it is never deleted.")


class AppendOnlyModel(models.Model):
    """A history row: written once, never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("History is append-only: it is never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("History is append-only: it is never deleted.")


def trigger_operations(*tables: str) -> list:
    """Migration operations that make PostgreSQL refuse UPDATE and DELETE on ``tables``
    (SQLite has no such triggers here; the model layer guards it)."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only: %% is not allowed', TG_OP; "
                "END; $$ LANGUAGE plpgsql; "
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}; "
                                  f"DROP FUNCTION IF EXISTS {table}_append_only();")

    return [migrations.RunPython(create, drop)]
