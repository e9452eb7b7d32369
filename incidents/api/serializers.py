"""Incident API serializers."""

from incidents.models import Category, Incident
from itsm.api.fields import PrefetchedListSerializer
from itsm.api.serializers import ItsmModelSerializer, TicketSerializer
from slm.api.views import SLAClockSerializer


class IncidentSerializer(TicketSerializer):
    """An incident or service request; status, priority and resolution move only through transitions."""

    sla = PrefetchedListSerializer(child=SLAClockSerializer(), source="sla_clocks", read_only=True)

    class Meta(TicketSerializer.Meta):
        model = Incident
        fields = [
            "id",
            "url",
            "display",
            "number",
            "kind",
            "title",
            "description",
            "status",
            "on_hold_reason",
            "impact",
            "urgency",
            "priority",
            "channel",
            "category",
            "requester",
            "assignment_group",
            "assignee",
            "service",
            "configuration_items",
            "watchers",
            "major",
            "parent",
            "caused_by_change",
            "reported_at",
            "resolved_at",
            "closed_at",
            "resolution_code",
            "resolution_notes",
            "sla",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = [
            *TicketSerializer.Meta.read_only_fields,
            "on_hold_reason",
            "resolved_at",
            "closed_at",
            "resolution_code",
            "resolution_notes",
        ]


class CategorySerializer(ItsmModelSerializer):
    """An incident category (a subcategory when it has a parent)."""

    class Meta:
        model = Category
        fields = ["id", "url", "display", "name", "parent", "active"]
