"""`related_attach`: load the targets of several foreign keys to one model in one query, shared by every row.

`select_related` joins each foreign key into the page query; past five or six joins PostgreSQL spends more
time choosing a join order (~20 ms for nine tables) than running the query, and Django builds one instance
per row and key. Attaching afterwards costs one small `IN` query per target model and one instance per object.
"""

from collections.abc import Iterable, Sequence

from django.db.models import Prefetch

PREFETCHED = "%s_prefetched"


def related_attach(rows: Sequence, fields: Iterable[str], queryset=None) -> None:
    """Fill the cache of `fields` (foreign keys of the rows' model to the same model) on every row."""
    if not rows:
        return
    model_fields = [type(rows[0])._meta.get_field(name) for name in fields]
    target = model_fields[0].related_model
    ids = {getattr(row, field.attname) for row in rows for field in model_fields} - {None}
    if queryset is None:
        queryset = target._default_manager.all()
    found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)} if ids else {}
    for row in rows:
        for field in model_fields:
            value = getattr(row, field.attname)
            field.set_cached_value(row, found.get(value) if value is not None else None)


def prefetch_list(lookup: str, queryset=None) -> Prefetch:
    """Prefetch a many relation into a plain list (see `prefetched_list`).

    Into a list, because prefetching into the relation's manager builds a manager and filters a queryset per
    row (a 50-row page with three relations: ~150 of each) only to hand back the rows already fetched.
    """
    return Prefetch(lookup, queryset=queryset, to_attr=PREFETCHED % lookup)


def prefetched_list(instance, name: str):
    """The rows `prefetch_list(name)` fetched for `instance`, or None when they were not prefetched."""
    return getattr(instance, PREFETCHED % name, None)
