"""CMDB API: classes, CIs (with impact and import), relationships, baselines (with diff), import jobs."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cmdb.api.serializers import (
    CIBaselineSerializer,
    CIClassSerializer,
    CIImportJobSerializer,
    CIRelationshipSerializer,
    CISerializer,
    ImpactedCISerializer,
    ImpactQuerySerializer,
    ImportReportSerializer,
)
from cmdb.filtersets import (
    CIBaselineFilterSet,
    CIClassFilterSet,
    CIFilterSet,
    CIImportJobFilterSet,
    CIRelationshipFilterSet,
)
from cmdb.models import CIBaseline, CIClass, CIImportJob, CIRelationship, ConfigurationItem
from cmdb.selectors import ci_impact
from cmdb.services.baselines import baseline_capture, baseline_diff
from cmdb.services.cis import (
    ci_class_save,
    ci_delete,
    ci_save,
    relationship_create,
    relationship_delete,
    relationship_update,
)
from cmdb.services.imports import ci_import, import_job_start, import_payload_errors
from itsm.api.fields import api_url
from itsm.api.viewsets import ItsmModelViewSet, ItsmReadOnlyViewSet


class CIClassViewSet(ItsmModelViewSet):
    """CI classes and their attribute schemas."""

    queryset = CIClass.objects.all()
    serializer_class = CIClassSerializer
    filterset_class = CIClassFilterSet
    ordering_fields = ["id", "name", "slug"]
    ordering = ["name"]
    save_service = staticmethod(ci_class_save)
    instance_arg = "ci_class"
    list_select_related = ["parent__parent__parent"]


class CIViewSet(ItsmModelViewSet):
    """Configuration items; `impact/` walks the relationship graph, `import/` loads many at once."""

    queryset = ConfigurationItem.objects.all()
    serializer_class = CISerializer
    filterset_class = CIFilterSet
    ordering_fields = ["id", "name", "status", "environment", "criticality", "created_at", "updated_at"]
    ordering = ["name", "id"]
    save_service = staticmethod(ci_save)
    instance_arg = "ci"
    list_select_related = ["ci_class", "owner_team"]
    action_permissions = {"impact": "view", "import_cis": "add"}

    def perform_destroy(self, instance):
        ci_delete(actor=self.request.user, ci=instance)

    @extend_schema(
        parameters=[ImpactQuerySerializer],
        responses=inline_serializer(
            "CIImpact",
            {
                "ci": serializers.DictField(),
                "impacted": ImpactedCISerializer(many=True),
                "truncated": serializers.BooleanField(),
            },
        ),
    )
    @action(detail=True, methods=["get"])
    def impact(self, request, pk=None):
        """Everything a failure of this CI impacts (or, with direction=dependencies, what it relies on)."""
        ci = self.get_object()
        query = ImpactQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        impacted, truncated = ci_impact(ci=ci, **query.validated_data)
        return Response(
            {
                "ci": {"id": ci.pk, "display": str(ci), "url": api_url(ci, request)},
                "impacted": ImpactedCISerializer(impacted, many=True).data,
                "truncated": truncated,
            }
        )

    @extend_schema(
        request=inline_serializer(
            "CIImportRequest",
            {
                "cis": serializers.ListField(child=serializers.DictField()),
                "relationships": serializers.ListField(child=serializers.DictField(), required=False),
            },
        ),
        parameters=[OpenApiParameter("async", bool, description="Run as a background job; answers 202 with the job.")],
        responses={200: ImportReportSerializer, 202: CIImportJobSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_cis(self, request):
        """Create or update CIs and relationships by natural key (class slug, name); per-row errors."""
        if not request.user.has_perm("cmdb.change_configurationitem"):
            self.permission_denied(request, message="Importing needs the permission to add and change CIs.")
        if errors := import_payload_errors(request.data):
            raise ValidationError(errors)
        if request.query_params.get("async") in ("1", "true", "yes"):
            job = import_job_start(actor=request.user, payload=request.data, file_name="API")
            return Response(
                CIImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
            )
        return Response(ci_import(actor=request.user, payload=request.data))


class CIRelationshipViewSet(ItsmModelViewSet):
    """Relationships between CIs."""

    queryset = CIRelationship.objects.all()
    serializer_class = CIRelationshipSerializer
    filterset_class = CIRelationshipFilterSet
    ordering_fields = ["id", "type", "created_at"]
    ordering = ["id"]
    list_select_related = ["source", "target"]

    def perform_create(self, serializer):
        serializer.instance = relationship_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = relationship_update(
            actor=self.request.user, relationship=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        relationship_delete(actor=self.request.user, relationship=instance)


class CIBaselineViewSet(ItsmModelViewSet):
    """Baselines: POST {"name", "filter"} captures; `diff/` compares with today."""

    queryset = CIBaseline.objects.all()
    serializer_class = CIBaselineSerializer
    filterset_class = CIBaselineFilterSet
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["-created_at", "-id"]
    list_select_related = ["created_by"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    action_permissions = {"diff": "view"}

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = baseline_capture(
            actor=self.request.user,
            name=data["name"],
            filter=data.get("filter"),
            description=data.get("description", ""),
        )

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()

    @extend_schema(
        responses=inline_serializer(
            "CIBaselineDiff",
            {
                "baseline": serializers.IntegerField(),
                "cis": serializers.DictField(),
                "relationships": serializers.DictField(),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """CIs added, removed and changed (old/new), and relationships added and removed, since the baseline."""
        return Response(baseline_diff(baseline=self.get_object()))


class CIImportJobViewSet(ItsmReadOnlyViewSet):
    """Background imports: progress and the persisted report."""

    queryset = CIImportJob.objects.all()
    serializer_class = CIImportJobSerializer
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    filterset_class = CIImportJobFilterSet
