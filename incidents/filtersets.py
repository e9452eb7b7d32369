"""Incident filtersets, shared by the queues, the API and exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from incidents.choices import ChannelChoices, IncidentKindChoices, IncidentStatusChoices
from incidents.models import Category, Incident
from itsm.filtersets import ItsmFilterSet
from itsm.models import Team, User
from slm.models import Service


class IncidentFilterSet(ItsmFilterSet):
    """Incidents by status, priority, team, assignee, service, CI, major, kind, channel, dates and text."""

    search_fields = ("number", "title", "description")
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatusChoices.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=IncidentKindChoices.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(choices=ChannelChoices.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=[(p, str(p)) for p in range(1, 6)], distinct=False)
    assignment_group = django_filters.ModelMultipleChoiceFilter(queryset=Team.objects.all(), distinct=False)
    assignee = django_filters.ModelMultipleChoiceFilter(queryset=User.objects.all(), distinct=False)
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull", label=_("Unassigned"))
    service = django_filters.ModelMultipleChoiceFilter(queryset=Service.objects.all(), distinct=False)
    configuration_items = django_filters.ModelMultipleChoiceFilter(
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
        fields = ["major", "parent", "category"]


class CategoryFilterSet(ItsmFilterSet):
    """Categories by parent, active flag and text."""

    search_fields = ("name",)

    class Meta:
        model = Category
        fields = ["parent", "active"]
