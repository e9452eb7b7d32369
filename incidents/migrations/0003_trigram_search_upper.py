"""Trigram indexes on the expressions Django's `icontains` really searches: UPPER(col::text) LIKE UPPER(%s).

0002 indexed the plain columns, which PostgreSQL cannot use for that expression; these replace them.
"""

from django.db import migrations

FIELDS = ("number", "title", "description")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return  # 0002 could not create the extension: search scans instead
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS incidents_incident_{field}_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS incidents_incident_{field}_upper_trgm "
            f"ON incidents_incident USING gin ((UPPER({field}::text)) gin_trgm_ops)"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for field in FIELDS:
            schema_editor.execute(f"DROP INDEX IF EXISTS incidents_incident_{field}_upper_trgm")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_trigram_search")]

    operations = [migrations.RunPython(forward, backward)]
