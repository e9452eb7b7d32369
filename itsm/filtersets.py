"""Filtersets of the core models, and the base every app's filterset extends (`?q=` text search)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itsm.choices import AuditActionChoices, AuditSourceChoices
from itsm.models import AuditEvent, Team, User
from itsm.roles import ROLE_LABELS


class InFilterMixin:
    """Several values as one `col IN (...)`: django-filter writes one OR'ed condition per value, which
    PostgreSQL plans far worse on big tables (bench/README.md). For filters on the model's own columns."""

    def filter(self, qs, value):
        if not value or self.is_noop(qs, value):
            return qs
        return self.get_method(qs)(**{f"{self.field_name}__in": value})


class InMultipleChoiceFilter(InFilterMixin, django_filters.MultipleChoiceFilter):
    """A multiple choice filter on an own column, as IN."""


class InModelMultipleChoiceFilter(InFilterMixin, django_filters.ModelMultipleChoiceFilter):
    """A multiple object filter on an own foreign key, as IN."""


class ItsmFilterSet(django_filters.FilterSet):
    """Adds `q`: a case-insensitive search over the Meta's `search_fields`."""

    q = django_filters.CharFilter(method="search", label=_("Search"))

    search_fields: tuple[str, ...] = ()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class UserFilterSet(ItsmFilterSet):
    """Users by role, team, active flag and text."""

    search_fields = ("username", "first_name", "last_name", "email")
    role = django_filters.MultipleChoiceFilter(
        field_name="groups__name", choices=list(ROLE_LABELS.items()), label=_("Role"), distinct=True
    )
    team = django_filters.ModelMultipleChoiceFilter(
        field_name="teams", queryset=Team.objects.all(), label=_("Team"), distinct=True
    )

    class Meta:
        model = User
        fields = ["is_active", "manager"]


class TeamFilterSet(ItsmFilterSet):
    """Teams by manager, member, vendor and text."""

    search_fields = ("name", "description", "vendor")
    member = django_filters.ModelMultipleChoiceFilter(
        field_name="members", queryset=User.objects.all(), label=_("Member"), distinct=True
    )
    external = django_filters.BooleanFilter(field_name="vendor", lookup_expr="gt", method="filter_external")

    class Meta:
        model = Team
        fields = ["manager", "escalation_team"]

    def filter_external(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(vendor="") if value else queryset.filter(vendor="")


class AuditEventFilterSet(ItsmFilterSet):
    """Audit events by object, actor, source, action and time."""

    search_fields = ("object_repr", "actor_repr")
    source = InMultipleChoiceFilter(choices=AuditSourceChoices.choices)
    action = InMultipleChoiceFilter(choices=AuditActionChoices.choices)
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "actor"]
