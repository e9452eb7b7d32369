"""SLM API: recompute jobs (progress of recomputing clocks after a calendar or agreement edit)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from itsm.api.fields import api_url
from itsm.api.serializers import ItsmModelSerializer
from itsm.api.viewsets import ItsmReadOnlyViewSet
from slm.filtersets import SLARecomputeJobFilterSet
from slm.models import SLARecomputeJob
from slm.recompute import recompute_jobs_collected

RECOMPUTE_JOB_HEADER = "SLA-Recompute-Job"


_HEADER_SCHEMA = extend_schema(
    parameters=[
        OpenApiParameter(
            RECOMPUTE_JOB_HEADER,
            OpenApiTypes.URI,
            location=OpenApiParameter.HEADER,
            response=[200, 201],
            description="Present when the write queued a recompute of running SLA clocks: the job's URL under "
            "/api/v1/sla-recompute-jobs/, whose `status` and `percent` show its progress.",
        )
    ]
)
# The OpenAPI document names the header on the writes that may set it.
documents_recompute_header = extend_schema_view(
    create=_HEADER_SCHEMA, update=_HEADER_SCHEMA, partial_update=_HEADER_SCHEMA
)


class RecomputeJobHeaderMixin:
    """A write that queued a clock recompute names the job's API URL in the `SLA-Recompute-Job` response header."""

    def dispatch(self, request, *args, **kwargs):
        with recompute_jobs_collected() as jobs:
            response = super().dispatch(request, *args, **kwargs)
        if jobs and response.status_code < 300:
            response[RECOMPUTE_JOB_HEADER] = api_url(jobs[-1], request)
        return response


class SLARecomputeJobSerializer(ItsmModelSerializer):
    """A recompute job with its progress."""

    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = SLARecomputeJob
        fields = [
            "id",
            "url",
            "display",
            "calendar",
            "agreement",
            "changed",
            "status",
            "total",
            "processed",
            "percent",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class SLARecomputeJobViewSet(ItsmReadOnlyViewSet):
    """Clock recomputes queued by calendar and agreement edits: status and progress."""

    queryset = SLARecomputeJob.objects.all()
    serializer_class = SLARecomputeJobSerializer
    filterset_class = SLARecomputeJobFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    list_select_related = ["calendar", "agreement", "created_by"]
