"""The incident page: header, fields, transition dialogs, timeline and comments (htmx)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from incidents.forms import CommentForm
from incidents.models import Incident
from incidents.services import incident_comment_add
from itsm.exceptions import StaleVersion, TransitionRefused
from itsm.forms import apply_service_errors, bootstrap_widget
from itsm.services.journal import journal_entries_visible
from itsm.services.tickets import transition_apply, transitions_available
from itsm.views.admin_ui import require_permission
from itsm.views.audit import audit_history

TIMELINE_LIMIT = 500


def require_agent(user) -> None:
    """403 for requesters: they work through the portal."""
    if not user.is_staff_member:
        raise PermissionDenied


def incident_get(user, pk, action="view") -> Incident:
    """The incident if `user` may act on it, else 404."""
    queryset = Incident.objects.restrict(user, action).select_related(
        "requester", "assignee", "assignment_group", "service", "category", "parent"
    )
    return get_object_or_404(queryset, pk=pk)


def timeline(incident, user) -> list[dict]:
    """Journal entries and audited changes, oldest first."""
    items = [
        {"kind": "journal", "at": entry.created_at, "entry": entry}
        for entry in journal_entries_visible(ticket=incident, user=user).order_by("-created_at")[:TIMELINE_LIMIT]
    ]
    items += [{"kind": "audit", "at": event.at, "event": event} for event in audit_history(user, incident, 100)]
    return sorted(items, key=lambda item: item["at"])


def main_context(request, incident) -> dict:
    """What the page's main block needs (also re-rendered after a transition)."""
    return {
        "incident": incident,
        "transitions": transitions_available(ticket=incident, actor=request.user),
        "timeline": timeline(incident, request.user),
        "children": list(incident.children.order_by("-id")[:100]),
        "cis": list(incident.configuration_items.all()),
        "sla_clocks": list(
            incident.sla_clocks.select_related("agreement").prefetch_related("thresholds").order_by("metric", "id")
        ),
        "comment_form": CommentForm(),
        "can_change": request.user.has_perm("incidents.change_incident"),
    }


@login_required
def incident_detail(request, pk):
    """The incident page."""
    require_permission(request.user, Incident, "view")
    if not request.user.is_staff_member:
        return redirect("portal:request", pk=pk)
    incident = incident_get(request.user, pk)
    return render(request, "incidents/incident.html", main_context(request, incident))


def _transition_form(transition, data=None):
    form = transition.form_class()(data=data)
    for field in form.fields.values():
        bootstrap_widget(field.widget)
    return form


@login_required
def incident_transition(request, pk, name):
    """GET: the transition's inline form; POST: apply it (errors in place, 409 reasons as an alert)."""
    require_permission(request.user, Incident, "view")
    require_agent(request.user)
    incident = incident_get(request.user, pk)
    transition = Incident.workflow.get(name)
    if transition is None:
        return render(request, "incidents/partials/_alert.html", {"message": _("Unknown transition.")}, status=409)
    form = _transition_form(transition, request.POST if request.method == "POST" else None)
    context = {"incident": incident, "transition": transition, "form": form}
    if request.method != "POST":
        return render(request, "incidents/partials/_transition_form.html", context)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        incident = transition_apply(
            ticket=incident, name=name, actor=request.user, inputs=request.POST.dict(), expected_version=version
        )
    except (TransitionRefused, StaleVersion) as error:
        context["refused"] = error.message
        return render(request, "incidents/partials/_transition_form.html", context, status=409)
    except PermissionDenied as error:
        context["refused"] = str(error) or _("You may not do this.")
        return render(request, "incidents/partials/_transition_form.html", context, status=403)
    except ValidationError as error:
        apply_service_errors(form, error)
        return render(request, "incidents/partials/_transition_form.html", context, status=422)
    response = render(
        request, "incidents/partials/_incident_main.html", main_context(request, incident_get(request.user, pk))
    )
    response["HX-Retarget"] = "#incident-main"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
def incident_comment(request, pk):
    """Add a comment or work note; htmx swaps the conversation (form and timeline)."""
    require_permission(request.user, Incident, "view")
    require_agent(request.user)
    incident = incident_get(request.user, pk)
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            incident_comment_add(actor=request.user, incident=incident, **form.cleaned_data)
            form = CommentForm()
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                form.add_error(None, str(error))
            else:
                apply_service_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    context = {"incident": incident, "comment_form": form, "timeline": timeline(incident, request.user)}
    return render(request, "incidents/partials/_conversation.html", context, status=status)
