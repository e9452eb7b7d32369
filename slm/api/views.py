"""SLM API: the service catalog."""

from itsm.api.serializers import ItsmModelSerializer
from itsm.api.viewsets import ItsmModelViewSet
from slm.filtersets import ServiceFilterSet
from slm.models import Service
from slm.services import service_save


class ServiceSerializer(ItsmModelSerializer):
    """A catalog service."""

    class Meta:
        model = Service
        fields = ["id", "url", "display", "name", "description", "status", "owner_team", "ci", "created_at"]


class ServiceViewSet(ItsmModelViewSet):
    """The service catalog; `?impacted_by=<ci id>` lists the services a CI's failure touches."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    ordering_fields = ["id", "name", "status"]
    ordering = ["name"]
    list_select_related = ["owner_team", "ci"]

    def perform_create(self, serializer):
        serializer.instance = service_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = service_save(
            actor=self.request.user, service=serializer.instance, **serializer.validated_data
        )
