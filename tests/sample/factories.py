"""Factory of the test-only sample ticket (built through the real create service)."""

from itsm.services.tickets import ticket_create
from tests.sample.models import SampleTicket


def sample_ticket(*, actor=None, status="new", **fields) -> SampleTicket:
    """A sample ticket created by the service, then forced into `status` for test setup."""
    fields.setdefault("title", "Printer on fire")
    ticket = ticket_create(model=SampleTicket, actor=actor, initial_status="new", **fields)
    if status != "new":
        SampleTicket.objects.filter(pk=ticket.pk).update(status=status)
        ticket.refresh_from_db()
    return ticket
