"""CI class pages: the class tree, a class with its own and inherited attributes, create and edit."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cmdb.choices import AttributeTypeChoices
from cmdb.forms import AttributeRowFormSet, CIClassForm, attribute_label, attribute_rows_initial
from cmdb.models import CIClass
from cmdb.services.cis import ci_class_save
from itsm.views.admin_ui import require_permission
from itsm.views.audit import audit_history

TYPE_LABELS = dict(AttributeTypeChoices.choices)


@dataclass(frozen=True)
class TreeRow:
    """A class in the tree, with its depth for indentation."""

    ci_class: CIClass
    depth: int


def class_tree(classes) -> list[TreeRow]:
    """The classes depth first, siblings by name; classes whose parent is not in `classes` start a tree."""
    by_parent: dict = {}
    present = {c.pk for c in classes}
    for ci_class in sorted(classes, key=lambda c: c.name.lower()):
        by_parent.setdefault(ci_class.parent_id if ci_class.parent_id in present else None, []).append(ci_class)
    rows, stack, seen = [], [(c, 0) for c in reversed(by_parent.get(None, []))], set()
    while stack:
        ci_class, depth = stack.pop()
        if ci_class.pk in seen:
            continue
        seen.add(ci_class.pk)
        rows.append(TreeRow(ci_class, depth))
        stack.extend((child, depth + 1) for child in reversed(by_parent.get(ci_class.pk, [])))
    return rows


@login_required
def ciclass_list(request):
    """Every class in its tree, with its own attribute count and how many CIs it has."""
    require_permission(request.user, CIClass, "view")
    classes = list(CIClass.objects.restrict(request.user, "view").annotate(ci_count=Count("cis")))
    return render(request, "cmdb/ciclass_list.html", {"rows": class_tree(classes)})


def schema_rows(ci_class: CIClass, *, inherited_only: bool = False) -> list[dict]:
    """Inherited attributes (root first) then the class's own, each naming the class that declares it.

    `inherited_only`: all of them count as inherited (the parent's schema shown on a subclass's form).
    """
    rows = []
    for owner in [*reversed(ci_class.ancestors()), ci_class]:
        for definition in owner.attribute_schema or []:
            rows.append(
                {
                    **definition,
                    "label": attribute_label(definition),
                    "type_label": TYPE_LABELS.get(definition.get("type"), definition.get("type")),
                    "owner": owner,
                    "inherited": inherited_only or owner.pk != ci_class.pk,
                }
            )
    return rows


@login_required
def ciclass_detail(request, pk):
    """One class: where it sits in the tree, its attributes (own and inherited) and its history."""
    require_permission(request.user, CIClass, "view")
    ci_class = get_object_or_404(
        CIClass.objects.restrict(request.user, "view").select_related("parent").annotate(ci_count=Count("cis")), pk=pk
    )
    context = {
        "ci_class": ci_class,
        "attributes": schema_rows(ci_class),
        "children": ci_class.children.order_by("name"),
        "audit_events": audit_history(request.user, ci_class),
    }
    return render(request, "cmdb/ciclass.html", context)


@login_required
def ciclass_edit(request, pk=None):
    """Create (no pk) or change a class and its attribute rows."""
    require_permission(request.user, CIClass, "add" if pk is None else "change")
    ci_class = None if pk is None else get_object_or_404(CIClass.objects.restrict(request.user, "change"), pk=pk)
    initial = attribute_rows_initial(ci_class.attribute_schema if ci_class else [])
    data = request.POST if request.method == "POST" else None
    form = CIClassForm(data, instance=ci_class)
    formset = AttributeRowFormSet(data, initial=initial, prefix="attributes")
    schema_errors: list[str] = []
    if data is not None and form.is_valid() and formset.is_valid():
        schema = [d for d in (row.definition() for row in formset.forms if row.cleaned_data) if d is not None]
        fields = {name: form.cleaned_data[name] for name in CIClassForm.Meta.fields}
        try:
            saved = ci_class_save(actor=request.user, ci_class=ci_class, attribute_schema=schema, **fields)
        except ValidationError as error:
            for key, texts in error.message_dict.items():
                if key == "attribute_schema":
                    schema_errors.extend(texts)
                else:
                    form.add_error(key if key in form.fields else None, texts)
        else:
            message = _("Class %(name)s created.") if ci_class is None else _("Class %(name)s saved.")
            messages.success(request, message % {"name": saved})
            return redirect("cmdb:ciclass", pk=saved.pk)
    inherited = schema_rows(ci_class.parent, inherited_only=True) if ci_class and ci_class.parent else []
    context = {"form": form, "formset": formset, "ci_class": ci_class, "schema_errors": schema_errors}
    return render(request, "cmdb/ciclass_edit.html", {**context, "inherited": inherited})
