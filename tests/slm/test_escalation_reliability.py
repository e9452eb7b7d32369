"""Escalations with a real worker, beat and Redis: exactly once through concurrent sweeps, a sweep that dies,
a flushed broker and a broker that is down for a while.

Beat runs in a thread with the shipped task on a 1-second schedule (instead of 15 s, to keep the tests short; the
mechanism is the same). The worker is the suite's `celery_worker` (Redis db ITSM_TEST_REDIS_DB, 15 by default).
"""

import datetime as dt
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
import redis
from celery import Celery
from celery.beat import EmbeddedService
from django.core import mail
from django.utils import timezone

from incidents.models import Incident
from itsm.celery import ItsmTask, app
from itsm.models import JournalEntry, OutboxMessage, Team, TicketAssignmentChange, TicketStatusChange
from itsm.testing.concurrency import run_concurrently
from slm.escalations import sla_fire_due
from slm.models import Service, SLAThreshold
from slm.services import agreement_save
from slm.sla import sla_sync
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory

HOUR = 3600
BEAT = {"slm-fire-thresholds": {"task": "slm.tasks.sla_fire_due", "schedule": 1.0}}
OUTAGE_SECONDS = 15  # ten and more beat ticks with the broker gone; the property does not depend on the length


def wait_for(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def not_yet_due_incidents(count, **rules):
    """`count` incidents with a 1 h resolution target, just logged: nothing is due yet."""
    service = Service.objects.filter(name="E-mail").first()
    if service is None:
        service = Service.objects.create(name="E-mail")
        agreement_save(
            actor=None,
            name="E-mail SLA",
            kind="sla",
            service=service,
            applies_to=["incident"],
            targets=[{"priority": p, "metric": "resolution", "seconds": HOUR} for p in range(1, 6)],
            escalation_rules=rules or {"75": ["notify_assignee"], "100": ["notify_team_manager"]},
        )
    team = Team.objects.filter(name="Desk").first() or TeamFactory(
        name="Desk", manager=UserFactory(email="lead@example.test"), escalation_team=TeamFactory(name="Second line")
    )
    first = Incident.objects.count()
    return [
        make_incident(
            service=service,
            assignment_group=team,
            assignee=UserFactory(roles=["agent"], email=f"agent{first + n}@example.test"),
        )
        for n in range(count)
    ]


def make_due(incidents):
    """Move the incidents' histories 5 h back and resync: their 50/75/90/100 % thresholds are all due."""
    past = timezone.now() - dt.timedelta(hours=5)
    for incident in incidents:
        Incident.objects.filter(pk=incident.pk).update(reported_at=past)
        TicketStatusChange.objects.filter(object_id=incident.pk).update(at=past)
        TicketAssignmentChange.objects.filter(object_id=incident.pk).update(at=past)
        incident.refresh_from_db()
        sla_sync(ticket=incident)
    mail.outbox.clear()


def due_incidents(count, **rules):
    incidents = not_yet_due_incidents(count, **rules)
    make_due(incidents)
    return incidents


def ids(incidents):
    return [incident.pk for incident in incidents]


def assert_fired_exactly_once(incidents, notified_per_incident=2):
    rows = SLAThreshold.objects.filter(clock__object_id__in=ids(incidents))
    assert rows.count() == 4 * len(incidents)
    assert not rows.filter(fired_at__isnull=True).exists()
    assert JournalEntry.objects.filter(body__startswith="SLA").count() == rows.count()  # one timeline note each
    # Each notified event reached its person once per channel (e-mail and in-app), never twice.
    escalation_messages = OutboxMessage.objects.filter(event_key__startswith="sla:")
    assert escalation_messages.count() == 2 * notified_per_incident * len(incidents)
    keys = list(escalation_messages.values_list("event_key", flat=True))
    assert len(keys) == len(set(keys))


@contextmanager
def beat(celery_app, tmp_path, name="beat"):
    """Celery beat in a thread with the SLA sweep every second."""
    saved = celery_app.conf.beat_schedule
    celery_app.conf.beat_schedule = BEAT
    service = EmbeddedService(celery_app, thread=True, max_interval=0.5, schedule_filename=str(tmp_path / name))
    service.start()
    try:
        yield service
    finally:
        service.stop()
        service.join(10)
        celery_app.conf.beat_schedule = saved


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_fire_each_threshold_and_its_notifications_once():
    incidents = due_incidents(12)
    results, errors = run_concurrently(sla_fire_due, 2)
    assert errors == []
    assert sum(results) == 48
    assert_fired_exactly_once(incidents)
    assert len(mail.outbox) == 24  # delivered after commit: 12 assignees and 12 times the manager


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_that_dies_midway_loses_nothing(celery_worker, tmp_path, monkeypatch):
    incidents = due_incidents(6, **{"75": ["notify_assignee"], "100": ["reassign_escalation_team"]})
    from slm import escalations

    real_recipients, calls = escalations._Batch._recipients, []

    def dies_on_the_fourth_notification(batch, action, ticket):
        calls.append(action)
        if len(calls) == 4:  # by now the first tickets were reassigned within the same transaction
            raise RuntimeError("worker lost mid-sweep")
        return real_recipients(batch, action, ticket)

    monkeypatch.setattr(escalations._Batch, "_recipients", dies_on_the_fourth_notification)
    with beat(app, tmp_path):
        assert wait_for(lambda: not SLAThreshold.objects.filter(fired_at__isnull=True).exists())
    assert len(calls) > 4  # the dead sweep was followed by one that fired everything
    assert_fired_exactly_once(incidents, notified_per_incident=1)
    # The rolled-back sweep's reassignments left no trace: each ticket moved to Second line once.
    for incident in incidents:
        teams = [
            team
            for _at, team in TicketAssignmentChange.objects.filter(object_id=incident.pk).values_list(
                "at", "team__name"
            )
        ]
        assert teams == ["Desk", "Second line"]


class PrivateRedis:
    """A Redis server of this test's own on an unused port, so it can be flushed, stopped and started again."""

    def __init__(self, tmp_path):
        self.port, self.dir, self.process = unused_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        assert wait_for(lambda: _pings(client), timeout=20)
        return client

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:  # not accepting connections yet
        return False


@pytest.fixture
def private_broker(tmp_path):
    """(Redis server, Celery app on it): worker and beat of this test talk only to this server."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    private = Celery("itsm-private-broker", task_cls=ItsmTask, set_as_current=False)
    private.config_from_object("django.conf:settings", namespace="CELERY")
    private.conf.broker_url = server.url
    private.conf.task_always_eager = False
    try:
        yield server, private
    finally:
        server.stop()
        app.set_current()  # starting a worker made the private app the default one
        app.set_default()


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_flushed_or_down_every_due_escalation_still_fires_once(private_broker, tmp_path):
    from celery.contrib.testing.worker import start_worker

    server, private = private_broker
    first, second = due_incidents(4), not_yet_due_incidents(3)
    broker = redis.Redis.from_url(server.url)
    # Flushed: sweeps were queued after the rows came due, then Redis lost them before any worker took them.
    for _ in range(3):
        private.send_task("slm.tasks.sla_fire_due")
    assert broker.llen("celery") == 3
    broker.flushdb()
    assert SLAThreshold.objects.filter(fired_at__isnull=True).count() == 4 * 7
    with start_worker(private, pool="solo", perform_ping_check=False, shutdown_timeout=30), beat(private, tmp_path):
        assert wait_for(
            lambda: not SLAThreshold.objects.filter(clock__object_id__in=ids(first), fired_at=None).exists()
        )
        # Down: Redis stops; meanwhile the second group's thresholds come due. Beat's ticks cannot reach a worker.
        server.stop()
        make_due(second)
        time.sleep(OUTAGE_SECONDS)
        assert SLAThreshold.objects.filter(clock__object_id__in=ids(second), fired_at=None).count() == 4 * 3
        # Back: worker and beat reconnect by themselves, and the next sweep fires everything that came due.
        server.start()
        assert wait_for(lambda: not SLAThreshold.objects.filter(fired_at=None).exists())
        time.sleep(3)  # more ticks find nothing left to fire
    assert_fired_exactly_once(first + second)
