"""CAB pages: the boards (members, chair, policy), create and edit (change managers), and each board's agenda of
changes awaiting its authorisation (printable)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from changes.choices import ChangeStatusChoices
from changes.filtersets import CABFilterSet
from changes.forms import CABForm
from changes.models import CAB, Approval, Change
from changes.services import cab_save
from changes.views.common import reference_edit, with_conflicts
from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history

# An agenda is read in one sitting: beyond this many changes the board needs another meeting anyway.
AGENDA_LIMIT = 100
AWAITING = Q(changes__status=ChangeStatusChoices.AUTHORIZATION, changes__authorized_at__isnull=True)


class CABListView(ObjectListView):
    """Boards with their policy, chair, size and how many changes await their decision."""

    model = CAB
    filterset_class = CABFilterSet
    template_name = "changes/cab_list.html"
    results_template_name = "changes/partials/_cab_results.html"
    select_related = ("chair",)
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Policy"), "policy"),
        Column(gettext_lazy("Chair")),
        Column(gettext_lazy("Members"), "members"),
        Column(gettext_lazy("Awaiting decision"), "awaiting"),
    )
    sort_orders = {"name": ("name",), "policy": ("policy",), "members": ("member_count",), "awaiting": ("awaiting",)}
    default_sort = "name"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                member_count=Count("members", distinct=True), awaiting=Count("changes", filter=AWAITING, distinct=True)
            )
        )

    def customize_filter_form(self, form) -> None:
        # Selects of every user would be long; a board's page lists its members instead.
        for name in ("member", "chair"):
            form.fields.pop(name, None)


cab_list = CABListView.as_view()


def _cab_get(user, pk, action="view") -> CAB:
    return get_object_or_404(CAB.objects.restrict(user, action).select_related("chair"), pk=pk)


def _awaiting(user, cab):
    """The board's changes still waiting for its decision (authorised ones wait for the schedule, not the board)."""
    return (
        Change.objects.restrict(user, "view")
        .filter(cab=cab, status=ChangeStatusChoices.AUTHORIZATION, authorized_at__isnull=True)
        .select_related("requester", "assignment_group")
        .order_by("planned_start", "id")
    )


@login_required
def cab_detail(request, pk):
    """One board: policy, chair, members, the changes awaiting it and its history."""
    require_permission(request.user, CAB, "view")
    cab = _cab_get(request.user, pk)
    context = {
        "cab": cab,
        "members": list(cab.members.order_by("first_name", "username")),
        "awaiting": list(_awaiting(request.user, cab)[:AGENDA_LIMIT]),
        "audit_events": audit_history(request.user, cab),
    }
    return render(request, "changes/cab.html", context)


@login_required
def cab_edit(request, pk=None):
    """Create (no pk) or change a board; the vote service re-decides pending changes if members or policy changed."""
    return reference_edit(
        request,
        pk,
        model=CAB,
        form_class=CABForm,
        save=cab_save,
        instance_arg="cab",
        texts=(_("CAB %(name)s created."), _("CAB %(name)s saved.")),
        url_name="changes:cab",
        template="changes/cab_edit.html",
    )


@login_required
def cab_agenda(request, pk):
    """The board's agenda: each change awaiting its authorisation with risk, impact, conflicts, plans and votes.

    Conflicts are checked for all the changes at once (bounded queries); the agenda is capped at AGENDA_LIMIT
    changes.
    """
    require_permission(request.user, CAB, "view")
    cab = _cab_get(request.user, pk)
    votes = Approval.objects.select_related("voter").order_by("created_at", "id")
    changes = list(
        _awaiting(request.user, cab)
        .select_related("assignee")
        .prefetch_related("impacted_services", "configuration_items", Prefetch("approvals", queryset=votes))[
            :AGENDA_LIMIT
        ]
    )
    can_see_votes = request.user.has_perm("changes.view_approval")
    with_conflicts(changes, request.user)
    context = {
        "cab": cab,
        "members": list(cab.members.order_by("first_name", "username")),
        "changes": changes,
        "can_see_votes": can_see_votes,
        "limit": AGENDA_LIMIT,
        "printed_at": timezone.now(),
    }
    return render(request, "changes/cab_agenda.html", context)
