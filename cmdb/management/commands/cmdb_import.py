"""manage.py cmdb_import FILE: import CIs (CSV or JSON) and relationships (JSON) by natural key."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from cmdb.parsers import parse_import_file
from cmdb.services.imports import ci_import
from itsm.management.base import ItsmCommand


class Command(ItsmCommand):
    help = "Import CIs and relationships from a .json (API payload) or .csv file; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            payload = parse_import_file(file.name, file.read_bytes())
            report = ci_import(actor=None, payload=payload, progress=self._progress)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stdout.write(
            f"created {report['created']}, updated {report['updated']}, unchanged {report['unchanged']}, "
            f"errors {len(report['errors'])}"
        )
        for error in report["errors"][:50]:
            self.stdout.write(f"  {error['section']} row {error['index']}: {error['errors']}")
        if len(report["errors"]) > 50:
            self.stdout.write(f"  ... and {len(report['errors']) - 50} more")

    def _progress(self, done, total):
        self.stderr.write(f"\r{done}/{total}", ending="")
