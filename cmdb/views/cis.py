"""CI pages: the list (fast at 100k rows), the detail with tabs, create/edit from the class schema, delete."""

import datetime
from dataclasses import dataclass
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.choices import AttributeTypeChoices
from cmdb.filtersets import CIFilterSet
from cmdb.forms import CIForm, attribute_label
from cmdb.models import CIRelationship, ConfigurationItem
from cmdb.services.cis import ci_delete, ci_save
from cmdb.views.relationships import relationships_context
from itsm.forms import style_filter_form
from itsm.models import AuditEvent
from itsm.views.admin_ui import RESULTS_ID, Column, ObjectListView, require_permission
from itsm.views.audit import AUDIT_HISTORY_LIMIT, describe_changes

# A CI's history also lists its relationships' events; deleted ones are found through their recorded ends.
HISTORY_RELATIONSHIP_IDS = 500


class CIListView(ObjectListView):
    """CIs with class, status, environment, criticality and team; pages without counting the whole CMDB."""

    model = ConfigurationItem
    filterset_class = CIFilterSet
    template_name = "cmdb/ci_list.html"
    results_template_name = "cmdb/partials/_ci_results.html"
    select_related = ("ci_class", "owner_team")
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Class"), "class"),
        Column(gettext_lazy("Status"), "status"),
        Column(gettext_lazy("Environment"), "environment"),
        Column(gettext_lazy("Criticality")),
        Column(gettext_lazy("Owner team"), "team"),
        Column(gettext_lazy("Updated"), "updated"),
    )
    sort_orders = {
        "name": ("name",),
        "class": ("ci_class__name", "name"),
        "status": ("status", "name"),
        "environment": ("environment", "name"),
        "team": ("owner_team__name", "name"),
        "updated": ("updated_at",),
    }
    default_sort = "name"
    filter_labels = {"ci_class": gettext_lazy("Class"), "owner_team": gettext_lazy("Team")}

    def get(self, request):
        """Like every list, but a page is `paginate_by + 1` rows: the extra one only says a next page exists."""
        require_permission(request.user, self.model, "view")
        filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        style_filter_form(filterset.form)
        for name, label in self.filter_labels.items():
            filterset.form.fields[name].label = label
        sort = request.GET.get("sort", "")
        if sort.removeprefix("-") not in self.sort_orders:
            sort = self.default_sort
        number = request.GET.get("page", "1")
        number = max(1, min(int(number), 100_000)) if number.isdigit() else 1
        start = (number - 1) * self.paginate_by
        rows = list(filterset.qs.order_by(*self.ordering(sort))[start : start + self.paginate_by + 1])
        context = {
            "filter_form": filterset.form,
            "page": {
                "number": number,
                "has_previous": number > 1,
                "has_next": len(rows) > self.paginate_by,
                "first_row": start + 1,
                "last_row": start + min(len(rows), self.paginate_by),
            },
            "rows": rows[: self.paginate_by],
            "columns": [self.column_context(column, sort) for column in self.columns],
            "sort": sort,
            "results_id": RESULTS_ID,
            "results_template": self.results_template_name,
            "filtered": any(value for key, value in request.GET.items() if key not in {"sort", "page"}),
        }
        htmx = getattr(request, "htmx", None)
        partial = htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request
        return render(request, self.results_template_name if partial else self.template_name, context)


ci_list = CIListView.as_view()


@dataclass(frozen=True)
class AttributeRow:
    """One attribute of a CI as the detail page shows it."""

    name: str
    label: str
    type: str
    value: str
    missing: bool = False


def format_attribute(definition: dict, value) -> str:
    """An attribute value for reading: yes/no, localised dates and numbers, text as it is."""
    kind = definition.get("type")
    if kind == AttributeTypeChoices.BOOLEAN and isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == AttributeTypeChoices.DATE and isinstance(value, str):
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    if kind in (AttributeTypeChoices.INTEGER, AttributeTypeChoices.NUMBER) and isinstance(value, int | float):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def attribute_rows(ci: ConfigurationItem) -> tuple[list[AttributeRow], dict]:
    """(The class schema's attributes in schema order, values the schema no longer declares)."""
    schema = ci.ci_class.effective_schema()
    values = ci.attributes or {}
    rows = []
    for definition in schema:
        value = values.get(definition["name"])
        missing = value is None or value == ""
        rows.append(
            AttributeRow(
                name=definition["name"],
                label=attribute_label(definition),
                type=definition["type"],
                value="—" if missing else format_attribute(definition, value),
                missing=missing,
            )
        )
    declared = {definition["name"] for definition in schema}
    return rows, {name: value for name, value in values.items() if name not in declared}


def ci_history(user, ci: ConfigurationItem, limit: int = AUDIT_HISTORY_LIMIT) -> list[AuditEvent]:
    """The latest audit events of the CI and of the relationships that link (or linked) it, newest first."""
    events = AuditEvent.objects.restrict(user, "view")
    own = events.filter(object_type="cmdb.configurationitem", object_id=str(ci.pk))[:limit]
    linked = CIRelationship.objects.filter(Q(source=ci) | Q(target=ci)).values_list("pk", flat=True)
    current = events.filter(
        object_type="cmdb.cirelationship", object_id__in=[str(pk) for pk in linked[:HISTORY_RELATIONSHIP_IDS]]
    )[:limit]
    # Relationships since deleted or moved away keep the CI's id in their recorded before/after ends.
    mentions = Q()
    for end in ("source", "target"):
        mentions |= Q(**{f"changes__{end}__0": ci.pk}) | Q(**{f"changes__{end}__1": ci.pk})
    former = events.filter(object_type="cmdb.cirelationship", action__in=["delete", "update"]).filter(mentions)[:limit]
    merged = {event.pk: event for event in chain(own, current, former)}.values()
    return describe_changes(sorted(merged, key=lambda e: (e.at, e.pk), reverse=True)[:limit], user)


def ci_detail_context(request, ci: ConfigurationItem, relationship_form=None) -> dict:
    """Everything the CI page shows; the relationships tab's part comes from `relationships_context`."""
    rows, undeclared = attribute_rows(ci)
    return {
        "ci": ci,
        "attribute_rows": rows,
        "undeclared_attributes": undeclared,
        "history": ci_history(request.user, ci),
        **relationships_context(request, ci, relationship_form),
    }


@login_required
def ci_detail(request, pk):
    """One CI: attributes by class schema, relationships both ways, impact link and history."""
    require_permission(request.user, ConfigurationItem, "view")
    queryset = ConfigurationItem.objects.restrict(request.user, "view").select_related("ci_class", "owner_team")
    ci = get_object_or_404(queryset, pk=pk)
    return render(request, "cmdb/ci.html", ci_detail_context(request, ci))


@login_required
def ci_edit(request, pk=None):
    """Create (no pk) or change a CI; an htmx class change answers with the new class's attribute fields."""
    require_permission(request.user, ConfigurationItem, "add" if pk is None else "change")
    ci = None
    if pk is not None:
        ci = get_object_or_404(ConfigurationItem.objects.restrict(request.user, "change"), pk=pk)
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "attribute-fields":
        form = CIForm(instance=ci, refresh=request.GET)
        return render(request, "cmdb/partials/_ci_attribute_fields.html", {"form": form})
    initial = {"ci_class": request.GET.get("ci_class")} if ci is None and request.GET.get("ci_class") else None
    form = CIForm(request.POST or None, instance=ci, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = ci_save(actor=request.user, ci=ci, **form.service_arguments())
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            message = _("CI %(name)s created.") if ci is None else _("CI %(name)s saved.")
            messages.success(request, message % {"name": saved})
            return redirect("cmdb:ci", pk=saved.pk)
    return render(request, "cmdb/ci_edit.html", {"form": form, "ci": ci})


@login_required
def ci_delete_confirm(request, pk):
    """Ask, then delete a CI with its relationships (each deletion audited)."""
    require_permission(request.user, ConfigurationItem, "delete")
    ci = get_object_or_404(ConfigurationItem.objects.restrict(request.user, "delete").select_related("ci_class"), pk=pk)
    if request.method == "POST":
        name = str(ci)
        ci_delete(actor=request.user, ci=ci)
        messages.success(request, _("CI %(name)s deleted.") % {"name": name})
        return redirect("cmdb:ci_list")
    relationship_count = CIRelationship.objects.filter(Q(source=ci) | Q(target=ci)).count()
    return render(request, "cmdb/ci_confirm_delete.html", {"ci": ci, "relationship_count": relationship_count})
