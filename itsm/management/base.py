"""Base of the project's management commands: changes they make are audited with source `command`."""

from django.core.management.base import BaseCommand

from itsm.audit_context import audit_context


class ItsmCommand(BaseCommand):
    """A command whose writes are audited as `command` even when called from code (call_command)."""

    def execute(self, *args, **options):
        with audit_context(source="command", request=None, actor=None):
            return super().execute(*args, **options)
