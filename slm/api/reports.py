"""SLA compliance report API: `GET /api/v1/reports/sla-compliance/` (start, end, group_by; service, team,
priority and kind filters).

Readable by whoever may read SLA clocks (`slm.view_slaclock`: agents, managers, change managers, CAB members,
security officers, auditors, admins): the rows are sums of clocks those users can list one by one anyway.
Requesters get 403. Dates are whole days in UTC here (the API speaks UTC); datetimes may carry an offset.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm.api.permissions import model_perm
from slm.models import SLAClock
from slm.reports import GROUP_KEYS, SLAReportForm, sla_compliance


class CanReadSLAReports(BasePermission):
    """Signed in (else 401) and allowed to view SLA clocks (else 403)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(model_perm(SLAClock, "view")))


COMPLIANCE_ROWS = inline_serializer(
    "SLAComplianceRow",
    {
        "key": serializers.IntegerField(allow_null=True),
        "label": serializers.CharField(),
        "total": serializers.IntegerField(),
        "met": serializers.IntegerField(),
        "breached": serializers.IntegerField(),
        "compliance_percent": serializers.FloatField(allow_null=True),
    },
    many=True,
)
PERIOD_HELP = "ISO date (a whole day, UTC) or datetime with offset"


class SLAComplianceView(APIView):
    """Compliance per service, team, priority or agreement over the clocks decided in the period."""

    permission_classes = [CanReadSLAReports]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.STR, description=f"{PERIOD_HELP}; default: 30 days before end"),
            OpenApiParameter(
                "end",
                OpenApiTypes.STR,
                description=f"{PERIOD_HELP} (a date includes its day; a datetime is exclusive); default: now",
            ),
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=GROUP_KEYS, description="default: service"),
            OpenApiParameter("service", OpenApiTypes.INT),
            OpenApiParameter("team", OpenApiTypes.INT),
            OpenApiParameter("priority", OpenApiTypes.INT, enum=[1, 2, 3, 4, 5]),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["sla", "ola", "uc"]),
        ],
        responses=inline_serializer("SLACompliance", {"rows": COMPLIANCE_ROWS}),
    )
    def get(self, request):
        form = SLAReportForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
        data = form.cleaned_data
        rows = sla_compliance(
            user=request.user,
            start=data["start"],
            end=data["end"],
            group_by=data["group_by"],
            filters=form.report_filters(),
        )
        return Response({"rows": rows})
