"""My CAB approvals: the changes awaiting authorisation by a board the user sits on, and the vote (htmx).

The decision itself is the vote service's (`approval_cast`): it counts, applies the policy once and authorises or
rejects; this page only shows the stored outcome (`authorized_at`, the status) after each vote.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from changes.choices import ChangeStatusChoices, DecisionChoices
from changes.forms import VoteForm
from changes.models import Approval, Change
from changes.services import approval_cast
from changes.views.common import change_get, with_conflicts
from changes.views.detail import render_main
from itsm.exceptions import ConflictError
from itsm.views.admin_ui import require_permission

LIMIT = 200
MAIN_TARGET = "change-main"


def approval_rows(user):
    """Changes of the boards `user` sits on, with what a row shows (risk, services, votes) in constant queries;
    their conflicts come for the whole page at once (`with_conflicts`)."""
    votes = Approval.objects.select_related("voter").order_by("created_at", "id")
    return (
        Change.objects.restrict(user, "view")
        .filter(cab__members=user)
        .select_related("cab", "requester", "assignment_group")
        .prefetch_related("impacted_services", "cab__members", Prefetch("approvals", queryset=votes))
    )


def with_votes(change: Change, user) -> Change:
    """Attach the user's vote and the tally of the board's current members (votes of former members don't count)."""
    members = {member.pk for member in change.cab.members.all()}
    counted = [vote for vote in change.approvals.all() if vote.voter_id in members]
    change.my_vote = next((vote for vote in counted if vote.voter_id == user.pk), None)
    change.tally = {value: sum(vote.decision == value for vote in counted) for value in DecisionChoices.values}
    change.member_count = len(members)
    change.voting_open = change.status == ChangeStatusChoices.AUTHORIZATION and change.authorized_at is None
    return change


@login_required
def approval_list(request):
    """Changes awaiting authorisation by my boards: the undecided first, then by planned start."""
    require_permission(request.user, Approval, "add")
    queryset = approval_rows(request.user).filter(status=ChangeStatusChoices.AUTHORIZATION)
    ordered = queryset.order_by(F("authorized_at").asc(nulls_first=True), F("planned_start").asc(nulls_last=True), "id")
    changes = with_conflicts([with_votes(change, request.user) for change in ordered[:LIMIT]], request.user)
    context = {"changes": changes, "awaiting": sum(change.voting_open for change in changes), "limit": LIMIT}
    return render(request, "changes/approval_list.html", context)


@login_required
@require_POST
def change_vote(request, pk):
    """Cast (or replace) the user's vote; htmx gets the approvals row, or the change page's main block, back."""
    require_permission(request.user, Approval, "add")
    change = change_get(request.user, pk)
    form = VoteForm(request.POST)
    error, status = None, 200
    if form.is_valid():
        try:
            approval_cast(actor=request.user, change=change, **form.cleaned_data)
        except PermissionDenied as refusal:
            error, status = str(refusal) or _("You may not vote on this change."), 403
        except ConflictError as refusal:
            error, status = refusal.message, 409
        except ValidationError as invalid:
            error, status = " ".join(invalid.messages), 422
    else:
        error, status = " ".join(message for messages_ in form.errors.values() for message in messages_), 422
    htmx = getattr(request, "htmx", None)
    if not htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Your vote on %(number)s is recorded.") % {"number": change.number})
        return redirect("changes:approval_list")
    if htmx.target == MAIN_TARGET:
        return render_main(request, change_get(request.user, pk), status, vote_error=error)
    row = approval_rows(request.user).filter(pk=pk).first()
    if row is None:  # the user left the board meanwhile: the row goes, the reason stays
        return render(
            request, "incidents/partials/_alert.html", {"message": error or _("Not yours to vote on.")}, status=403
        )
    [row] = with_conflicts([with_votes(row, request.user)], request.user)
    context = {"change": row, "vote_error": error, "vote_form": form}
    return render(request, "changes/partials/_approval_row.html", context, status=status)
