"""The CMDB typeahead of the change pages (RFC form, window form, list and calendar filters)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from changes.models import Change
from cmdb.models import ConfigurationItem
from itsm.views.admin_ui import require_permission

LIMIT = 20
# The pickers on the change pages, by the name of their hidden inputs.
TARGETS = ("configuration_items", "ci")


@login_required
def ci_search(request):
    """Up to 20 configuration items the user may see whose name contains the text."""
    require_permission(request.user, Change, "view")
    query = request.GET.get("q", "").strip()
    target = request.GET.get("target", "")
    results = []
    if query and target in TARGETS:
        cis = ConfigurationItem.objects.restrict(request.user, "view").select_related("ci_class")
        results = [
            {"pk": ci.pk, "label": ci.name, "detail": f"{ci.ci_class.name} · {ci.get_environment_display()}"}
            for ci in cis.filter(name__icontains=query).order_by("name", "pk")[:LIMIT]
        ]
    context = {"results": results, "target": target, "multiple": True, "query": query}
    return render(request, "incidents/partials/_typeahead.html", context)
