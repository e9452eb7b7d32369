"""Generic ticket writes: create with a number, update with optimistic locking, apply a transition."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itsm.audit import m2m_set
from itsm.audit_context import audit_context
from itsm.choices import priority_for
from itsm.exceptions import StaleVersion, TransitionRefused
from itsm.models import TicketModel
from itsm.models.history import assignment_record, status_record
from itsm.services.numbering import number_next
from itsm.workflows import Transition


def _save_validated(ticket: TicketModel) -> None:
    if ticket.impact and ticket.urgency:
        ticket.priority = priority_for(ticket.impact, ticket.urgency)
    ticket.full_clean(exclude=["number", "status"])
    ticket.save()


def ticket_create(*, model: type[TicketModel], actor, initial_status: str, m2m: dict | None = None, **fields):
    """Create a ticket of `model` with the next number, in its initial status, audited as `actor`."""
    with transaction.atomic(), audit_context(actor=actor):
        ticket = model(**fields, status=initial_status, created_by=actor)
        ticket.number = number_next(prefix=model.NUMBER_PREFIX)
        _save_validated(ticket)
        opened_at = getattr(ticket, "reported_at", None) or timezone.now()
        status_record(ticket, at=opened_at)
        if ticket.assignment_group_id is not None:
            assignment_record(ticket, at=opened_at)
        for name, values in (m2m or {}).items():
            m2m_set(ticket, name, values)
    return ticket


def ticket_lock(ticket: TicketModel, expected_version: int | None) -> TicketModel:
    """Lock the ticket's row (inside a transaction) and refuse a stale writer."""
    locked = type(ticket)._base_manager.select_for_update().get(pk=ticket.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion()
    return locked


def ticket_update(
    *, ticket: TicketModel, actor, data: dict, expected_version: int | None = None, m2m: dict | None = None
) -> TicketModel:
    """Change ordinary fields of a ticket (never `status`); refuses with StaleVersion when it changed meanwhile."""
    if "status" in data:
        raise ValidationError({"status": [_("Status changes only through a transition.")]})
    with transaction.atomic(), audit_context(actor=actor):
        locked = ticket_lock(ticket, expected_version)
        team_before = locked.assignment_group_id
        for name, value in data.items():
            setattr(locked, name, value)
        locked.version += 1
        _save_validated(locked)
        if locked.assignment_group_id != team_before:
            assignment_record(locked, at=timezone.now(), previous_team_id=team_before)
        for name, values in (m2m or {}).items():
            m2m_set(locked, name, values)
    return locked


def _status_reason(ticket) -> str:
    # Tickets name their pause reason `on_hold_reason`; it decides whether an SLA clock pauses.
    return getattr(ticket, "on_hold_reason", None) or ""


def transitions_available(*, ticket: TicketModel, actor) -> list[Transition]:
    """The transitions `actor` may take on the ticket in its current state."""
    return [
        t
        for t in type(ticket).workflow
        if ticket.status in t.sources and _permitted(t, ticket, actor) and not (t.guard and t.guard(ticket=ticket))
    ]


def _permitted(transition: Transition, ticket: TicketModel, actor) -> bool:
    if actor is None:
        return True  # the system itself (scheduled jobs such as auto-closure), audited without an actor
    opts = type(ticket)._meta
    perm = (
        transition.permission
        if "." in transition.permission
        else f"{opts.app_label}.{transition.permission}_{opts.model_name}"
    )
    if transition.allowed is not None:
        return transition.allowed(ticket=ticket, actor=actor)
    return actor.has_perm(perm)


def transition_apply(
    *, ticket: TicketModel, name: str, actor, inputs: dict | None = None, expected_version: int | None = None
) -> TicketModel:
    """Apply the named transition: lock, check state/permission/inputs/guard, change, journal, audit, queue effects.

    Raises TransitionRefused (409) for an unknown name, wrong state or failing guard; PermissionDenied
    (403); ValidationError (400) for missing/invalid inputs; StaleVersion (412). Nothing changes on error.
    """
    workflow = type(ticket).workflow
    transition = workflow.get(name) if workflow else None
    if transition is None:
        raise TransitionRefused(_("Unknown transition “%(name)s”.") % {"name": name})
    form = transition.form_class()(data=inputs or {})
    with transaction.atomic():
        locked = ticket_lock(ticket, expected_version)
        if locked.status not in transition.sources:
            raise TransitionRefused(
                _("“%(name)s” is not possible from status “%(status)s”.") % {"name": name, "status": locked.status}
            )
        if not _permitted(transition, locked, actor):
            raise PermissionDenied(_("You may not “%(name)s” this record.") % {"name": name})
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        if transition.guard and (reason := transition.guard(ticket=locked)):
            raise TransitionRefused(reason)
        if transition.sets_fields:
            for field_name, value in form.cleaned_data.items():
                if hasattr(locked, field_name):
                    setattr(locked, field_name, value)
        locked.status = transition.target_of(locked)
        locked.version += 1
        with audit_context(actor=actor, action="transition", transition=name):
            for effect in transition.effects:
                effect(ticket=locked, actor=actor, inputs=form.cleaned_data)
            locked.save()
        status_record(locked, at=timezone.now(), reason=_status_reason(locked))
        for hook in workflow.after:
            hook(ticket=locked, actor=actor, inputs=form.cleaned_data)
        for callback in transition.on_commit:
            transaction.on_commit(lambda cb=callback, t=locked: cb(ticket=t, actor=actor, inputs=form.cleaned_data))
    return locked
