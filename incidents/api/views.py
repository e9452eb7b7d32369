"""Incident API: incidents (with transitions, comments, bulk assignment) and categories."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from changes.models import Change
from cmdb.models import ConfigurationItem
from incidents.api.serializers import CategorySerializer, IncidentSerializer
from incidents.filtersets import CategoryFilterSet, IncidentFilterSet
from incidents.models import Category, Incident
from incidents.services import incident_assign_many, incident_comment_add, incident_create, incident_update
from itsm.api.fields import RelatedObjectField
from itsm.api.viewsets import ItsmModelViewSet, TicketViewSetMixin, expected_version
from itsm.models import Team, User
from itsm.models.users import USER_DISPLAY_FIELDS
from itsm.prefetch import prefetch_list
from slm.api.views import sla_clocks_attach


class BulkAssignSerializer(serializers.Serializer):
    """POST /incidents/bulk-assign/ body."""

    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)
    assignment_group = RelatedObjectField(queryset=Team.objects.all(), required=False)
    assignee = RelatedObjectField(queryset=User.objects.all(), required=False)


class IncidentViewSet(TicketViewSetMixin, ItsmModelViewSet):
    """Incidents and service requests; requesters see and log only their own."""

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    ordering_fields = ["id", "number", "priority", "status", "reported_at", "updated_at", "created_at"]
    ordering = ["-id"]
    # Teams and services join the page query; the other keys attach afterwards (itsm.prefetch explains why).
    list_select_related = ["assignment_group", "service"]
    list_attach = [
        (("requester", "assignee", "created_by"), User.objects.only(*USER_DISPLAY_FIELDS)),
        (("category",), Category.objects.select_related("parent")),
        (("parent",), Incident.objects.only("id", "number", "title")),
        (("caused_by_change",), Change.objects.only("id", "number", "title")),
    ]
    list_prefetch_related = [
        prefetch_list("configuration_items", ConfigurationItem.objects.only("id", "name")),
        prefetch_list("watchers", User.objects.only(*USER_DISPLAY_FIELDS)),
    ]
    action_permissions = {**TicketViewSetMixin.action_permissions, "bulk_assign": "change"}

    def attach_related(self, rows) -> None:
        super().attach_related(rows)
        sla_clocks_attach(rows)

    def perform_create(self, serializer):
        incident = incident_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._written_ticket = incident

    def perform_update(self, serializer):
        incident = incident_update(
            actor=self.request.user,
            incident=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )
        serializer.instance = self._written_ticket = incident

    def comment_add(self, *, ticket, actor, body, visibility):
        return incident_comment_add(actor=actor, incident=ticket, body=body, visibility=visibility)

    @extend_schema(
        request=BulkAssignSerializer,
        responses=inline_serializer("BulkAssignResult", {"changed": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="bulk-assign", url_name="bulk-assign")
    def bulk_assign(self, request):
        """Assign many incidents at once to a team and/or an agent (each change audited and notified)."""
        body = BulkAssignSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "assignment_group" not in data and "assignee" not in data:
            raise ValidationError({"non_field_errors": [_("Give an assignment group, an assignee or both.")]})
        visible = Incident.objects.restrict(request.user, "change").filter(pk__in=data["ids"])
        with transaction.atomic():
            incidents = list(visible.select_for_update().order_by("pk"))
            missing = sorted(set(data["ids"]) - {i.pk for i in incidents})
            if missing:
                raise ValidationError({"ids": [_("No incident with id(s) %(ids)s.") % {"ids": missing}]})
            changed = incident_assign_many(
                actor=request.user,
                incidents=incidents,
                assignment_group=data.get("assignment_group"),
                assignee=data.get("assignee"),
            )
        return Response({"changed": changed})


class CategoryViewSet(ItsmModelViewSet):
    """Incident categories and subcategories (reference data)."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    filterset_class = CategoryFilterSet
    ordering_fields = ["id", "name"]
    ordering = ["name"]
    list_select_related = ["parent"]
