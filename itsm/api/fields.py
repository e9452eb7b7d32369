"""Related objects are written as ids and read back as {"id", "display", "url"}."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def api_url(obj, request=None) -> str | None:
    """The API URL of `obj` (route name `api:<model_name>-detail`), or None when it has no endpoint."""
    try:
        path = reverse(f"api:{obj._meta.model_name}-detail", kwargs={"pk": obj.pk})
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path) if request is not None else path


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
        return {"id": value.pk, "display": str(value), "url": api_url(value, self.context.get("request"))}


class SlugListField(serializers.ListField):
    """A list of choice values (e.g. role slugs)."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)
