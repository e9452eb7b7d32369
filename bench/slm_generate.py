"""Generate open incidents with live SLA and OLA clocks (default: 200,000 live clocks), deterministic by seed.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_slmbench \\
        .venv/bin/python -m bench.slm_generate --clocks 200000 --seed 1 --reset

Creates an office calendar (Europe/Berlin, Mon-Fri 08:00-18:00, German public holidays), a service with an SLA
on that calendar (response and resolution per priority, warnings at 50/75/90 % that notify people), 20 teams
(manager, 10 agents each, escalation team) with an OLA each on the same calendar, then open incidents reported
over the last five days: 30 % new (SLA and OLA response and resolution running), 55 % in progress (resolutions
running, responses met), 15 % on hold awaiting the caller (resolutions paused). Incidents, status and assignment
histories, clocks and thresholds are written with COPY (no audit events: test data, not changes); every clock's
state and threshold due times come from the engine's own `clock_state`, so the data is what the engine would
have written. Ends with `VACUUM ANALYZE`.
"""

import argparse
import datetime as dt
import io
import os
import random
import sys
import time

BATCH = 20_000
HOUR = 3600
TEAMS = 20
AGENTS = 10
# (status, weight, live clocks per incident with an SLA and an OLA)
MIX = [("new", 30), ("in_progress", 55), ("on_hold", 15)]
HOLIDAYS = [
    ("2026-01-01", "Neujahr"),
    ("2026-04-03", "Karfreitag"),
    ("2026-04-06", "Ostermontag"),
    ("2026-05-01", "Tag der Arbeit"),
    ("2026-05-14", "Christi Himmelfahrt"),
    ("2026-05-25", "Pfingstmontag"),
    ("2026-10-03", "Tag der Deutschen Einheit"),
    ("2026-12-25", "1. Weihnachtstag"),
    ("2026-12-26", "2. Weihnachtstag"),
    ("2027-01-01", "Neujahr"),
]
OFFICE = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]
RULES = {
    "50": ["notify_assignee"],
    "75": ["notify_assignee"],
    "90": ["notify_assignee", "notify_team_manager"],
    "100": ["notify_assignee_manager", "notify_team_manager"],
}


def _esc(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        import json

        return json.dumps(value).replace("\\", "\\\\")
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n")


def copy_rows(cursor, model, rows: list[dict]) -> None:
    """COPY dict rows (column name -> value) into the model's table; nullable columns left out are NULL, a left-out
    id comes from its sequence."""
    if not rows:
        return
    columns = [field.column for field in model._meta.concrete_fields if field.column in rows[0] or field.null]
    buffer = io.StringIO()
    buffer.writelines("\t".join(_esc(row.get(column)) for column in columns) + "\n" for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer)


def _setup(stdout):
    """Calendar, service, SLA, teams with people, OLAs: through the services, audited like real edits."""
    from itsm.models import Team, User
    from slm.models import Agreement, Calendar, Service, SLARecomputeJob
    from slm.services import agreement_save, calendar_save

    calendar = Calendar.objects.filter(name="Bench office").first() or calendar_save(
        actor=None,
        name="Bench office",
        timezone="Europe/Berlin",
        hours=OFFICE,
        holidays=[{"date": d, "name": n} for d, n in HOLIDAYS],
    )
    service = Service.objects.get_or_create(name="Bench service")[0]
    targets = [
        {"priority": p, "metric": m, "seconds": s * p}
        for p in range(1, 6)
        for m, s in (("response", 2 * HOUR), ("resolution", 8 * HOUR))
    ]
    if not Agreement.objects.filter(name="Bench SLA").exists():
        agreement_save(
            actor=None,
            name="Bench SLA",
            kind="sla",
            service=service,
            calendar=calendar,
            applies_to=["incident"],
            targets=targets,
            pause_on=["awaiting_caller"],
            escalation_rules=RULES,
        )
    teams = []
    for index in range(TEAMS):
        name = f"Bench team {index:02d}"
        team = Team.objects.filter(name=name).first()
        if team is None:
            manager = User.objects.create(username=f"bench-manager-{index:02d}", email=f"m{index}@bench.test")
            team = Team.objects.create(name=name, manager=manager)
            agents = [
                User.objects.create(
                    username=f"bench-agent-{index:02d}-{n}", email=f"a{index}.{n}@bench.test", manager=manager
                )
                for n in range(AGENTS)
            ]
            team.members.set(agents)
            agreement_save(
                actor=None,
                name=f"Bench OLA {index:02d}",
                kind="ola",
                team=team,
                calendar=calendar,
                applies_to=["incident"],
                targets=targets,
                pause_on=["awaiting_caller"],
                escalation_rules=RULES,
            )
        teams.append(team)
    for index, team in enumerate(teams):  # functional escalation: each team to the next
        Team.objects.filter(pk=team.pk).update(escalation_team=teams[(index + 1) % TEAMS])
    SLARecomputeJob.objects.all().delete()  # the setup's own jobs: nothing to cover yet
    stdout.write(f"setup: calendar {calendar.pk}, service {service.pk}, {len(teams)} teams\n")
    return calendar, service, teams


def generate(*, clocks: int, seed: int, reset: bool, stdout=sys.stdout) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from incidents.models import Incident
    from itsm.models import JournalEntry, NumberSequence, OutboxMessage, User
    from itsm.models.history import TicketAssignmentChange, TicketStatusChange
    from slm.clocks import Stint
    from slm.models import Agreement, SLAClock, SLAThreshold
    from slm.sla import LIVE, agreement_calendar, apply_state, clock_state

    if Incident.objects.exists():
        if not reset:
            raise SystemExit("incidents exist: pass --reset to empty incidents, clocks and histories first")
        with connection.cursor() as cursor:
            for model in (SLAThreshold, SLAClock, TicketStatusChange, TicketAssignmentChange, OutboxMessage):
                cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
            cursor.execute(f"TRUNCATE {Incident._meta.db_table} CASCADE")
            cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table}")
    _calendar, service, teams = _setup(stdout)
    sla = Agreement.objects.select_related("calendar").get(name="Bench SLA")
    olas = {a.team_id: a for a in Agreement.objects.select_related("calendar").filter(kind="ola", team__in=teams)}
    members = {t.pk: list(t.members.values_list("pk", flat=True)) for t in teams}
    requester = User.objects.get_or_create(username="bench-requester", defaults={"email": "r@bench.test"})[0]
    content_type = ContentType.objects.get_for_model(Incident).pk
    rng = random.Random(seed)
    now = timezone.now()
    statuses, weights = zip(*MIX, strict=True)
    levels = ["high", "medium", "low"]
    from itsm.choices import priority_for

    stats = {"incidents": 0, "clocks": 0, "live_clocks": 0, "thresholds": 0}
    started = time.perf_counter()
    pk = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM slm_slaclock")
        clock_id = cursor.fetchone()[0]
    while stats["live_clocks"] < clocks:
        batch = {"incidents": [], "status": [], "assignment": [], "clocks": [], "thresholds": []}
        with transaction.atomic(), connection.cursor() as cursor:
            while len(batch["incidents"]) < BATCH and stats["live_clocks"] < clocks:
                pk += 1
                reported = now - dt.timedelta(seconds=rng.randrange(5 * 86400))
                status = rng.choices(statuses, weights)[0]
                impact, urgency = rng.choice(levels), rng.choice(levels)
                team = rng.choice(teams)
                history = [(reported, "new", "")]
                if status != "new":
                    history.append((reported + (now - reported) * rng.random() * 0.5, "in_progress", ""))
                if status == "on_hold":
                    history.append(
                        (history[-1][0] + (now - history[-1][0]) * rng.random(), "on_hold", "awaiting_caller")
                    )
                priority = priority_for(impact, urgency)
                batch["incidents"].append(
                    {
                        "id": pk,
                        "created_at": reported,
                        "updated_at": history[-1][0],
                        "number": f"INC{pk:07d}",
                        "title": f"Bench incident {pk}",
                        "description": "",
                        "impact": impact,
                        "urgency": urgency,
                        "priority": priority,
                        "version": len(history),
                        "kind": "incident",
                        "status": status,
                        "on_hold_reason": "awaiting_caller" if status == "on_hold" else None,
                        "channel": "phone",
                        "major": False,
                        "reported_at": reported,
                        "resolution_notes": "",
                        "assignee_id": rng.choice(members[team.pk]),
                        "assignment_group_id": team.pk,
                        "created_by_id": requester.pk,
                        "requester_id": requester.pk,
                        "service_id": service.pk,
                    }
                )
                batch["status"] += [
                    {"content_type_id": content_type, "object_id": pk, "at": at, "status": s, "reason": r}
                    for at, s, r in history
                ]
                batch["assignment"].append(
                    {"content_type_id": content_type, "object_id": pk, "at": reported, "team_id": team.pk}
                )
                for agreement, stint in ((sla, None), (olas[team.pk], Stint(1, team.pk, reported, None))):
                    calendar = agreement_calendar(agreement)
                    for metric in ("response", "resolution"):
                        target = agreement.target_seconds(priority=priority, metric=metric)
                        state = clock_state(
                            agreement=agreement,
                            calendar=calendar,
                            metric=metric,
                            target=target,
                            history=history,
                            now=now,
                            stint=stint,
                        )
                        clock_id += 1
                        clock = apply_state(SLAClock(pk=clock_id), state, target=target, started_at=reported, now=now)
                        batch["clocks"].append(
                            {
                                "id": clock_id,
                                "created_at": reported,
                                "updated_at": now,
                                "content_type_id": content_type,
                                "object_id": pk,
                                "agreement_id": agreement.pk,
                                "metric": metric,
                                "stint": stint.number if stint else 0,
                                "target_seconds": target,
                                "started_at": reported,
                                "due_at": clock.due_at,
                                "stopped_at": clock.stopped_at,
                                "elapsed_seconds": clock.elapsed_seconds,
                                "paused_seconds": clock.paused_seconds,
                                "computed_at": now,
                                "status": clock.status,
                                "breached": clock.breached,
                            }
                        )
                        live = clock.status in LIVE
                        stats["live_clocks"] += live
                        for percent, due in state.threshold_due.items():
                            batch["thresholds"].append(
                                {
                                    "created_at": reported,
                                    "updated_at": now,
                                    "clock_id": clock_id,
                                    "percent": percent,
                                    "due_at": due if live else None,
                                    "actions": [],
                                }
                            )
            copy_rows(cursor, Incident, batch["incidents"])
            copy_rows(cursor, TicketStatusChange, batch["status"])
            copy_rows(cursor, TicketAssignmentChange, batch["assignment"])
            copy_rows(cursor, SLAClock, batch["clocks"])
            copy_rows(cursor, SLAThreshold, batch["thresholds"])
        stats["incidents"] += len(batch["incidents"])
        stats["clocks"] += len(batch["clocks"])
        stats["thresholds"] += len(batch["thresholds"])
        stdout.write(
            f"  {stats['incidents']:,} incidents, {stats['live_clocks']:,} live clocks, "
            f"{time.perf_counter() - started:.0f} s\n"
        )
    with connection.cursor() as cursor:
        for model in (Incident, TicketStatusChange, TicketAssignmentChange, SLAClock, SLAThreshold):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                f"(SELECT MAX(id) FROM {model._meta.db_table}))"
            )
        NumberSequence.objects.update_or_create(prefix="INC", defaults={"last_value": pk})
        written = time.perf_counter() - started
        for model in (Incident, TicketStatusChange, TicketAssignmentChange, SLAClock, SLAThreshold):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    stats.update(seconds=round(written, 1), vacuum=round(time.perf_counter() - started - written, 1))
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=200_000, help="live (running or paused) clocks to reach")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="empty incidents, clocks and histories first")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the generator targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    print(generate(clocks=args.clocks, seed=args.seed, reset=args.reset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
