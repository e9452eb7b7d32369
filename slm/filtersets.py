"""SLM filtersets."""

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from cmdb.selectors import ci_impact
from itsm.filtersets import InMultipleChoiceFilter, ItsmFilterSet
from slm.choices import AgreementKindChoices, ClockStatusChoices, RecomputeStatusChoices, ServiceStatusChoices
from slm.models import Agreement, Calendar, Service, SLAClock, SLARecomputeJob, SLAThreshold


class ServiceFilterSet(ItsmFilterSet):
    """Services by status, owner team, text, and `impacted_by` (the services a CI's failure touches)."""

    search_fields = ("name", "description")
    status = InMultipleChoiceFilter(choices=ServiceStatusChoices.choices)
    impacted_by = django_filters.NumberFilter(method="filter_impacted_by", label=_("Impacted by CI (id)"))

    class Meta:
        model = Service
        fields = ["status", "owner_team", "ci"]

    def filter_impacted_by(self, queryset, name, value):
        ci = ConfigurationItem.objects.filter(pk=value).first()
        if ci is None:
            return queryset.none()
        impacted, _truncated = ci_impact(ci=ci)
        return queryset.filter(ci__in=[ci.pk, *(item.ci.pk for item in impacted)])


class CalendarFilterSet(ItsmFilterSet):
    """Calendars by time zone and text."""

    search_fields = ("name",)

    class Meta:
        model = Calendar
        fields = ["timezone"]


class AgreementFilterSet(ItsmFilterSet):
    """Agreements by kind, service, team, active flag and text."""

    search_fields = ("name",)
    kind = InMultipleChoiceFilter(choices=AgreementKindChoices.choices)

    class Meta:
        model = Agreement
        fields = ["kind", "service", "team", "active"]


class SLAClockFilterSet(ItsmFilterSet):
    """Clocks by ticket (`?incident=<id>`), agreement, metric, status and breach."""

    search_fields = ("agreement__name",)
    incident = django_filters.NumberFilter(method="filter_incident", label=_("Incident (id)"))
    status = InMultipleChoiceFilter(choices=ClockStatusChoices.choices)

    class Meta:
        model = SLAClock
        fields = ["agreement", "metric", "status", "breached", "stint"]

    def filter_incident(self, queryset, name, value):
        # Named by its label, not imported: slm sees tickets through itsm only.
        content_type = ContentType.objects.get_by_natural_key("incidents", "incident")
        return queryset.filter(content_type=content_type, object_id=value)


class SLAThresholdFilterSet(ItsmFilterSet):
    """Fired escalations by clock and percent."""

    class Meta:
        model = SLAThreshold
        fields = ["clock", "percent"]


class SLARecomputeJobFilterSet(ItsmFilterSet):
    """Recompute jobs by status, calendar and agreement."""

    status = InMultipleChoiceFilter(choices=RecomputeStatusChoices.choices)

    class Meta:
        model = SLARecomputeJob
        fields = ["status", "calendar", "agreement"]
