"""Change window pages: blackout and maintenance windows, listed, shown, created and edited (change managers)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from changes.filtersets import ChangeWindowFilterSet
from changes.forms import ChangeWindowForm
from changes.models import ChangeWindow
from changes.services import change_window_save
from changes.views.common import picked_cis, reference_edit
from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history


class ChangeWindowListView(ObjectListView):
    """Windows by start, with what they cover (services, CIs, or everything)."""

    model = ChangeWindow
    filterset_class = ChangeWindowFilterSet
    template_name = "changes/window_list.html"
    results_template_name = "changes/partials/_window_results.html"
    prefetch_related = ("services", "configuration_items")
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Kind"), "kind"),
        Column(gettext_lazy("Start"), "start"),
        Column(gettext_lazy("End"), "end"),
        Column(gettext_lazy("Covers")),
    )
    sort_orders = {"name": ("name",), "kind": ("kind",), "start": ("start",), "end": ("end",)}
    default_sort = "-start"
    filter_labels = {"ends_after": gettext_lazy("Ends after"), "starts_before": gettext_lazy("Starts before")}

    def customize_filter_form(self, form) -> None:
        # Every CI of the CMDB would not fit a select; a window's page names its CIs.
        form.fields.pop("configuration_items", None)


window_list = ChangeWindowListView.as_view()


def _window_get(user, pk, action="view") -> ChangeWindow:
    return get_object_or_404(ChangeWindow.objects.restrict(user, action), pk=pk)


@login_required
def window_detail(request, pk):
    """One window: kind, period, what it covers, and its history."""
    require_permission(request.user, ChangeWindow, "view")
    window = _window_get(request.user, pk)
    context = {
        "window": window,
        "services": list(window.services.order_by("name")),
        "cis": list(window.configuration_items.order_by("name")),
        "audit_events": audit_history(request.user, window),
    }
    return render(request, "changes/window.html", context)


@login_required
def window_edit(request, pk=None):
    """Create (no pk) or change a window; the service's errors come back per field."""
    return reference_edit(
        request,
        pk,
        model=ChangeWindow,
        form_class=ChangeWindowForm,
        save=change_window_save,
        instance_arg="window",
        texts=(_("Window %(name)s created."), _("Window %(name)s saved.")),
        url_name="changes:window",
        template="changes/window_edit.html",
        extra_context=lambda form, window: {"picked_cis": picked_cis(form, window)},
    )
