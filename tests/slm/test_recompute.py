"""Recomputing live clocks after calendar and agreement edits: the SLARecomputeJob, its API and its guarantees."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.services import incident_update
from slm.escalations import sla_fire_due
from slm.models import Agreement, Calendar, Service, SLAClock, SLARecomputeJob, SLAThreshold
from slm.recompute import recompute_job_run
from slm.services import agreement_save, calendar_save
from slm.sla import sla_sync
from tests.incidents.factories import make_incident as logged
from tests.itsm.factories import TeamFactory

HOUR = 3600
MONDAY_9 = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)  # 09:00 in Berlin
OFFICE = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
LONG_DAYS = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(5)]


@pytest.fixture
def now(monkeypatch):
    state = {"now": MONDAY_9 + dt.timedelta(hours=2)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


@pytest.fixture
def setup(db, now):
    office = calendar_save(actor=None, name="Office", timezone="Europe/Berlin", hours=OFFICE)
    service = Service.objects.create(name="E-mail")
    sla = agreement_save(
        actor=None,
        name="E-mail SLA",
        kind="sla",
        service=service,
        calendar=office,
        applies_to=["incident"],
        targets=[{"priority": p, "metric": "resolution", "seconds": 8 * HOUR} for p in range(1, 6)],
        pause_on=["awaiting_caller"],
    )
    SLARecomputeJob.objects.all().delete()  # the new agreement's own job: nothing to cover yet
    return office, service, sla


def make_incident(**fields):
    return logged(reported_at=MONDAY_9, **fields)


def run():
    """Run the jobs the edits queued (as the worker would), oldest first."""
    for job in SLARecomputeJob.objects.filter(status="queued").order_by("pk"):
        recompute_job_run(job_id=job.pk)


def resolution(incident):
    return SLAClock.objects.get(object_id=incident.pk, metric="resolution", stint=0)


@pytest.mark.django_db
def test_a_calendar_edit_moves_running_clocks_and_their_unfired_thresholds(setup, now):
    office, _service, _sla = setup
    incident = make_incident(service=_service)
    clock = resolution(incident)
    assert clock.due_at == MONDAY_9 + dt.timedelta(hours=8)  # 17:00 Berlin
    calendar_save(actor=None, calendar=office, hours=LONG_DAYS)  # 08:00-20:00: the 8 h end at 17:00 local
    job = SLARecomputeJob.objects.get()
    assert (job.calendar, job.status, job.changed) == (office, "queued", ["hours"])
    run()
    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.percent) == ("done", 1, 1, 100)
    clock.refresh_from_db()
    assert clock.due_at == MONDAY_9 + dt.timedelta(hours=8)  # started at 09:00: still 8 business hours later
    # Now a holiday on the Monday: the clock started at 09:00 on a day off, so it counts from Tuesday 08:00.
    calendar_save(actor=None, calendar=office, holidays=[{"date": "2026-11-23", "name": "Test day"}])
    run()
    clock.refresh_from_db()
    tuesday_8 = dt.datetime(2026, 11, 24, 7, tzinfo=dt.UTC)
    assert clock.due_at == tuesday_8 + dt.timedelta(hours=8)
    thresholds = dict(SLAThreshold.objects.filter(clock=clock).values_list("percent", "due_at"))
    assert thresholds == {
        50: tuesday_8 + dt.timedelta(hours=4),
        75: tuesday_8 + dt.timedelta(hours=6),
        90: tuesday_8 + dt.timedelta(hours=7, minutes=12),
        100: tuesday_8 + dt.timedelta(hours=8),
    }


@pytest.mark.django_db
def test_the_job_gives_what_a_sync_from_scratch_gives(setup, now, make_user):
    office, service, sla = setup
    agent = make_user(roles=["agent"])
    incidents = [make_incident(service=service, impact=level, urgency=level) for level in ("high", "medium", "low")]
    from itsm.services.tickets import transition_apply

    now["now"] += dt.timedelta(hours=1)
    transition_apply(ticket=incidents[1], name="hold", actor=agent, inputs={"on_hold_reason": "awaiting_caller"})
    now["now"] += dt.timedelta(hours=1)
    targets = [{"priority": p, "metric": "resolution", "seconds": p * 2 * HOUR} for p in range(1, 6)]
    agreement_save(actor=None, agreement=sla, targets=targets, pause_on=[])
    calendar_save(actor=None, calendar=office, timezone="America/New_York")
    run()
    fields = ("target_seconds", "due_at", "status", "elapsed_seconds", "paused_seconds", "breached")
    by_job = list(SLAClock.objects.order_by("pk").values_list(*fields))
    by_job_thresholds = list(SLAThreshold.objects.order_by("pk").values_list("percent", "due_at"))
    for incident in incidents:
        sla_sync(ticket=incident.__class__.objects.get(pk=incident.pk))
    assert list(SLAClock.objects.order_by("pk").values_list(*fields)) == by_job
    assert list(SLAThreshold.objects.order_by("pk").values_list("percent", "due_at")) == by_job_thresholds
    assert [row[2] for row in by_job] == ["running", "running", "running"]  # the hold no longer pauses


@pytest.mark.django_db
def test_fired_thresholds_never_fire_again_and_new_percents_get_rows(setup, now):
    office, service, sla = setup
    incident = make_incident(service=service)
    now["now"] = MONDAY_9 + dt.timedelta(hours=5)  # 62.5 % of 8 h used: the 50 % warning is due
    assert sla_fire_due() == 1
    fired = SLAThreshold.objects.get(percent=50)
    # Shorter hours make more of the target used; the 50 % row keeps its firing, the others move.
    agreement_save(actor=None, agreement=sla, warning_percents=[50, 60, 75])
    calendar_save(
        actor=None, calendar=office, hours=[{"weekday": d, "start": "09:00", "end": "15:00"} for d in range(5)]
    )
    run()
    rows = {row.percent: row for row in SLAThreshold.objects.filter(clock=resolution(incident))}
    assert sorted(rows) == [50, 60, 75, 90, 100]
    assert (rows[50].fired_at, rows[50].due_at) == (fired.fired_at, fired.due_at)
    assert rows[90].due_at is None  # no longer a warning percent: it cannot fire
    assert rows[60].due_at == MONDAY_9 + dt.timedelta(hours=4, minutes=48)
    assert sla_fire_due() == 1  # the new 60 % only; 50 % is not fired twice
    assert SLAThreshold.objects.filter(fired_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_target_dropped_for_the_priority_cancels_and_coverage_edits_resync(setup, now):
    _office, service, sla = setup
    high = make_incident(service=service, impact="high", urgency="high")
    low = make_incident(service=service, impact="low", urgency="low")
    agreement_save(actor=None, agreement=sla, targets=[{"priority": 1, "metric": "resolution", "seconds": HOUR}])
    run()
    assert (resolution(high).status, resolution(high).target_seconds, resolution(low).status) == (
        "running",
        HOUR,
        "cancelled",
    )
    agreement_save(actor=None, agreement=sla, active=False)
    run()
    assert resolution(high).status == "cancelled"
    assert not SLAThreshold.objects.filter(due_at__isnull=False).exists()
    request = make_incident(service=service, kind="service_request", impact="high", urgency="high")
    agreement_save(actor=None, agreement=sla, active=True, applies_to=["incident", "service_request"])
    run()
    job = SLARecomputeJob.objects.first()
    assert (job.status, job.total, job.processed) == ("done", 3, 3)
    assert sorted(job.changed) == ["active", "applies_to"]
    assert (resolution(high).status, resolution(request).status) == ("running", "running")


@pytest.mark.django_db
def test_a_new_agreement_reaches_the_open_tickets_it_covers(setup, now, make_user):
    _office, service, _sla = setup
    desk = TeamFactory(name="Desk")
    open_one = make_incident(assignment_group=desk)
    closed = make_incident(assignment_group=desk, status="cancelled")
    ola = agreement_save(
        actor=None,
        name="Desk OLA",
        kind="ola",
        team=desk,
        applies_to=["incident"],
        targets=[{"priority": 3, "metric": "resolution", "seconds": 4 * HOUR}],
    )
    assert not SLAClock.objects.filter(agreement=ola).exists()  # until the job has run
    run()
    clocks = SLAClock.objects.filter(agreement=ola)
    assert list(clocks.values_list("object_id", "stint", "status")) == [(open_one.pk, 1, "running")]
    assert not clocks.filter(object_id=closed.pk).exists()


@pytest.mark.django_db
def test_team_agreement_edits_recompute_the_running_stint_clock(setup, now, make_user):
    desk = TeamFactory(name="Desk")
    ola = agreement_save(
        actor=None,
        name="Desk OLA",
        kind="ola",
        team=desk,
        applies_to=["incident"],
        targets=[{"priority": p, "metric": "resolution", "seconds": 4 * HOUR} for p in range(1, 6)],
    )
    incident = make_incident(assignment_group=desk)
    now["now"] += dt.timedelta(hours=1)
    incident = incident_update(actor=make_user(roles=["agent"]), incident=incident, data={"assignment_group": None})
    incident = incident_update(actor=make_user(roles=["agent"]), incident=incident, data={"assignment_group": desk})
    run()
    agreement_save(actor=None, agreement=ola, targets=[{"priority": 3, "metric": "resolution", "seconds": 9 * HOUR}])
    run()
    stints = dict(SLAClock.objects.filter(agreement=ola).values_list("stint", "target_seconds"))
    assert stints == {1: 4 * HOUR, 2: 9 * HOUR}  # the finished first stint keeps its result
    assert SLAClock.objects.get(agreement=ola, stint=2).due_at == now["now"] + dt.timedelta(hours=9)


@pytest.mark.django_db
def test_recompute_queries_do_not_grow_with_clocks_and_audit_what_changed(setup, now):
    from itsm.models import AuditEvent

    office, service, _sla = setup

    def edit_and_count(hours):
        calendar_save(actor=None, calendar=office, hours=hours)
        job = SLARecomputeJob.objects.get(status="queued")
        with CaptureQueriesContext(connection) as queries:
            recompute_job_run(job_id=job.pk)
        return len(queries.captured_queries)

    for _ in range(3):
        make_incident(service=service)
    few = edit_and_count([{"weekday": d, "start": "10:00", "end": "18:00"} for d in range(5)])
    for _ in range(27):
        make_incident(service=service)
    many = edit_and_count(OFFICE)
    assert few == many
    # Due times that moved with the calendar: one event per run (on the job), not one per clock...
    assert not AuditEvent.objects.filter(object_type="slm.slaclock", action="update").exists()
    runs = AuditEvent.objects.filter(object_type="slm.slarecomputejob", action="update")
    assert sorted(event.changes["processed"][1] for event in runs) == [3, 30]
    # ...while a clock whose target (or status, or breach) changes has its own, with the due time it moved to.
    agreement_save(actor=None, agreement=_sla, targets=[{"priority": 3, "metric": "resolution", "seconds": HOUR}])
    recompute_job_run(job_id=SLARecomputeJob.objects.get(status="queued").pk)
    retargeted = AuditEvent.objects.filter(object_type="slm.slaclock", action="update", changes__has_key="due_at")
    assert retargeted.count() == 30
    assert retargeted.first().changes["target_seconds"] == [8 * HOUR, HOUR]


@pytest.mark.django_db
def test_only_edits_that_matter_queue_a_job_and_a_job_runs_once(setup, now):
    office, _service, sla = setup
    calendar_save(actor=None, calendar=office, name="Office hours")
    agreement_save(actor=None, agreement=sla, name="Renamed", escalation_rules={"100": ["notify_assignee"]})
    unused = calendar_save(actor=None, name="Unused", timezone="UTC", hours=OFFICE)
    calendar_save(actor=None, calendar=unused, hours=LONG_DAYS)
    assert not SLARecomputeJob.objects.exists()
    calendar_save(actor=None, calendar=office, timezone="Europe/Paris")
    job = SLARecomputeJob.objects.get()
    assert recompute_job_run(job_id=job.pk).status == "done"
    assert recompute_job_run(job_id=job.pk) is None  # a redelivered task does nothing


@pytest.mark.django_db
def test_a_failing_job_says_why(setup, now, monkeypatch):
    office, service, _sla = setup
    make_incident(service=service)
    calendar_save(actor=None, calendar=office, hours=LONG_DAYS)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("slm.recompute.clock_state", broken)
    job = recompute_job_run(job_id=SLARecomputeJob.objects.get().pk)
    assert (job.status, job.error, job.processed) == ("failed", "RuntimeError: disk on fire", 0)


@pytest.mark.django_db
def test_edit_responses_name_the_job_and_its_progress_is_served(setup, client_as, django_capture_on_commit_callbacks):
    office, _service, sla = setup
    manager = client_as("manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(f"/api/v1/calendars/{office.pk}/", {"hours": LONG_DAYS}, format="json")
    assert response.status_code == 200
    job = SLARecomputeJob.objects.get()
    assert response["SLA-Recompute-Job"].endswith(f"/api/v1/sla-recompute-jobs/{job.pk}/")
    body = manager.get(response["SLA-Recompute-Job"]).json()
    assert (body["status"], body["percent"], body["calendar"]["id"], body["changed"]) == (
        "done",
        100,
        office.pk,
        ["hours"],
    )
    renamed = manager.patch(f"/api/v1/agreements/{sla.pk}/", {"name": "Gold"}, format="json")
    assert renamed.status_code == 200 and "SLA-Recompute-Job" not in renamed
    assert client_as("agent").get("/api/v1/sla-recompute-jobs/", {"status": "done"}).json()["count"] == 1
    assert client_as("requester").get("/api/v1/sla-recompute-jobs/").status_code == 403
    assert Agreement.objects.get().name == "Gold" and Calendar.objects.get().hours == LONG_DAYS
