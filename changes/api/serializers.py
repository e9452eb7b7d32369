"""Change-management API serializers."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from changes.choices import DecisionChoices, RiskChoices
from changes.models import CAB, Approval, Change, ChangeTemplate, ChangeWindow
from changes.services.approvals import MAX_COMMENT
from itsm.api.fields import RelatedObjectField
from itsm.api.serializers import ItsmModelSerializer, TicketSerializer
from itsm.models import User


class ChangeSerializer(TicketSerializer):
    """A change (RFC). `requested_by` is the model's requester. Status, outcome and actual times move only through
    transitions; `impacted_services` and the computed risk come from the CMDB.

    `risk` is writable by change managers only, together with `risk_override_reason` (the override is audited and
    journaled); `"risk": null` returns to the computed risk. `blackout_override_reason` is set by the schedule
    transition, or on a PATCH that moves a scheduled change's window into a blackout (change managers).
    """

    requested_by = RelatedObjectField(source="requester", queryset=User.objects.all(), required=False, allow_null=True)
    risk = serializers.ChoiceField(choices=RiskChoices.choices, required=False, allow_null=True)
    risk_override_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    blackout_override_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    incident_count = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        model = Change
        fields = [
            "id",
            "url",
            "display",
            "number",
            "type",
            "template",
            "title",
            "description",
            "status",
            "risk",
            "risk_computed",
            "risk_reasons",
            "risk_override_reason",
            "impact",
            "urgency",
            "priority",
            "justification",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "configuration_items",
            "impacted_services",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "cab",
            "authorized_at",
            "blackout_override_reason",
            "requested_by",
            "assignment_group",
            "assignee",
            "watchers",
            "outcome",
            "review_notes",
            "incident_count",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = [
            *TicketSerializer.Meta.read_only_fields,
            "risk_computed",
            "risk_reasons",
            "impacted_services",
            "actual_start",
            "actual_end",
            "authorized_at",
            "outcome",
        ]
        # With a template the title comes from it; without, the service reports a missing title.
        extra_kwargs = {"title": {"required": False}}

    def get_incident_count(self, obj) -> int:
        """Incidents caused by this change (annotated on lists; counted for a single written record)."""
        annotated = getattr(obj, "incident_count", None)
        return annotated if annotated is not None else obj.caused_incidents.count()


class VoteSerializer(serializers.Serializer):
    """POST /changes/{id}/approvals/ body."""

    decision = serializers.ChoiceField(choices=DecisionChoices.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_COMMENT, default="")


class ApprovalSerializer(ItsmModelSerializer):
    """One CAB member's vote; cast (or replaced) by the voter, only while the change awaits authorisation."""

    change = RelatedObjectField(queryset=Change.objects.all())
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_COMMENT, default="")

    class Meta:
        model = Approval
        fields = ["id", "url", "display", "change", "voter", "decision", "comment", "created_at", "updated_at"]
        read_only_fields = ["voter", "created_at", "updated_at"]

    def validate_change(self, value):
        if self.instance is not None and value.pk != self.instance.change_id:
            raise serializers.ValidationError(_("A vote stays on its change."))
        return value


class CABSerializer(ItsmModelSerializer):
    """A change advisory board: members, chair, policy (quorum with its percentage) and the emergency flag."""

    class Meta:
        model = CAB
        fields = [
            "id",
            "url",
            "display",
            "name",
            "description",
            "members",
            "chair",
            "policy",
            "quorum_percent",
            "emergency",
            "created_at",
            "updated_at",
        ]


class ChangeWindowSerializer(ItsmModelSerializer):
    """A blackout or maintenance window over services and CIs (none of either: everything)."""

    class Meta:
        model = ChangeWindow
        fields = [
            "id",
            "url",
            "display",
            "name",
            "kind",
            "description",
            "start",
            "end",
            "services",
            "configuration_items",
            "created_at",
            "updated_at",
        ]


class ChangeTemplateSerializer(ItsmModelSerializer):
    """A pre-approved standard change: prefilled fields; `allowed_roles` may raise it (empty: change managers)."""

    allowed_roles = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)

    class Meta:
        model = ChangeTemplate
        fields = [
            "id",
            "url",
            "display",
            "name",
            "description",
            "title",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "risk",
            "impact",
            "assignment_group",
            "configuration_items",
            "allowed_roles",
            "active",
            "created_at",
            "updated_at",
        ]
