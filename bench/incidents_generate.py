"""Generate incidents with journal entries (default 1,000,000, 20 % open), deterministic by seed.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_bench2 \\
        .venv/bin/python -m bench.incidents_generate --incidents 1000000 --seed 1 --reset

Loads the demo organisation, CMDB and service catalog first (idempotent loaders), then writes incidents,
their CI links and journal entries with COPY (no audit events: test data, not changes), spread over the
demo teams, agents, requesters, services and CIs. Journal entries average ~3 per incident; one open
incident (printed at the end) has 500. Ends with `VACUUM ANALYZE`.
"""

import argparse
import io
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

BATCH = 50_000
HEAVY_ENTRIES = 500

# (status, weight): 20 % open.
STATUSES = [("new", 6), ("in_progress", 10), ("on_hold", 4), ("resolved", 5), ("closed", 70), ("cancelled", 5)]
LEVELS = ["high", "medium", "low"]
CHANNELS = (["phone", "email", "portal", "chat", "walk_in", "monitoring", "api"], [30, 25, 25, 8, 4, 6, 2])
RESOLUTIONS = ["fixed", "workaround", "duplicate", "no_fault_found", "user_error", "other"]
ON_HOLD = ["awaiting_caller", "awaiting_vendor", "awaiting_change", "other"]
SUBJECTS = [
    "Outlook",
    "printer",
    "laptop",
    "VPN client",
    "Wi-Fi",
    "monitor",
    "password",
    "payroll report",
    "web shop checkout",
    "HR portal",
    "shared drive",
    "Teams call",
    "docking station",
    "keyboard",
    "mailbox",
    "certificate",
    "SAP login",
    "invoice export",
    "backup job",
    "database replica",
    "load balancer",
    "firewall rule",
    "intranet page",
    "badge reader",
]
PROBLEMS = [
    "does not start",
    "is very slow",
    "shows an error",
    "keeps disconnecting",
    "cannot connect",
    "stopped working",
    "asks for the password again",
    "freezes after login",
    "times out",
    "prints blank pages",
    "is not reachable",
    "returns error 500",
    "crashes on save",
    "is missing data",
    "flickers",
    "is locked",
]
WHERE = [
    "in building A",
    "on floor 3",
    "from home",
    "in the Frankfurt office",
    "since this morning",
    "after the update",
    "for the whole team",
    "for one user",
    "on the new laptop",
    "since Monday",
]
REQUESTS = [
    "New laptop for",
    "Access to the shared drive for",
    "New account for",
    "Software install for",
    "Mailbox permissions for",
    "VPN token for",
    "Second monitor for",
    "Phone for",
]
NAMES = ["a new starter", "the finance team", "a contractor", "the HR assistant", "the sales manager", "an intern"]
NOTES = [
    "Called the user back, no answer; left a voicemail.",
    "Checked the logs: authentication failures since 08:12.",
    "Reproduced on a test machine.",
    "Asked the user for a screenshot of the error.",
    "Restarted the service, monitoring for recurrence.",
    "Escalated to second line with the logs attached.",
    "User confirms it works again.",
    "Vendor ticket opened, waiting for their answer.",
    "Cleared the local cache and profile; user to retry tomorrow.",
    "Related to the change scheduled last night.",
]


def priority(impact: str, urgency: str) -> int:
    """Must match itsm.choices.priority_for (checked at start-up)."""
    from itsm.choices import priority_for

    return priority_for(impact, urgency)


def _esc(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n").replace("\r", "")


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    buffer.writelines("\t".join(_esc(v) for v in row) + "\n" for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


INCIDENT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "number",
    "title",
    "description",
    "impact",
    "urgency",
    "priority",
    "version",
    "kind",
    "status",
    "on_hold_reason",
    "channel",
    "major",
    "reported_at",
    "resolved_at",
    "closed_at",
    "resolution_code",
    "resolution_notes",
    "assignee_id",
    "assignment_group_id",
    "category_id",
    "created_by_id",
    "parent_id",
    "requester_id",
    "service_id",
]
JOURNAL_COLUMNS = ["created_at", "updated_at", "object_id", "body", "visibility", "author_id", "content_type_id"]


def generate(*, incidents: int, seed: int, reset: bool, stdout=sys.stdout) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from cmdb.demo import load_cmdb
    from cmdb.models import CIRelationship
    from incidents.models import Category, Incident
    from itsm.demo import load_organisation
    from itsm.models import JournalEntry, NumberSequence, Team, User
    from slm.demo import load_services
    from slm.models import Service

    load_organisation(stdout)
    load_cmdb(stdout)
    load_services(stdout)
    table = Incident._meta.db_table
    if Incident.objects.exists():
        if not reset:
            raise SystemExit("incidents exist: pass --reset to empty incidents and their journal first")
        with connection.cursor() as cursor:
            ct = ContentType.objects.get_for_model(Incident).pk
            cursor.execute(f"DELETE FROM {JournalEntry._meta.db_table} WHERE content_type_id = %s", [ct])
            cursor.execute(f"TRUNCATE {table} CASCADE")
    rng = random.Random(seed)
    teams = list(Team.objects.order_by("name"))
    members = {t.pk: list(t.members.order_by("username").values_list("pk", flat=True)) for t in teams}
    staff = [u.pk for u in User.objects.order_by("username") if u.is_staff_member]
    requesters = list(User.objects.order_by("username").values_list("pk", flat=True))
    services = list(Service.objects.order_by("name"))
    service_cis = {
        s.pk: [s.ci_id]
        + list(CIRelationship.objects.filter(source_id=s.ci_id, type="contains").values_list("target_id", flat=True))
        for s in services
        if s.ci_id
    }
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    ct = ContentType.objects.get_for_model(Incident).pk
    statuses, weights = zip(*STATUSES, strict=True)
    priorities = {(i, u): priority(i, u) for i in LEVELS for u in LEVELS}
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    start = now - timedelta(days=3 * 365)
    step = (now - start) / incidents
    heavy = incidents - incidents // 50  # a recent one: it is forced open below
    stats = {"incidents": 0, "journal": 0, "ci_links": 0, "open": 0}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        rows, links, journal = [], [], []

        def flush():
            _copy(cursor, table, INCIDENT_COLUMNS, rows)
            _copy(
                cursor,
                Incident.configuration_items.through._meta.db_table,
                ["incident_id", "configurationitem_id"],
                links,
            )
            _copy(cursor, JournalEntry._meta.db_table, JOURNAL_COLUMNS, journal)
            stats["incidents"] += len(rows)
            stats["ci_links"] += len(links)
            stats["journal"] += len(journal)
            rows.clear(), links.clear(), journal.clear()

        for pk in range(1, incidents + 1):
            reported = start + step * pk + timedelta(seconds=rng.randrange(600))
            status = "in_progress" if pk == heavy else rng.choices(statuses, weights)[0]
            stats["open"] += status in ("new", "in_progress", "on_hold")
            service = rng.choice(services) if rng.random() < 0.8 else None
            team = rng.choice(teams)
            assignee = None if status == "new" and rng.random() < 0.5 else rng.choice(members[team.pk] or staff)
            kind = "service_request" if rng.random() < 0.25 else "incident"
            if kind == "incident":
                title = f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(PROBLEMS)} {rng.choice(WHERE)}"
            else:
                title = f"{rng.choice(REQUESTS)} {rng.choice(NAMES)}"
            impact, urgency = rng.choice(LEVELS), rng.choice(LEVELS)
            resolved = closed = code = None
            notes = ""
            if status in ("resolved", "closed"):
                resolved = reported + timedelta(minutes=rng.randrange(10, 20_000))
                code, notes = rng.choice(RESOLUTIONS), rng.choice(NOTES)
                if status == "closed":
                    closed = resolved + timedelta(days=rng.choice([0, 1, 3, 7]))
            elif status == "cancelled":
                closed = reported + timedelta(hours=rng.randrange(1, 48))
            touched = closed or resolved or reported
            requester = rng.choice(requesters)
            rows.append(
                (
                    pk,
                    reported,
                    touched,
                    f"INC{pk:07d}",
                    title,
                    f"{title}. Reported by phone; {rng.choice(NOTES).lower()}",
                    impact,
                    urgency,
                    priorities[(impact, urgency)],
                    rng.randint(1, 8),
                    kind,
                    status,
                    rng.choice(ON_HOLD) if status == "on_hold" else None,
                    rng.choices(*CHANNELS)[0],
                    rng.random() < 0.001,
                    reported,
                    resolved,
                    closed,
                    code,
                    notes,
                    assignee,
                    team.pk,
                    rng.choice(categories) if categories else None,
                    rng.choice(staff),
                    None,
                    requester,
                    service.pk if service else None,
                )
            )
            if service and service.pk in service_cis and rng.random() < 0.6:
                for ci in rng.sample(service_cis[service.pk], min(2, len(service_cis[service.pk]))):
                    links.append((pk, ci))
            count = HEAVY_ENTRIES if pk == heavy else rng.randint(0, 6)
            for n in range(count):
                when = reported + timedelta(minutes=5 * (n + 1))
                public = rng.random() < 0.4
                author = requester if public and rng.random() < 0.5 else (assignee or rng.choice(staff))
                journal.append(
                    (when, when, pk, f"{rng.choice(NOTES)} (#{n + 1})", "public" if public else "internal", author, ct)
                )
            if len(rows) >= BATCH:
                flush()
                stdout.write(f"  {pk:,} incidents, {time.perf_counter() - started:.0f} s\n")
        if rows:
            flush()
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [incidents])
        NumberSequence.objects.update_or_create(prefix="INC", defaults={"last_value": incidents})
    written = time.perf_counter() - started
    with connection.cursor() as cursor:
        for model in (Incident, JournalEntry):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Incident.configuration_items.through._meta.db_table}")
    stats.update(
        seconds=round(written, 1), vacuum=round(time.perf_counter() - started - written, 1), heavy=f"INC{heavy:07d}"
    )
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="delete existing incidents and their journal first")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the generator targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    print(generate(incidents=args.incidents, seed=args.seed, reset=args.reset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
