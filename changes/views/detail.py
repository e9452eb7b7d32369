"""The change page: fields, risk (and its override dialog), impact, conflicts, plans, the CAB and its votes,
transition dialogs, the timeline with comments (htmx) and the incidents the change caused."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from changes.cab import approvals_needed
from changes.choices import OPEN_STATUSES, CABPolicyChoices, ChangeStatusChoices, DecisionChoices
from changes.forms import RiskOverrideForm, VoteForm
from changes.models import Change
from changes.permissions import is_change_manager
from changes.services import (
    change_blackout_windows,
    change_policy_outcome,
    change_review_required,
    change_risk_override,
    change_vote_counts,
)
from changes.views.common import change_get, conflict_rows
from incidents.forms import CommentForm
from incidents.models import Incident
from incidents.views.detail import timeline
from itsm.exceptions import StaleVersion, TransitionRefused
from itsm.forms import apply_service_errors, bootstrap_widget
from itsm.services.journal import journal_add
from itsm.services.tickets import transition_apply, transitions_available
from itsm.views.admin_ui import require_permission

INCIDENTS_SHOWN = 50
BLACKOUT_INPUT = "blackout_override_reason"


def cab_context(change: Change, user) -> dict:
    """The CAB panel: board, policy, members, the votes so far and where the policy stands."""
    cab = change.cab
    if cab is None:
        return {"cab": None}
    members = list(cab.members.order_by("first_name", "username"))
    can_see_votes = user.has_perm("changes.view_approval")
    votes = list(change.approvals.select_related("voter").order_by("created_at", "id")) if can_see_votes else []
    # "All" counts positions taken, not approvals: "n approvals needed" would mislead there.
    counting = cab.policy != CABPolicyChoices.ALL and (cab.policy != CABPolicyChoices.QUORUM or cab.quorum_percent)
    member = any(m.pk == user.pk for m in members)
    voting_open = change.status == ChangeStatusChoices.AUTHORIZATION and change.authorized_at is None
    return {
        "cab": cab,
        "cab_members": members,
        "can_see_votes": can_see_votes,
        "votes": votes,
        "vote_counts": change_vote_counts(change=change),
        "approvals_needed": approvals_needed(
            policy=cab.policy, quorum_percent=cab.quorum_percent, member_count=len(members)
        )
        if counting and members
        else None,
        "policy_outcome": change_policy_outcome(change=change) if voting_open else None,
        "can_vote": member and voting_open and user.has_perm("changes.add_approval"),
        "my_vote": next((vote for vote in votes if vote.voter_id == user.pk), None),
        "vote_form": VoteForm(),
        "decisions": DecisionChoices.choices,
    }


def main_context(request, change: Change, **extra) -> dict:
    """What the page's main block needs (also re-rendered after a transition, a risk override or a vote)."""
    user = request.user
    caused = Incident.objects.restrict(user, "view").filter(caused_by_change=change).order_by("-id")
    return {
        "change": change,
        "transitions": transitions_available(ticket=change, actor=user),
        "timeline": timeline(change, user),
        "cis": list(change.configuration_items.select_related("ci_class").order_by("name")),
        "impacted_services": list(change.impacted_services.order_by("name")),
        "conflicts": conflict_rows(change, user),
        "incidents": list(caused.only("id", "number", "title", "status")[:INCIDENTS_SHOWN]),
        "incident_count": caused.count(),
        "comment_form": CommentForm(),
        "can_change": user.has_perm("changes.change_change"),
        "can_override_risk": is_change_manager(user) and change.status in OPEN_STATUSES,
        "risk_overridden": bool((change.risk_override_reason or "").strip()),
        **cab_context(change, user),
        **extra,
    }


def render_main(request, change: Change, status: int = 200, **extra):
    """The main block, swapped in place of #change-main whatever element the htmx request targeted."""
    response = render(
        request, "changes/partials/_change_main.html", main_context(request, change, **extra), status=status
    )
    response["HX-Retarget"] = "#change-main"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
def change_detail(request, pk):
    """The change page."""
    require_permission(request.user, Change, "view")
    change = change_get(request.user, pk)
    return render(request, "changes/change.html", main_context(request, change))


def _transition_form(transition, change: Change, user, data=None):
    form = transition.form_class()(data=data)
    if BLACKOUT_INPUT in form.fields:
        # The override is asked for only when the change would go onto the schedule inside a blackout, and only of
        # a change manager (anyone else is refused with the reason when confirming).
        into_schedule = transition.target_of(change) == ChangeStatusChoices.SCHEDULED
        form.blackout_windows = change_blackout_windows(change=change) if into_schedule else []
        if not (form.blackout_windows and is_change_manager(user)):
            del form.fields[BLACKOUT_INPUT]
    for field in form.fields.values():
        bootstrap_widget(field.widget)
    return form


@login_required
def change_transition(request, pk, name):
    """GET: the transition's inline form; POST: apply it (errors in place, refusals as an alert)."""
    require_permission(request.user, Change, "view")
    change = change_get(request.user, pk)
    transition = Change.workflow.get(name)
    if transition is None:
        return render(request, "incidents/partials/_alert.html", {"message": _("Unknown transition.")}, status=409)
    form = _transition_form(transition, change, request.user, request.POST if request.method == "POST" else None)
    context = {
        "change": change,
        "transition": transition,
        "form": form,
        "review_required": name == "close" and change_review_required(change),
    }
    if request.method != "POST":
        return render(request, "changes/partials/_transition_form.html", context)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        transition_apply(
            ticket=change, name=name, actor=request.user, inputs=request.POST.dict(), expected_version=version
        )
    except (TransitionRefused, StaleVersion) as error:
        context["refused"] = error.message
        return render(request, "changes/partials/_transition_form.html", context, status=409)
    except PermissionDenied as error:
        context["refused"] = str(error) or _("You may not do this.")
        return render(request, "changes/partials/_transition_form.html", context, status=403)
    except ValidationError as error:
        apply_service_errors(form, error)
        return render(request, "changes/partials/_transition_form.html", context, status=422)
    return render_main(request, change_get(request.user, pk))


@login_required
def change_comment(request, pk):
    """Add a comment or work note; htmx swaps the conversation (form and timeline)."""
    require_permission(request.user, Change, "view")
    change = change_get(request.user, pk)
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            journal_add(ticket=change, actor=request.user, **form.cleaned_data)
            form = CommentForm()
        except PermissionDenied as error:
            form.add_error(None, str(error))
            status = 403
        except ValidationError as error:
            apply_service_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    context = {"change": change, "comment_form": form, "timeline": timeline(change, request.user)}
    return render(request, "changes/partials/_conversation.html", context, status=status)


@login_required
def change_risk(request, pk):
    """The risk override dialog: GET the form, POST apply it (change managers only, with a justification)."""
    require_permission(request.user, Change, "change")
    change = change_get(request.user, pk, "change")
    if not is_change_manager(request.user):
        raise PermissionDenied
    form = RiskOverrideForm(request.POST or None, change=change)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            change_risk_override(actor=request.user, change=change, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
            status = 422
        else:
            response = render_main(request, change_get(request.user, pk))
            response["HX-Trigger"] = "risk-saved"
            return response
    elif request.method == "POST":
        status = 422
    return render(request, "changes/partials/_risk_form.html", {"change": change, "form": form}, status=status)


@login_required
def change_conflicts(request, pk):
    """The conflicts panel of one change (loaded lazily by the CAB approvals page)."""
    require_permission(request.user, Change, "view")
    change = change_get(request.user, pk)
    context = {"change": change, "conflicts": conflict_rows(change, request.user), "compact": "compact" in request.GET}
    return render(request, "changes/partials/_conflicts.html", context)
