"""CMDB filtersets, shared by the UI lists, the API and CSV exports."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cmdb.choices import (
    CIStatusChoices,
    CriticalityChoices,
    EnvironmentChoices,
    ImportStatusChoices,
    RelationshipTypeChoices,
)
from cmdb.models import CIBaseline, CIClass, CIImportJob, CIRelationship, ConfigurationItem
from itsm.filtersets import InModelMultipleChoiceFilter, InMultipleChoiceFilter, ItsmFilterSet
from itsm.models import Team


def class_with_descendants(ci_classes) -> list[int]:
    """Ids of the given classes and every class below them (a Server filter also finds virtual machines)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in CIClass.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [c.pk for c in ci_classes]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return sorted(found)


class CIClassFilterSet(ItsmFilterSet):
    """CI classes by parent and text."""

    search_fields = ("name", "slug", "description")

    class Meta:
        model = CIClass
        fields = ["parent", "slug"]


class CIFilterSet(ItsmFilterSet):
    """CIs by class (with subclasses), status, environment, criticality, owner team and text."""

    search_fields = ("name", "description")
    ci_class = django_filters.ModelMultipleChoiceFilter(
        queryset=CIClass.objects.all(), method="filter_class", label=_("Class")
    )
    # Own columns, filtered as IN and never DISTINCT: a DISTINCT over every column (attributes included)
    # made filtered lists several times slower at 100k CIs.
    status = InMultipleChoiceFilter(choices=CIStatusChoices.choices, label=_("Status"))
    environment = InMultipleChoiceFilter(choices=EnvironmentChoices.choices, label=_("Environment"))
    criticality = InMultipleChoiceFilter(choices=CriticalityChoices.choices, label=_("Criticality"))
    owner_team = InModelMultipleChoiceFilter(queryset=Team.objects.all(), label=_("Owner team"))

    class Meta:
        model = ConfigurationItem
        fields = ["ci_class", "status", "environment", "criticality", "owner_team"]

    def filter_class(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(ci_class__in=class_with_descendants(value))


class CIRelationshipFilterSet(ItsmFilterSet):
    """Relationships by either end, type and text."""

    search_fields = ("source__name", "target__name")
    type = InMultipleChoiceFilter(choices=RelationshipTypeChoices.choices)
    ci = django_filters.NumberFilter(method="filter_ci", label=_("Either end (CI id)"))

    class Meta:
        model = CIRelationship
        fields = ["source", "target", "type"]

    def filter_ci(self, queryset, name, value):
        return queryset.filter(Q(source_id=value) | Q(target_id=value)) if value is not None else queryset


class CIBaselineFilterSet(ItsmFilterSet):
    """Baselines by text."""

    search_fields = ("name", "description")

    class Meta:
        model = CIBaseline
        fields = ["created_by"]


class CIImportJobFilterSet(ItsmFilterSet):
    """Import jobs by status and file name."""

    search_fields = ("file_name",)
    status = InMultipleChoiceFilter(choices=ImportStatusChoices.choices)

    class Meta:
        model = CIImportJob
        fields = ["status"]
