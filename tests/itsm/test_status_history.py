"""Every ticket keeps its status history (what SLA clocks are recomputed from)."""

import pytest

from itsm.models.history import status_history
from itsm.services.tickets import transition_apply
from tests.incidents.factories import make_incident


@pytest.mark.django_db
def test_creation_and_each_transition_append_to_the_history(make_user):
    agent = make_user(roles=["agent"])
    incident = make_incident()
    incident = transition_apply(ticket=incident, name="hold", actor=agent, inputs={"on_hold_reason": "awaiting_vendor"})
    incident = transition_apply(ticket=incident, name="resume", actor=agent)
    history = status_history(incident)
    assert [(status, reason) for _at, status, reason in history] == [
        ("new", ""),
        ("on_hold", "awaiting_vendor"),
        ("in_progress", ""),
    ]
    assert history[0][0] == incident.reported_at
    assert history[0][0] <= history[1][0] <= history[2][0]
