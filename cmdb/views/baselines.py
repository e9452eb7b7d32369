"""Baseline pages: the list, capturing the CI list's current filter, and a baseline's diff against today."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.choices import RelationshipTypeChoices
from cmdb.filtersets import CIBaselineFilterSet, CIFilterSet
from cmdb.forms import BaselineForm
from cmdb.models import CIBaseline, ConfigurationItem
from cmdb.services.baselines import baseline_capture, baseline_diff
from itsm.forms import apply_service_errors
from itsm.views.admin_ui import Column, ObjectListView, require_permission

# A diff of a whole estate can be huge; the page lists this many per section and says how many there are.
SHOWN_PER_SECTION = 500
TYPE_LABELS = dict(RelationshipTypeChoices.choices)


class BaselineListView(ObjectListView):
    """Baselines with their CI count, author and date."""

    model = CIBaseline
    filterset_class = CIBaselineFilterSet
    template_name = "cmdb/baseline_list.html"
    results_template_name = "cmdb/partials/_baseline_results.html"
    select_related = ("created_by",)
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Description")),
        Column(gettext_lazy("CIs"), "ci_count"),
        Column(gettext_lazy("Captured by"), "created_by"),
        Column(gettext_lazy("Captured"), "created"),
    )
    sort_orders = {
        "name": ("name",),
        "ci_count": ("ci_count",),
        "created_by": ("created_by__username",),
        "created": ("created_at",),
    }
    default_sort = "-created"
    filter_labels = {"created_by": gettext_lazy("Captured by")}


baseline_list = BaselineListView.as_view()


def filter_from_query(query: QueryDict) -> dict:
    """The CI filter parameters of a query string ({name: [values]}), without sort, page and empty values."""
    names = set(CIFilterSet.base_filters)
    return {key: values for key in sorted(query) if key in names and (values := [v for v in query.getlist(key) if v])}


def describe_filter(filter_data: dict) -> list[tuple[str, str]]:
    """(label, values) of a CI filter for people: choice labels and class/team names instead of ids."""
    data = QueryDict(mutable=True)
    for key, values in filter_data.items():
        data.setlist(key, [str(v) for v in values] if isinstance(values, list) else [str(values)])
    form = CIFilterSet(data=data, queryset=ConfigurationItem.objects.none()).form
    described = []
    for key, values in data.lists():
        field = form.fields.get(key)
        if field is None:
            continue
        if hasattr(field, "queryset"):
            ids = [v for v in values if v.isdigit()]
            shown = [str(obj) for obj in field.queryset.filter(pk__in=ids)] or values
        else:
            labels = {str(value): label for value, label in getattr(field, "choices", [])}
            shown = [str(labels.get(value, value)) for value in values]
        described.append((str(field.label or key), ", ".join(shown)))
    return described


@login_required
def baseline_add(request):
    """Capture a baseline of the CIs matching the filter the CI list was showing."""
    require_permission(request.user, CIBaseline, "add")
    form = BaselineForm(request.POST or None, initial={"filter": json.dumps(filter_from_query(request.GET))})
    if request.method == "POST" and form.is_valid():
        try:
            baseline = baseline_capture(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                filter=form.cleaned_data["filter"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Baseline %(name)s captured with %(count)d CIs.") % {"name": baseline, "count": baseline.ci_count},
            )
            return redirect("cmdb:baseline", pk=baseline.pk)
    captured = form.cleaned_data.get("filter") if form.is_bound and hasattr(form, "cleaned_data") else None
    if captured is None:
        captured = filter_from_query(request.GET)
    context = {"form": form, "filter_description": describe_filter(captured)}
    return render(request, "cmdb/baseline_edit.html", context)


def _cap(rows: list) -> tuple[list, int]:
    return rows[:SHOWN_PER_SECTION], len(rows)


@login_required
def baseline_detail(request, pk):
    """A baseline and what changed since: CIs added, removed and changed (old → new), relationships added/removed."""
    require_permission(request.user, CIBaseline, "view")
    baseline = get_object_or_404(CIBaseline.objects.restrict(request.user, "view").select_related("created_by"), pk=pk)
    diff = baseline_diff(baseline=baseline)
    relationships = diff["relationships"]["added"] + diff["relationships"]["removed"]
    ids = {row[end] for row in relationships for end in ("source", "target")}
    names = dict(ConfigurationItem.objects.restrict(request.user, "view").filter(pk__in=ids).values_list("pk", "name"))
    sections = {}
    for section in ("added", "removed"):
        rows = [
            {
                **row,
                "source_name": names.get(row["source"]),
                "target_name": names.get(row["target"]),
                "type_label": TYPE_LABELS.get(row["type"], row["type"]),
            }
            for row in diff["relationships"][section]
        ]
        sections[f"relationships_{section}"] = _cap(rows)
    for section in ("added", "removed", "changed"):
        sections[f"cis_{section}"] = _cap(diff["cis"][section])
    context = {
        "baseline": baseline,
        "filter_description": describe_filter(baseline.filter),
        "sections": sections,
        "unchanged": not any(total for _rows, total in sections.values()),
        "shown_per_section": SHOWN_PER_SECTION,
    }
    return render(request, "cmdb/baseline.html", context)
