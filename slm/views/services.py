"""Service catalog pages: the filtered list, a service with its agreements and service hours, create and edit."""

import copy

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history
from itsm.views.editing import save_with_form
from slm.filtersets import ServiceFilterSet
from slm.forms import ServiceForm
from slm.models import Agreement, Service
from slm.services import service_save
from slm.views.display import hours_by_day, target_rows
from slm.views.editing import saved_message


class ServiceListView(ObjectListView):
    """Catalog services with status, owner team, service hours, CI and how many agreements they have."""

    model = Service
    filterset_class = ServiceFilterSet
    template_name = "slm/service_list.html"
    results_template_name = "slm/partials/_service_results.html"
    select_related = ("owner_team", "calendar", "ci")
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Status"), "status"),
        Column(gettext_lazy("Owner team"), "owner_team"),
        Column(gettext_lazy("Service hours"), "calendar"),
        Column(gettext_lazy("Configuration item")),
        Column(gettext_lazy("Agreements"), "agreements"),
    )
    sort_orders = {
        "name": ("name",),
        "status": ("status",),
        "owner_team": ("owner_team__name",),
        "calendar": ("calendar__name",),
        "agreements": ("agreement_count",),
    }
    default_sort = "name"

    def get_queryset(self):
        return super().get_queryset().annotate(agreement_count=Count("agreements"))

    def customize_filter_form(self, form) -> None:
        # A select of every CI would be the whole CMDB; the CI page links to its services instead.
        for name in ("ci", "impacted_by"):
            form.fields.pop(name, None)


service_list = ServiceListView.as_view()


@login_required
def service_detail(request, pk):
    """One service: details, service hours, the agreements made for it (with targets) and its history."""
    require_permission(request.user, Service, "view")
    queryset = Service.objects.restrict(request.user, "view").select_related("owner_team", "ci", "calendar")
    service = get_object_or_404(queryset, pk=pk)
    agreements = list(
        Agreement.objects.restrict(request.user, "view").filter(service=service).select_related("calendar")
    )
    for agreement in agreements:
        agreement.target_rows = target_rows(agreement)
    calendar = service.calendar
    context = {
        "service": service,
        "agreements": agreements,
        "calendar_days": hours_by_day(calendar.hours) if calendar else [],
        "audit_events": audit_history(request.user, service),
    }
    return render(request, "slm/service.html", context)


@login_required
def service_edit(request, pk=None):
    """Create (no pk) or change a service; a save over a newer version is refused as a conflict."""
    require_permission(request.user, Service, "add" if pk is None else "change")
    service = None if pk is None else get_object_or_404(Service.objects.restrict(request.user, "change"), pk=pk)
    # The form works on a copy: a failed save must not rename the page's breadcrumb to what was typed.
    form = ServiceForm(request.POST or None, instance=copy.copy(service), user=request.user)
    status = None
    if request.method == "POST" and form.is_valid():
        saved, status = save_with_form(
            form,
            lambda: service_save(
                actor=request.user,
                service=service,
                expected_updated_at=form.cleaned_data["updated_at"],
                **form.fields_for_service(),
            ),
        )
        if saved is not None:
            saved_message(
                request,
                saved,
                service is None,
                created_text=_("Service %(name)s created."),
                saved_text=_("Service %(name)s saved."),
            )
            return redirect("slm:service", pk=saved.pk)
    if request.method == "POST" and status is None:
        status = 422
    return render(request, "slm/service_edit.html", {"form": form, "service": service}, status=status or 200)
