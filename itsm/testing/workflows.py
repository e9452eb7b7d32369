"""`WorkflowMatrix`: every declared transition of a ticket model is tried from every state.

    class TestSampleWorkflow(WorkflowMatrix):
        model = SampleTicket
        actor_role = "agent"
        def make_ticket(self, status): ...          # a ticket in that status, ready for any transition
        def inputs_for(self, transition): ...       # valid inputs for it

For each transition: allowed from each source state (status, version, journal-free audit event
"transition" with the actor); refused with TransitionRefused from every other state, changing nothing;
refused with PermissionDenied for a role without the permission; missing required inputs -> ValidationError.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from itsm.exceptions import TransitionRefused
from itsm.models import AuditEvent
from itsm.services.tickets import transition_apply


@pytest.mark.django_db
class WorkflowMatrix:
    model = None
    actor_role = "agent"
    denied_role = "auditor"

    def make_ticket(self, status):
        raise TypeError(f"{type(self).__name__} must define make_ticket")

    def inputs_for(self, transition) -> dict:
        return {}

    def _states(self):
        return sorted({value for value, _label in self.model._meta.get_field("status").choices})

    def test_every_transition_from_every_state(self, make_user):
        actor = make_user(roles=[self.actor_role])
        for transition in self.model.workflow:
            for state in self._states():
                ticket = self.make_ticket(state)
                version = ticket.version
                if state in transition.sources:
                    target = transition.target_of(ticket)
                    done = transition_apply(
                        ticket=ticket, name=transition.name, actor=actor, inputs=self.inputs_for(transition)
                    )
                    assert done.status == target, (transition.name, state)
                    assert done.version == version + 1
                    event = AuditEvent.objects.filter(
                        object_type=self.model._meta.label_lower, object_id=str(ticket.pk), action="transition"
                    ).latest("id")
                    assert event.transition == transition.name and event.actor_id == actor.pk
                    assert event.changes["status"] == [state, target]
                else:
                    with pytest.raises(TransitionRefused):
                        transition_apply(
                            ticket=ticket, name=transition.name, actor=actor, inputs=self.inputs_for(transition)
                        )
                    ticket.refresh_from_db()
                    assert (ticket.status, ticket.version) == (state, version), (transition.name, state)

    def test_permission_is_required(self, make_user):
        outsider = make_user(roles=[self.denied_role])
        for transition in self.model.workflow:
            ticket = self.make_ticket(transition.sources[0])
            with pytest.raises(PermissionDenied):
                transition_apply(
                    ticket=ticket, name=transition.name, actor=outsider, inputs=self.inputs_for(transition)
                )
            ticket.refresh_from_db()
            assert ticket.status == transition.sources[0]

    def test_required_inputs_are_enforced(self, make_user):
        actor = make_user(roles=[self.actor_role])
        for transition in self.model.workflow:
            required = [name for name, field in transition.inputs.items() if field.required]
            if not required:
                continue
            ticket = self.make_ticket(transition.sources[0])
            with pytest.raises(ValidationError) as caught:
                transition_apply(ticket=ticket, name=transition.name, actor=actor, inputs={})
            assert set(required) <= set(caught.value.message_dict)
            ticket.refresh_from_db()
            assert ticket.status == transition.sources[0]
