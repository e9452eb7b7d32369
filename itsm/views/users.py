"""User pages: list, detail with audit history, create and edit (writes through the user services)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.filtersets import UserFilterSet
from itsm.forms import UserForm, apply_service_errors
from itsm.models import User
from itsm.services.users import user_create, user_update
from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history


class UserListView(ObjectListView):
    """Users with their roles, teams and manager."""

    model = User
    filterset_class = UserFilterSet
    template_name = "itsm/user_list.html"
    results_template_name = "itsm/partials/_user_results.html"
    select_related = ("manager",)
    prefetch_related = ("groups", "teams")
    columns = (
        Column(gettext_lazy("Username"), "username"),
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("E-mail"), "email"),
        Column(gettext_lazy("Roles")),
        Column(gettext_lazy("Teams")),
        Column(gettext_lazy("Manager"), "manager"),
        Column(gettext_lazy("Status"), "active"),
        Column(gettext_lazy("Last sign-in"), "last_login"),
    )
    sort_orders = {
        "username": ("username",),
        "name": ("last_name", "first_name"),
        "email": ("email",),
        "manager": ("manager__last_name", "manager__first_name"),
        "active": ("is_active",),
        "last_login": ("last_login",),
    }
    default_sort = "username"


user_list = UserListView.as_view()


@login_required
def user_detail(request, pk):
    """One user: profile, roles, teams, direct reports and audit history."""
    require_permission(request.user, User, "view")
    queryset = User.objects.restrict(request.user, "view").select_related("manager").prefetch_related("groups")
    subject = get_object_or_404(queryset, pk=pk)
    context = {
        "subject": subject,
        "teams": subject.teams.select_related("manager").order_by("name"),
        "reports": subject.reports.order_by("last_name", "first_name"),
        "audit_events": audit_history(request.user, subject),
    }
    return render(request, "itsm/user.html", context)


@login_required
def user_edit(request, pk=None):
    """Create a user (no pk) or change one; the form's errors are shown per field."""
    require_permission(request.user, User, "add" if pk is None else "change")
    subject = None if pk is None else get_object_or_404(User.objects.restrict(request.user, "change"), pk=pk)
    form = UserForm(request.POST or None, instance=subject)
    if request.method == "POST" and form.is_valid():
        try:
            if subject is None:
                saved = user_create(actor=request.user, **form.service_arguments())
            else:
                saved = user_update(actor=request.user, user=subject, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            message = _("User %(name)s created.") if subject is None else _("User %(name)s saved.")
            messages.success(request, message % {"name": saved})
            return redirect("itsm:user", pk=saved.pk)
    return render(request, "itsm/user_edit.html", {"form": form, "subject": subject})
