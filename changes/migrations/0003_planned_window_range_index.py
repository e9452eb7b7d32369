"""PostgreSQL: a GiST index on the planned window as a range, for the calendar and the conflict check.

`changes.selectors.planned_overlap` adds `tstzrange(planned_start, planned_end) && tstzrange(...)` next to the
column comparisons on PostgreSQL; without this index the planner scans the table (bench/README.md, issue 6).
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS chg_planned_range_idx "
            "ON changes_change USING gist (tstzrange(planned_start, planned_end))"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS chg_planned_range_idx")


class Migration(migrations.Migration):
    dependencies = [("changes", "0002_cab_emergency_unique_and_start_index")]

    operations = [migrations.RunPython(forward, backward)]
