"""Demo service levels: calendars with national holidays, an SLA per service, an OLA/UC per team, and demo
incidents whose clocks are met, at risk and breached; loading twice changes nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from itsm.models import AuditEvent, Team, TicketStatusChange
from slm.demo import ALWAYS, DEMO_AGREEMENTS, DEMO_SERVICES, OFFICE
from slm.models import Agreement, Calendar, Service, SLAClock, SLAThreshold
from slm.reports import sla_at_risk, sla_compliance

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def load() -> None:
    call_command("load_demo", stdout=StringIO())


def snapshot() -> dict:
    return {
        "calendars": list(Calendar.objects.values_list("name", "hours", "holidays").order_by("name")),
        "agreements": list(Agreement.objects.values_list("name", "targets", "active", "calendar__name").order_by("pk")),
        "clocks": SLAClock.objects.count(),
        "thresholds": SLAThreshold.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def check_calendars():
    """24×7, and office hours on weekdays in Berlin without the national holidays."""
    always, office = Calendar.objects.get(name=ALWAYS), Calendar.objects.get(name=OFFICE)
    assert len(always.hours) == 7 and always.holidays == []
    assert office.timezone == "Europe/Berlin"
    assert {(h["weekday"], h["start"], h["end"]) for h in office.hours} == {(d, "08:00", "18:00") for d in range(5)}
    year = timezone.localdate().year
    dates = {h["date"] for h in office.holidays}
    # German national holidays: unity day and both Christmas days, this year and next; no state-only ones.
    for y in (year, year + 1):
        assert {f"{y}-10-03", f"{y}-12-25", f"{y}-12-26", f"{y}-01-01", f"{y}-05-01"} <= dates
    assert f"{year}-01-06" not in dates  # Epiphany is a holiday in some states only
    business = office.business_calendar()
    christmas = dt.datetime(year, 12, 25, 9, tzinfo=dt.UTC)
    from slm.business_time import business_seconds

    assert business_seconds(business, christmas, christmas + dt.timedelta(hours=3)) == 0


def check_agreements():
    """An SLA per service, an OLA (or a UC for the vendor) per team, each with every priority's targets."""
    services = set(Service.objects.values_list("name", flat=True))
    assert services == {row[0] for row in DEMO_SERVICES}
    slas = Agreement.objects.filter(kind="sla")
    assert set(slas.values_list("service__name", flat=True)) == services
    assert not slas.get(service__name="Legacy Intranet").active  # retired service
    assert Service.objects.get(name="Payroll").calendar.name == OFFICE
    team_agreements = Agreement.objects.exclude(kind="sla")
    assert set(team_agreements.values_list("team__name", flat=True)) == set(Team.objects.values_list("name", flat=True))
    assert team_agreements.get(team__vendor__gt="").kind == "uc"
    for agreement in Agreement.objects.all():
        pairs = {(t["priority"], t["metric"]) for t in agreement.targets}
        assert pairs == {(p, m) for p in range(1, 6) for m in ("response", "resolution")}, agreement.name
    assert len(DEMO_AGREEMENTS) == Agreement.objects.count()


def check_clocks(admin):
    """Demo incidents carry clocks that are met, at risk now and breached, spread over past weeks."""
    statuses = set(SLAClock.objects.values_list("status", flat=True))
    assert {"met", "breached", "running"} <= statuses
    assert SLAClock.objects.filter(stint__gt=0).exists()  # OLA clocks, per stint with a team
    at_risk = sla_at_risk(user=admin)
    assert at_risk, "no demo clock is at risk right now"
    now = timezone.now()
    rows = sla_compliance(user=admin, start=now - dt.timedelta(days=60), end=now, group_by="agreement")
    assert sum(row["met"] for row in rows) > 0 and sum(row["breached"] for row in rows) > 0
    percents = [row["compliance_percent"] for row in rows]
    assert min(percents) < max(percents)  # agreements differ: the dashboard has something to show
    # Incident histories were spread over time: none of their status changes is from the moment of loading.
    incident_history = TicketStatusChange.objects.filter(content_type__app_label="incidents")
    assert incident_history.exists()
    assert not incident_history.filter(at__gt=now - dt.timedelta(seconds=30)).exists()
    assert SLAClock.objects.filter(stopped_at__lt=now - dt.timedelta(days=7)).exists()


def test_demo_service_levels_are_complete_and_idempotent(make_user):
    # One test, two loads: loading the demo is slow (a few hundred incidents through the services).
    load()
    check_calendars()
    check_agreements()
    check_clocks(make_user(roles=["admin"]))
    first = snapshot()
    load()
    assert snapshot() == first
