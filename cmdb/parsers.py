"""Turn an uploaded import file (JSON in the API's payload format, or CSV of CIs) into an import payload."""

import csv
import io
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from itsm.csv_cells import restore

MAX_IMPORT_BYTES = 50 * 1024 * 1024
CSV_FIELDS = ("ci_class", "name", "status", "environment", "criticality", "owner_team", "description")
ATTRIBUTES_COLUMN = "attributes"  # a JSON object, as the CSV export writes it
ATTRIBUTE_PREFIX = "attr_"


def parse_import_file(name: str, content: bytes) -> dict:
    """The payload for `ci_import`; ValidationError on the `file` field with a clear reason otherwise."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": [_("The file is larger than 50 MB; split it or use the API.")]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            {
                "file": [
                    _("The file is not UTF-8 text (byte %(pos)d); save it as UTF-8 and try again.") % {"pos": exc.start}
                ]
            }
        ) from None
    if name.lower().endswith(".json"):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                {"file": [_("Not valid JSON: %(msg)s (line %(line)d).") % {"msg": exc.msg, "line": exc.lineno}]}
            ) from None
        if not isinstance(payload, dict):
            raise ValidationError({"file": [_("The JSON must be an object with “cis” and “relationships”.")]})
        return payload
    if name.lower().endswith(".csv"):
        return {"cis": parse_ci_csv(text)}
    raise ValidationError({"file": [_("Upload a .csv or .json file.")]})


def parse_ci_csv(text: str) -> list[dict]:
    """CSV rows (header: ci_class, name, optional fields, attr_<name> columns) -> CI rows of the payload."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise ValidationError({"file": [_("The file is empty.")]}) from None
    except csv.Error as exc:
        raise ValidationError({"file": [_("Unreadable CSV: %(msg)s.") % {"msg": exc}]}) from None
    missing = [column for column in ("ci_class", "name") if column not in header]
    if missing:
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " " + _("The columns seem to be separated by something other than commas; use commas.")
        raise ValidationError(
            {"file": [_("Missing required column(s): %(cols)s.") % {"cols": ", ".join(missing)} + hint]}
        )
    unknown = [c for c in header if c not in (*CSV_FIELDS, ATTRIBUTES_COLUMN) and not c.startswith(ATTRIBUTE_PREFIX)]
    if unknown:
        raise ValidationError(
            {
                "file": [
                    _("Unknown column(s): %(cols)s. Attribute columns start with “attr_”.")
                    % {"cols": ", ".join(unknown)}
                ]
            }
        )
    rows = []
    try:
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            rows.append(_csv_row(header, line, reader.line_num))
    except csv.Error as exc:
        raise ValidationError(
            {"file": [_("Unreadable CSV at line %(n)d: %(msg)s.") % {"n": reader.line_num, "msg": exc}]}
        ) from None
    return rows


def _csv_row(header: list[str], line: list[str], line_number: int) -> dict:
    """One CI row from a CSV line: known columns, attr_<name> columns and/or an `attributes` JSON column."""
    if len(line) > len(header):
        raise ValidationError(
            {"file": [_("Line %(n)d has more cells than the header has columns.") % {"n": line_number}]}
        )
    values = {column: restore(cell).strip() for column, cell in zip(header, line, strict=False)}
    row = {k: v for k, v in values.items() if k in CSV_FIELDS and v != ""}
    attributes = {}
    if values.get(ATTRIBUTES_COLUMN):
        try:
            attributes = json.loads(values[ATTRIBUTES_COLUMN])
        except json.JSONDecodeError:
            attributes = None
        if not isinstance(attributes, dict):
            raise ValidationError(
                {"file": [_("Line %(n)d: the attributes cell is not a JSON object.") % {"n": line_number}]}
            )
    attributes.update(
        {k[len(ATTRIBUTE_PREFIX) :]: v for k, v in values.items() if k.startswith(ATTRIBUTE_PREFIX) and v}
    )
    if attributes or ATTRIBUTES_COLUMN in header or any(k.startswith(ATTRIBUTE_PREFIX) for k in header):
        row["attributes"] = attributes
    return row
