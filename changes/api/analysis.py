"""Read-only analysis actions of the change API: conflicts of a change, the change calendar, the risk preview.

`ChangeAnalysisActions` is mixed into `ChangeViewSet`; the permission is the viewset's (GET: view, POST: add),
and a change is always found through `get_object()`, so one the caller may not view is a 404.
"""

import functools

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from changes.choices import ChangeStatusChoices, ChangeTypeChoices, ConflictKindChoices, RiskChoices, WindowKindChoices
from changes.conflicts import change_conflicts, conflicts_for
from changes.impact import change_impact
from changes.models import Change
from changes.risk import risk_assess
from changes.selectors import calendar_range_errors, change_calendar
from cmdb.models import ConfigurationItem
from itsm.api.fields import RelatedObjectField
from itsm.models import Team
from slm.models import Service

MAX_PREVIEW_CIS = 500


class ConflictSerializer(serializers.Serializer):
    """One conflict: what kind, the other change or the window, and a sentence naming them."""

    kind = serializers.ChoiceField(choices=ConflictKindChoices.choices)
    change = serializers.IntegerField(allow_null=True, help_text="The other change (null: none, or not visible).")
    window = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class LeanObjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display = serializers.CharField()


class CalendarChangeSerializer(serializers.Serializer):
    """A change on the calendar (the lean row the calendar needs, not the whole change)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    type = serializers.ChoiceField(choices=ChangeTypeChoices.choices)
    status = serializers.ChoiceField(choices=ChangeStatusChoices.choices)
    risk = serializers.ChoiceField(choices=RiskChoices.choices)
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    assignment_group = LeanObjectSerializer(allow_null=True)
    url = serializers.URLField()


class CalendarWindowSerializer(serializers.Serializer):
    """A blackout or maintenance window on the calendar; empty services and CIs: it applies to everything."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=WindowKindChoices.choices)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    services = LeanObjectSerializer(many=True)
    configuration_items = LeanObjectSerializer(many=True)
    url = serializers.URLField(allow_null=True)


class ChangeCalendarSerializer(serializers.Serializer):
    changes = CalendarChangeSerializer(many=True)
    windows = CalendarWindowSerializer(many=True)


class CalendarQuerySerializer(serializers.Serializer):
    """GET /changes/calendar/ parameters: a range of at most 100 days, and optional filters."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    service = RelatedObjectField(queryset=Service.objects.all(), required=False)
    assignment_group = RelatedObjectField(queryset=Team.objects.all(), required=False)
    ci = RelatedObjectField(queryset=ConfigurationItem.objects.all(), required=False)

    def validate(self, attrs):
        if errors := calendar_range_errors(attrs.get("start"), attrs.get("end")):
            raise serializers.ValidationError(errors)
        return attrs


class RiskPreviewRequestSerializer(serializers.Serializer):
    """An RFC not saved yet (or being edited: `change` names it, so it does not conflict with itself)."""

    type = serializers.ChoiceField(choices=ChangeTypeChoices.choices)
    configuration_items = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=MAX_PREVIEW_CIS
    )
    planned_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    planned_end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    change = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)

    def validate_configuration_items(self, value):
        ids = list(dict.fromkeys(value))
        user = self.context["request"].user
        found = set(ConfigurationItem.objects.restrict(user, "view").filter(pk__in=ids).values_list("pk", flat=True))
        if missing := [pk for pk in ids if pk not in found]:
            raise serializers.ValidationError(
                _("No configuration item with id(s) %(ids)s (or you may not see them).") % {"ids": missing}
            )
        return ids

    def validate_change(self, value):
        if (
            value is not None
            and not Change.objects.restrict(self.context["request"].user, "view").filter(pk=value).exists()
        ):
            raise serializers.ValidationError(_("No change with id %(id)s (or you may not see it).") % {"id": value})
        return value

    def validate(self, attrs):
        start, end = attrs.get("planned_start"), attrs.get("planned_end")
        if (start is None) != (end is None):
            missing = "planned_end" if end is None else "planned_start"
            raise serializers.ValidationError({missing: [_("Give both the planned start and the planned end.")]})
        if start is not None and end <= start:
            raise serializers.ValidationError({"planned_end": [_("The planned end must be after the planned start.")]})
        return attrs


class RiskPreviewSerializer(serializers.Serializer):
    risk = serializers.ChoiceField(choices=RiskChoices.choices)
    reasons = serializers.ListField(child=serializers.CharField())
    impacted_services = RelatedObjectField(queryset=Service.objects.all(), many=True)
    conflicts = ConflictSerializer(many=True)


def _iso_formatter():
    """DRF's DateTimeField output ("…Z" in UTC), with the current time zone looked up once, not per value."""
    zone = timezone.get_current_timezone()

    def iso(value):
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def _url_prefix(route: str, request) -> str | None:
    # One reverse for the whole calendar: a month holds thousands of rows and reverse() costs ~20 µs each.
    try:
        return request.build_absolute_uri(reverse(route))
    except NoReverseMatch:
        return None


class ChangeAnalysisActions:
    """Mixin of ChangeViewSet: GET /changes/{id}/conflicts/, GET /changes/calendar/, POST /changes/risk-preview/."""

    # Previewing an RFC is part of raising one (add); nothing is written either way.
    action_permissions = {"conflicts": "view", "calendar": "view", "risk_preview": "add"}

    @extend_schema(responses=ConflictSerializer(many=True))
    @action(detail=True, methods=["get"])
    def conflicts(self, request, pk=None):
        """Overlapping changes on related CIs, blackout windows, and the maintenance windows it is outside of."""
        change = self.get_object()
        return Response([conflict.as_dict() for conflict in conflicts_for(change, user=request.user)])

    @extend_schema(parameters=[CalendarQuerySerializer], responses=ChangeCalendarSerializer)
    @action(detail=False, methods=["get"])
    def calendar(self, request):
        """Changes whose planned window meets [start, end) (drafts, rejected and cancelled left out) and windows."""
        query = CalendarQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        calendar = change_calendar(
            user=request.user,
            start=data["start"],
            end=data["end"],
            service=data.get("service"),
            team=data.get("assignment_group"),
            ci=data.get("ci"),
        )
        return Response(
            {
                "changes": self._calendar_changes(calendar.changes, request),
                "windows": self._calendar_windows(calendar.windows, request),
            }
        )

    @staticmethod
    def _calendar_changes(changes, request) -> list[dict]:
        when = _iso_formatter()
        prefix = _url_prefix("api:change-list", request)
        return [
            {
                "id": change.pk,
                "number": change.number,
                "title": change.title,
                "type": change.type,
                "status": change.status,
                "risk": change.risk,
                "planned_start": when(change.planned_start),
                "planned_end": when(change.planned_end),
                "assignment_group": (
                    {"id": change.assignment_group_id, "display": change.assignment_group_name}
                    if change.assignment_group_id is not None
                    else None
                ),
                "url": f"{prefix}{change.pk}/" if prefix else None,
            }
            for change in changes
        ]

    @staticmethod
    def _calendar_windows(windows, request) -> list[dict]:
        when = _iso_formatter()
        prefix = _url_prefix("api:changewindow-list", request)
        lean = functools.lru_cache(maxsize=None)(lambda pairs: [{"id": pk, "display": name} for pk, name in pairs])
        # Windows of one schedule (every Saturday night) name the same CIs: their lists are built once.
        return [
            {
                "id": window.pk,
                "name": window.name,
                "kind": window.kind,
                "start": when(window.start),
                "end": when(window.end),
                "services": lean(tuple(window.services)),
                "configuration_items": lean(tuple(window.configuration_items)),
                "url": f"{prefix}{window.pk}/" if prefix else None,
            }
            for window in windows
        ]

    @extend_schema(request=RiskPreviewRequestSerializer, responses=RiskPreviewSerializer)
    @action(detail=False, methods=["post"], url_path="risk-preview", url_name="risk-preview")
    def risk_preview(self, request):
        """Risk with reasons, impacted services and conflicts of an RFC before it is saved; nothing is written."""
        body = RiskPreviewRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        impact = change_impact(data["configuration_items"])
        assessment = risk_assess(
            change_type=data["type"], ci_ids=impact.ci_ids, exclude_change_id=data["change"], impact=impact
        )
        conflicts = change_conflicts(
            ci_ids=impact.ci_ids,
            planned_start=data["planned_start"],
            planned_end=data["planned_end"],
            exclude_change_id=data["change"],
            user=request.user,
            impact=impact,
        )
        services = _url_prefix("api:service-list", request)
        return Response(
            {
                "risk": assessment.risk,
                "reasons": assessment.reasons,
                "impacted_services": [
                    {"id": s.pk, "display": s.name, "url": f"{services}{s.pk}/" if services else None}
                    for s in impact.services
                ],
                "conflicts": [conflict.as_dict() for conflict in conflicts],
            }
        )
