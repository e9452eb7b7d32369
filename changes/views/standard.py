"""Standard change templates, as the change managers keep them: listed (active and not), shown with their history,
created, edited and deactivated. The catalog that raises changes from them is in `changes.views.forms`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from changes.filtersets import ChangeTemplateFilterSet
from changes.forms import ChangeTemplateForm
from changes.models import ChangeTemplate
from changes.permissions import template_usable_by
from changes.services import change_template_save
from changes.views.common import picked_cis, reference_edit
from itsm.roles import ROLE_LABELS
from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history


class ChangeTemplateListView(ObjectListView):
    """Every template (inactive ones too) with its risk, team and the roles that may raise it."""

    model = ChangeTemplate
    filterset_class = ChangeTemplateFilterSet
    template_name = "changes/template_manage.html"
    results_template_name = "changes/partials/_template_results.html"
    select_related = ("assignment_group",)
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Risk"), "risk"),
        Column(gettext_lazy("Team")),
        Column(gettext_lazy("Raised by")),
        Column(gettext_lazy("Active"), "active"),
    )
    sort_orders = {"name": ("name",), "risk": ("risk",), "active": ("-active", "name")}
    default_sort = "name"
    filter_labels = {"assignment_group": gettext_lazy("Team")}

    def rows(self, page) -> list:
        templates = list(page.object_list)
        for template in templates:
            template.role_labels = role_labels(template)
        return templates


template_manage = ChangeTemplateListView.as_view()


def role_labels(template: ChangeTemplate) -> list[str]:
    """Who may raise the template, as people read it (change managers always may)."""
    return [str(ROLE_LABELS.get(role, role)) for role in template.allowed_roles] or [_("Change managers only")]


def _template_get(user, pk, action="view") -> ChangeTemplate:
    return get_object_or_404(ChangeTemplate.objects.restrict(user, action).select_related("assignment_group"), pk=pk)


@login_required
def template_detail(request, pk):
    """One template: what it fixes and prefills, who may raise it, and its history."""
    require_permission(request.user, ChangeTemplate, "view")
    template = _template_get(request.user, pk)
    context = {
        "template": template,
        "roles": role_labels(template),
        "cis": list(template.configuration_items.order_by("name")),
        "usable": template.active and template_usable_by(template, request.user),
        "audit_events": audit_history(request.user, template),
    }
    return render(request, "changes/template.html", context)


@login_required
def template_edit(request, pk=None):
    """Create (no pk) or change a template; the service's errors come back per field, a stale save is refused."""
    return reference_edit(
        request,
        pk,
        model=ChangeTemplate,
        form_class=ChangeTemplateForm,
        save=change_template_save,
        instance_arg="template",
        texts=(_("Template %(name)s created."), _("Template %(name)s saved.")),
        url_name="changes:template",
        template="changes/template_edit.html",
        extra_context=lambda form, template: {"picked_cis": picked_cis(form, template)},
    )


@login_required
@require_POST
def template_deactivate(request, pk):
    """Take a template out of the catalog (changes raised from it keep it; editing it can activate it again)."""
    require_permission(request.user, ChangeTemplate, "change")
    template = _template_get(request.user, pk, "change")
    if template.active:
        change_template_save(actor=request.user, template=template, active=False)
        text = _("Template %(name)s deactivated: it is no longer in the catalog.")
        messages.success(request, text % {"name": template})
    return redirect("changes:template", pk=template.pk)
