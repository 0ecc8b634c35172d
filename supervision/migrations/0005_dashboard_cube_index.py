"""A covering index for the dashboards' grouped count of the matters (supervision
.dashboards.cube and street_cube), on PostgreSQL.

The cube groups the matters by community (or, in a community, by grid), status and
category and counts levels, tiers, past-due, and the weeks' new and written-off matters.
With every column it reads in one index, PostgreSQL answers from the index alone (an
index-only scan in the index's order: no heap pages, no sort). Measured on the city preset
(1,000,000 matters; bench/city.py; 2 shared cores under load ~6.5):

- the busiest street's cube (44,326 matters): Bitmap Heap Scan reading 27,105 heap pages
  and an external-merge sort, 587 ms → Index Only Scan, Heap Fetches 0, 1,720 buffers,
  89 ms;
- the city's cube (all matters, per community × status): Parallel Seq Scan of 79,529
  pages and an external-merge sort spilling 28 MB, 3.3 s → Parallel Index Only Scan in
  group order, 1.5 s (0.9 s with the weekly snapshots in place).

INCLUDE is PostgreSQL's; SQLite (development, tests) keeps the plain indexes. The index
lives here, beside the dashboards that need it, rather than in Risk.Meta: Django's model
state does not track it (RunPython), so it must be dropped here if it ever goes.
"""

from django.db import migrations

INDEX = "risk_dashboard_cube_idx"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON risks_risk (community_id, status, category_id) "
    "INCLUDE (level, tier, due_on, created_at, closed_at, grid_id, id)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0004_seed_campaigns"),
        ("risks", "0006_risk_graded_at"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
