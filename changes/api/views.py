"""Change-management API: changes (transitions, comments, CAB votes, analysis), CABs, windows, templates, votes."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from changes.api.analysis import ChangeAnalysisActions
from changes.api.serializers import (
    ApprovalSerializer,
    CABSerializer,
    ChangeSerializer,
    ChangeTemplateSerializer,
    ChangeWindowSerializer,
    VoteSerializer,
)
from changes.filtersets import (
    ApprovalFilterSet,
    CABFilterSet,
    ChangeFilterSet,
    ChangeTemplateFilterSet,
    ChangeWindowFilterSet,
)
from changes.models import CAB, Approval, Change, ChangeTemplate, ChangeWindow
from changes.services import (
    approval_cast,
    cab_save,
    change_create,
    change_from_template,
    change_template_save,
    change_update,
    change_window_save,
)
from incidents.models import Incident
from itsm.api.viewsets import ItsmModelViewSet, ItsmReadOnlyViewSet, TicketViewSetMixin, expected_version

CHANGE_SELECT_RELATED = ["template", "cab", "requester", "assignment_group", "assignee", "created_by"]
CHANGE_PREFETCH_RELATED = ["configuration_items", "impacted_services", "watchers"]


def with_incident_count(queryset):
    """Annotate `incident_count` (incidents caused by each change) as one correlated subquery on the FK index."""
    caused = (
        Incident.objects.filter(caused_by_change=OuterRef("pk"))
        .order_by()
        .values("caused_by_change")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(incident_count=Coalesce(Subquery(caused, output_field=IntegerField()), 0))


class ChangeViewSet(ChangeAnalysisActions, TicketViewSetMixin, ItsmModelViewSet):
    """Changes (RFCs); requesters see only those they requested. Votes: GET/POST .../{id}/approvals/."""

    queryset = Change.objects.all()
    serializer_class = ChangeSerializer
    filterset_class = ChangeFilterSet
    ordering_fields = [
        "id",
        "number",
        "status",
        "type",
        "risk",
        "priority",
        "planned_start",
        "planned_end",
        "created_at",
        "updated_at",
    ]
    ordering = ["-id"]
    list_select_related = CHANGE_SELECT_RELATED
    list_prefetch_related = CHANGE_PREFETCH_RELATED
    action_permissions = {
        **TicketViewSetMixin.action_permissions,
        **getattr(ChangeAnalysisActions, "action_permissions", {}),
        "approvals": "view",  # the vote service checks CAB membership
    }

    def get_queryset(self):
        return with_incident_count(super().get_queryset())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if data.pop("blackout_override_reason", ""):
            raise ValidationError({"blackout_override_reason": [_("Give it when scheduling the change.")]})
        change = change_create(actor=self.request.user, **data)
        serializer.instance = self._written_ticket = change

    def perform_update(self, serializer):
        change = change_update(
            actor=self.request.user,
            change=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )
        serializer.instance = self._written_ticket = change

    @extend_schema(request=VoteSerializer, responses=ApprovalSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def approvals(self, request, pk=None):
        """The CAB's votes on this change; POST {"decision", "comment"} casts (or replaces) the caller's vote."""
        change = self.get_object()
        if request.method == "GET":
            if not request.user.has_perm("changes.view_approval"):
                # Requesters follow their change (status, public journal), not the board's deliberation.
                raise PermissionDenied(_("You may not see the CAB's votes."))
            votes = (
                Approval.objects.filter(change=change).select_related("change", "voter").order_by("created_at", "id")
            )
            page = self.paginate_queryset(votes)
            return self.get_paginated_response(ApprovalSerializer(page, many=True, context={"request": request}).data)
        body = VoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        vote, created = approval_cast(actor=request.user, change=change, **body.validated_data)
        return Response(
            ApprovalSerializer(vote, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ApprovalViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ItsmReadOnlyViewSet):
    """All CAB votes (filter by change, voter, decision). POST casts a vote, PATCH replaces one's own; votes are
    never deleted (the decision and every vote stay on record)."""

    queryset = Approval.objects.all()
    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilterSet
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["-id"]
    list_select_related = ["change", "voter"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance, _created = approval_cast(
            actor=self.request.user, change=data["change"], decision=data["decision"], comment=data.get("comment", "")
        )

    def perform_update(self, serializer):
        vote = serializer.instance
        if vote.voter_id != self.request.user.pk:
            raise PermissionDenied(_("You can change only your own vote."))
        data = serializer.validated_data
        serializer.instance, _created = approval_cast(
            actor=self.request.user,
            change=vote.change,
            decision=data.get("decision", vote.decision),
            comment=data.get("comment", vote.comment),
        )


class CABViewSet(ItsmModelViewSet):
    """Change advisory boards."""

    queryset = CAB.objects.all()
    serializer_class = CABSerializer
    filterset_class = CABFilterSet
    ordering_fields = ["id", "name"]
    ordering = ["name"]
    save_service = staticmethod(cab_save)
    instance_arg = "cab"
    list_select_related = ["chair"]
    list_prefetch_related = ["members"]


class ChangeWindowViewSet(ItsmModelViewSet):
    """Blackout and maintenance windows."""

    queryset = ChangeWindow.objects.all()
    serializer_class = ChangeWindowSerializer
    filterset_class = ChangeWindowFilterSet
    ordering_fields = ["id", "name", "start", "end"]
    ordering = ["start", "id"]
    save_service = staticmethod(change_window_save)
    instance_arg = "window"
    list_prefetch_related = ["services", "configuration_items"]


class ChangeTemplateViewSet(ItsmModelViewSet):
    """Standard change templates; POST .../{id}/raise/ raises a standard change from one."""

    queryset = ChangeTemplate.objects.all()
    serializer_class = ChangeTemplateSerializer
    filterset_class = ChangeTemplateFilterSet
    ordering_fields = ["id", "name"]
    ordering = ["name"]
    save_service = staticmethod(change_template_save)
    instance_arg = "template"
    list_select_related = ["assignment_group"]
    list_prefetch_related = ["configuration_items"]
    action_permissions = {"raise_change": "view"}  # the service checks add_change and the template's roles

    @extend_schema(request=ChangeSerializer, responses={201: ChangeSerializer})
    @action(detail=True, methods=["post"], url_path="raise", url_name="raise")
    def raise_change(self, request, pk=None):
        """Raise a standard change (draft) from this template; the body may set the change's own fields (title,
        description, planned window, CIs, people, justification) — the template's plans and risk are fixed."""
        template = self.get_object()
        body = ChangeSerializer(data=request.data, partial=True, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("template", None)
        if data.pop("blackout_override_reason", ""):
            raise ValidationError({"blackout_override_reason": [_("Give it when scheduling the change.")]})
        change = change_from_template(actor=request.user, template=template, data=data)
        written = with_incident_count(Change.objects.all()).get(pk=change.pk)
        response = Response(ChangeSerializer(written, context={"request": request}).data, status=201)
        response["ETag"] = written.etag
        return response
