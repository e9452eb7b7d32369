"""SLA clocks on incidents: created, paused, stopped, re-targeted, and thresholds fired exactly once."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from incidents.models import Incident
from itsm.models import JournalEntry
from itsm.services.tickets import transition_apply
from itsm.testing.api import ApiCrudMatrix
from itsm.testing.concurrency import run_concurrently
from slm.escalations import sla_fire_due
from slm.models import Agreement, Service, SLAClock, SLAThreshold
from slm.services import agreement_save
from slm.sla import sla_sync
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory

HOUR = 3600


def agreement(service, **changes):
    """An SLA for `service` (or, with kind/team changes and service None, an OLA/UC): response p h, resolution 4p h."""
    fields = {
        "name": f"Gold {service.name}" if service else "",
        "kind": "sla",
        "service": service,
        "applies_to": ["incident"],
        "targets": [
            {"priority": p, "metric": m, "seconds": s * p}
            for p in range(1, 6)
            for m, s in (("response", HOUR), ("resolution", 4 * HOUR))
        ],
        "pause_on": ["awaiting_caller"],
        "escalation_rules": {"75": ["notify_assignee"], "100": ["notify_team_manager", "reassign_escalation_team"]},
        **changes,
    }
    return agreement_save(actor=None, **fields)


@pytest.fixture
def service(db):
    return Service.objects.create(name="E-mail")


def clocks(incident):
    return {c.metric: c for c in SLAClock.objects.filter(object_id=incident.pk)}


@pytest.mark.django_db
def test_clocks_follow_the_incident(service, make_user):
    agreement(service)
    agent = make_user(roles=["agent"])
    incident = make_incident(service=service, impact="high", urgency="high")  # priority 1
    response, resolution = clocks(incident)["response"], clocks(incident)["resolution"]
    assert (response.target_seconds, resolution.target_seconds) == (HOUR, 4 * HOUR)
    assert resolution.due_at == incident.reported_at + dt.timedelta(hours=4)
    assert SLAThreshold.objects.filter(clock=resolution).count() == 4  # 50, 75, 90 and the breach
    incident = transition_apply(ticket=incident, name="hold", actor=agent, inputs={"on_hold_reason": "awaiting_caller"})
    assert {c.status for c in clocks(incident).values()} == {"paused"}
    assert clocks(incident)["resolution"].due_at is None
    incident = transition_apply(ticket=incident, name="resume", actor=agent)
    assert clocks(incident)["response"].status == "met"  # resume puts it in progress: work has started
    incident = transition_apply(
        ticket=incident, name="resolve", actor=agent, inputs={"resolution_code": "fixed", "resolution_notes": "ok"}
    )
    assert clocks(incident)["resolution"].status == "met"


@pytest.mark.django_db
def test_priority_change_retargets_from_the_start_and_service_change_cancels(service, make_user):
    agreement(service)
    from incidents.services import incident_update

    incident = make_incident(service=service, impact="low", urgency="low")  # priority 5: 20 h resolution
    assert clocks(incident)["resolution"].target_seconds == 20 * HOUR
    incident = incident_update(actor=make_user(roles=["agent"]), incident=incident, data={"impact": "high"})
    resolution = clocks(incident)["resolution"]
    assert (incident.priority, resolution.target_seconds) == (3, 12 * HOUR)
    assert resolution.due_at == incident.reported_at + dt.timedelta(hours=12)
    other = Service.objects.create(name="VPN")
    incident = incident_update(actor=make_user(roles=["agent"]), incident=incident, data={"service": other})
    assert {c.status for c in clocks(incident).values()} == {"cancelled"}


@pytest.mark.django_db(transaction=True)
def test_thresholds_fire_once_with_their_actions(service):
    second_line = TeamFactory(name="Second line")
    lead = UserFactory(email="lead@example.test")
    desk = TeamFactory(name="Desk", manager=lead, escalation_team=second_line)
    assignee = UserFactory(roles=["agent"], email="agent@example.test")
    agreement(service)
    incident = make_incident(service=service, impact="high", urgency="high", assignment_group=desk, assignee=assignee)
    past = timezone.now() - dt.timedelta(hours=5)
    Incident.objects.filter(pk=incident.pk).update(reported_at=past)
    from itsm.models import TicketStatusChange

    TicketStatusChange.objects.filter(object_id=incident.pk).update(at=past)
    incident.refresh_from_db()
    sla_sync(ticket=incident)
    mail.outbox.clear()
    fired = sla_fire_due()
    assert fired == 8  # response 50/75/90/100 and resolution 50/75/90/100 are all past
    assert sla_fire_due() == 0
    # The response breach (due first) notifies the desk's manager and hands the ticket to its escalation team;
    # by the resolution breach the ticket is with Second line, which has neither, so nothing more is done.
    response_breach = SLAThreshold.objects.get(clock__metric="response", percent=100)
    assert response_breach.actions == ["notify:" + lead.username, "reassign:Second line"]
    assert SLAThreshold.objects.get(clock__metric="resolution", percent=100).actions == []
    incident.refresh_from_db()
    assert (incident.assignment_group, incident.assignee) == (second_line, None)
    assert SLAClock.objects.get(object_id=incident.pk, metric="resolution").breached
    assert JournalEntry.objects.filter(object_id=incident.pk, body__contains="breached").count() == 2
    warned = SLAThreshold.objects.get(clock__metric="response", percent=75)  # before the reassignment
    assert warned.actions == ["notify:" + assignee.username]
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == len(set(subjects))  # each event once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_beat_workers_fire_each_threshold_exactly_once(service):
    agreement(service, escalation_rules={})
    past = timezone.now() - dt.timedelta(hours=5)
    from itsm.models import TicketStatusChange

    for _ in range(10):
        incident = make_incident(service=service, impact="high", urgency="high")
        Incident.objects.filter(pk=incident.pk).update(reported_at=past)
        TicketStatusChange.objects.filter(object_id=incident.pk).update(at=past)
        incident.refresh_from_db()
        sla_sync(ticket=incident)
    results, errors = run_concurrently(sla_fire_due, 4)
    assert errors == []
    # A sweep skips the rows another holds, and a row whose clock another sweep had locked stays locked by the
    # sweep that skipped it until that one commits: the racing sweeps may leave a few rows for the next beat tick.
    # Exactly once is the property: together with that next sweep, every threshold fired and none twice.
    assert sum(results) + sla_fire_due() == 80 == SLAThreshold.objects.filter(fired_at__isnull=False).count()


@pytest.mark.django_db
def test_clock_and_escalation_endpoints(client_as, service):
    agreement(service)
    incident = make_incident(service=service)
    agent = client_as("agent")
    rows = agent.get("/api/v1/sla-clocks/", {"incident": incident.pk}).json()["results"]
    assert sorted(r["metric"] for r in rows) == ["resolution", "response"]
    row = rows[0]
    assert {
        "agreement",
        "started_at",
        "due_at",
        "stopped_at",
        "paused_seconds",
        "status",
        "breached",
        "elapsed_percent",
    } <= set(row)
    assert agent.get("/api/v1/escalations/").json()["results"] == []
    assert client_as("requester").get("/api/v1/sla-clocks/").status_code == 403


class TestAgreementApi(ApiCrudMatrix):
    endpoint = "/api/v1/agreements/"
    model = Agreement
    viewer_role, writer_role, denied_role = "agent", "manager", "requester"

    def make_object(self):
        return agreement(Service.objects.create(name=f"S{Service.objects.count()}"))

    def create_payload(self):
        service = Service.objects.create(name="Payroll")
        return {
            "name": "Payroll SLA",
            "kind": "sla",
            "service": service.pk,
            "applies_to": ["incident"],
            "targets": [{"priority": 1, "metric": "resolution", "seconds": 3600}],
        }

    def update_payload(self, obj):
        return {"warning_percents": [50, 75, 80]}

    def invalid_payload(self):
        return {
            "name": "Bad",
            "kind": "sla",
            "applies_to": ["incident"],
            "targets": [{"priority": 9, "metric": "resolution", "seconds": -1}],
        }, "targets"

    def test_writer_deletes_with_audit(self, make_user):
        """Only admins delete agreements."""
        obj = self.make_object()
        assert self.as_role(make_user, "manager")[0].delete(self.detail(obj)).status_code == 403
        assert self.as_role(make_user, "admin")[0].delete(self.detail(obj)).status_code == 204


@pytest.mark.django_db
def test_incident_api_lists_its_clocks_without_extra_queries_per_row(client_as, service):
    from itsm.testing.queries import assert_query_count_stable

    agreement(service)
    agent = client_as("agent")
    incident = make_incident(service=service)
    body = agent.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert sorted(clock["metric"] for clock in body["sla"]) == ["resolution", "response"]

    def make_rows(n):
        for _ in range(n):
            make_incident(service=service)

    assert_query_count_stable(make_rows, lambda: agent.get("/api/v1/incidents/", {"limit": 100}))


@pytest.mark.django_db
def test_incident_page_shows_its_clocks(client, sign_in, service):
    agreement(service)
    incident = make_incident(service=service)
    sign_in("agent")
    page = client.get(f"/incidents/{incident.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-sla-clock="response"' in html and 'data-sla-clock="resolution"' in html
    assert "Gold E-mail" in html


@pytest.mark.django_db
def test_sync_costs_do_not_grow_with_thresholds_and_new_rows_are_audited(service):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from itsm.models import AuditEvent

    agreement(service, warning_percents=[10, 20, 30, 40, 50, 60, 70, 80, 90], escalation_rules={})
    incident = make_incident(service=service)
    assert AuditEvent.objects.filter(object_type="slm.slathreshold", action="create").count() == 20
    with CaptureQueriesContext(connection) as ten_thresholds:
        sla_sync(ticket=incident)
    agreement_obj = Agreement.objects.get()
    agreement_save(actor=None, agreement=agreement_obj, warning_percents=[50], escalation_rules={})
    sla_sync(ticket=incident)
    with CaptureQueriesContext(connection) as two_thresholds:
        sla_sync(ticket=incident)
    assert len(ten_thresholds.captured_queries) == len(two_thresholds.captured_queries)
    live = SLAThreshold.objects.filter(clock__object_id=incident.pk, due_at__isnull=False)
    assert sorted(set(live.values_list("percent", flat=True))) == [50, 100]  # dropped percents can no longer fire
