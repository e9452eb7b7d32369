"""Incident filtersets, shared by the queues, the API and exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from incidents.choices import ChannelChoices, IncidentKindChoices, IncidentStatusChoices
from incidents.models import Category, Incident
from itsm.filtersets import (
    InManyModelMultipleChoiceFilter,
    InModelMultipleChoiceFilter,
    InMultipleChoiceFilter,
    ItsmFilterSet,
)
from itsm.models import Team, User
from slm.models import Service


class IncidentFilterSet(ItsmFilterSet):
    """Incidents by status, priority, team, assignee, service, CI, major, kind, channel, dates and text."""

    search_fields = ("number", "title", "description")
    status = InMultipleChoiceFilter(choices=IncidentStatusChoices.choices)
    kind = InMultipleChoiceFilter(choices=IncidentKindChoices.choices)
    channel = InMultipleChoiceFilter(choices=ChannelChoices.choices)
    priority = InMultipleChoiceFilter(choices=[(p, str(p)) for p in range(1, 6)])
    assignment_group = InModelMultipleChoiceFilter(queryset=Team.objects.all())
    assignee = InModelMultipleChoiceFilter(queryset=User.objects.all())
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull", label=_("Unassigned"))
    service = InModelMultipleChoiceFilter(queryset=Service.objects.all())
    configuration_items = InManyModelMultipleChoiceFilter(
        queryset=ConfigurationItem.objects.all(), label=_("Configuration items")
    )
    requester = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    resolved_after = django_filters.IsoDateTimeFilter(field_name="resolved_at", lookup_expr="gte")
    resolved_before = django_filters.IsoDateTimeFilter(field_name="resolved_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["major", "parent", "category", "caused_by_change"]


class CategoryFilterSet(ItsmFilterSet):
    """Categories by parent, active flag and text."""

    search_fields = ("name",)

    class Meta:
        model = Category
        fields = ["parent", "active"]
