"""Change-management filtersets, shared by the API and the browser lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from changes.choices import (
    CABPolicyChoices,
    ChangeStatusChoices,
    ChangeTypeChoices,
    DecisionChoices,
    OutcomeChoices,
    RiskChoices,
    WindowKindChoices,
)
from changes.models import CAB, Approval, Change, ChangeTemplate, ChangeWindow
from cmdb.models import ConfigurationItem
from itsm.filtersets import InModelMultipleChoiceFilter, InMultipleChoiceFilter, ItsmFilterSet
from itsm.models import Team, User
from slm.models import Service


def _range(field: str) -> tuple[django_filters.Filter, django_filters.Filter]:
    return (
        django_filters.IsoDateTimeFilter(field_name=field, lookup_expr="gte"),
        django_filters.IsoDateTimeFilter(field_name=field, lookup_expr="lt"),
    )


class ChangeFilterSet(ItsmFilterSet):
    """Changes by status, type, risk, outcome, CAB, team, people, CIs, impacted services, window and text;
    `awaiting_my_vote=true`: changes whose CAB still waits for the caller's vote."""

    search_fields = ("number", "title", "description")
    status = InMultipleChoiceFilter(choices=ChangeStatusChoices.choices)
    type = InMultipleChoiceFilter(choices=ChangeTypeChoices.choices)
    risk = InMultipleChoiceFilter(choices=RiskChoices.choices)
    outcome = InMultipleChoiceFilter(choices=OutcomeChoices.choices)
    cab = InModelMultipleChoiceFilter(queryset=CAB.objects.all())
    template = InModelMultipleChoiceFilter(queryset=ChangeTemplate.objects.all())
    assignment_group = InModelMultipleChoiceFilter(queryset=Team.objects.all())
    assignee = InModelMultipleChoiceFilter(queryset=User.objects.all())
    requested_by = InModelMultipleChoiceFilter(field_name="requester", queryset=User.objects.all())
    configuration_items = django_filters.ModelMultipleChoiceFilter(
        queryset=ConfigurationItem.objects.all(), label=_("Configuration items")
    )
    impacted_services = django_filters.ModelMultipleChoiceFilter(
        queryset=Service.objects.all(), label=_("Impacted services")
    )
    planned_start_after, planned_start_before = _range("planned_start")
    planned_end_after, planned_end_before = _range("planned_end")
    created_after, created_before = _range("created_at")
    awaiting_my_vote = django_filters.BooleanFilter(method="filter_awaiting_my_vote", label=_("Awaiting my vote"))

    class Meta:
        model = Change
        fields = []

    def filter_awaiting_my_vote(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(
            status=ChangeStatusChoices.AUTHORIZATION, authorized_at__isnull=True, cab__members=user
        ).exclude(approvals__voter=user)


class CABFilterSet(ItsmFilterSet):
    """CABs by policy, emergency flag, member and text."""

    search_fields = ("name", "description")
    policy = InMultipleChoiceFilter(choices=CABPolicyChoices.choices)
    member = django_filters.ModelMultipleChoiceFilter(
        field_name="members", queryset=User.objects.all(), label=_("Member")
    )

    class Meta:
        model = CAB
        fields = ["emergency", "chair"]


class ChangeWindowFilterSet(ItsmFilterSet):
    """Windows by kind, service, CI and time (`ends_after` + `starts_before`: the windows overlapping a range)."""

    search_fields = ("name", "description")
    kind = InMultipleChoiceFilter(choices=WindowKindChoices.choices)
    services = django_filters.ModelMultipleChoiceFilter(queryset=Service.objects.all(), label=_("Services"))
    configuration_items = django_filters.ModelMultipleChoiceFilter(
        queryset=ConfigurationItem.objects.all(), label=_("Configuration items")
    )
    starts_before = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="lt")
    ends_after = django_filters.IsoDateTimeFilter(field_name="end", lookup_expr="gt")

    class Meta:
        model = ChangeWindow
        fields = []


class ChangeTemplateFilterSet(ItsmFilterSet):
    """Standard change templates by active flag, team, risk and text."""

    search_fields = ("name", "title", "description")
    risk = InMultipleChoiceFilter(choices=RiskChoices.choices)

    class Meta:
        model = ChangeTemplate
        fields = ["active", "assignment_group"]


class ApprovalFilterSet(ItsmFilterSet):
    """CAB votes by change, voter and decision."""

    search_fields = ("comment",)
    decision = InMultipleChoiceFilter(choices=DecisionChoices.choices)

    class Meta:
        model = Approval
        fields = ["change", "voter"]
