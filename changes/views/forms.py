"""Raising and editing RFCs: the RFC form with its live risk/impact/conflicts preview, and standard changes raised
from the template catalog. Saving goes through the change services; stale edits are refused (the version)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from changes.choices import RiskChoices
from changes.conflicts import change_conflicts
from changes.forms import ChangeForm, ChangePreviewForm, StandardChangeForm
from changes.impact import change_impact
from changes.models import Change, ChangeTemplate
from changes.permissions import template_usable_by
from changes.risk import risk_assess
from changes.services import change_create, change_from_template, change_update
from changes.views.common import change_get, picked_cis
from itsm.exceptions import StaleVersion
from itsm.forms import apply_service_errors
from itsm.views.admin_ui import require_permission


def _render_form(request, form, change=None, status=200):
    context = {"form": form, "change": change, "picked_cis": picked_cis(form, change)}
    return render(request, "changes/change_edit.html", context, status=status)


@login_required
def change_add(request):
    """Raise an RFC (draft); saved through change_create, then the change page."""
    require_permission(request.user, Change, "add")
    form = ChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = change_create(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(number)s raised.") % {"number": change.number})
            return redirect("changes:change", pk=change.pk)
    return _render_form(request, form, status=422 if request.method == "POST" else 200)


@login_required
def change_edit(request, pk):
    """Edit an RFC; a save based on an old version is refused with a conflict message and the form kept."""
    require_permission(request.user, Change, "change")
    change = change_get(request.user, pk, "change")
    form = ChangeForm(request.POST or None, instance=change)
    if request.method == "POST" and form.is_valid():
        # The form's instance got the posted values: the service works on the stored change.
        stored = Change.objects.get(pk=pk)
        try:
            change_update(
                actor=request.user,
                change=stored,
                data=form.service_arguments(changed_only=True),
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as error:
            form.add_error(None, error.message)
            return _render_form(request, form, stored, status=409)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(number)s saved.") % {"number": stored.number})
            return redirect("changes:change", pk=pk)
    return _render_form(request, form, change, status=422 if request.method == "POST" else 200)


@login_required
def change_preview(request):
    """The RFC form's live panel: computed risk with its reasons, impacted services and conflicts; writes nothing."""
    require_permission(request.user, Change, "add")
    form = ChangePreviewForm(request.POST or request.GET, user=request.user)
    context = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        editing = request.POST.get("preview_change", "")
        exclude = None
        if editing.isdigit():
            exclude = change_get(request.user, int(editing)).pk
        ci_ids = [ci.pk for ci in data["configuration_items"]]
        impact = change_impact(ci_ids)
        start, end = data["planned_start"], data["planned_end"]
        assessment = risk_assess(change_type=data["type"], ci_ids=ci_ids, exclude_change_id=exclude, impact=impact)
        context.update(
            assessment=assessment,
            risk_label=RiskChoices(assessment.risk).label,
            impacted_services=impact.services,
            impact_truncated=impact.truncated,
            window_given=bool(start and end and end > start),
            conflicts=[
                conflict.as_dict()
                for conflict in change_conflicts(
                    ci_ids=ci_ids,
                    planned_start=start,
                    planned_end=end,
                    exclude_change_id=exclude,
                    user=request.user,
                    impact=impact,
                )
            ],
        )
    return render(request, "changes/partials/_preview.html", context)


def _usable_templates(user) -> list[ChangeTemplate]:
    templates = (
        ChangeTemplate.objects.restrict(user, "view")
        .filter(active=True)
        .select_related("assignment_group")
        .prefetch_related("configuration_items")
        .order_by("name")
    )
    return [template for template in templates if template_usable_by(template, user)]


@login_required
def template_list(request):
    """The catalog of pre-approved standard changes the user's roles may raise."""
    require_permission(request.user, Change, "add")
    require_permission(request.user, ChangeTemplate, "view")
    return render(request, "changes/template_list.html", {"templates": _usable_templates(request.user)})


@login_required
def template_raise(request, pk):
    """Raise a standard change from a template: its plans and risk are fixed, the rest prefilled and editable."""
    require_permission(request.user, Change, "add")
    template = get_object_or_404(ChangeTemplate.objects.restrict(request.user, "view"), pk=pk)
    if not template_usable_by(template, request.user):
        raise PermissionDenied
    form = StandardChangeForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            change = change_from_template(actor=request.user, template=template, data=form.service_arguments())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("%(number)s raised from “%(template)s”.") % {"number": change.number, "template": template}
            )
            return redirect("changes:change", pk=change.pk)
    context = {"form": form, "template": template, "picked_cis": picked_cis(form)}
    return render(request, "changes/template_raise.html", context, status=422 if request.method == "POST" else 200)
