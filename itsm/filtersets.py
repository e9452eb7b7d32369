"""Filtersets of the core models, and the base every app's filterset extends (`?q=` text search)."""

import copy

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.filters import FilterMethod

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


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Offers the queryset's objects as choices (filter forms) but takes ids without reading them back:
    a filter on an id nobody has matches nothing, and the queue saves a query on every request."""

    default_error_messages = {"invalid_pk_value": _("“%(pk)s” is not an id.")}

    def clean(self, value):
        if value in self.empty_values:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        ids = []
        for item in value:
            try:
                ids.append(int(str(item)))
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                ) from None
        return ids


class InModelMultipleChoiceFilter(InFilterMixin, django_filters.ModelMultipleChoiceFilter):
    """A multiple object filter on an own foreign key, as IN (ids are not looked up: see the field)."""

    field_class = IdMultipleChoiceField


class InManyModelMultipleChoiceFilter(InModelMultipleChoiceFilter):
    """Ids of a many-to-many relation, as one `IN` (rows linked to any of them, once each). An absent value is
    an empty list: Django's own field gives an empty queryset, whose truth test compiles a query per request."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", True)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        filtered = super().filter(qs, value)
        return filtered.distinct() if filtered is not qs and self.distinct else filtered


class ShallowCopiedFilters(dict):
    """A filterset's declared filters. django-filter deep-copies them for every filterset it builds (every
    request), querysets included (~1 ms); each filterset only sets `model` and `parent` on its copies, so
    copying each filter is enough."""

    def __deepcopy__(self, memo):
        return {name: _filter_copy(filter_) for name, filter_ in self.items()}


def _filter_copy(filter_):
    copied = copy.copy(filter_)
    if isinstance(copied.__dict__.get("filter"), FilterMethod):
        # A `method=` filter holds a FilterMethod bound to the filter it was made for: rebind it to the copy.
        copied.filter = FilterMethod(copied)
    return copied


class ItsmFilterSet(django_filters.FilterSet):
    """Adds `q`: a case-insensitive search over the Meta's `search_fields`.

    Filters are the same for every request (no per-request querysets), so the form class is built once per
    filterset class; each form still gets its own copy of the fields, as Django does.
    """

    q = django_filters.CharFilter(method="search", label=_("Search"))

    search_fields: tuple[str, ...] = ()

    @classmethod
    def get_filters(cls):
        return ShallowCopiedFilters(super().get_filters())

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

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
