"""Incident workflow: every transition from every state, inputs, requester rights, major incidents, auto-close."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from incidents.models import Incident
from incidents.services import incidents_autoclose
from itsm.models import AuditEvent, JournalEntry
from itsm.services.tickets import transition_apply, transitions_available
from itsm.testing.workflows import WorkflowMatrix
from tests.incidents.factories import make_incident
from tests.itsm.factories import UserFactory

INPUTS = {
    "hold": {"on_hold_reason": "awaiting_caller"},
    "resolve": {"resolution_code": "fixed", "resolution_notes": "Reinstalled the profile"},
    "cancel": {"reason": "Logged twice"},
}


class TestIncidentWorkflow(WorkflowMatrix):
    model = Incident
    actor_role = "agent"
    denied_role = "auditor"

    def make_ticket(self, status):
        return make_incident(status=status)

    def inputs_for(self, transition):
        return INPUTS.get(transition.name, {})


@pytest.mark.django_db
def test_transitions_set_their_fields(make_user):
    agent = make_user(roles=["agent"])
    incident = make_incident()
    held = transition_apply(ticket=incident, name="hold", actor=agent, inputs=INPUTS["hold"])
    assert held.on_hold_reason == "awaiting_caller"
    resumed = transition_apply(ticket=held, name="resume", actor=agent)
    assert resumed.on_hold_reason is None
    resolved = transition_apply(ticket=resumed, name="resolve", actor=agent, inputs=INPUTS["resolve"])
    assert (resolved.resolution_code, resolved.resolution_notes) == ("fixed", "Reinstalled the profile")
    assert resolved.resolved_at is not None
    reopened = transition_apply(ticket=resolved, name="reopen", actor=agent)
    assert reopened.resolved_at is None and reopened.status == "in_progress"
    cancelled = transition_apply(ticket=reopened, name="cancel", actor=agent, inputs=INPUTS["cancel"])
    assert JournalEntry.objects.filter(object_id=cancelled.pk, body__contains="Logged twice").exists()


@pytest.mark.django_db
def test_requester_may_only_reopen_or_close_own_resolved_incident(make_user):
    owner, other = make_user(roles=["requester"]), make_user(roles=["requester"])
    incident = make_incident(requester=owner, status="resolved")
    assert sorted(t.name for t in transitions_available(ticket=incident, actor=owner)) == ["close", "reopen"]
    assert transitions_available(ticket=incident, actor=other) == []
    with pytest.raises(PermissionDenied):
        transition_apply(ticket=incident, name="close", actor=other)
    new = make_incident(requester=owner)
    assert transitions_available(ticket=new, actor=owner) == []
    with pytest.raises(PermissionDenied):
        transition_apply(ticket=new, name="cancel", actor=owner, inputs=INPUTS["cancel"])
    assert transition_apply(ticket=incident, name="close", actor=owner).closed_at is not None


@pytest.mark.django_db(transaction=True)
def test_resolving_a_major_parent_resolves_its_open_children(make_user):
    agent = make_user(roles=["agent"])
    parent = make_incident(major=True, title="E-mail down for everyone")
    child_a = make_incident(parent=parent)
    child_b = make_incident(parent=parent, status="on_hold")
    done = make_incident(parent=parent, status="closed")
    transition_apply(ticket=parent, name="resolve", actor=agent, inputs=INPUTS["resolve"])
    for child in (child_a, child_b):
        child.refresh_from_db()
        assert (child.status, child.resolution_code, child.resolution_notes) == (
            "resolved",
            "fixed",
            "Reinstalled the profile",
        )
        assert AuditEvent.objects.filter(
            object_type="incidents.incident", object_id=str(child.pk), transition="resolve", actor=agent
        ).exists()
    done.refresh_from_db()
    assert done.status == "closed"


@pytest.mark.django_db(transaction=True)
def test_autoclose_closes_old_resolved_incidents_as_the_system(settings):
    settings.ITSM_INCIDENT_AUTOCLOSE_DAYS = 3
    old = make_incident(status="resolved")
    fresh = make_incident(status="resolved")
    Incident.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=4))
    Incident.objects.filter(pk=fresh.pk).update(resolved_at=timezone.now() - timedelta(days=1))
    from incidents.tasks import incident_autoclose

    assert incident_autoclose.delay().get() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("closed", "resolved")
    event = AuditEvent.objects.get(object_type="incidents.incident", object_id=str(old.pk), transition="close")
    assert (event.actor, event.source) == (None, "task")
    assert incidents_autoclose() == 0


@pytest.mark.django_db(transaction=True)
def test_resolution_is_notified_to_the_requester_once():
    requester = UserFactory(email="caller@example.test")
    agent = UserFactory(roles=["agent"])
    incident = make_incident(requester=requester, actor=agent)
    mail.outbox.clear()
    transition_apply(ticket=incident, name="resolve", actor=agent, inputs=INPUTS["resolve"])
    assert [m.subject for m in mail.outbox] == [f"[{incident.number}] Resolved: {incident.title}"]
