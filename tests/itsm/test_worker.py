"""A real Celery worker (Redis broker) delivers the outbox and carries the audit context."""

import time

import pytest
from django.core import mail

from itsm.audit_context import audit_context
from itsm.celery import app
from itsm.models import AuditEvent, OutboxMessage, Team
from itsm.services.outbox import outbox_enqueue
from tests.itsm.factories import TeamFactory, UserFactory


@app.task(name="tests.worker_rename_team")
def worker_rename_team(team_id):
    team = Team.objects.get(pk=team_id)
    team.name = f"{team.name} (renamed by worker)"
    team.save()


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_delivers_outbox_after_commit(celery_worker):
    user = UserFactory(email="bob@example.test")
    outbox_enqueue(event_key="worker:1", recipient=user, subject="Hello", body="from the worker")
    assert wait_for(lambda: OutboxMessage.objects.filter(status="sent").exists())
    assert [m.subject for m in mail.outbox] == ["Hello"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_task_is_audited_as_task_with_queuing_actor(celery_worker):
    actor = UserFactory()
    team = TeamFactory(name="Blue")
    with audit_context(source="api", actor=actor):
        worker_rename_team.delay(team.pk)
    events = AuditEvent.objects.filter(object_type="itsm.team", object_id=str(team.pk), action="update")
    assert wait_for(events.exists)
    event = events.get()
    assert (event.source, event.actor_id) == ("task", actor.pk)
    assert event.changes["name"] == ["Blue", "Blue (renamed by worker)"]
