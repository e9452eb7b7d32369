"""The workflow engine, exercised on the sample ticket through the shared WorkflowMatrix."""

import pytest

from itsm.exceptions import TransitionRefused
from itsm.services.tickets import transition_apply, transitions_available
from itsm.testing.workflows import WorkflowMatrix
from tests.itsm.factories import UserFactory
from tests.sample.factories import sample_ticket
from tests.sample.models import SampleTicket


class TestSampleWorkflow(WorkflowMatrix):
    model = SampleTicket
    actor_role = "agent"
    denied_role = "auditor"

    def make_ticket(self, status):
        return sample_ticket(status=status, assignee=UserFactory())

    def inputs_for(self, transition):
        return {"hold": {"hold_reason": "caller"}, "resolve": {"resolution_notes": "Replaced toner"}}.get(
            transition.name, {}
        )


@pytest.mark.django_db
def test_guard_refuses_with_reason_and_changes_nothing(make_user):
    agent = make_user(roles=["agent"])
    ticket = sample_ticket(status="in_progress")
    with pytest.raises(TransitionRefused, match="Assign the ticket"):
        transition_apply(ticket=ticket, name="resolve", actor=agent, inputs={"resolution_notes": "done"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution_notes, ticket.version) == ("in_progress", "", 1)


@pytest.mark.django_db
def test_inputs_are_copied_to_fields_and_invalid_choice_refused(make_user):
    agent = make_user(roles=["agent"])
    ticket = sample_ticket(status="in_progress")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        transition_apply(ticket=ticket, name="hold", actor=agent, inputs={"hold_reason": "lunch"})
    assert "hold_reason" in caught.value.message_dict
    held = transition_apply(ticket=ticket, name="hold", actor=agent, inputs={"hold_reason": "vendor"})
    assert (held.status, held.hold_reason) == ("on_hold", "vendor")


@pytest.mark.django_db
def test_requester_may_close_own_resolved_ticket_only(make_user):
    owner, stranger = make_user(roles=["requester"]), make_user(roles=["requester"])
    ticket = sample_ticket(status="resolved", requester=owner)
    assert [t.name for t in transitions_available(ticket=ticket, actor=owner)] == ["close"]
    assert transitions_available(ticket=ticket, actor=stranger) == []
    assert transition_apply(ticket=ticket, name="close", actor=owner).status == "closed"


@pytest.mark.django_db
def test_unknown_transition_is_refused(make_user):
    with pytest.raises(TransitionRefused, match="Unknown transition"):
        transition_apply(ticket=sample_ticket(), name="teleport", actor=make_user(roles=["agent"]))
