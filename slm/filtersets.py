"""SLM filtersets."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from cmdb.selectors import ci_impact
from itsm.filtersets import ItsmFilterSet
from slm.choices import ServiceStatusChoices
from slm.models import Calendar, Service


class ServiceFilterSet(ItsmFilterSet):
    """Services by status, owner team, text, and `impacted_by` (the services a CI's failure touches)."""

    search_fields = ("name", "description")
    status = django_filters.MultipleChoiceFilter(choices=ServiceStatusChoices.choices, distinct=False)
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
