"""A serializer's read side compiled once per serializer instance: the same output as DRF's, built faster.

DRF's `Serializer.to_representation` walks every field of every row through `get_attribute` (a getattr chain
with exception handling) and `to_representation`, and each `DateTimeField` asks for the current time zone
(a context-local lookup) per value. For a 50-row list of ~30 fields that is most of a request's Python time.
`compile_readers` decides once, per field, how to read and render it; `represent` then runs only that.

What it speeds up, the rest falling back to DRF's own calls with DRF's semantics:
- concrete, non-relational model fields read from the instance's `__dict__` (a deferred one falls back);
- ISO 8601 `DateTimeField`s rendered in the time zone current when the readers were compiled (the request's);
  integers, strings, booleans and choices that DRF would hand back unchanged, handed back without the call;
- `SerializerMethodField`s called directly;
- foreign keys (one, or a chain such as "agreement.team") and prefetched many relations rendered by
  `related_object` with the request looked up once, each related record once per serializer (a page's rows
  share their teams, services and people);
- plain attributes and properties read directly.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

MISSING = object()
# Field classes whose to_representation gives back a value of this exact type unchanged.
SAME_VALUE_TYPES = {drf_fields.IntegerField: int, drf_fields.CharField: str, drf_fields.BooleanField: bool}


def _generic_reader(field):
    """DRF's own per-field steps (`Serializer.to_representation`), SkipField included."""
    get_attribute, to_representation = field.get_attribute, field.to_representation

    def read(instance):
        attribute = get_attribute(instance)  # may raise SkipField: the caller leaves the key out
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else to_representation(attribute)

    return read


def _iso_datetime(zone):
    """DateTimeField.to_representation for ISO 8601 output, aware values and a fixed zone."""

    def render(value: dt.datetime):
        if isinstance(value, str):
            return value
        if timezone.is_naive(value):  # not stored by this project (USE_TZ); DRF's own path handles it
            return MISSING
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:  # DRF's path turns it into its own error
            return MISSING
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


def _renderer(field):
    """How a plain model field's value becomes output (None never reaches it)."""
    if type(field) is drf_fields.DateTimeField and not hasattr(field, "timezone") and settings.USE_TZ:
        output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if output_format is not None and output_format.lower() == drf_fields.ISO_8601:
            fast, slow = _iso_datetime(timezone.get_current_timezone()), field.to_representation

            def render(value):
                text = fast(value)
                return slow(value) if text is MISSING else text

            return render
    slow = field.to_representation
    exact = SAME_VALUE_TYPES.get(type(field))
    if exact is not None:  # DRF would return the value itself (int(1) is 1, str("a") is "a", a bool stays)
        return lambda value: value if type(value) is exact else slow(value)
    if type(field) is drf_fields.ChoiceField:
        mapping = field.choice_strings_to_values  # what DRF looks a string value up in
        return lambda value: mapping.get(value, value) if type(value) is str else slow(value)
    return slow


def _model_field_reader(field, model):
    """A reader for a field sourced from one concrete, non-relational model field, or None."""
    if model is None or len(field.source_attrs) != 1:
        return None
    try:
        model_field = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None
    if not model_field.concrete or model_field.is_relation:
        return None
    attname, render, fallback = model_field.attname, _renderer(field), _generic_reader(field)

    def read(instance):
        value = instance.__dict__.get(attname, MISSING)
        if value is MISSING:  # deferred: let the instance load it
            return fallback(instance)
        return None if value is None else render(value)

    return read


def _related_memo(request):
    """related_object(value) remembered by (model, pk): the same team or person appears on many rows."""
    from itsm.api.fields import related_object

    shown: dict[tuple, dict] = {}

    def show(value) -> dict:
        key = (type(value), value.pk)
        found = shown.get(key)
        if found is None:
            found = shown[key] = related_object(value, request)
        return found

    return show


def _model_relation(field, model):
    if model is None or len(field.source_attrs) != 1:
        return None
    try:
        return model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None


def _foreign_key_path(field, model) -> list[str] | None:
    """The field's source as foreign keys followed from `model` ("agreement.team"), or None."""
    names = []
    for attr in field.source_attrs:
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not (model_field.many_to_one or model_field.one_to_one) or not model_field.concrete:
            return None
        names.append(model_field.name)
        model = model_field.related_model
    return names or None


def _foreign_key_reader(field, model, show):
    """A reader for a `RelatedObjectField` over foreign keys of `model` (one, or a chain), or None."""
    from itsm.api.fields import RelatedObjectField

    if (
        not isinstance(field, RelatedObjectField)
        or type(field).to_representation is not RelatedObjectField.to_representation
    ):
        return None
    path = _foreign_key_path(field, model)
    if path is None:
        return None
    *through, last = path

    def read(row):
        value = row
        for name in through:
            value = getattr(value, name)
            if value is None:  # a missing link: DRF's own rules (a default, null, or the key left out)
                return fallback(row)
        value = getattr(value, last)
        return None if value is None else show(value)

    fallback = _generic_reader(field)
    return read


def _attribute_reader(field, model):
    """A reader for a field sourced from one plain attribute or property of the model (not a model field, not a
    field with its own way of reading), or None."""
    if model is None or len(field.source_attrs) != 1 or type(field).get_attribute is not drf_fields.Field.get_attribute:
        return None
    attr = field.source_attrs[0]
    try:
        model._meta.get_field(attr)
        return None  # a model field or relation: the readers above, or DRF's own
    except FieldDoesNotExist:
        pass
    render, fallback = field.to_representation, _generic_reader(field)

    def read(instance):
        try:
            value = getattr(instance, attr)
        except Exception:  # noqa: BLE001 - DRF's own path decides what a failing attribute means
            return fallback(instance)
        if callable(value):  # a method: DRF calls it
            return fallback(instance)
        return None if value is None else render(value)

    return read


def _many_reader(field, model, show):
    """A reader for a `RelatedObjectsField` whose rows `itsm.prefetch.prefetch_list` fetched, or None."""
    from itsm.api.fields import RelatedObjectField, RelatedObjectsField
    from itsm.prefetch import prefetched_list

    if type(field) is not RelatedObjectsField or type(field.child_relation) is not RelatedObjectField:
        return None
    if _model_relation(field, model) is None:
        return None
    name, fallback = field.source_attrs[0], _generic_reader(field)

    def read(instance):
        rows = prefetched_list(instance, name)
        return fallback(instance) if rows is None else [show(value) for value in rows]

    return read


def compile_readers(serializer) -> list[tuple[str, object]]:
    """[(output key, reader(instance) -> value)] for the serializer's readable fields, in order."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    show = _related_memo(serializer.context.get("request"))
    readers = []
    for field in serializer._readable_fields:
        if isinstance(field, drf_fields.SerializerMethodField):
            reader = getattr(serializer, field.method_name)
        else:
            reader = (
                _model_field_reader(field, model)
                or _foreign_key_reader(field, model, show)
                or _many_reader(field, model, show)
                or _attribute_reader(field, model)
                or _generic_reader(field)
            )
        readers.append((field.field_name, reader))
    return readers


def represent(readers, instance) -> dict:
    """One row: the readers' values by key, leaving out the fields that skip themselves (as DRF does)."""
    row = {}
    for key, read in readers:
        try:
            row[key] = read(instance)
        except SkipField:
            continue
    return row
