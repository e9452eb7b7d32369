"""Serializer bases: related objects as {"id", "display", "url"}, plus each record's own display and url."""

import copy

from rest_framework import serializers

from itsm.api.fields import RelatedObjectField, api_url
from itsm.api.representation import compile_readers, represent


def _field_again(field_class, args, kwargs):
    """A new field from the arguments another was built with; nested fields (a many field's child, bound to
    its parent) are deep-copied, as DRF's Field.__deepcopy__ does, the rest shared."""
    kwargs = {
        key: copy.deepcopy(value) if isinstance(value, serializers.Field) else value for key, value in kwargs.items()
    }
    return field_class(*args, **kwargs)


class ItsmModelSerializer(serializers.ModelSerializer):
    """Base of every API serializer."""

    serializer_related_field = RelatedObjectField
    display = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def get_url(self, obj) -> str | None:
        return api_url(obj, self.context.get("request"))

    def get_fields(self):
        # DRF introspects the model to build each undeclared field on every instance (~2 ms a request for a
        # ticket); the outcome depends only on the class, so it is planned once per class and replayed: each
        # field built again from the arguments DRF built it with (as its own deepcopy does).
        plan = type(self).__dict__.get("_field_plan")
        if plan is None:
            built = super().get_fields()
            plan = [
                (name, None if name in self._declared_fields else (type(field), field._args, field._kwargs))
                for name, field in built.items()
            ]
            type(self)._field_plan = plan
            return built
        declared = copy.deepcopy(self._declared_fields)
        return {name: declared[name] if spec is None else _field_again(*spec) for name, spec in plan}

    def to_representation(self, instance):
        # Compiled on first use: a list's rows share one serializer instance (itsm.api.representation).
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self._readers = compile_readers(self)
        return represent(readers, instance)


class TicketSerializer(ItsmModelSerializer):
    """Base of ticket serializers: number, status, priority, version and people are read-only here."""

    class Meta:
        read_only_fields = ["number", "status", "priority", "created_by", "created_at", "updated_at", "version"]


class TransitionRequestSerializer(serializers.Serializer):
    """POST .../transition/ body: the transition name plus its inputs (validated by the workflow)."""

    name = serializers.CharField()


class TransitionDescriptionSerializer(serializers.Serializer):
    """One entry of GET .../transitions/."""

    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    inputs = serializers.ListField(child=serializers.DictField())
