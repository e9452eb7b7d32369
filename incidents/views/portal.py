"""The requester portal: my requests, log one, follow the public conversation, reopen or confirm closure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents.forms import PortalCommentForm, PortalRequestForm
from incidents.models import Incident
from incidents.services import incident_comment_add, incident_create
from itsm.choices import VisibilityChoices
from itsm.exceptions import StaleVersion, TransitionRefused
from itsm.forms import apply_service_errors
from itsm.services.journal import journal_entries_visible
from itsm.services.tickets import transition_apply

PORTAL_TRANSITIONS = ("reopen", "close")
LIMIT = 100


def my_requests(user):
    """The incidents and requests `user` raised or watches (also for staff: the portal is personal)."""
    watching = Incident.watchers.through.objects.filter(incident_id=OuterRef("pk"), user_id=user.pk)
    queryset = Incident.objects.restrict(user, "view").filter(Q(requester=user) | Exists(watching))
    return queryset.select_related("service")


def _request_context(request, incident, comment_form=None) -> dict:
    entries = journal_entries_visible(ticket=incident, user=request.user).filter(visibility=VisibilityChoices.PUBLIC)
    return {
        "incident": incident,
        "entries": list(entries.order_by("created_at")),
        "comment_form": comment_form or PortalCommentForm(),
        "can_confirm": incident.status == "resolved",
    }


@login_required
def request_list(request):
    """My requests, newest first."""
    return render(request, "portal/request_list.html", {"requests": list(my_requests(request.user)[:LIMIT])})


@login_required
def request_add(request):
    """Log an incident or a service request."""
    form = PortalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you, %(number)s is logged.") % {"number": incident.number})
            return redirect("portal:request", pk=incident.pk)
    return render(request, "portal/request_add.html", {"form": form})


@login_required
def request_detail(request, pk):
    """One of my requests with its public conversation."""
    incident = get_object_or_404(my_requests(request.user), pk=pk)
    return render(request, "portal/request.html", _request_context(request, incident))


@login_required
@require_POST
def request_comment(request, pk):
    """Add a public comment to my request."""
    incident = get_object_or_404(my_requests(request.user), pk=pk)
    form = PortalCommentForm(request.POST)
    if form.is_valid():
        try:
            incident_comment_add(
                actor=request.user, incident=incident, body=form.cleaned_data["body"], visibility="public"
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            form = PortalCommentForm()
    template = "portal/partials/_conversation.html" if getattr(request, "htmx", None) else "portal/request.html"
    return render(request, template, _request_context(request, incident, form))


@login_required
@require_POST
def request_transition(request, pk, name):
    """Reopen or confirm closure of my resolved request."""
    incident = get_object_or_404(my_requests(request.user), pk=pk)
    if name not in PORTAL_TRANSITIONS:
        raise PermissionDenied
    try:
        transition_apply(ticket=incident, name=name, actor=request.user, inputs={})
    except (TransitionRefused, StaleVersion) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Reopened.") if name == "reopen" else _("Closed. Thank you."))
    return redirect("portal:request", pk=pk)
