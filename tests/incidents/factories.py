"""Incident test data, built through the real services."""

from incidents.models import Incident
from incidents.services import incident_create
from tests.itsm.factories import UserFactory


def make_incident(*, actor=None, status="new", **fields) -> Incident:
    """An incident logged by `actor` (an agent by default), then forced into `status` for test setup."""
    actor = actor or UserFactory(roles=["agent"])
    fields.setdefault("title", "Outlook does not start")
    incident = incident_create(actor=actor, **fields)
    if status != "new":
        Incident.objects.filter(pk=incident.pk).update(status=status)
        incident.refresh_from_db()
    return incident
