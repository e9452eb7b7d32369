"""The change list: filters (htmx), sortable columns and keyset paging (no COUNT, no OFFSET on 50,000 changes)."""

from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Case, F, IntegerField, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from changes.choices import ChangeStatusChoices, RiskChoices
from changes.filtersets import ChangeFilterSet
from changes.models import Change
from cmdb.models import ConfigurationItem
from itsm.forms import style_filter_form
from itsm.views.admin_ui import Column, ObjectListView, require_permission

PAGE_SIZE = 50
RESULTS_ID = "list-results"
FILTERS = ("q", "status", "type", "risk", "cab", "assignment_group", "planned_end_after", "planned_start_before")
FILTER_LABELS = {
    "assignment_group": _("Team"),
    "cab": _("CAB"),
    "planned_end_after": _("Planned from"),
    "planned_start_before": _("Planned until"),
}
LIST_SELECT_RELATED = ("cab", "assignment_group", "assignee")
# Changes not planned yet sort after every planned one.
UNPLANNED = datetime(9999, 1, 1, tzinfo=UTC)


def _rank(field: str, values) -> Case:
    """Order a choice column by its declared order (the workflow, low → very high), not alphabetically."""
    return Case(*(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)), output_field=IntegerField())


SORT_KEYS = {
    "number": F("id"),
    "title": F("title"),
    "type": F("type"),
    "status": _rank("status", ChangeStatusChoices.values),
    "risk": _rank("risk", RiskChoices.values),
    "planned": Coalesce("planned_start", Value(UNPLANNED)),
    "updated": F("updated_at"),
}
COLUMNS = (
    Column(_("Number"), "number"),
    Column(_("Title"), "title"),
    Column(_("Type"), "type"),
    Column(_("Status"), "status"),
    Column(_("Risk"), "risk"),
    Column(_("Planned"), "planned"),
    Column(_("Team")),
    Column(_("CAB")),
    Column(_("Updated"), "updated"),
)


def keyset_page(queryset, key, *, descending: bool, after: str, size: int = PAGE_SIZE) -> list:
    """The `size` rows after the row with id `after` in (key, id) order, plus one to tell whether more follow."""
    queryset = queryset.annotate(sort_key=key).order_by(*(["-sort_key", "-id"] if descending else ["sort_key", "id"]))
    if after.isdigit():
        pivot = Subquery(queryset.model.objects.filter(pk=after).annotate(sort_key=key).values("sort_key")[:1])
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"sort_key__{op}": pivot}) | Q(sort_key=pivot, **{f"id__{op}": int(after)}))
    return list(queryset[: size + 1])


def _filter_form(filterset):
    form = style_filter_form(filterset.form)
    form.fields = {name: form.fields[name] for name in (*FILTERS, "configuration_items")}
    for name, label in FILTER_LABELS.items():
        form.fields[name].label = label
    return form


@login_required
def change_list(request):
    """Changes the user may see, filtered and sorted; htmx filter/sort/page requests get the results only."""
    require_permission(request.user, Change, "view")
    base = Change.objects.restrict(request.user, "view").select_related(*LIST_SELECT_RELATED)
    filterset = ChangeFilterSet(request.GET, queryset=base, request=request)
    form = _filter_form(filterset)
    sort = request.GET.get("sort", "-number")
    if sort.removeprefix("-") not in SORT_KEYS:
        sort = "-number"
    after = request.GET.get("after", "")
    rows = keyset_page(filterset.qs, SORT_KEYS[sort.removeprefix("-")], descending=sort.startswith("-"), after=after)
    # The CMDB is far too big for a select: the CI filter is a typeahead outside the bar (form="filter-form"), so the
    # bar leaves it out once the filtering (above) has validated it.
    form.fields.pop("configuration_items")
    ci_ids = [value for value in request.GET.getlist("configuration_items") if value.isdigit()]
    context = {
        "filter_form": form,
        "rows": rows[:PAGE_SIZE],
        "next_after": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "first_page": bool(after),
        "sort": sort,
        "columns": [ObjectListView.column_context(column, sort) for column in COLUMNS],
        "results_id": RESULTS_ID,
        "filtered": any(value for key, value in request.GET.items() if key not in {"sort", "after"}),
        "picked_cis": list(ConfigurationItem.objects.restrict(request.user, "view").filter(pk__in=ci_ids))
        if ci_ids
        else [],
    }
    htmx = getattr(request, "htmx", None)
    partial = htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request
    return render(request, "changes/partials/_change_results.html" if partial else "changes/change_list.html", context)
