"""On PostgreSQL, trigram indexes so `?q=` (ILIKE '%word%' on number, title, description) needs no table scan."""

from django.db import migrations, transaction

FIELDS = ("number", "title", "description")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic():
            # pg_trgm is a trusted extension: the database owner may create it without being a superuser.
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # no right to create it: search still works, it scans instead
        return
    for field in FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS incidents_incident_{field}_trgm "
            f"ON incidents_incident USING gin ({field} gin_trgm_ops)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for field in FIELDS:
            schema_editor.execute(f"DROP INDEX IF EXISTS incidents_incident_{field}_trgm")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
