"""`manage.py sla_figures_rebuild [--time-zone ZONE ...]`: rebuild the SLA dashboard's daily figures from the clocks."""

import time
import zoneinfo

from django.core.management.base import CommandError

from itsm.management.base import ItsmCommand
from slm.figures import figures_rebuild


class Command(ItsmCommand):
    help = (
        "Rebuild the SLA daily figures (slm.figures) from every clock, for the given time zones (default: the "
        "site's and every active user's). Run once after installing, and after bulk loads that bypass sla_sync."
    )

    def add_arguments(self, parser):
        parser.add_argument("--time-zone", action="append", dest="zones", metavar="ZONE", help="repeatable")

    def handle(self, *args, zones=None, **options):
        started = time.perf_counter()
        try:
            rows = figures_rebuild(zones=zones)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CommandError(f"Unknown time zone: {exc}") from None
        for zone, count in rows.items():
            self.stdout.write(f"{zone}: {count} daily figure rows")
        self.stdout.write(f"rebuilt in {time.perf_counter() - started:.1f} s")
