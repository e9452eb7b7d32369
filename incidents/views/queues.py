"""The agent's queues: tabs, filters (htmx), sorting, paging without COUNT, bulk assign."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from incidents.choices import OPEN_STATUSES
from incidents.filtersets import IncidentFilterSet
from incidents.forms import BulkAssignForm, agents
from incidents.models import Incident
from incidents.services import incident_assign_many
from incidents.tables import IncidentTable
from itsm.forms import style_filter_form
from itsm.models import Team
from itsm.models.users import USER_DISPLAY_FIELDS
from itsm.views.admin_ui import require_permission
from slm.badges import breaching_soon, sla_badges
from slm.models import Service

PAGE_SIZE = 50
RESULTS_ID = "list-results"
FILTERS = ("q", "status", "priority", "assignment_group", "assignee", "service")
QUEUES = {
    "mine": _("Assigned to me"),
    "teams": _("My teams"),
    "unassigned": _("Unassigned in my teams"),
    "open": _("All open"),
    "major": _("Major"),
    "breaching": _("Breaching soon"),
}
SORTS = {
    "number": "id",
    "title": "title",
    "priority": "priority",
    "status": "status",
    "updated": "updated_at",
}
# The breaching-soon queue adds its soonest breach time (`sla_due`) and sorts by it unless told otherwise.
BREACHING_SORTS = {**SORTS, "sla": "sla_due"}
LIST_SELECT_RELATED = ("assignee", "assignment_group")  # what the rows show (incidents.tables)


def queue_filter(queryset, queue: str, user):
    """The incidents of one queue tab."""
    if queue in ("teams", "unassigned"):
        # The team ids as constants, not a subquery: PostgreSQL then reads one team's open work in the order
        # asked for (inc_open_team_priority_idx) instead of sorting all of it.
        teams = Q(assignment_group__in=list(user.teams.values_list("pk", flat=True)))
    if queue == "mine":
        return queryset.filter(assignee=user, status__in=OPEN_STATUSES)
    if queue == "teams":
        return queryset.filter(teams, status__in=OPEN_STATUSES)
    if queue == "unassigned":
        return queryset.filter(teams, assignee__isnull=True, status__in=OPEN_STATUSES)
    if queue == "major":
        return queryset.filter(major=True, status__in=OPEN_STATUSES)
    if queue == "breaching":
        return breaching_soon(queryset.filter(status__in=OPEN_STATUSES))
    return queryset.filter(status__in=OPEN_STATUSES)


@login_required
def incident_list(request):
    """A queue tab, filtered and sorted; htmx filter/sort/page changes get the results only."""
    require_permission(request.user, Incident, "view")
    if not request.user.is_staff_member:
        return redirect("portal:request_list")
    queue = request.GET.get("queue", "mine")
    if queue not in QUEUES:
        queue = "mine"
    base = Incident.objects.restrict(request.user, "view").select_related(*LIST_SELECT_RELATED)
    filterset = IncidentFilterSet(request.GET, queryset=queue_filter(base, queue, request.user), request=request)
    sorts = BREACHING_SORTS if queue == "breaching" else SORTS
    default_sort = "sla" if queue == "breaching" else "-number"
    sort = request.GET.get("sort", default_sort)
    if sort.removeprefix("-") not in sorts:
        sort = default_sort
    after = request.GET.get("after", "")
    rows = keyset_page(filterset.qs, sorts[sort.removeprefix("-")], sort.startswith("-"), after)
    badges = sla_badges(tickets=rows[:PAGE_SIZE])
    for row in rows:
        row.sla_badge = badges.get(row.pk)
    params = request.GET.copy()
    params.pop("after", None)
    page_query = params.urlencode()
    params.pop("sort", None)
    can_change = request.user.has_perm("incidents.change_incident")
    url_prefix = reverse("incidents:incident", kwargs={"pk": 0}).removesuffix("0/")
    context = {
        "rows": rows[:PAGE_SIZE],
        "table_rows": IncidentTable(rows[:PAGE_SIZE], url_prefix=url_prefix, can_change=can_change).render(),
        "has_next": len(rows) > PAGE_SIZE,
        "next_after": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "first_page": bool(after),
        "sort": sort,
        "query": params.urlencode(),
        "page_query": page_query,
        "results_id": RESULTS_ID,
        "columns": _columns(queue),
        "can_change": can_change,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request:
        return render(request, "incidents/partials/_queue_results.html", context)
    # The whole page: the filter and bulk-assign forms around the results.
    context.update(queue_forms(filterset, request.user), queues=QUEUES, queue=queue)
    return render(request, "incidents/incident_list.html", context)


def queue_forms(filterset, user) -> dict:
    """The queue's filter form and bulk-assign form, their team, agent and service lists read once each (the
    two forms share them) as plain lists of the columns their labels need."""
    form = style_filter_form(filterset.form)
    form.fields = {name: form.fields[name] for name in FILTERS}
    form.fields["assignment_group"].label = _("Team")
    form.fields["q"].label = _("Search")
    listed = {
        "assignment_group": Team.objects.only("id", "name"),
        "assignee": agents().only(*USER_DISPLAY_FIELDS),
        "service": Service.objects.only("id", "name"),
    }
    for name in ("status", "priority"):
        form.fields[name].select_choices = [(str(value), label) for value, label in form.fields[name].choices]
    for name, queryset in listed.items():
        # One plain query each: iterating the fields' choices would open a server-side cursor per list.
        form.fields[name].select_choices = [(str(obj.pk), str(obj)) for obj in queryset]
    # The bulk-assign form (BulkAssignForm validates its POST) offers the same teams and agents.
    bulk_choices = {name: form.fields[name].select_choices for name in ("assignment_group", "assignee")}
    return {"filter_form": form, "bulk_choices": bulk_choices}


def keyset_page(queryset, field: str, descending: bool, after: str) -> list:
    """The page after row `after` (an id) in (field, id) order, plus one row to tell if more follow; no OFFSET.

    `field` may be an annotation of `queryset` (the pivot row's value is computed the same way)."""
    queryset = queryset.order_by(*([f"-{field}", "-id"] if descending else [field, "id"]))
    if after.isdigit():
        if field in queryset.query.annotations:
            # Computed per row: read the pivot's value first (it left the queue: start again from the top).
            pivot = queryset.filter(pk=after).values_list(field, flat=True).first()
            if pivot is None:
                return list(queryset[: PAGE_SIZE + 1])
        else:
            pivot = Subquery(Incident.objects.filter(pk=after).values(field)[:1])
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{field}__{op}": pivot}) | Q(**{field: pivot, f"id__{op}": int(after)}))
    return list(queryset[: PAGE_SIZE + 1])


def _columns(queue: str):
    return [
        ("number", _("Number")),
        ("title", _("Title")),
        ("priority", _("Priority")),
        ("status", _("Status")),
        ("sla" if queue == "breaching" else "", _("SLA")),
        ("", _("Team")),
        ("", _("Assignee")),
        ("updated", _("Updated")),
    ]


@login_required
@require_POST
def incident_bulk_assign(request):
    """Assign the checked incidents through incident_assign_many; each change is audited."""
    require_permission(request.user, Incident, "change")
    form = BulkAssignForm(request.POST, user=request.user)
    if form.is_valid():
        changed = incident_assign_many(
            actor=request.user,
            incidents=list(form.cleaned_data["incidents"]),
            assignment_group=form.cleaned_data["assignment_group"],
            assignee=form.cleaned_data["assignee"],
        )
        messages.success(request, _("%(count)d incident(s) assigned.") % {"count": changed})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    next_url = request.POST.get("next", "")
    return redirect(next_url if next_url.startswith("/incidents/") else "incidents:incident_list")
