"""Typeahead searches of the incident form: callers (users) and configuration items."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render

from cmdb.models import ConfigurationItem
from incidents.models import Incident
from itsm.models import User
from itsm.views.admin_ui import require_permission

LIMIT = 20


@login_required
def caller_search(request):
    """Up to 20 active users whose name, username or e-mail contains the text."""
    require_permission(request.user, Incident, "add")
    query = request.GET.get("q", "").strip()
    results = []
    if query:
        users = User.objects.filter(is_active=True).filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
        results = [
            {"pk": user.pk, "label": user.get_full_name() or user.username, "detail": user.email or user.username}
            for user in users.order_by("last_name", "first_name", "pk")[:LIMIT]
        ]
    context = {"results": results, "target": "requester", "multiple": False, "query": query}
    return render(request, "incidents/partials/_typeahead.html", context)


@login_required
def ci_search(request):
    """Up to 20 configuration items the user may see whose name contains the text."""
    require_permission(request.user, Incident, "add")
    query = request.GET.get("q", "").strip()
    results = []
    if query:
        cis = ConfigurationItem.objects.restrict(request.user, "view").select_related("ci_class")
        results = [
            {"pk": ci.pk, "label": ci.name, "detail": ci.ci_class.name}
            for ci in cis.filter(name__icontains=query).order_by("name", "pk")[:LIMIT]
        ]
    context = {"results": results, "target": "configuration_items", "multiple": True, "query": query}
    return render(request, "incidents/partials/_typeahead.html", context)
