"""SLA daily figures (slm.figures, SLADailyFigure): the dashboard and the compliance report read from them give
exactly what counting every clock live gives — after syncs, a reopen, a priority change, team reassignments, a
breach firing, a recompute after a calendar edit, time passing a running clock's due time — for whole and
partial days in two zones; users who see only some tickets get the live count; a write path that stopped
recording its changes would be caught."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.services import incident_update
from itsm.services.tickets import transition_apply
from slm import figures as figures_module
from slm.escalations import sla_fire_due
from slm.figures import figure_plan, figures_rebuild, figures_refresh
from slm.models import Service, SLAClock, SLADailyFigure, SLAFigureChange, SLAFigureZone, SLARecomputeJob
from slm.recompute import recompute_job_run
from slm.reports import GROUP_KEYS, sla_compliance, sla_dashboard
from slm.services import agreement_save, calendar_save
from slm.tasks import sla_figures_refresh
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory

UTC = dt.UTC
HOUR = 3600
MONDAY = dt.datetime(2026, 11, 2, 7, tzinfo=UTC)  # 08:00 in Berlin
ZONES = ("UTC", "Europe/Berlin")
OFFICE = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]
FILTERS = [{}, {"kind": "ola"}, {"kind": "sla", "priority": 3}]
DONE = {"resolution_code": "fixed", "resolution_notes": "ok"}


def targets(response: int, resolution: int) -> list[dict]:
    return [
        {"priority": p, "metric": m, "seconds": s * p}
        for p in range(1, 6)
        for m, s in (("response", response), ("resolution", resolution))
    ]


@pytest.fixture
def now(monkeypatch):
    state = {"now": MONDAY}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


class World:
    """Two services with SLAs (one on office hours), two teams with OLAs (one escalating on breach), incidents."""

    def __init__(self, now):
        self.now = now
        self.office = calendar_save(actor=None, name="Office", timezone="Europe/Berlin", hours=OFFICE)
        self.email, self.vpn = Service.objects.create(name="E-mail"), Service.objects.create(name="VPN")
        self.second = TeamFactory(name="Second line")
        self.desk = TeamFactory(name="Desk", escalation_team=self.second)
        self.net = TeamFactory(name="Network")
        common = {"applies_to": ["incident"], "pause_on": ["awaiting_caller"]}
        self.sla_email = agreement_save(
            actor=None,
            name="E-mail SLA",
            kind="sla",
            service=self.email,
            calendar=self.office,
            targets=targets(HOUR, 4 * HOUR),
            **common,
        )
        agreement_save(
            actor=None, name="VPN SLA", kind="sla", service=self.vpn, targets=targets(HOUR, 8 * HOUR), **common
        )
        agreement_save(
            actor=None,
            name="Desk OLA",
            kind="ola",
            team=self.desk,
            targets=targets(HOUR // 2, 2 * HOUR),
            escalation_rules={"100": ["reassign_escalation_team"]},
            **common,
        )
        agreement_save(
            actor=None, name="Network OLA", kind="uc", team=self.net, targets=targets(HOUR, 3 * HOUR), **common
        )
        SLARecomputeJob.objects.all().delete()  # no clock yet: nothing for the agreements' own jobs to do
        self.agent = UserFactory(roles=["agent"])
        self.manager = UserFactory(roles=["manager"])
        self.requester = UserFactory(roles=["requester"])
        figures_rebuild(zones=list(ZONES))

    def at(self, days: float, hours: float = 0) -> dt.datetime:
        self.now["now"] = MONDAY + dt.timedelta(days=days, hours=hours)
        return self.now["now"]

    def incident(self, service, team, impact, urgency, **fields):
        fields.setdefault("reported_at", timezone.now())
        return make_incident(
            actor=self.agent, service=service, assignment_group=team, impact=impact, urgency=urgency, **fields
        )

    def move(self, incident, name, **inputs):
        return transition_apply(ticket=incident, name=name, actor=self.agent, inputs=inputs)


def periods(zone: str, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Whole local days, partial first and last days, one day, a period ending in the future, one ending now."""
    tz = zoneinfo.ZoneInfo(zone)

    def local(day, hour=0, minute=0):
        return dt.datetime(2026, 11, day, hour, minute, tzinfo=tz)

    found = [
        (local(1), local(16)),
        (local(2, 13, 30), local(5, 9, 15)),
        (local(3), local(4)),
        (local(2), local(30)),
        (local(3), now),
        (local(4, 23, 59), local(12, 0, 1)),
    ]
    return [(start, end) for start, end in found if start < end]


def assert_exact(world, user=None, *, refresh=True):
    """Every period and filter, in both zones: the figures-backed answer equals the live count, field for field."""
    if refresh:
        while figures_refresh():
            pass
        assert not SLAFigureChange.objects.exists()
    user = user or world.manager
    now = timezone.now()
    used = 0
    for zone in ZONES:
        with timezone.override(zone):
            for start, end in periods(zone, now):
                plan = figure_plan(start=start, end=end, now=now)
                used += plan is not None and plan.first < plan.last
                for filters in FILTERS:
                    live = sla_dashboard(user=user, start=start, end=end, filters=filters, now=now, aggregate=False)
                    read = sla_dashboard(user=user, start=start, end=end, filters=filters, now=now)
                    assert read == live, (zone, start, end, filters)
                for group_by in GROUP_KEYS:
                    live = sla_compliance(user=user, start=start, end=end, group_by=group_by, now=now, aggregate=False)
                    assert sla_compliance(user=user, start=start, end=end, group_by=group_by, now=now) == live
    assert used  # the figures were read, not only the live count
    return used


def rows(zone: str) -> list[tuple]:
    fields = ("span", "day", "content_type", "agreement", "metric", "service_id", "ticket_team_id", "priority")
    fields += ("met", "breached", "stopped", "stopped_seconds")
    return sorted(SLADailyFigure.objects.filter(time_zone=zone).values_list(*fields))


@pytest.fixture
def world(db, now):
    return World(now)


def test_figures_equal_the_live_count_through_every_write_path(world):
    w = world
    w.at(0)
    i1 = w.incident(w.email, w.desk, "medium", "medium")  # P3
    i2 = w.incident(w.email, w.desk, "high", "high")  # P1: left running past due
    i3 = w.incident(w.vpn, w.net, "medium", "low")  # paused awaiting the caller
    i4 = w.incident(w.email, w.net, "low", "medium")  # cancelled
    i5 = w.incident(w.vpn, w.desk, "medium", "medium")  # resolved, then reopened
    i6 = w.incident(w.email, None, "low", "low")  # no team
    w.at(0, 1)
    i1, i5 = w.move(i1, "start"), w.move(i5, "start")
    w.at(0, 3)
    i1, i5 = w.move(i1, "resolve", **DONE), w.move(i5, "resolve", **DONE)
    i3 = w.move(i3, "hold", on_hold_reason="awaiting_caller")
    w.at(1, 3)  # Tuesday
    w.move(i4, "cancel", reason="duplicate")
    assert_exact(w)

    # The Desk OLA's breach fires on i2 (late, the next day) and hands it to Second line: its stint ends.
    fired = sla_fire_due(now=w.at(1, 5))
    assert fired and SLAClock.objects.filter(object_id=i2.pk, stint=1, status="breached").exists()
    assert_exact(w)

    w.at(2, 2)  # Wednesday: i5 reopened (its met resolution clock runs again), i6 worked and resolved
    i5 = w.move(i5, "reopen")
    i6 = w.move(w.move(i6, "start"), "resolve", **DONE)
    assert_exact(w)

    w.at(3, 1)  # Thursday: a priority change and a reassignment after resolution, a reassignment while open
    i1 = incident_update(actor=w.agent, incident=i1, data={"impact": "high"})
    i6 = incident_update(actor=w.agent, incident=i6, data={"assignment_group": w.net})
    i3 = incident_update(actor=w.agent, incident=i3, data={"assignment_group": w.desk})
    assert_exact(w)

    # A calendar edit: Monday becomes a holiday; the job recomputes i2's running E-mail clocks (due on Monday).
    before = SLAClock.objects.get(object_id=i2.pk, metric="resolution", stint=0).due_at
    calendar_save(actor=None, calendar=w.office, holidays=[{"date": "2026-11-02", "name": "Closed"}])
    for job in SLARecomputeJob.objects.filter(status="queued"):
        recompute_job_run(job_id=job.pk)
    after = SLAClock.objects.get(object_id=i2.pk, metric="resolution", stint=0)
    assert after.status == "running" and after.due_at.date() != before.date()
    assert_exact(w)

    # Time alone: days end, running clocks pass their due time; nothing is written, nothing is recorded.
    w.at(9, 5)
    assert_exact(w)
    # Kept incrementally, the table holds exactly what a rebuild from scratch gives.
    incremental = {zone: rows(zone) for zone in ZONES}
    assert incremental["UTC"] and incremental["Europe/Berlin"]
    figures_rebuild(zones=list(ZONES))
    assert {zone: rows(zone) for zone in ZONES} == incremental


def test_changes_not_yet_aggregated_are_read_live(world):
    w = world
    i1 = w.incident(w.vpn, w.net, "medium", "medium")
    w.at(0, 1)
    w.move(w.move(i1, "start"), "resolve", **DONE)
    w.at(8)  # the next Tuesday: the week of the 2nd is over and read from its week row
    assert_exact(w)
    start, end = dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2026, 11, 11, tzinfo=UTC)
    with timezone.override("UTC"):
        plan = figure_plan(start=start, end=end, now=timezone.now())
        assert plan.weeks == [dt.date(2026, 11, 2)] and not plan.dirty
        assert plan.days == [dt.date(2026, 11, 1), dt.date(2026, 11, 9)]
    w.move(i1, "reopen")  # Monday's met clocks run again; Monday is dirty until the refresh
    with timezone.override("UTC"):
        plan = figure_plan(start=start, end=end, now=timezone.now())
        assert plan.dirty == (dt.date(2026, 11, 2),) and plan.weeks == []  # its week is read day by day
        assert dt.date(2026, 11, 3) in plan.days and dt.date(2026, 11, 2) not in plan.days
    assert_exact(w, refresh=False)
    assert sla_figures_refresh() > 0  # the beat task: re-aggregates the dirty days, takes their records
    assert_exact(w)
    with timezone.override("UTC"):
        assert figure_plan(start=start, end=end, now=timezone.now()).weeks == [dt.date(2026, 11, 2)]


def test_partial_days_and_days_not_over_are_read_live(world):
    w = world
    w.at(5, 10)
    with timezone.override("Europe/Berlin"):
        berlin = timezone.get_current_timezone()
        start = dt.datetime(2026, 11, 2, 13, 30, tzinfo=berlin)
        end = dt.datetime(2026, 11, 20, tzinfo=berlin)
        plan = figure_plan(start=start, end=end, now=timezone.now())
        # Whole Berlin days from the 3rd up to today (the 7th, not over): the rest is live.
        assert (plan.first, plan.last) == (dt.date(2026, 11, 3), dt.date(2026, 11, 7))
        assert plan.live == (
            (start, dt.datetime(2026, 11, 3, tzinfo=berlin)),
            (dt.datetime(2026, 11, 7, tzinfo=berlin), end),
        )
        assert figure_plan(start=start, end=dt.datetime(2026, 11, 3, 9, tzinfo=berlin), now=timezone.now()) is None
    with timezone.override("Asia/Tokyo"):  # no figures kept for this zone: live
        assert figure_plan(start=start, end=end, now=timezone.now()) is None


def test_users_who_see_only_some_tickets_get_the_live_count(world, monkeypatch):
    w = world
    mine = w.incident(w.vpn, w.net, "medium", "medium", requester=w.requester)
    other = w.incident(w.vpn, w.net, "medium", "medium")
    w.at(0, 1)
    for incident in (mine, other):
        w.move(w.move(incident, "start"), "resolve", **DONE)
    w.at(3)
    w.requester.user_permissions.add(Permission.objects.get(codename="view_slaclock"))
    requester = type(w.requester).objects.get(pk=w.requester.pk)
    assert_exact(w, requester)
    # The figures hold both incidents' clocks; the requester's count has only theirs.
    start, end = dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2026, 11, 3, tzinfo=UTC)
    theirs = sla_dashboard(user=requester, start=start, end=end, now=timezone.now())["summary"]
    everyone = sla_dashboard(user=w.manager, start=start, end=end, now=timezone.now())["summary"]
    assert (theirs["total"], everyone["total"]) == (4, 8)


def test_the_api_and_the_page_read_the_figures(world, client_as, client):
    w = world
    i1 = w.incident(w.email, w.desk, "medium", "medium")
    w.at(0, 2)
    w.move(w.move(i1, "start"), "resolve", **DONE)
    w.at(6)
    figures_refresh()
    params = {"start": "2026-11-01", "end": "2026-11-06", "group_by": "agreement"}
    with timezone.override("UTC"):
        expected = sla_compliance(
            user=w.manager,
            start=dt.datetime(2026, 11, 1, tzinfo=UTC),
            end=dt.datetime(2026, 11, 7, tzinfo=UTC),
            group_by="agreement",
            now=timezone.now(),
            aggregate=False,
        )
    assert expected and client_as("manager").get("/api/v1/reports/sla-compliance/", params).json()["rows"] == expected
    client.force_login(w.manager)
    page = client.get("/slm/dashboard/", {"period": "custom", "start": "2026-11-01", "end": "2026-11-06"})
    assert page.context["figures"]["summary"]["total"] == sum(row["total"] for row in expected)


@pytest.mark.parametrize("path", ["sync", "recompute"])
def test_a_write_path_that_stopped_recording_would_be_caught(world, monkeypatch, path):
    """The equality above is not luck: without a path's record, its day's figures go stale and differ."""
    w = world
    i1 = w.incident(w.email, w.desk, "medium", "medium")  # E-mail: office hours, resolution 12 h
    w.incident(w.email, w.net, "high", "high")  # P1: resolution due Monday 12:00 Berlin
    w.at(0, 1)
    w.move(w.move(i1, "start"), "resolve", **DONE)
    w.at(2)  # Wednesday: i2 is running past its due time
    assert_exact(w)
    noop = lambda instants: None  # noqa: E731
    if path == "sync":
        monkeypatch.setattr("slm.sla.figures_touch", noop)
        incident_update(actor=w.agent, incident=i1, data={"impact": "high"})  # Monday's met clocks change priority
    else:
        monkeypatch.setattr("slm.recompute.figures_touch", noop)
        calendar_save(actor=None, calendar=w.office, holidays=[{"date": "2026-11-02", "name": "Closed"}])
        for job in SLARecomputeJob.objects.filter(status="queued"):
            recompute_job_run(job_id=job.pk)  # i2's due time leaves Monday
    with pytest.raises(AssertionError):
        assert_exact(w)
    figures_rebuild(zones=list(ZONES))  # what an operator would do after a bulk write: exact again
    assert_exact(w)


def test_rebuild_command_sets_the_zones(world, now):
    out = io.StringIO()
    call_command("sla_figures_rebuild", "--time-zone", "Europe/Berlin", "--time-zone", "UTC", stdout=out)
    assert "Europe/Berlin: " in out.getvalue()
    assert set(SLAFigureZone.objects.values_list("time_zone", flat=True)) == {"UTC", "Europe/Berlin"}
    with pytest.raises(CommandError, match="Unknown time zone"):
        call_command("sla_figures_rebuild", "--time-zone", "Mars/Olympus", stdout=out)
    assert SLAFigureZone.objects.count() == 2  # nothing dropped by the failed call
    assert settings.TIME_ZONE in figures_module.figure_zones_default()  # the site's and the users' zones


@pytest.mark.demo
@pytest.mark.django_db
def test_the_demo_has_figures_equal_to_the_live_count(loaded_demo):
    """`load_demo` builds the figures for the site's and the demo users' zones; its tickets record their changes."""
    from itsm.models import User

    assert "SLA daily figures:" in loaded_demo
    hannah = User.objects.get(username="hannah.mueller")  # the demo manager, in Berlin
    assert {settings.TIME_ZONE, hannah.timezone} <= set(SLAFigureZone.objects.values_list("time_zone", flat=True))
    for refreshed in (False, True):
        if refreshed:
            while figures_refresh():
                pass
        for zone in (settings.TIME_ZONE, hannah.timezone):
            with timezone.override(zone):
                today = timezone.localdate()
                for days in (7, 30, 90, 365):
                    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))
                    end, now = timezone.now(), timezone.now()
                    live = sla_dashboard(user=hannah, start=start, end=end, now=now, aggregate=False)
                    assert live["summary"]["total"] or days < 30
                    assert sla_dashboard(user=hannah, start=start, end=end, now=now) == live, (zone, days)
    assert SLADailyFigure.objects.exists()


def test_the_nightly_rebuild_repairs_writes_that_bypassed_the_records(world, settings):
    from incidents.models import Incident
    from slm.tasks import sla_figures_rebuild

    w = world
    i1 = w.incident(w.vpn, w.net, "medium", "medium")
    w.at(0, 1)
    w.move(w.move(i1, "start"), "resolve", **DONE)
    w.at(8)
    assert_exact(w)
    Incident.objects.filter(pk=i1.pk).update(priority=1)  # a raw update: no sync, no dirty day
    with pytest.raises(AssertionError):
        assert_exact(w)
    settings.TIME_ZONE = "UTC"  # the rebuild keeps the site's and users' zones: make them the test's two
    world.manager.timezone = "Europe/Berlin"
    world.manager.save(update_fields=["timezone"])
    rebuilt = sla_figures_rebuild.apply().get()
    assert set(rebuilt) >= set(ZONES)
    assert_exact(w)
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "slm.tasks.sla_figures_rebuild" in schedule
