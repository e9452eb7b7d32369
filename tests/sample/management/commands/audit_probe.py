"""Test-only command: creates a team so tests can check commands are audited as `command`."""

from itsm.management.base import ItsmCommand
from itsm.models import Team


class Command(ItsmCommand):
    help = "Create a team named 'Made by a command'."

    def handle(self, *args, **options):
        Team.objects.get_or_create(name="Made by a command")
