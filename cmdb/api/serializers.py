"""CMDB API serializers."""

from rest_framework import serializers

from cmdb.models import CIBaseline, CIClass, CIImportJob, CIRelationship, ConfigurationItem
from itsm.api.fields import RelatedObjectField, api_url
from itsm.api.serializers import ItsmModelSerializer


class CIClassSerializer(ItsmModelSerializer):
    """A CI class; `effective_schema` adds the inherited attributes."""

    effective_schema = serializers.SerializerMethodField()

    class Meta:
        model = CIClass
        fields = [
            "id",
            "url",
            "display",
            "name",
            "slug",
            "parent",
            "description",
            "attribute_schema",
            "effective_schema",
            "created_at",
            "updated_at",
        ]

    def get_effective_schema(self, obj) -> list[dict]:
        return obj.effective_schema()


class CISerializer(ItsmModelSerializer):
    """A configuration item; `attributes` are validated against its class's schema by the service."""

    class Meta:
        model = ConfigurationItem
        fields = [
            "id",
            "url",
            "display",
            "name",
            "ci_class",
            "status",
            "environment",
            "criticality",
            "owner_team",
            "description",
            "attributes",
            "created_at",
            "updated_at",
        ]
        validators = []  # (class, name) uniqueness is checked by the service, as an error on `name`


class CIRelationshipSerializer(ItsmModelSerializer):
    """ "source <type> target"."""

    class Meta:
        model = CIRelationship
        fields = ["id", "url", "display", "source", "target", "type", "created_at"]
        validators = []  # duplicates and self-links are checked by the service with field-level messages


class CIBaselineSerializer(ItsmModelSerializer):
    """A baseline; created from a name and a CI filter."""

    created_by = RelatedObjectField(read_only=True)

    class Meta:
        model = CIBaseline
        fields = ["id", "url", "display", "name", "description", "filter", "ci_count", "created_by", "created_at"]
        read_only_fields = ["ci_count", "created_at"]


class CIImportJobSerializer(ItsmModelSerializer):
    """A background import with its progress and, once done, its report."""

    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = CIImportJob
        fields = [
            "id",
            "url",
            "display",
            "file_name",
            "status",
            "total",
            "processed",
            "percent",
            "result",
            "error",
            "created_at",
            "finished_at",
        ]


class ImpactedCISerializer(serializers.Serializer):
    """One CI reached by the impact walk."""

    id = serializers.IntegerField(source="ci.pk")
    name = serializers.CharField(source="ci.name")
    ci_class = serializers.SerializerMethodField()
    depth = serializers.IntegerField()

    def get_ci_class(self, item) -> dict:
        ci_class = item.ci.ci_class
        return {"id": ci_class.pk, "display": str(ci_class), "url": api_url(ci_class, self.context.get("request"))}


class ImpactQuerySerializer(serializers.Serializer):
    """?depth=&limit=&direction= of the impact endpoint."""

    depth = serializers.IntegerField(min_value=0, max_value=50, default=10)
    limit = serializers.IntegerField(min_value=1, max_value=100_000, default=10_000)
    direction = serializers.ChoiceField(choices=["impact", "dependencies"], default="impact")


class ImportReportSerializer(serializers.Serializer):
    """The import report."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
