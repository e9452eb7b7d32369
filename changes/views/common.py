"""What the change pages share: finding a change the user may act on, its conflicts (one change, or a page of them
at once), the CI picker's picks, and the editor of reference data (CABs, windows, standard change templates)."""

import copy

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from changes.conflicts import conflicts_for, conflicts_for_changes
from changes.models import Change
from cmdb.models import ConfigurationItem
from itsm.views.admin_ui import require_permission
from itsm.views.editing import INVALID, save_with_form

DETAIL_SELECT_RELATED = ("template", "cab", "requester", "assignment_group", "assignee", "created_by")


def change_get(user, pk, action: str = "view") -> Change:
    """The change if `user` may perform `action` on it, else 404 (never reveal it exists)."""
    queryset = Change.objects.restrict(user, action).select_related(*DETAIL_SELECT_RELATED)
    return get_object_or_404(queryset, pk=pk)


def conflict_rows(change: Change, user) -> list[dict]:
    """The change's conflicts as the panel shows them (other changes `user` may not see stay unnamed)."""
    return [conflict.as_dict() for conflict in conflicts_for(change, user=user)]


def with_conflicts(changes: list[Change], user) -> list[Change]:
    """Set each change's `conflicts` (as the panel shows them) for a whole page at once, in a bounded number of
    queries (`conflicts_for_changes`) where checking them one by one would cost a few queries per change."""
    by_change = conflicts_for_changes(changes, user=user)
    for change in changes:
        change.conflicts = [conflict.as_dict() for conflict in by_change[change.pk]]
    return changes


def picked_cis(form, owner=None) -> list[ConfigurationItem]:
    """The CIs a form's picker shows: those posted, else the record's own, else the form's initial ones."""
    if form.is_bound:
        ids = [value for value in form.data.getlist("configuration_items") if value.isdigit()]
    elif owner is not None:
        return list(owner.configuration_items.order_by("name"))
    else:
        ids = form.initial.get("configuration_items") or []
    return list(ConfigurationItem.objects.filter(pk__in=ids).order_by("name")) if ids else []


def reference_edit(
    request,
    pk,
    *,
    model,
    form_class,
    save,
    instance_arg: str,
    texts: tuple[str, str],
    url_name: str,
    template: str,
    extra_context=lambda form, instance: {},
):
    """The editor of a reference record (CAB, window, standard change template; pk None: a new one), for those
    holding the model's add or change permission (403; a record they may not change: 404).

    A valid POST goes through `save(actor=, <instance_arg>=, expected_updated_at=, **fields)`, then the record's
    page (`url_name`) with a message (`texts`: created, saved). Otherwise the form again, with the service's
    errors on its fields (422), or above it when someone saved the record since the form was loaded (409).
    `extra_context(form, instance)` is called after a failed save, so it sees the posted values.
    """
    require_permission(request.user, model, "add" if pk is None else "change")
    instance = None if pk is None else get_object_or_404(model.objects.restrict(request.user, "change"), pk=pk)
    # The form writes the posted values into its instance: keep `instance` as stored for the page around it.
    form = form_class(request.POST or None, instance=copy.copy(instance))
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            saved, status = save_with_form(
                form, lambda: save(actor=request.user, **{instance_arg: instance}, **form.service_arguments())
            )
            if saved is not None:
                messages.success(request, (texts[0] if instance is None else texts[1]) % {"name": saved})
                return redirect(url_name, pk=saved.pk)
    context = {"form": form, instance_arg: instance, **extra_context(form, instance)}
    return render(request, template, context, status=status)
