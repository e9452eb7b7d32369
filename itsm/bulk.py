"""Writing many rows at once without building a model instance per row (audit trails, sweeps, recomputes).

On PostgreSQL rows travel by COPY, the fastest way in; elsewhere (SQLite) the ORM's bulk methods do the same job.
Callers pass plain values keyed by column attribute (`actor_id`, not `actor`); no signals are sent, so callers
audit their writes themselves (see `itsm.audit.record_many`).
"""

import hashlib
import io
import json

from django.db import connection, models, transaction
from django.utils import timezone

PAGE = 2000


def insert_rows(model, rows: list[dict], *, ignore_conflicts: bool = False, with_ids: bool = False) -> list | None:
    """INSERT `rows` ({attname: value}; omitted fields take their default). `with_ids`: returns the new ids in order.

    `ignore_conflicts`: rows that would break a unique constraint are skipped (ids are then not returned).
    """
    if not rows:
        return [] if with_ids else None
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key or f.attname in rows[0]]
    defaults = _defaults(fields)
    names = [f.attname for f in fields]
    values = [[row[name] if name in row else defaults[name] for name in names] for row in rows]
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(names, row, strict=True))) for row in values]
        model._base_manager.bulk_create(objects, batch_size=500, ignore_conflicts=ignore_conflicts)
        return [obj.pk for obj in objects] if with_ids else None
    ids = None
    if with_ids and opts.pk not in fields:
        ids = _reserve_ids(opts.db_table, len(rows))
        values = [[pk, *row] for pk, row in zip(ids, values, strict=True)]
        fields = [opts.pk, *fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for start in range(0, len(values), PAGE):
            page = _copy_text(values[start : start + PAGE], fields)
            if not ignore_conflicts:
                raw.copy_expert(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN", page)
                continue
            try:  # repeats are rare: straight in, and only if one is refused through a table that can skip it
                with transaction.atomic():
                    raw.copy_expert(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN", page)
                continue
            except connection.Database.IntegrityError:  # the driver's own: raw cursors are not wrapped by Django
                page.seek(0)
            staging = _staging(raw, fields)
            raw.copy_expert(f"COPY {staging} FROM STDIN", page)
            raw.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) SELECT {columns} FROM {staging} ON CONFLICT DO NOTHING"
            )
    if with_ids:
        return ids if ids is not None else [row[names.index(opts.pk.attname)] for row in values]
    return None


def update_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Set `fields` of the rows given as (pk, value, ...) tuples.

    On PostgreSQL: COPY into a temporary table, then one UPDATE joining it by primary key, a page at a time (a big
    page would make the planner hash-join against the whole table; a page keeps it on the primary key index).
    Django's `bulk_update` builds a CASE with a branch per row, quadratic at these sizes; it stays the way elsewhere.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(pk=row[0], **dict(zip(fields, row[1:], strict=True))) for row in rows]
        model._base_manager.bulk_update(objects, fields, batch_size=500)
        return
    quote = connection.ops.quote_name
    opts = model._meta
    columns = [opts.pk, *(opts.get_field(name) for name in fields)]
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    pk = quote(opts.pk.column)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for start in range(0, len(rows), PAGE):
            staging = _staging(raw, columns)
            raw.copy_expert(f"COPY {staging} FROM STDIN", _copy_text(rows[start : start + PAGE], columns))
            raw.execute(
                f"UPDATE {quote(opts.db_table)} AS t SET {assignments} FROM {staging} AS v WHERE t.{pk} = v.{pk}"
            )


def _defaults(fields) -> dict:
    """Values for fields a row leaves out: now for `auto_now(_add)`, else what Django would use (default, "", NULL)."""
    now = timezone.now()
    return {
        field.attname: now
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        else field.get_default()
        for field in fields
    }


def _staging(raw, fields) -> str:
    """An empty temporary table with these fields' columns, dropped at commit; one per column set and transaction."""
    quote = connection.ops.quote_name
    definition = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    name = "itsm_bulk_" + hashlib.sha1(f"{fields[0].model._meta.db_table}:{definition}".encode()).hexdigest()[:20]
    raw.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({definition}) ON COMMIT DROP")
    raw.execute(f"TRUNCATE {name}")
    return name


def _reserve_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _column_text(field, values) -> list[str]:
    """One column's values in COPY's text format: \\N for NULL; text escaped; each distinct instant formatted once."""
    if isinstance(field, models.JSONField):
        return ["\\N" if v is None and field.null else json.dumps(v).translate(ESCAPES) for v in values]
    if isinstance(field, models.BooleanField):
        return ["\\N" if v is None else ("t" if v else "f") for v in values]
    if isinstance(field, models.DateTimeField | models.DateField):
        formatted = {v: v.isoformat() for v in set(values) if v is not None}  # bulk rows share their timestamps
        return ["\\N" if v is None else formatted[v] for v in values]
    if isinstance(field, models.IntegerField):
        return ["\\N" if v is None else str(int(v)) for v in values]
    return ["\\N" if v is None else _escaped(v if v.__class__ is str else str(v)) for v in values]


def _escaped(text: str) -> str:
    # Most text has nothing to escape; looking is cheaper than rebuilding every string.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(ESCAPES)
    return text


def _copy_text(rows, fields) -> io.StringIO:
    """Rows of values (in `fields` order) as COPY's text format: tab-separated lines, converted column by column."""
    columns = [_column_text(field, values) for field, values in zip(fields, zip(*rows, strict=True), strict=True)]
    return io.StringIO("".join(line + "\n" for line in map("\t".join, zip(*columns, strict=True))))
