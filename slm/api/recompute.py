"""SLM API: recompute jobs (progress of recomputing clocks after a calendar or agreement edit)."""

from rest_framework import serializers

from itsm.api.fields import api_url
from itsm.api.serializers import ItsmModelSerializer
from itsm.api.viewsets import ItsmReadOnlyViewSet
from slm.filtersets import SLARecomputeJobFilterSet
from slm.models import SLARecomputeJob
from slm.recompute import recompute_jobs_collected

RECOMPUTE_JOB_HEADER = "SLA-Recompute-Job"


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
