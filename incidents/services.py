"""Incident writes: log, update (assignment notifies), comment, resolve children, auto-close."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import OPEN_STATUSES, IncidentStatusChoices
from incidents.models import Incident
from incidents.notifications import notify_assigned, notify_created, notify_public_comment
from itsm.choices import VisibilityChoices
from itsm.services.journal import journal_add
from itsm.services.tickets import ticket_create, ticket_update, transition_apply
from slm.sla import sla_sync

M2M_FIELDS = ("configuration_items", "watchers")
# What a requester may set when logging their own incident in the portal; the desk decides the rest.
REQUESTER_FIELDS = {"kind", "title", "description", "service", "urgency", "configuration_items", "watchers"}


def _split(fields: dict) -> tuple[dict, dict]:
    return {k: v for k, v in fields.items() if k not in M2M_FIELDS}, {
        k: v for k, v in fields.items() if k in M2M_FIELDS
    }


def _check_parent(incident_id, parent) -> None:
    if parent is None:
        return
    if incident_id is not None and parent.pk == incident_id:
        raise ValidationError({"parent": [_("An incident cannot be its own parent.")]})
    if parent.parent_id is not None:
        raise ValidationError({"parent": [_("The parent is itself a child: link to its parent instead.")]})


def incident_create(*, actor, **fields) -> Incident:
    """Log an incident or service request (requester defaults to the actor); acknowledges it to the requester."""
    if not actor.is_staff_member:
        fields = {k: v for k, v in fields.items() if k in REQUESTER_FIELDS}
        fields["requester"], fields["channel"] = actor, "portal"
    fields.setdefault("requester", actor)
    _check_parent(None, fields.get("parent"))
    reported_at = fields.get("reported_at")
    if reported_at is not None and reported_at > timezone.now() + timedelta(minutes=5):
        # SLA clocks start here: a future report time would hand out free time.
        raise ValidationError({"reported_at": [_("The report time cannot be in the future.")]})
    scalars, m2m = _split(fields)
    with transaction.atomic():
        incident = ticket_create(
            model=Incident, actor=actor, initial_status=Incident.INITIAL_STATUS, m2m=m2m, **scalars
        )
        sla_sync(ticket=incident)
        notify_created(incident=incident)
        if incident.assignment_group_id or incident.assignee_id:
            notify_assigned(incident=incident, actor=actor)
    return incident


def incident_update(*, actor, incident: Incident, data: dict, expected_version: int | None = None) -> Incident:
    """Change an incident's fields (never its status); a new assignee or team is notified."""
    _check_parent(incident.pk, data.get("parent"))
    scalars, m2m = _split(data)
    with transaction.atomic():
        before = (incident.assignee_id, incident.assignment_group_id)
        sla_fields = ("kind", "service_id", "priority", "reported_at", "assignment_group_id")
        sla_inputs = [getattr(incident, name) for name in sla_fields]
        updated = ticket_update(ticket=incident, actor=actor, data=scalars, expected_version=expected_version, m2m=m2m)
        if [getattr(updated, name) for name in sla_fields] != sla_inputs:
            # The agreements or targets changed (clocks follow, from the start), or a team stint ended (OLAs/UCs).
            sla_sync(ticket=updated)
        after = (updated.assignee_id, updated.assignment_group_id)
        if after != before and any(after):
            notify_assigned(incident=updated, actor=actor)
    return updated


def incident_assign_many(*, actor, incidents, assignment_group=None, assignee=None) -> int:
    """Bulk assign (queue action): each incident is updated and audited on its own; returns how many changed."""
    data = {k: v for k, v in {"assignment_group": assignment_group, "assignee": assignee}.items() if v is not None}
    changed = 0
    with transaction.atomic():
        for incident in incidents:
            if any(getattr(incident, k) != v for k, v in data.items()):
                incident_update(actor=actor, incident=incident, data=data)
                changed += 1
    return changed


def incident_comment_add(*, actor, incident: Incident, body: str, visibility: str):
    """A comment or work note; public comments reach the requester."""
    with transaction.atomic():
        entry = journal_add(ticket=incident, actor=actor, body=body, visibility=visibility)
        if entry.visibility == VisibilityChoices.PUBLIC:
            notify_public_comment(incident=incident, entry=entry)
    return entry


def incident_children_resolve(*, parent: Incident, actor, inputs: dict) -> int:
    """Resolve the parent's open children with the parent's resolution (inside the parent's transition)."""
    children = Incident.objects.filter(parent=parent, status__in=OPEN_STATUSES).order_by("pk")
    for child in children:
        transition_apply(ticket=child, name="resolve", actor=actor, inputs=inputs)
    return len(children)


def incidents_autoclose(*, now=None) -> int:
    """Close incidents resolved more than ITSM_INCIDENT_AUTOCLOSE_DAYS ago, as the system; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ITSM_INCIDENT_AUTOCLOSE_DAYS)
    due = Incident.objects.filter(status=IncidentStatusChoices.RESOLVED, resolved_at__lt=cutoff).order_by("pk")
    closed = 0
    for incident in due.iterator(chunk_size=500):
        transition_apply(ticket=incident, name="close", actor=None)
        closed += 1
    return closed
