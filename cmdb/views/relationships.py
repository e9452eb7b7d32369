"""The relationships tab of a CI: both directions listed, added through a searched CI, removed with a click."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cmdb.forms import RelationshipForm
from cmdb.models import CIRelationship, ConfigurationItem
from cmdb.services.cis import relationship_create, relationship_delete
from itsm.views.admin_ui import require_permission

# A core switch can have thousands of neighbours; the tab lists the first ones and says how many there are.
SHOWN_PER_DIRECTION = 200
SEARCH_LIMIT = 50


def _first(queryset) -> tuple[list, int]:
    rows = list(queryset[: SHOWN_PER_DIRECTION + 1])
    return rows[:SHOWN_PER_DIRECTION], (queryset.count() if len(rows) > SHOWN_PER_DIRECTION else len(rows))


def relationships_context(request, ci: ConfigurationItem, form=None, saved: bool = False) -> dict:
    """Outgoing and incoming relationships of `ci` and, for those who may add, the add form."""
    relationships = CIRelationship.objects.restrict(request.user, "view")
    outgoing, outgoing_count = _first(
        relationships.filter(source=ci).select_related("target__ci_class").order_by("type", "target__name")
    )
    incoming, incoming_count = _first(
        relationships.filter(target=ci).select_related("source__ci_class").order_by("type", "source__name")
    )
    if form is None and request.user.has_perm("cmdb.add_cirelationship"):
        form = RelationshipForm(ci=ci, user=request.user)
    return {
        "ci": ci,
        "outgoing": outgoing,
        "outgoing_count": outgoing_count,
        "incoming": incoming,
        "incoming_count": incoming_count,
        "relationship_form": form,
        "relationship_saved": saved,
    }


def _answer(request, ci, form=None, saved=False):
    """htmx: the refreshed tab; a plain form post: back to the CI page (or the page with the form's errors)."""
    if getattr(request, "htmx", None):
        return render(request, "cmdb/partials/_ci_relationships.html", relationships_context(request, ci, form, saved))
    if form is not None and form.errors:
        # Imported here: the CI page module imports this one for the tab's context.
        from cmdb.views.cis import ci_detail_context

        return render(request, "cmdb/ci.html", ci_detail_context(request, ci, form))
    return redirect(reverse("cmdb:ci", kwargs={"pk": ci.pk}) + "#relationships")


@login_required
def relationship_add(request, pk):
    """POST: link this CI with another; GET (htmx): the other-CI options matching `q`, at most 50."""
    require_permission(request.user, CIRelationship, "add")
    visible = ConfigurationItem.objects.restrict(request.user, "view")
    ci = get_object_or_404(visible.select_related("ci_class"), pk=pk)
    if request.method != "POST":
        if not getattr(request, "htmx", None):
            return redirect(reverse("cmdb:ci", kwargs={"pk": ci.pk}) + "#relationships")
        query = request.GET.get("q", "").strip()
        matches = visible.exclude(pk=ci.pk).select_related("ci_class").order_by("name", "pk")
        matches = list(matches.filter(name__icontains=query)[: SEARCH_LIMIT + 1]) if query else []
        context = {"matches": matches[:SEARCH_LIMIT], "more": len(matches) > SEARCH_LIMIT, "query": query}
        return render(request, "cmdb/partials/_ci_options.html", context)
    form = RelationshipForm(request.POST, ci=ci, user=request.user)
    if form.is_valid():
        source, target = form.ends()
        try:
            relationship_create(actor=request.user, source=source, target=target, type=form.cleaned_data["type"])
        except ValidationError as error:
            for key, texts in error.message_dict.items():
                form.add_error("other" if key in ("source", "target") else None, texts)
        else:
            if not getattr(request, "htmx", None):
                messages.success(request, _("Relationship added."))
            return _answer(request, ci, saved=True)
    return _answer(request, ci, form)


@login_required
@require_POST
def relationship_remove(request, pk):
    """Remove one relationship; answers with the tab of the CI it was removed from."""
    require_permission(request.user, CIRelationship, "delete")
    relationship = get_object_or_404(CIRelationship.objects.restrict(request.user, "delete"), pk=pk)
    seen_from = request.POST.get("ci")
    ci_id = int(seen_from) if seen_from in (str(relationship.source_id), str(relationship.target_id)) else None
    ci = get_object_or_404(ConfigurationItem.objects.restrict(request.user, "view"), pk=ci_id or relationship.source_id)
    relationship_delete(actor=request.user, relationship=relationship)
    if not getattr(request, "htmx", None):
        messages.success(request, _("Relationship removed."))
    return _answer(request, ci)
