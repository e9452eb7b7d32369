"""API of the sample ticket, built only from the core's bases."""

import django_filters

from itsm.api.serializers import TicketSerializer
from itsm.api.viewsets import ItsmModelViewSet, TicketViewSetMixin, expected_version
from itsm.filtersets import ItsmFilterSet
from itsm.services.tickets import ticket_create, ticket_update
from tests.sample.models import SampleStatus, SampleTicket


class SampleTicketFilterSet(ItsmFilterSet):
    search_fields = ("number", "title", "description")
    status = django_filters.MultipleChoiceFilter(choices=SampleStatus.choices)

    class Meta:
        model = SampleTicket
        fields = ["assignment_group", "assignee", "priority"]


class SampleTicketSerializer(TicketSerializer):
    class Meta(TicketSerializer.Meta):
        model = SampleTicket
        fields = [
            "id",
            "url",
            "display",
            "number",
            "title",
            "description",
            "status",
            "impact",
            "urgency",
            "priority",
            "requester",
            "assignment_group",
            "assignee",
            "watchers",
            "hold_reason",
            "resolution_notes",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = [*TicketSerializer.Meta.read_only_fields, "hold_reason", "resolution_notes"]


class SampleTicketViewSet(TicketViewSetMixin, ItsmModelViewSet):
    queryset = SampleTicket.objects.all()
    serializer_class = SampleTicketSerializer
    filterset_class = SampleTicketFilterSet
    ordering_fields = ["id", "number", "priority", "created_at"]
    ordering = ["-id"]
    list_select_related = ["requester", "assignment_group", "assignee", "created_by"]
    list_prefetch_related = ["watchers"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        watchers = data.pop("watchers", [])
        data.setdefault("requester", self.request.user)
        ticket = ticket_create(
            model=SampleTicket,
            actor=self.request.user,
            initial_status=SampleTicket.INITIAL_STATUS,
            m2m={"watchers": watchers},
            **data,
        )
        serializer.instance = ticket
        self._written_ticket = ticket

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        m2m = {"watchers": data.pop("watchers")} if "watchers" in data else None
        ticket = ticket_update(
            ticket=serializer.instance,
            actor=self.request.user,
            data=data,
            expected_version=expected_version(self.request),
            m2m=m2m,
        )
        serializer.instance = ticket
        self._written_ticket = ticket
