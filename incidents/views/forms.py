"""The agent's incident form: log a new incident, edit one (stale edits are refused)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cmdb.models import ConfigurationItem
from incidents.forms import IncidentForm
from incidents.models import Incident
from incidents.services import incident_create, incident_update
from incidents.views.detail import incident_get
from itsm.choices import PRIORITY_MATRIX
from itsm.exceptions import StaleVersion
from itsm.forms import apply_service_errors
from itsm.models import User
from itsm.views.admin_ui import require_permission


def _priority_matrix() -> str:
    return json.dumps({f"{impact}:{urgency}": value for (impact, urgency), value in PRIORITY_MATRIX.items()})


def _render(request, form, incident=None, status=200):
    if form.is_bound:
        ids = [value for value in form.data.getlist("configuration_items") if value.isdigit()]
        picked = ConfigurationItem.objects.filter(pk__in=ids)
        requester = form.data.get("requester", "")
        caller = User.objects.filter(pk=requester).first() if requester.isdigit() else None
    else:
        picked = incident.configuration_items.all() if incident else ConfigurationItem.objects.none()
        caller = incident.requester if incident else None
    context = {
        "form": form,
        "incident": incident,
        "priority_matrix": _priority_matrix(),
        "picked_cis": list(picked),
        "caller_label": (caller.get_full_name() or caller.username) if caller else "",
    }
    return render(request, "incidents/incident_edit.html", context, status=status)


@login_required
def incident_add(request):
    """Log a new incident; saved through incident_create, then the detail page."""
    require_permission(request.user, Incident, "add")
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_create(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(number)s logged.") % {"number": incident.number})
            return redirect("incidents:incident", pk=incident.pk)
    return _render(request, form, status=422 if request.method == "POST" else 200)


@login_required
def incident_edit(request, pk):
    """Edit an incident; a save based on an old version is refused with a conflict message."""
    require_permission(request.user, Incident, "change")
    incident = incident_get(request.user, pk, "change")
    form = IncidentForm(request.POST or None, instance=incident)
    if request.method == "POST" and form.is_valid():
        # The form's instance got the posted values: reload the stored one for the service.
        stored = Incident.objects.get(pk=pk)
        try:
            incident_update(
                actor=request.user,
                incident=stored,
                data=form.service_arguments(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as error:
            form.add_error(None, error.message)
            return _render(request, form, stored, status=409)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(number)s saved.") % {"number": stored.number})
            return redirect("incidents:incident", pk=pk)
    return _render(request, form, incident, status=422 if request.method == "POST" else 200)
