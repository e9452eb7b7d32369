"""Viewset bases: restricted querysets, filtersets, ETag/If-Match, transitions and comments on tickets."""

import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from itsm.api.exceptions import PreconditionFailed
from itsm.api.journal import JournalEntrySerializer
from itsm.api.serializers import TransitionDescriptionSerializer, TransitionRequestSerializer
from itsm.prefetch import related_attach
from itsm.services.journal import journal_add, journal_entries_visible
from itsm.services.tickets import transition_apply, transitions_available

ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


class ItsmReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve, scoped to what the caller may view (outside scope: 404).

    Related objects load by `list_select_related` (joined), `list_prefetch_related`, and `list_attach`:
    [(foreign keys to one model, queryset or None)], each group one query after the page (itsm.prefetch).
    """

    list_attach = ()

    def get_queryset(self):
        queryset = super().get_queryset().restrict(self.request.user, "view")
        related = getattr(self, "list_select_related", ())
        prefetch = getattr(self, "list_prefetch_related", ())
        return queryset.select_related(*related).prefetch_related(*prefetch)

    def attach_related(self, rows) -> None:
        for fields, queryset in self.list_attach:
            related_attach(rows, fields, queryset)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page and isinstance(page[0], self.queryset.model):  # not the pages of other rows (a ticket's comments)
            self.attach_related(page)
        return page

    def get_object(self):
        instance = super().get_object()
        self.attach_related([instance])
        return instance


class ItsmModelViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, ItsmReadOnlyViewSet):
    """Full CRUD; writes go through `perform_*` hooks that subclasses point at their services.

    Most models have one save service, `save(*, actor, <instance_arg>=None, **fields)` creating or changing a
    record: name it in `save_service` (a staticmethod) and `instance_arg`, and create/update use it.
    """

    save_service = None
    instance_arg = ""

    def perform_create(self, serializer):
        if self.save_service is None:
            return super().perform_create(serializer)
        serializer.instance = self.save_service(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        if self.save_service is None:
            return super().perform_update(serializer)
        serializer.instance = self.save_service(
            actor=self.request.user, **{self.instance_arg: serializer.instance}, **serializer.validated_data
        )


def expected_version(request) -> int | None:
    """The version named by If-Match, None when absent or `*`; a malformed header is a 412."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    match = ETAG_RE.match(header)
    if not match:
        raise PreconditionFailed(_("If-Match must be an ETag returned by this API."))
    return int(match.group(1))


class TicketViewSetMixin:
    """ETag on reads, If-Match on writes (412), transitions and the journal for ticket viewsets."""

    action_permissions = {"transition": "view", "transitions": "view", "comments": "view"}

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = instance.etag
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        instance = getattr(self, "_written_ticket", None)
        if instance is not None and response.status_code < 300:
            response["ETag"] = instance.etag
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(responses=TransitionDescriptionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def transitions(self, request, pk=None):
        """The transitions the caller may take now, with their inputs."""
        ticket = self.get_object()
        return Response(
            [
                {
                    "name": t.name,
                    "label": str(t.label or t.name),
                    "target": t.target_of(ticket),
                    "inputs": t.describe_inputs(),
                }
                for t in transitions_available(ticket=ticket, actor=request.user)
            ]
        )

    @extend_schema(
        request=TransitionRequestSerializer,
        responses={200: None, 409: OpenApiResponse(description="Refused"), 412: OpenApiResponse(description="Stale")},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Apply a transition: {"name": ..., <inputs>}; 409 when refused, 400 for bad inputs, 412 when stale."""
        ticket = self.get_object()
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        name = request.data.get("name")
        if not name or not isinstance(name, str):
            raise ValidationError({"name": [_("Name the transition to apply.")]})
        inputs = {key: value for key, value in request.data.items() if key != "name"}
        updated = transition_apply(
            ticket=ticket, name=name, actor=request.user, inputs=inputs, expected_version=expected_version(request)
        )
        self._written_ticket = updated
        shown = self.get_queryset().get(pk=updated.pk)
        self.attach_related([shown])  # as a detail read loads it
        return Response(self.get_serializer(shown).data)

    @extend_schema(request=JournalEntrySerializer, responses=JournalEntrySerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """The ticket's journal (requesters: public only); POST adds a comment or work note."""
        ticket = self.get_object()
        if request.method == "GET":
            entries = journal_entries_visible(ticket=ticket, user=request.user)
            page = self.paginate_queryset(entries)
            return self.get_paginated_response(JournalEntrySerializer(page, many=True).data)
        serializer = JournalEntrySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        default = "internal" if request.user.is_staff_member else "public"
        entry = self.comment_add(
            ticket=ticket,
            actor=request.user,
            body=serializer.validated_data["body"],
            visibility=serializer.validated_data.get("visibility", default),
        )
        return Response(JournalEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def comment_add(self, *, ticket, actor, body, visibility):
        """Write a journal entry; ticket apps point this at their service when comments notify someone."""
        return journal_add(ticket=ticket, actor=actor, body=body, visibility=visibility)
