"""What the change pages share: finding a change the user may act on, its conflicts, the CI picker's picks, and the
save step of the reference-data editors (CABs, windows)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from changes.conflicts import conflicts_for
from changes.models import Change
from cmdb.models import ConfigurationItem
from itsm.forms import apply_service_errors

DETAIL_SELECT_RELATED = ("template", "cab", "requester", "assignment_group", "assignee", "created_by")


def change_get(user, pk, action: str = "view") -> Change:
    """The change if `user` may perform `action` on it, else 404 (never reveal it exists)."""
    queryset = Change.objects.restrict(user, action).select_related(*DETAIL_SELECT_RELATED)
    return get_object_or_404(queryset, pk=pk)


def conflict_rows(change: Change, user) -> list[dict]:
    """The change's conflicts as the panel shows them (other changes `user` may not see stay unnamed)."""
    return [conflict.as_dict() for conflict in conflicts_for(change, user=user)]


def picked_cis(form, owner=None) -> list[ConfigurationItem]:
    """The CIs a form's picker shows: those posted, else the record's own, else the form's initial ones."""
    if form.is_bound:
        ids = [value for value in form.data.getlist("configuration_items") if value.isdigit()]
    elif owner is not None:
        return list(owner.configuration_items.order_by("name"))
    else:
        ids = form.initial.get("configuration_items") or []
    return list(ConfigurationItem.objects.filter(pk__in=ids).order_by("name")) if ids else []


def edit_page(request, form, *, save, created: bool, texts: tuple[str, str], url_name: str, template: str, context):
    """An editor's POST: validate, save through the service (`save()`), then the record's page with a message
    (`texts`: created, saved); otherwise the form again with the service's errors on its fields (422).

    `context` is called after the save failed, so it sees the posted values.
    """
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, (texts[0] if created else texts[1]) % {"name": saved})
            return redirect(url_name, pk=saved.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, template, {"form": form, **context()}, status=status)
