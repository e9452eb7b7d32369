"""Demo service levels for `load_demo`: business calendars, the service catalog, SLAs per service and OLAs/UCs
per team (idempotent), and `sla_demo_replay`, which the incidents demo uses to give its tickets believable
timelines so their clocks come out met, at risk and breached.

`load_demo` runs before the incidents loader (INSTALLED_APPS order), so every demo incident is logged with
its agreements in place and gets its clocks through `sla_sync`.
"""

import datetime as dt
from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cmdb.models import ConfigurationItem
from itsm.models import Team
from itsm.models.history import TicketAssignmentChange, TicketStatusChange
from slm.business_time import add_business_seconds, business_seconds
from slm.choices import ClockStatusChoices
from slm.figures import clock_instants, figures_rebuild, figures_touch
from slm.holidays import public_holidays
from slm.models import Agreement, Calendar, Service, SLAClock, SLAFigureZone
from slm.services import agreement_save, calendar_save, service_save
from slm.sla import AROUND_THE_CLOCK, agreement_calendar, sla_sync

MINUTE, HOUR = 60, 3600
ALWAYS = "24×7"
OFFICE = "Office hours (Berlin)"
OFFICE_ZONE = "Europe/Berlin"
OFFICE_HOLIDAY_COUNTRY = "DE"  # national holidays only: the demo company has no single federal state

# (name of the business-service CI and of the service, owner team, status, service hours, description).
DEMO_SERVICES = [
    ("E-mail", "Infrastructure", "live", ALWAYS, "Mailboxes, webmail and mail relay for every employee."),
    ("Payroll", "Applications", "live", OFFICE, "Monthly payroll run, payslips and tax filings."),
    ("VPN", "Network Operations", "live", ALWAYS, "Remote access to the company network for staff and contractors."),
    ("Web Shop", "Applications", "live", ALWAYS, "The customer-facing online shop: catalogue, checkout and orders."),
    ("HR portal", "Applications", "live", OFFICE, "Leave requests, personal data and HR documents for employees."),
    (
        "Legacy Intranet",
        "Applications",
        "retired",
        OFFICE,
        "The old intranet, read only until its content is migrated.",
    ),
]


def _targets(table: dict[int, tuple[int, int]]) -> list[dict]:
    """{priority: (response seconds, resolution seconds)} as agreement targets."""
    return [
        {"priority": priority, "metric": metric, "seconds": seconds}
        for priority, pair in sorted(table.items())
        for metric, seconds in zip(("response", "resolution"), pair, strict=True)
    ]


# Targets per priority (response, resolution), in the agreement calendar's business time.
SLA_STANDARD = {1: (15 * MINUTE, 4 * HOUR), 2: (30 * MINUTE, 8 * HOUR), 3: (2 * HOUR, 24 * HOUR),
                4: (4 * HOUR, 72 * HOUR), 5: (8 * HOUR, 120 * HOUR)}  # fmt: skip
SLA_PREMIUM = {1: (10 * MINUTE, 2 * HOUR), 2: (20 * MINUTE, 4 * HOUR), 3: (1 * HOUR, 12 * HOUR),
               4: (2 * HOUR, 48 * HOUR), 5: (4 * HOUR, 96 * HOUR)}  # fmt: skip
SLA_OFFICE = {1: (30 * MINUTE, 4 * HOUR), 2: (1 * HOUR, 8 * HOUR), 3: (4 * HOUR, 20 * HOUR),
              4: (10 * HOUR, 50 * HOUR), 5: (20 * HOUR, 100 * HOUR)}  # fmt: skip
OLA_ALWAYS = {1: (10 * MINUTE, 3 * HOUR), 2: (20 * MINUTE, 6 * HOUR), 3: (1 * HOUR, 16 * HOUR),
              4: (2 * HOUR, 48 * HOUR), 5: (4 * HOUR, 96 * HOUR)}  # fmt: skip
OLA_OFFICE = {1: (20 * MINUTE, 3 * HOUR), 2: (40 * MINUTE, 6 * HOUR), 3: (2 * HOUR, 16 * HOUR),
              4: (5 * HOUR, 40 * HOUR), 5: (10 * HOUR, 80 * HOUR)}  # fmt: skip

BOTH_KINDS = ["incident", "service_request"]
SLA_RULES = {"75": ["notify_assignee"], "100": ["notify_team_manager", "notify_assignee_manager"]}
OLA_RULES = {"90": ["notify_assignee"], "100": ["notify_team_manager"]}
# (name, kind, service or team name, calendar, targets, pause_on, escalation rules, active)
DEMO_AGREEMENTS = [
    ("SLA E-mail", "sla", "E-mail", ALWAYS, SLA_STANDARD, ["awaiting_caller"], SLA_RULES, True),
    ("SLA Web Shop", "sla", "Web Shop", ALWAYS, SLA_PREMIUM, ["awaiting_caller"], SLA_RULES, True),
    ("SLA VPN", "sla", "VPN", ALWAYS, SLA_STANDARD, ["awaiting_caller"], SLA_RULES, True),
    ("SLA Payroll", "sla", "Payroll", OFFICE, SLA_OFFICE, ["awaiting_caller"], SLA_RULES, True),
    ("SLA HR portal", "sla", "HR portal", OFFICE, SLA_OFFICE, ["awaiting_caller"], SLA_RULES, True),
    # The retired service keeps its agreement on file, switched off.
    ("SLA Legacy Intranet", "sla", "Legacy Intranet", OFFICE, SLA_OFFICE, ["awaiting_caller"], SLA_RULES, False),
    ("OLA Service Desk", "ola", "Service Desk", ALWAYS, OLA_ALWAYS, ["awaiting_caller"], OLA_RULES, True),
    ("OLA Security Operations", "ola", "Security Operations", ALWAYS, OLA_ALWAYS, ["awaiting_caller"], OLA_RULES, True),
    *(
        (f"OLA {team}", "ola", team, OFFICE, OLA_OFFICE, ["awaiting_caller", "awaiting_change"], OLA_RULES, True)
        for team in ("Infrastructure", "Network Operations", "Database Administration", "Applications")
    ),
    ("UC Acme Hosting", "uc", "Acme Hosting (vendor)", ALWAYS, OLA_ALWAYS, ["awaiting_caller"], OLA_RULES, True),
]


def demo_calendars(today: dt.date) -> list[dict]:
    """The two demo calendars; the office one lists this year's and next year's national holidays."""
    years = [today.year, today.year + 1]
    return [
        {
            "name": ALWAYS,
            "timezone": OFFICE_ZONE,
            "hours": [{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)],
            "holidays": [],
        },
        {
            "name": OFFICE,
            "timezone": OFFICE_ZONE,
            "hours": [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)],
            "holidays": public_holidays(country=OFFICE_HOLIDAY_COUNTRY, years=years),
        },
    ]


def _keep(save, instance_arg: str, record, **wanted) -> str:
    """Create the demo record, or bring it back to `wanted` through its save service; "new", "updated" or ""."""
    if record is None:
        save(actor=None, **wanted)
        return "new"
    if any(getattr(record, key) != value for key, value in wanted.items()):
        save(actor=None, **{instance_arg: record}, **wanted)
        return "updated"
    return ""


def load_calendars(stdout) -> None:
    """Create or update the demo calendars (safe to run again)."""
    existing = {c.name: c for c in Calendar.objects.filter(name__in=[ALWAYS, OFFICE])}
    done = Counter()
    for wanted in demo_calendars(timezone.localdate()):
        done[_keep(calendar_save, "calendar", existing.get(wanted["name"]), **wanted)] += 1
    stdout.write(f"Calendars: 2 ({done['new']} new, {done['updated']} updated).\n")


def load_services(stdout) -> None:
    """Create or update the demo catalog services to their canonical values (safe to run again)."""
    names = [row[0] for row in DEMO_SERVICES]
    teams = {t.name: t for t in Team.objects.filter(name__in={row[1] for row in DEMO_SERVICES})}
    cis = {ci.name: ci for ci in ConfigurationItem.objects.filter(ci_class__slug="business-service", name__in=names)}
    # Service hours only once the calendars exist (the benchmark generators load the catalog alone).
    calendars = {c.name: c for c in Calendar.objects.filter(name__in=[ALWAYS, OFFICE])}
    existing = {s.name: s for s in Service.objects.filter(name__in=names)}
    done = Counter()
    for name, team, status, hours, description in DEMO_SERVICES:
        wanted = {
            "description": description,
            "status": status,
            "owner_team": teams.get(team),
            "ci": cis.get(name),
            "calendar": calendars.get(hours),
        }
        done[_keep(service_save, "service", existing.get(name), name=name, **wanted)] += 1
    stdout.write(f"Service catalog: {len(DEMO_SERVICES)} services ({done['new']} new, {done['updated']} updated).\n")


def load_agreements(stdout) -> None:
    """Create or update the demo SLAs (one per service) and OLAs/UC (one per team); safe to run again."""
    services = {s.name: s for s in Service.objects.all()}
    teams = {t.name: t for t in Team.objects.all()}
    calendars = {c.name: c for c in Calendar.objects.filter(name__in=[ALWAYS, OFFICE])}
    existing = {a.name: a for a in Agreement.objects.filter(name__in=[row[0] for row in DEMO_AGREEMENTS])}
    done = Counter()
    for name, kind, party, calendar, table, pause_on, rules, active in DEMO_AGREEMENTS:
        if (services if kind == "sla" else teams).get(party) is None:
            continue  # its service or team is not in this database
        wanted = {
            "kind": kind,
            "service": services[party] if kind == "sla" else None,
            "team": teams[party] if kind != "sla" else None,
            "calendar": calendars[calendar],
            "applies_to": BOTH_KINDS,
            "targets": _targets(table),
            "warning_percents": [50, 75, 90],
            "pause_on": pause_on,
            "escalation_rules": rules,
            "active": active,
        }
        done[_keep(agreement_save, "agreement", existing.get(name), name=name, **wanted)] += 1
    total = len(DEMO_AGREEMENTS)
    stdout.write(f"Agreements: {total} SLAs, OLAs and UCs ({done['new']} new, {done['updated']} updated).\n")


def load_demo(stdout) -> None:
    """SLM's `load_demo` step: calendars, then the catalog (with its service hours), then the agreements."""
    load_calendars(stdout)
    load_services(stdout)
    load_agreements(stdout)
    # The dashboard's daily figures, for the site's and the demo users' zones, built while no clock exists;
    # the demo tickets loaded next (and every later change) record their changes as any sync does (slm.figures).
    if not SLAFigureZone.objects.exists() and not SLAClock.objects.exists():
        rows = figures_rebuild()
        stdout.write(f"SLA daily figures: {sum(rows.values())} rows in {len(rows)} time zones.\n")


# --- believable timelines for demo tickets -----------------------------------------------------------------

DEFAULT_TARGETS = {"response": 4 * HOUR, "resolution": 72 * HOUR}
AT_RISK_SHARE = 0.3  # of the open tickets still being worked: logged recently enough to be at risk now


def _latest_start(calendar, now: dt.datetime, seconds: int) -> dt.datetime:
    """The latest instant from which `seconds` of business time have elapsed by `now` (to the minute)."""
    low, high = now - dt.timedelta(seconds=seconds * 40), now - dt.timedelta(seconds=seconds)
    while high - low > dt.timedelta(minutes=1):
        middle = low + (high - low) / 2
        if business_seconds(calendar, middle, now) >= seconds:
            low = middle
        else:
            high = middle
    return low


def _clock_terms(ticket, content_type) -> tuple:
    """(calendar, {metric: target seconds}) of the ticket's tightest clocks (SLA or OLA), else 24×7 defaults."""
    clocks = SLAClock.objects.filter(content_type=content_type, object_id=ticket.pk).select_related(
        "agreement__calendar"
    )
    targets, calendar = dict(DEFAULT_TARGETS), AROUND_THE_CLOCK
    tightest = {}
    for clock in clocks:
        if clock.metric not in tightest or clock.target_seconds < tightest[clock.metric].target_seconds:
            tightest[clock.metric] = clock
    for metric, clock in tightest.items():
        targets[metric] = clock.target_seconds
    if "resolution" in tightest:
        calendar = agreement_calendar(tightest["resolution"].agreement)
    return calendar, targets


def _plan(statuses, opened, calendar, targets, rng) -> list[dt.datetime]:
    """When each status change after the first happened: work starts within (or past) the response target,
    the resolution lands within (or past) the resolution target, what comes between is spread evenly."""

    def after(seconds):
        return add_business_seconds(calendar, opened, max(60, int(seconds)))

    def factor():
        return rng.uniform(0.15, 0.9) if rng.random() < 0.85 else rng.uniform(1.1, 2.5)

    later = statuses[1:]
    if not later:
        return []
    responded = after(targets["response"] * factor())
    resolved_index = next((i for i, row in enumerate(later) if row.status == "resolved"), None)
    last_worked = len(later) - 1 if resolved_index is None else resolved_index
    finished = max(after(targets["resolution"] * factor()), responded + dt.timedelta(minutes=5))
    times = [responded]
    for index in range(1, len(later)):
        if index <= last_worked:
            times.append(responded + (finished - responded) * index / last_worked)
        else:  # closed or reopened after the resolution
            times.append(times[-1] + dt.timedelta(hours=rng.uniform(2, 60)))
    return times


def sla_demo_replay(*, ticket, rng, now: dt.datetime) -> dict[str, dt.datetime]:
    """Move a demo ticket's status and team history (all written "just now" by the demo) onto a believable
    timeline after its report time, then recompute its clocks from scratch.

    Some open tickets still being worked get a recent report time so that they are at risk now. Returns the
    last time the ticket entered each status, for the caller's own timestamps (resolved_at, closed_at...).
    """
    content_type = ContentType.objects.get_for_model(ticket)
    history = TicketStatusChange.objects.filter(content_type=content_type, object_id=ticket.pk)
    statuses = list(history.order_by("at", "pk"))
    calendar, targets = _clock_terms(ticket, content_type)
    opened = logged = ticket.reported_at
    if ticket.status in ("new", "in_progress") and len(statuses) <= 2 and rng.random() < AT_RISK_SHARE:
        opened = _latest_start(calendar, now, int(targets["resolution"] * rng.uniform(0.55, 0.95)))
        type(ticket).objects.filter(pk=ticket.pk).update(reported_at=opened)
        ticket.reported_at = opened
    times = [opened, *_plan(statuses, opened, calendar, targets, rng)]
    limit = now - dt.timedelta(minutes=1)
    if times[-1] > limit > opened:  # squeeze the whole story in before now, keeping its proportions
        scale = (limit - opened) / (times[-1] - opened)
        times = [opened + (moment - opened) * scale for moment in times]
    for row, moment in zip(statuses, times, strict=True):
        row.at = moment
    TicketStatusChange.objects.bulk_update(statuses, ["at"])
    # Teams: the one it was logged with at the report time, later hand-overs shortly after it.
    handovers = list(
        TicketAssignmentChange.objects.filter(content_type=content_type, object_id=ticket.pk).order_by("at", "pk")
    )
    triaged = opened + min(dt.timedelta(minutes=10), (times[1] - opened) / 2 if len(times) > 1 else dt.timedelta(0))
    for row in handovers:
        row.at = opened if row.at == logged else triaged
    TicketAssignmentChange.objects.bulk_update(handovers, ["at"])
    # The first syncs saw the whole history "just now": clear what sync keeps for good (a breach once flagged,
    # a finished stint's result) so this sync recomputes every clock from the new timeline.
    clocks = SLAClock.objects.filter(content_type=content_type, object_id=ticket.pk)
    figures_touch(clock_instants(clocks))  # the sync below sees them running: their days' figures are re-read
    clocks.update(status=ClockStatusChoices.RUNNING, breached=False)
    sla_sync(ticket=ticket, now=now)
    return {row.status: row.at for row in statuses}
