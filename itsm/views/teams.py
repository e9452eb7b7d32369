"""Team pages: list, detail with members and audit history, create and edit (writes through `team_save`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.filtersets import TeamFilterSet
from itsm.forms import TeamForm, apply_service_errors
from itsm.models import Team
from itsm.services.users import team_save
from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history


class TeamListView(ObjectListView):
    """Teams with manager, member count, escalation team and vendor."""

    model = Team
    filterset_class = TeamFilterSet
    template_name = "itsm/team_list.html"
    results_template_name = "itsm/partials/_team_results.html"
    select_related = ("manager", "escalation_team")
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Manager"), "manager"),
        Column(gettext_lazy("Members"), "members"),
        Column(gettext_lazy("Escalation team"), "escalation_team"),
        Column(gettext_lazy("Vendor"), "vendor"),
        Column(gettext_lazy("E-mail")),
    )
    sort_orders = {
        "name": ("name",),
        "manager": ("manager__last_name", "manager__first_name"),
        "members": ("member_count",),
        "escalation_team": ("escalation_team__name",),
        "vendor": ("vendor",),
    }
    default_sort = "name"
    filter_labels = {"external": gettext_lazy("External (vendor) team")}

    def get_queryset(self):
        return super().get_queryset().annotate(member_count=Count("members", distinct=True))


team_list = TeamListView.as_view()


@login_required
def team_detail(request, pk):
    """One team: manager, members, escalation path and audit history."""
    require_permission(request.user, Team, "view")
    queryset = Team.objects.restrict(request.user, "view").select_related("manager", "escalation_team")
    team = get_object_or_404(queryset, pk=pk)
    context = {
        "team": team,
        "members": team.members.order_by("last_name", "first_name", "username"),
        "escalated_from": team.escalated_from.order_by("name"),
        "audit_events": audit_history(request.user, team),
    }
    return render(request, "itsm/team.html", context)


@login_required
def team_edit(request, pk=None):
    """Create a team (no pk) or change one; the form's errors are shown per field."""
    require_permission(request.user, Team, "add" if pk is None else "change")
    team = None if pk is None else get_object_or_404(Team.objects.restrict(request.user, "change"), pk=pk)
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            saved = team_save(actor=request.user, team=team, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            message = _("Team %(name)s created.") if team is None else _("Team %(name)s saved.")
            messages.success(request, message % {"name": saved})
            return redirect("itsm:team", pk=saved.pk)
    return render(request, "itsm/team_edit.html", {"form": form, "team": team})
