"""SLM API: business calendars (with the business-time calculators) and the service catalog."""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from itsm.api.fields import RelatedObjectField
from itsm.api.serializers import ItsmModelSerializer
from itsm.api.viewsets import ItsmModelViewSet, ItsmReadOnlyViewSet
from itsm.prefetch import PREFETCHED, related_attach
from slm.api.recompute import RecomputeJobHeaderMixin, documents_recompute_header
from slm.business_time import add_business_seconds, business_seconds
from slm.choices import MetricChoices
from slm.filtersets import (
    AgreementFilterSet,
    CalendarFilterSet,
    ServiceFilterSet,
    SLAClockFilterSet,
    SLAThresholdFilterSet,
)
from slm.holidays import MAX_ICS_BYTES, calendar_fill_holidays, calendar_import_holidays
from slm.models import Agreement, Calendar, Service, SLAClock, SLAThreshold
from slm.services import agreement_save, calendar_save, service_save


class ServiceSerializer(ItsmModelSerializer):
    """A catalog service."""

    class Meta:
        model = Service
        fields = [
            "id",
            "url",
            "display",
            "name",
            "description",
            "status",
            "owner_team",
            "ci",
            "calendar",
            "created_at",
        ]


class ServiceViewSet(ItsmModelViewSet):
    """The service catalog; `?impacted_by=<ci id>` lists the services a CI's failure touches."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    ordering_fields = ["id", "name", "status"]
    ordering = ["name"]
    save_service = staticmethod(service_save)
    instance_arg = "service"
    list_select_related = ["owner_team", "ci", "calendar"]


class CalendarSerializer(ItsmModelSerializer):
    """A business calendar; hours and holidays are validated interval by interval by the service."""

    hours = serializers.JSONField()
    holidays = serializers.JSONField(required=False)

    class Meta:
        model = Calendar
        fields = ["id", "url", "display", "name", "timezone", "hours", "holidays", "created_at", "updated_at"]


class AddBusinessTimeSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    seconds = serializers.IntegerField(min_value=0, max_value=10 * 365 * 86400)


class BusinessSecondsSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class FillHolidaysSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="ISO 3166 code, e.g. DE.")
    subdivision = serializers.CharField(required=False, allow_blank=True, default="", help_text="e.g. BY.")
    years = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class ICalendarParser(BaseParser):
    """A raw iCalendar body (Content-Type: text/calendar), handed over as bytes."""

    media_type = "text/calendar"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"content": stream.read(MAX_ICS_BYTES + 1) if stream else b""}


@documents_recompute_header
class CalendarViewSet(RecomputeJobHeaderMixin, ItsmModelViewSet):
    """Business calendars; `add-business-time/` and `business-seconds/` compute with one; holidays are filled
    from a country's public holidays (`fill-holidays/`) or imported from an iCalendar file (`import-holidays/`).
    """

    queryset = Calendar.objects.all()
    serializer_class = CalendarSerializer
    filterset_class = CalendarFilterSet
    ordering_fields = ["id", "name"]
    ordering = ["name"]
    save_service = staticmethod(calendar_save)
    instance_arg = "calendar"
    action_permissions = {
        "add_business_time": "view",
        "business_seconds": "view",
        "fill_holidays": "change",
        "import_holidays": "change",
    }

    @extend_schema(
        request=AddBusinessTimeSerializer, responses=inline_serializer("DueAt", {"due": serializers.DateTimeField()})
    )
    @action(detail=True, methods=["post"], url_path="add-business-time", url_name="add-business-time")
    def add_business_time(self, request, pk=None):
        """The instant `seconds` business seconds after `start` on this calendar."""
        body = AddBusinessTimeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            due = add_business_seconds(self.get_object().business_calendar(), **body.validated_data)
        except ValueError as exc:
            raise ValidationError({"seconds": [str(exc)]}) from None
        return Response({"due": serializers.DateTimeField().to_representation(due)})

    @extend_schema(
        request=BusinessSecondsSerializer,
        responses=inline_serializer("BusinessSeconds", {"seconds": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"], url_path="business-seconds", url_name="business-seconds")
    def business_seconds(self, request, pk=None):
        """Business seconds between `start` and `end` on this calendar."""
        body = BusinessSecondsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"seconds": business_seconds(self.get_object().business_calendar(), **body.validated_data)})

    @extend_schema(request=FillHolidaysSerializer, responses=CalendarSerializer)
    @action(detail=True, methods=["post"], url_path="fill-holidays", url_name="fill-holidays")
    def fill_holidays(self, request, pk=None):
        """Add the public holidays of `country` (and `subdivision`) in `years`; days already listed are kept."""
        body = FillHolidaysSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        calendar = calendar_fill_holidays(actor=request.user, calendar=self.get_object(), **body.validated_data)
        return Response(self.get_serializer(calendar).data)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "HolidayImport",
                {"file": serializers.FileField(), "years": serializers.ListField(child=serializers.IntegerField())},
            ),
            "text/calendar": {"type": "string"},
        },
        responses=CalendarSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import-holidays",
        url_name="import-holidays",
        parser_classes=[MultiPartParser, ICalendarParser],
    )
    def import_holidays(self, request, pk=None):
        """Add the all-day events of an iCalendar file (multipart `file`, or a text/calendar body) as holidays.

        Recurring events are expanded in `years` (form field or query, repeated or comma-separated), by default
        this year and the next two; timed events are skipped. A bad file is a 400 and changes nothing.
        """
        calendar = self.get_object()
        upload = request.data.get("file") if hasattr(request.data, "get") else None
        if upload is not None and hasattr(upload, "read"):
            content = upload.read(MAX_ICS_BYTES + 1)
        elif isinstance(request.data.get("content"), bytes):
            content = request.data["content"]
        else:
            raise ValidationError({"file": [_("Send an .ics file as `file` (multipart) or a text/calendar body.")]})
        years = request.data.getlist("years") if hasattr(request.data, "getlist") else []
        years = years or request.query_params.getlist("years")
        calendar_import_holidays(actor=request.user, calendar=calendar, content=content, years=",".join(years))
        return Response(self.get_serializer(Calendar.objects.get(pk=calendar.pk)).data)


class AgreementSerializer(ItsmModelSerializer):
    """An SLA, OLA or UC with its targets, thresholds, pause reasons and escalation rules."""

    applies_to = serializers.JSONField()
    targets = serializers.JSONField()
    warning_percents = serializers.JSONField(required=False)
    pause_on = serializers.JSONField(required=False)
    escalation_rules = serializers.JSONField(required=False)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "url",
            "display",
            "name",
            "kind",
            "service",
            "team",
            "calendar",
            "applies_to",
            "targets",
            "warning_percents",
            "pause_on",
            "escalation_rules",
            "active",
            "created_at",
            "updated_at",
        ]


@documents_recompute_header
class AgreementViewSet(RecomputeJobHeaderMixin, ItsmModelViewSet):
    """Agreements (SLA per service, OLA/UC per team)."""

    queryset = Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    ordering_fields = ["id", "name", "kind"]
    ordering = ["name"]
    save_service = staticmethod(agreement_save)
    instance_arg = "agreement"
    list_select_related = ["service", "team", "calendar"]


class SLAClockSerializer(ItsmModelSerializer):
    """A clock as the contract shows it."""

    elapsed_percent = serializers.IntegerField(read_only=True)
    # OLA/UC clocks: the team of the stint (the agreement's team); SLA clocks: null.
    team = RelatedObjectField(source="agreement.team", read_only=True)

    def get_display(self, obj) -> str:
        # str(clock), with the metric labels translated once per serializer: a lazy label translated again for
        # each clock of a ticket list cost ~2 ms a page (every translation looks up the active language).
        labels = self.__dict__.get("_metric_labels")
        if labels is None:
            labels = self._metric_labels = {value: str(label) for value, label in MetricChoices.choices}
        return f"{obj.agreement} {labels.get(obj.metric, obj.metric)}"

    class Meta:
        model = SLAClock
        fields = [
            "id",
            "url",
            "display",
            "agreement",
            "metric",
            "target_seconds",
            "started_at",
            "due_at",
            "stopped_at",
            "paused_seconds",
            "status",
            "breached",
            "elapsed_percent",
            "object_id",
            "stint",
            "team",
        ]


def sla_clocks_attach(tickets) -> None:
    """Each ticket's clocks as SLAClockSerializer shows them, in `prefetched_list(ticket, "sla_clocks")`: one query
    for the clocks of all the tickets and one for their agreements (Django's generic-relation prefetch did the
    same query with ~1 ms more bookkeeping a page)."""
    if not tickets:
        return
    content_type = ContentType.objects.get_for_model(tickets[0])
    found = {ticket.pk: [] for ticket in tickets}
    for clock in SLAClock.objects.filter(content_type=content_type, object_id__in=list(found)):
        found[clock.object_id].append(clock)
    for ticket in tickets:
        setattr(ticket, PREFETCHED % "sla_clocks", found[ticket.pk])
    clock_agreements_attach([clock for clocks in found.values() for clock in clocks])


def clock_agreements_attach(clocks) -> None:
    """Each clock's agreement (with its team, without its rules), one instance per agreement for all of them.

    Joined per clock instead, a page of 50 tickets built ~110 agreements and ~110 teams for a handful of distinct
    ones, and decoded the agreements' five JSON rule columns for nothing."""
    rules = ("applies_to", "targets", "warning_percents", "pause_on", "escalation_rules")
    related_attach(clocks, ("agreement",), Agreement.objects.select_related("team").defer(*rules))


class SLAClockViewSet(ItsmReadOnlyViewSet):
    """SLA clocks (read-only); `?incident=<id>` for one incident's."""

    queryset = SLAClock.objects.all()
    serializer_class = SLAClockSerializer
    filterset_class = SLAClockFilterSet
    ordering_fields = ["id", "due_at"]
    ordering = ["due_at", "id"]
    list_select_related = ["agreement__team"]


class EscalationSerializer(ItsmModelSerializer):
    """A fired threshold: what was done, and when."""

    class Meta:
        model = SLAThreshold
        fields = ["id", "url", "display", "clock", "percent", "fired_at", "actions"]


class EscalationViewSet(ItsmReadOnlyViewSet):
    """Escalations: thresholds that fired (at most one per clock and percent)."""

    queryset = SLAThreshold.objects.filter(fired_at__isnull=False)
    serializer_class = EscalationSerializer
    filterset_class = SLAThresholdFilterSet
    ordering_fields = ["id", "fired_at"]
    ordering = ["-fired_at", "-id"]
    list_select_related = ["clock__agreement"]
