"""On PostgreSQL, refuse UPDATE and DELETE of audit events in the database itself (raw SQL included)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION itsm_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER itsm_auditevent_append_only
    BEFORE UPDATE OR DELETE ON itsm_auditevent
    FOR EACH ROW EXECUTE FUNCTION itsm_auditevent_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS itsm_auditevent_append_only ON itsm_auditevent;
DROP FUNCTION IF EXISTS itsm_auditevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("itsm", "0002_roles")]

    operations = [migrations.RunPython(forward, backward)]
