"""Change (RFC) writes: raise, edit, raise from a standard change template, override the risk.

Rules that hold on every path (API, browser, demo):
- planned start and end come together, the end after the start;
- a standard change is raised from an active template its author may use (its plans and risk are the
  template's, pre-approved); only standard changes have a template, and they go to no CAB;
- an emergency change goes to the emergency CAB, a normal change to another CAB;
- type and template are fixed once the change leaves draft; the CAB once authorisation was requested; the
  planned window once implementation started; moving a scheduled change into a blackout needs the override;
- `risk` changes only through `change_risk_override` (change managers, with a justification).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from changes.choices import ChangeStatusChoices, ChangeTypeChoices, RiskChoices
from changes.models import Change, ChangeTemplate
from changes.permissions import is_change_manager, template_usable_by
from changes.services.hooks import change_analysis_refresh
from changes.services.scheduling import change_blackout_check
from itsm.choices import VisibilityChoices
from itsm.services.journal import journal_add
from itsm.services.tickets import ticket_create, ticket_lock, ticket_update

S = ChangeStatusChoices
SCALAR_FIELDS = frozenset(
    {
        "title",
        "description",
        "type",
        "template",
        "impact",
        "urgency",
        "justification",
        "implementation_plan",
        "backout_plan",
        "test_plan",
        "planned_start",
        "planned_end",
        "cab",
        "requester",
        "assignment_group",
        "assignee",
        "review_notes",
    }
)
M2M_FIELDS = ("configuration_items", "watchers")
RISK_FIELDS = ("risk", "risk_override_reason")
# What a standard change template fixes: the pre-approved plans. A change raised from it cannot alter them.
TEMPLATE_FIXED = ("implementation_plan", "backout_plan", "test_plan")
CAB_EDITABLE = (S.DRAFT, S.ASSESSMENT)
# The planned window may move until implementation starts; after that it is history (actual_* tell the rest).
WINDOW_EDITABLE = (S.DRAFT, S.ASSESSMENT, S.AUTHORIZATION, S.SCHEDULED)


def _split(fields: dict) -> tuple[dict, dict]:
    unknown = set(fields) - SCALAR_FIELDS - set(M2M_FIELDS)
    if unknown:
        raise TypeError(f"not writable through the change services: {sorted(unknown)}")
    scalars = {k: v for k, v in fields.items() if k in SCALAR_FIELDS}
    return scalars, {k: list(v) for k, v in fields.items() if k in M2M_FIELDS}


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def change_errors(change: Change, *, before: Change | None = None) -> dict[str, list[str]]:
    """The rule violations of a change's (unsaved) values, by field; `before` is the stored change on an edit."""
    errors: dict[str, list[str]] = {}
    start, end = change.planned_start, change.planned_end
    if (start is None) != (end is None):
        _add(errors, "planned_end" if end is None else "planned_start", _("Give both the planned start and end."))
    elif start is not None and end <= start:
        _add(errors, "planned_end", _("The planned end must be after the planned start."))
    if change.type == ChangeTypeChoices.STANDARD and change.template_id is None:
        _add(errors, "type", _("A standard change is raised from a standard change template."))
    if change.template_id is not None and change.type != ChangeTypeChoices.STANDARD:
        _add(errors, "template", _("Only standard changes come from a template."))
    cab = change.cab if change.cab_id else None
    if cab is not None:
        if change.type == ChangeTypeChoices.STANDARD:
            _add(errors, "cab", _("A standard change is pre-approved: it goes to no CAB."))
        elif change.type == ChangeTypeChoices.EMERGENCY and not cab.emergency:
            _add(errors, "cab", _("An emergency change goes to the emergency CAB."))
        elif change.type == ChangeTypeChoices.NORMAL and cab.emergency:
            _add(errors, "cab", _("The emergency CAB decides emergency changes only."))
    if before is None:
        return errors
    if change.template_id != before.template_id:
        _add(errors, "template", _("The template is chosen when the change is raised."))
    if change.type != before.type and before.status != S.DRAFT:
        _add(errors, "type", _("The type is fixed once the change is submitted."))
    if change.cab_id != before.cab_id and before.status not in CAB_EDITABLE:
        _add(errors, "cab", _("The CAB is fixed once authorisation was requested."))
    if (start, end) != (before.planned_start, before.planned_end) and before.status not in WINDOW_EDITABLE:
        _add(errors, "planned_start", _("The planned window is fixed once implementation started."))
    if before.template_id is not None:
        for name in TEMPLATE_FIXED:
            if getattr(change, name) != getattr(before, name):
                _add(errors, name, _("Fixed by the pre-approved template."))
    return errors


def change_create(*, actor, **fields) -> Change:
    """Raise an RFC in draft (`requester` defaults to the actor); with a `template`, see `change_from_template`.

    `risk` (+ `risk_override_reason`) among the fields overrides the computed risk: change managers only.
    """
    template = fields.pop("template", None)
    if template is not None:
        return change_from_template(actor=actor, template=template, data=fields)
    return _create(actor=actor, fields=fields)


def _create(*, actor, fields: dict, preset: dict | None = None) -> Change:
    fields = dict(fields)
    risk = {name: fields.pop(name) for name in RISK_FIELDS if name in fields}
    if not any(risk.values()):
        risk = {}  # "risk": null on a new change: nothing to override
    fields.setdefault("requester", actor)
    scalars, m2m = _split(fields)
    scalars.update(preset or {})
    if errors := change_errors(Change(**scalars)):
        raise ValidationError(errors)
    with transaction.atomic():
        change = ticket_create(model=Change, actor=actor, initial_status=Change.INITIAL_STATUS, m2m=m2m, **scalars)
        change_analysis_refresh(change=change)
        if risk:
            change = _override_from_data(actor=actor, change=change, risk=risk)
        else:
            change.refresh_from_db()
    return change


def change_from_template(*, actor, template: ChangeTemplate, data: dict) -> Change:
    """Raise a standard change from a pre-approved template: its title, impact, team, CIs and plans prefilled.

    Only holders of one of `template.allowed_roles` may (change managers and admins always may; an empty list
    means only they); otherwise PermissionDenied. `data` may set the title, description, window, CIs, people
    and justification; the template's plans and risk are fixed (a different value is a field error).
    """
    if not template_usable_by(template, actor):
        raise PermissionDenied(_("Your role may not raise changes from the template “%(name)s”.") % {"name": template})
    data = dict(data)
    errors: dict[str, list[str]] = {}
    if not template.active:
        _add(errors, "template", _("This template is retired and can no longer be used."))
    if data.pop("type", ChangeTypeChoices.STANDARD) != ChangeTypeChoices.STANDARD:
        _add(errors, "type", _("A change raised from a template is a standard change."))
    for name in TEMPLATE_FIXED:
        if name in data and data.pop(name) != getattr(template, name):
            _add(errors, name, _("Fixed by the pre-approved template."))
    for name in (*RISK_FIELDS, "cab"):
        if data.pop(name, None):
            _add(errors, name, _("Fixed by the pre-approved template."))
    if errors:
        raise ValidationError(errors)
    fields = {
        "title": template.title,
        "description": template.description,
        "impact": template.impact,
        "assignment_group": template.assignment_group,
        "configuration_items": list(template.configuration_items.all()),
        **data,
        **{name: getattr(template, name) for name in TEMPLATE_FIXED},
    }
    # The template's risk was assessed when the change manager approved it: it stands as an override, so the
    # computed risk (still shown, with its reasons) does not replace it.
    preset = {
        "type": ChangeTypeChoices.STANDARD,
        "template": template,
        "risk": template.risk,
        "risk_override_reason": _("Pre-assessed in the standard change template “%(name)s”.") % {"name": template},
    }
    return _create(actor=actor, fields=fields, preset=preset)


def change_update(*, actor, change: Change, data: dict, expected_version: int | None = None) -> Change:
    """Edit a change's fields (never its status); refuses a stale version (StaleVersion) and rule violations.

    `risk` / `risk_override_reason` go to `change_risk_override`. `blackout_override_reason` is accepted only
    when it moves a scheduled change's window into a blackout (change managers, see `change_blackout_check`).
    """
    data = dict(data)
    risk = {name: data.pop(name) for name in RISK_FIELDS if name in data}
    blackout_reason = data.pop("blackout_override_reason", None)
    scalars, m2m = _split(data)
    with transaction.atomic():
        locked = ticket_lock(change, expected_version)
        candidate = Change(**{f.attname: getattr(locked, f.attname) for f in Change._meta.concrete_fields})
        for name, value in scalars.items():
            setattr(candidate, name, value)
        errors = change_errors(candidate, before=locked)
        window_moved = (candidate.planned_start, candidate.planned_end) != (locked.planned_start, locked.planned_end)
        if blackout_reason and not (window_moved and locked.status == S.SCHEDULED):
            _add(
                errors,
                "blackout_override_reason",
                _("Give it when scheduling, or when moving a scheduled change's window into a blackout."),
            )
        if errors:
            raise ValidationError(errors)
        if window_moved:
            scalars["reminder_sent_at"] = None  # a new start deserves its own reminder
        updated = locked
        if scalars or m2m:
            updated = ticket_update(ticket=locked, actor=actor, data=scalars, m2m=m2m)
        if "configuration_items" in m2m or candidate.type != locked.type:
            change_analysis_refresh(change=updated)
            updated.refresh_from_db()
        if window_moved and updated.status == S.SCHEDULED:
            _recheck_blackout(actor=actor, change=updated, reason=blackout_reason or "")
        if risk:
            updated = _override_from_data(actor=actor, change=updated, risk=risk)
    return updated


def _recheck_blackout(*, actor, change: Change, reason: str) -> None:
    before = change.blackout_override_reason
    change_blackout_check(change=change, actor=actor, reason=reason)
    if change.blackout_override_reason != before:
        from itsm.audit_context import audit_context

        with audit_context(actor=actor):
            change.save(update_fields=["blackout_override_reason", "updated_at"])


def _override_from_data(*, actor, change: Change, risk: dict) -> Change:
    if "risk" not in risk:
        raise ValidationError({"risk": [_("Send the risk level together with its justification.")]})
    return change_risk_override(
        actor=actor, change=change, risk=risk["risk"], reason=risk.get("risk_override_reason") or ""
    )


def change_risk_override(*, actor, change: Change, risk: str | None, reason: str) -> Change:
    """Set the risk that applies instead of the computed one (change managers only, with a justification).

    `risk=None` drops the override: the computed risk applies again. Audited, and noted in the journal.
    """
    if not is_change_manager(actor):
        raise PermissionDenied(_("Only a change manager may override the computed risk."))
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = ticket_lock(change, None)
        if risk is None:
            data = {"risk": locked.risk_computed, "risk_override_reason": ""}
            note = _("Risk override removed: the computed risk (%(risk)s) applies.")
        else:
            if risk not in RiskChoices.values:
                raise ValidationError({"risk": [_("Choose one of: %(values)s.") % {"values": ", ".join(RiskChoices)}]})
            if not reason:
                raise ValidationError({"risk_override_reason": [_("Say why the risk differs from the computed one.")]})
            data = {"risk": risk, "risk_override_reason": reason}
            note = _("Risk set to %(risk)s (computed: %(computed)s): %(reason)s")
        updated = ticket_update(ticket=locked, actor=actor, data=data)
        journal_add(
            ticket=updated,
            actor=actor,
            body=note
            % {
                "risk": updated.get_risk_display(),
                "computed": updated.get_risk_computed_display(),
                "reason": reason,
            },
            visibility=VisibilityChoices.INTERNAL,
        )
    return updated
