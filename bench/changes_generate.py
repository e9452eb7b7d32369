"""Generate changes (default 50,000 over two years, 1-5 CIs each) and change windows on the CMDB estate.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_chgbench \\
        .venv/bin/python -m bench.changes_generate --changes 50000 --seed 1 --reset

Run `bench.cmdb_generate` on the same database first (the 100k-CI estate). Then, deterministic by seed:

- one catalog service per business-service CI (`slm.Service`, skipped when it exists: the estate has none);
- changes planned from 18 months before to 6 months after NOW, durations from one hour to three days; the
  status follows the planned window (past: closed, some cancelled/rejected/in review; running: in
  implementation; future: draft to scheduled), completed ones have an outcome (10 % failed or backed out);
- each change touches 1-5 CIs: 30 % of the picks come from a "hot" set of 2,000 CIs (the ones changed all
  the time, so their history has a failure rate), the rest from any CI but datacenters and racks;
- blackout windows: a year-end freeze and quarter-end freezes for everything, plus targeted ones on a few
  services or CIs; weekly maintenance windows (Saturday 22:00 to Sunday 04:00) for 30 groups of CIs and
  services over the two years.

Rows are written with COPY (no audit events: test data, not changes); ends with `VACUUM ANALYZE`.
`impacted_services` is left empty (it is derived per change by the impact walk, 50,000 walks).
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.incidents_generate import _copy

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
PAST_DAYS, FUTURE_DAYS = 540, 180
BATCH = 10_000
HOT_CIS = 2000
MAINTENANCE_GROUPS = 30
# (hours, weight)
DURATIONS = ([1, 2, 4, 8, 24, 72], [20, 30, 25, 15, 7, 3])
TYPES = (["standard", "normal", "emergency"], [30, 60, 10])
PAST = (["closed", "review", "cancelled", "rejected"], [88, 2, 6, 4])
FUTURE = (["draft", "assessment", "authorization", "scheduled", "cancelled", "rejected"], [10, 15, 20, 50, 3, 2])
OUTCOMES = (["successful", "successful_with_issues", "failed", "backed_out"], [82, 8, 6, 4])
RISKS = (["low", "medium", "high", "very_high"], [50, 30, 15, 5])
VERBS = ["Patch", "Upgrade", "Restart", "Reconfigure", "Migrate", "Resize", "Replace", "Decommission", "Harden"]
WHAT = ["the OS", "the database engine", "TLS certificates", "the JVM", "firmware", "the agent", "DNS records"]


def _field_defaults(model) -> dict:
    """column -> value for a row nobody filled in: the field's default, NULL, or ''."""
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        empty = None if field.null else ""
        value = field.get_default() if field.has_default() else empty
        defaults[field.column] = json.dumps(value) if field.get_internal_type() == "JSONField" else value
    return defaults


def _rows(model, records: list[dict]) -> tuple[list[str], list[tuple]]:
    from django.db import connection

    defaults = _field_defaults(model)
    columns = ["id", *defaults]
    rows = [tuple(record.get(c, defaults.get(c)) for c in columns) for record in records]
    return [connection.ops.quote_name(c) for c in columns], rows  # quoted: "end" is a keyword


def _status_for(rng, start: datetime, end: datetime) -> tuple[str, str | None]:
    if end <= NOW:
        status = rng.choices(*PAST)[0]
        return status, rng.choices(*OUTCOMES)[0] if status in ("closed", "review") else None
    if start <= NOW:
        return "implementation", None
    return rng.choices(*FUTURE)[0], None


def ensure_services(stdout) -> int:
    """A catalog service for each business-service CI (the estate's top layer), by the CI's name."""
    from cmdb.models import ConfigurationItem
    from slm.models import Service

    existing = set(Service.objects.values_list("ci_id", flat=True))
    new = [
        Service(name=name, ci_id=pk, owner_team_id=team)
        for pk, name, team in ConfigurationItem.objects.filter(ci_class__slug="business-service")
        .order_by("pk")
        .values_list("pk", "name", "owner_team_id")
        if pk not in existing
    ]
    Service.objects.bulk_create(new, batch_size=2000)
    stdout.write(f"  services: {len(new)} created, {len(existing)} existed\n")
    return Service.objects.count()


def reset(stdout) -> None:
    from django.db import connection

    from changes.models import Change, ChangeWindow

    tables = [Change._meta.db_table, ChangeWindow._meta.db_table]
    with connection.cursor() as cursor:
        # CASCADE: the M2M tables, votes, and any incident pointing at a change (none in a bench database).
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    stdout.write("  emptied changes and change windows\n")


def ci_pools(rng) -> tuple[list[int], list[int]]:
    """(every CI a change may touch: all but datacenters and racks, the hot set of often-changed ones)."""
    from cmdb.models import ConfigurationItem

    pool = list(
        ConfigurationItem.objects.exclude(ci_class__slug__in=["datacenter", "rack"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return pool, rng.sample(pool, min(HOT_CIS, len(pool)))


def _pick_cis(rng, hot: list[int], pool: list[int]) -> list[int]:
    count = rng.randint(1, 5)
    picked = {rng.choice(hot) if rng.random() < 0.3 else rng.choice(pool) for _ in range(count)}
    return sorted(picked)


def write_changes(cursor, rng, *, changes: int, hot, pool, teams, users) -> dict:
    from changes.models import Change
    from itsm.choices import priority_for

    through = Change.configuration_items.through._meta.db_table
    span = timedelta(days=PAST_DAYS + FUTURE_DAYS)
    first = NOW - timedelta(days=PAST_DAYS)
    stats = {"changes": 0, "ci_links": 0, "statuses": {}}
    records, links = [], []
    for pk in range(1, changes + 1):
        start = (first + span * rng.random()).replace(minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=rng.choices(*DURATIONS)[0])
        status, outcome = _status_for(rng, start, end)
        stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
        impact, urgency = rng.choice(["high", "medium", "low"]), rng.choice(["high", "medium", "low"])
        risk = rng.choices(*RISKS)[0]
        created = start - timedelta(days=rng.randint(1, 30))
        started = status in ("implementation", "review", "closed")
        records.append(
            {
                "id": pk,
                "created_at": created,
                "updated_at": end if end <= NOW else created,
                "number": f"CHG{pk:07d}",
                "title": f"{rng.choice(VERBS)} {rng.choice(WHAT)} ({pk})",
                "description": "Generated by bench.changes_generate.",
                "impact": impact,
                "urgency": urgency,
                "priority": priority_for(impact, urgency),
                "type": rng.choices(*TYPES)[0],
                "status": status,
                "risk": risk,
                "risk_computed": risk,
                "planned_start": start,
                "planned_end": end,
                "actual_start": start if started else None,
                "actual_end": end if status in ("review", "closed") else None,
                "outcome": outcome,
                "assignment_group_id": rng.choice(teams),
                "requester_id": rng.choice(users),
                "created_by_id": rng.choice(users),
            }
        )
        links.extend((pk, ci) for ci in _pick_cis(rng, hot, pool))
        if len(records) >= BATCH or pk == changes:
            columns, rows = _rows(Change, records)
            _copy(cursor, Change._meta.db_table, columns, rows)
            _copy(cursor, through, ["change_id", "configurationitem_id"], links)
            stats["changes"] += len(records)
            stats["ci_links"] += len(links)
            records, links = [], []
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Change._meta.db_table}', 'id'), %s)", [changes])
    return stats


def write_windows(cursor, rng, *, services, pool) -> dict:
    from changes.models import ChangeWindow

    first, last = NOW - timedelta(days=PAST_DAYS), NOW + timedelta(days=FUTURE_DAYS)
    windows, window_cis, window_services = [], [], []

    def add(name, kind, start, end, cis=(), svcs=()):
        pk = len(windows) + 1
        windows.append({"id": pk, "created_at": first, "updated_at": first, "name": name, "kind": kind})
        windows[-1].update(start=start, end=end)
        window_cis.extend((pk, ci) for ci in cis)
        window_services.extend((pk, s) for s in svcs)

    for year in range(first.year, last.year + 1):
        add(
            f"Year-end freeze {year}",
            "blackout",
            datetime(year, 12, 20, tzinfo=UTC),
            datetime(year + 1, 1, 3, tzinfo=UTC),
        )
        for month in (3, 6, 9):
            quarter_end = datetime(year, month + 1, 1, tzinfo=UTC)
            add(f"Quarter-end close {year}-Q{month // 3}", "blackout", quarter_end - timedelta(days=3), quarter_end)
    for n in range(150):
        start = (first + (last - first) * rng.random()).replace(minute=0, second=0, microsecond=0)
        end = start + timedelta(days=rng.randint(1, 7))
        if rng.random() < 0.5:
            add(f"Service freeze {n}", "blackout", start, end, svcs=rng.sample(services, rng.randint(1, 5)))
        else:
            add(f"CI freeze {n}", "blackout", start, end, cis=rng.sample(pool, rng.randint(1, 10)))
    saturday = first + timedelta(days=(5 - first.weekday()) % 7)
    saturday = saturday.replace(hour=22, minute=0, second=0, microsecond=0)
    for group in range(MAINTENANCE_GROUPS):
        cis = rng.sample(pool, rng.randint(10, 50))
        svcs = rng.sample(services, rng.randint(0, 3))
        week = saturday
        while week < last:
            add(f"Weekly maintenance group {group}", "maintenance", week, week + timedelta(hours=6), cis, svcs)
            week += timedelta(days=7)
    columns, rows = _rows(ChangeWindow, windows)
    _copy(cursor, ChangeWindow._meta.db_table, columns, rows)
    _copy(
        cursor,
        ChangeWindow.configuration_items.through._meta.db_table,
        ["changewindow_id", "configurationitem_id"],
        window_cis,
    )
    _copy(cursor, ChangeWindow.services.through._meta.db_table, ["changewindow_id", "service_id"], window_services)
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{ChangeWindow._meta.db_table}', 'id'), %s)", [len(windows)])
    blackouts = sum(1 for w in windows if w["kind"] == "blackout")
    return {
        "blackouts": blackouts,
        "maintenance": len(windows) - blackouts,
        "window_ci_links": len(window_cis),
        "window_service_links": len(window_services),
    }


def generate(*, changes: int, seed: int, reset_first: bool, stdout=sys.stdout) -> dict:
    from django.db import connection, transaction

    from changes.models import Change, ChangeWindow
    from cmdb.models import ConfigurationItem
    from itsm.demo import load_organisation
    from itsm.models import NumberSequence, Team, User
    from slm.models import Service

    if not ConfigurationItem.objects.exists():
        raise SystemExit("no CIs: run bench.cmdb_generate on this database first")
    load_organisation(stdout)
    if Change.objects.exists() or ChangeWindow.objects.exists():
        if not reset_first:
            raise SystemExit("changes exist: pass --reset to empty changes and change windows first")
        reset(stdout)
    ensure_services(stdout)
    rng = random.Random(seed)
    pool, hot = ci_pools(rng)
    services = list(Service.objects.order_by("pk").values_list("pk", flat=True))
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    users = list(User.objects.order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        stats = write_changes(cursor, rng, changes=changes, hot=hot, pool=pool, teams=teams, users=users)
        stats.update(write_windows(cursor, rng, services=services, pool=pool))
        NumberSequence.objects.update_or_create(prefix="CHG", defaults={"last_value": changes})
    written = time.perf_counter() - started
    with connection.cursor() as cursor:
        for model in (Change, Change.configuration_items.through, ChangeWindow, Service):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        for through in (ChangeWindow.configuration_items.through, ChangeWindow.services.through):
            cursor.execute(f"VACUUM ANALYZE {through._meta.db_table}")
    stats.update(seconds=round(written, 1), vacuum=round(time.perf_counter() - started - written, 1))
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="empty changes and change windows first")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the generator targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    print(generate(changes=args.changes, seed=args.seed, reset_first=args.reset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
