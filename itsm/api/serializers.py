"""Serializer bases: related objects as {"id", "display", "url"}, plus each record's own display and url."""

from rest_framework import serializers

from itsm.api.fields import RelatedObjectField, api_url


class ItsmModelSerializer(serializers.ModelSerializer):
    """Base of every API serializer."""

    serializer_related_field = RelatedObjectField
    display = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def get_url(self, obj) -> str | None:
        return api_url(obj, self.context.get("request"))


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
