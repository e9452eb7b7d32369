"""Related objects are written as ids and read back as {"id", "display", "url"}."""

import functools

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from itsm.prefetch import prefetched_list

PK_MARK = 918273645  # a number no route contains: reversed once, then replaced by each object's pk


@functools.lru_cache(maxsize=512)
def _detail_path_parts(model_name: str, urlconf, script_prefix: str) -> tuple[str, str] | None:
    # reverse() costs ~10 µs; a list of 50 rows with their related objects asks for hundreds of URLs.
    try:
        path = reverse(f"api:{model_name}-detail", kwargs={"pk": PK_MARK}, urlconf=urlconf)
    except NoReverseMatch:
        return None
    head, _mark, tail = path.partition(str(PK_MARK))
    return head, tail


def api_url(obj, request=None) -> str | None:
    """The API URL of `obj` (route name `api:<model_name>-detail`), or None when it has no endpoint."""
    model_name = obj._meta.model_name
    if request is None:
        parts = _detail_path_parts(model_name, get_urlconf(), get_script_prefix())
        return None if parts is None else f"{parts[0]}{obj.pk}{parts[1]}"
    # Per request: the absolute prefix and suffix of each model's URLs (the URL conf cannot change mid-request).
    cache = request.__dict__.setdefault("_api_url_parts", {})
    if model_name not in cache:
        parts = _detail_path_parts(model_name, get_urlconf(), get_script_prefix())
        cache[model_name] = None if parts is None else (request.build_absolute_uri(parts[0]), parts[1])
    parts = cache[model_name]
    return None if parts is None else f"{parts[0]}{obj.pk}{parts[1]}"


def related_object(value, request=None) -> dict:
    """How the API shows a related record: {"id", "display", "url"}."""
    return {"id": value.pk, "display": str(value), "url": api_url(value, request)}


class RelatedObjectField(serializers.PrimaryKeyRelatedField):
    """An id in, {"id", "display", "url"} out; only objects the caller may see are accepted."""

    default_error_messages = {
        "does_not_exist": _("No object with id {pk_value} (or you may not see it)."),
        "incorrect_type": _("Expected an id (integer), got {data_type}."),
    }

    def use_pk_only_optimization(self):
        return False

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "restrict"):
            queryset = queryset.restrict(request.user, "view")
        return queryset

    def to_internal_value(self, data):
        if isinstance(data, bool | dict | list):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def to_representation(self, value):
        return related_object(value, self.context.get("request"))

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update((key, value) for key, value in kwargs.items() if key in MANY_RELATION_KWARGS)
        return RelatedObjectsField(**list_kwargs)


class RelatedObjectsField(serializers.ManyRelatedField):
    """A list of related objects; reads the rows `itsm.prefetch.prefetch_list` fetched when there are any."""

    def get_attribute(self, instance):
        rows = prefetched_list(instance, self.source)
        return rows if rows is not None else super().get_attribute(instance)


class PrefetchedListSerializer(serializers.ListSerializer):
    """A nested many serializer that reads the rows `itsm.prefetch.prefetch_list` fetched when there are any."""

    def get_attribute(self, instance):
        rows = prefetched_list(instance, self.source)
        return rows if rows is not None else super().get_attribute(instance)


class SlugListField(serializers.ListField):
    """A list of choice values (e.g. role slugs)."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)
