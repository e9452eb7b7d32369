"""Agreement pages: the list filtered by kind, service and team, an agreement's targets and escalations, the editor."""

import copy

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history
from itsm.views.editing import save_with_form
from slm.filtersets import AgreementFilterSet
from slm.forms import AgreementForm, pause_reason_choices
from slm.models import Agreement
from slm.services import agreement_save
from slm.views.display import escalation_rows, target_rows
from slm.views.editing import saved_message

# Editor fields whose service errors are shown above a block the editor draws itself.
BLOCK_ERRORS = ("targets", "escalation_rules")


class AgreementListView(ObjectListView):
    """Agreements with kind, what they are agreed for (service or team), calendar and whether they are active."""

    model = Agreement
    filterset_class = AgreementFilterSet
    template_name = "slm/agreement_list.html"
    results_template_name = "slm/partials/_agreement_results.html"
    select_related = ("service", "team", "calendar")
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Kind"), "kind"),
        Column(gettext_lazy("Service or team")),
        Column(gettext_lazy("Calendar"), "calendar"),
        Column(gettext_lazy("P1 response")),
        Column(gettext_lazy("P1 resolution")),
        Column(gettext_lazy("Active"), "active"),
    )
    sort_orders = {
        "name": ("name",),
        "kind": ("kind",),
        "calendar": ("calendar__name",),
        "active": ("active",),
    }
    default_sort = "name"

    def rows(self, page) -> list:
        agreements = list(page.object_list)
        for agreement in agreements:
            agreement.first_priority = target_rows(agreement)[0]
        return agreements


agreement_list = AgreementListView.as_view()


@login_required
def agreement_detail(request, pk):
    """One agreement: scope, targets per priority, thresholds with their escalations, pause reasons, history."""
    require_permission(request.user, Agreement, "view")
    queryset = Agreement.objects.restrict(request.user, "view").select_related("service", "team", "calendar")
    agreement = get_object_or_404(queryset, pk=pk)
    reasons = dict(pause_reason_choices(agreement.pause_on))
    context = {
        "agreement": agreement,
        "target_rows": target_rows(agreement),
        "escalation_rows": escalation_rows(agreement),
        "pause_reasons": [reasons.get(value, value) for value in agreement.pause_on],
        "applies_to": agreement.applies_to,
        "audit_events": audit_history(request.user, agreement),
    }
    return render(request, "slm/agreement.html", context)


def _blocks():
    block_errors: dict[str, list[str]] = {}

    def keep(errors: dict) -> dict:
        for name in BLOCK_ERRORS:
            block_errors[name] = errors.pop(name, [])
        return errors

    return block_errors, keep


@login_required
def agreement_edit(request, pk=None):
    """Create (no pk) or change an agreement; the service's errors appear by their fields, nothing is saved."""
    require_permission(request.user, Agreement, "add" if pk is None else "change")
    agreement = None if pk is None else get_object_or_404(Agreement.objects.restrict(request.user, "change"), pk=pk)
    initial = {}
    if agreement is None:
        initial = {key: request.GET[key] for key in ("service", "team", "kind") if request.GET.get(key)}
    form = AgreementForm(request.POST or None, instance=copy.copy(agreement), initial=initial)
    block_errors, keep = _blocks()
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            saved, status = save_with_form(
                form,
                lambda: agreement_save(
                    actor=request.user,
                    agreement=agreement,
                    expected_updated_at=form.cleaned_data["updated_at"],
                    **form.service_arguments(),
                ),
                keep=keep,
            )
            if saved is not None:
                saved_message(
                    request,
                    saved,
                    agreement is None,
                    created_text=_("Agreement %(name)s created."),
                    saved_text=_("Agreement %(name)s saved."),
                )
                return redirect("slm:agreement", pk=saved.pk)
    context = {"form": form, "agreement": agreement, "block_errors": block_errors}
    return render(request, "slm/agreement_edit.html", context, status=status)


@login_required
@require_GET
def agreement_escalations(request):
    """The escalation rows for the warning thresholds typed so far, keeping the boxes already ticked (htmx)."""
    if not (request.user.has_perm("slm.add_agreement") or request.user.has_perm("slm.change_agreement")):
        raise PermissionDenied
    form = AgreementForm(refresh=request.GET)
    return render(request, "slm/partials/_escalation_rules.html", {"form": form})
