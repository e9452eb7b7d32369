"""Keyset ("cursor") paging for API lists: the rows after (or before) a row, in the list's own order.

A list can be paged this way when its ordering is made of the model's own non-null columns and ends with the
primary key (StrictOrdering always adds the id as the tie-break). A cursor is the boundary row's values of
those columns, as URL-safe base64 of JSON, with the direction; it is opaque to clients. Reading the page after
it costs the same wherever it is, where OFFSET makes the database read and drop every row before the page.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q


@dataclass(frozen=True)
class KeyColumn:
    """One column of a list's ordering."""

    name: str
    attname: str
    descending: bool
    field: object


def key_columns(queryset) -> list[KeyColumn] | None:
    """The queryset's ordering as key columns, or None when it cannot be paged by keyset."""
    ordering = list(queryset.query.order_by or queryset.query.get_meta().ordering or [])
    meta = queryset.model._meta
    columns = []
    for item in ordering:
        if not isinstance(item, str) or item == "?":
            return None
        name = item.lstrip("-")
        if name == "pk":
            name = meta.pk.name
        if "__" in name:
            return None
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.null or field.many_to_many:
            return None
        columns.append(KeyColumn(name=name, attname=field.attname, descending=item.startswith("-"), field=field))
    if not columns or columns[-1].field is not meta.pk:
        return None
    return columns


def encode_cursor(columns: list[KeyColumn], row, *, backwards: bool) -> str:
    """The cursor pointing after `row` (before it when `backwards`)."""
    values = [_column_value(column, row) for column in columns]
    text = json.dumps({"v": values, "b": backwards}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _column_value(column: KeyColumn, row):
    value = getattr(row, column.attname)
    return value.isoformat() if hasattr(value, "isoformat") else value


def decode_cursor(columns: list[KeyColumn], token: str) -> tuple[list, bool]:
    """(the boundary row's values, backwards); a cursor that is not one of ours raises ValueError."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        data = json.loads(text)
        values, backwards = data["v"], data["b"]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError) as error:
        raise ValueError("not a cursor") from error
    if not isinstance(values, list) or len(values) != len(columns) or not isinstance(backwards, bool):
        raise ValueError("not a cursor for this ordering")
    try:
        return [column.field.to_python(value) for column, value in zip(columns, values, strict=True)], backwards
    except (ValidationError, TypeError) as error:
        raise ValueError("bad cursor value") from error


def beyond(columns: list[KeyColumn], values: list, *, backwards: bool) -> Q:
    """The rows after the boundary row in the list's order (before it when `backwards`).

    Lexicographic: the first column past the boundary, or equal on it and past on the next, and so on. The
    first column's bound also stands alone (<= or >=), so an index on it can seek instead of filter.
    """

    def op(column: KeyColumn, *, inclusive: bool) -> str:
        forward = column.descending == backwards  # ascending and forwards, or descending and backwards: >
        return ("gte" if inclusive else "gt") if forward else ("lte" if inclusive else "lt")

    condition = Q()
    for position, column in enumerate(columns):
        equal = {c.attname: v for c, v in zip(columns[:position], values[:position], strict=True)}
        condition |= Q(**equal, **{f"{column.attname}__{op(column, inclusive=False)}": values[position]})
    first = columns[0]
    return Q(**{f"{first.attname}__{op(first, inclusive=True)}": values[0]}) & condition
