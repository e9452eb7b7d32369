"""Generate SLA clocks for the incidents `bench.incidents_generate` wrote: ~2 per incident, deterministic by seed.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_dashbench \\
        .venv/bin/python -m bench.slm_clocks_generate --seed 1 --reset

Loads the demo calendars and agreements first (idempotent loaders). Then, per incident: the response and
resolution clocks of its service's SLA when it has one, else of its team's OLA (stint 1); a quarter of the
SLA tickets also get their team's OLA resolution clock. Outcomes follow the incident: closed and resolved
incidents stop their clocks (85 % within target: the rest of the wall time was paused or out of hours),
open incidents keep running (or paused while on hold) and are breached once their due time has passed,
cancelled ones are cancelled. Threshold rows (50/75/90 % and the breach) are written for live clocks only:
the dashboard's "at risk" list reads them; stopped clocks never look at theirs again. Rows go in with COPY
(no audit events: test data), then `VACUUM ANALYZE`.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.incidents_generate import _copy

BATCH = 100_000
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # the incidents generator's "now"
WITHIN_TARGET = 0.85
OLA_ON_SLA_TICKETS = 0.25
BOTH, RESOLUTION_ONLY = ("response", "resolution"), ("resolution",)
CLOCK_COLUMNS = [
    "created_at",
    "updated_at",
    "content_type_id",
    "object_id",
    "agreement_id",
    "metric",
    "stint",
    "target_seconds",
    "started_at",
    "due_at",
    "stopped_at",
    "elapsed_seconds",
    "paused_seconds",
    "computed_at",
    "status",
    "breached",
]
THRESHOLD_COLUMNS = ["created_at", "updated_at", "clock_id", "percent", "due_at", "fired_at", "actions"]


class _Clocks:
    """Builds the clock rows of one incident."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _stopped(self, agreement, metric, target, start, stop):
        """A clock that stopped at `stop`: met within target or breached, the rest of the wall time paused."""
        wall = max(60, int((stop - start).total_seconds()))
        within = self.rng.random() < WITHIN_TARGET
        elapsed = min(wall, int(target * (self.rng.uniform(0.1, 0.95) if within else self.rng.uniform(1.05, 3))))
        breached = elapsed > target
        # The breach instant: the share of the wall time at which the running time crossed the target.
        due = start + timedelta(seconds=wall * target / elapsed) if breached else None
        status = "breached" if breached else "met"
        return (agreement, metric, target, start, due, stop, elapsed, wall - elapsed, status, breached)

    def _live(self, agreement, metric, target, start, paused: bool):
        """A clock still running (or paused on hold) at NOW: breached once its due time has passed."""
        wall = int((NOW - start).total_seconds())
        held = int(wall * self.rng.uniform(0, 0.3))
        due = start + timedelta(seconds=target + held)
        breached = due <= NOW
        if paused and not breached:
            due = None  # no due time while waiting
        status = "paused" if paused else "running"
        return (agreement, metric, target, start, due, None, wall - held, held, status, breached)

    def rows(self, incident, agreements: list[tuple]) -> list[tuple]:
        """[(agreement id, metric, stint, target, started, due, stopped, elapsed, paused, status, breached)] for
        `agreements` [(agreement id, stint, {(priority, metric): seconds}, metrics)]."""
        pk, status, priority, reported, resolved, closed = incident
        result = []
        for agreement_id, stint, targets, metrics in agreements:
            for metric in metrics:
                target = targets[(priority, metric)]
                if status == "cancelled":
                    clock = (agreement_id, metric, target, reported, None, closed, 0, 0, "cancelled", False)
                elif metric == "response" and status != "new":
                    responded = reported + timedelta(seconds=int(target * self.rng.uniform(0.05, 1.4)))
                    clock = self._stopped(agreement_id, metric, target, reported, min(responded, resolved or NOW))
                elif metric == "resolution" and status in ("resolved", "closed"):
                    clock = self._stopped(agreement_id, metric, target, reported, resolved)
                else:
                    clock = self._live(agreement_id, metric, target, reported, paused=status == "on_hold")
                result.append((clock[0], clock[1], stint, *clock[2:]))
        return result


def _agreements():
    """(SLA by service id, OLA/UC by team id), each (agreement id, stint, {(priority, metric): seconds})."""
    from slm.models import Agreement

    def targets(agreement):
        return {(t["priority"], t["metric"]): t["seconds"] for t in agreement.targets}

    active = Agreement.objects.filter(active=True)
    slas = {a.service_id: (a.pk, 0, targets(a)) for a in active.filter(kind="sla")}
    olas = {a.team_id: (a.pk, 1, targets(a)) for a in active.exclude(kind="sla")}
    return slas, olas


def generate(*, seed: int, reset: bool, stdout=sys.stdout) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from incidents.models import Incident
    from slm.demo import load_demo
    from slm.models import SLAClock, SLAThreshold

    load_demo(stdout)
    if SLAClock.objects.exists():
        if not reset:
            raise SystemExit("clocks exist: pass --reset to empty clocks and thresholds first")
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {SLAThreshold._meta.db_table}, {SLAClock._meta.db_table} CASCADE")
    rng = random.Random(seed)
    slas, olas = _agreements()
    ct = ContentType.objects.get_for_model(Incident).pk
    builder = _Clocks(rng)
    clock_table, threshold_table = SLAClock._meta.db_table, SLAThreshold._meta.db_table
    stats = {"incidents": 0, "clocks": 0, "thresholds": 0}
    started = time.perf_counter()
    with transaction.atomic():
        read = connection.connection.cursor(name="slmdash_incidents")  # server-side: 1M rows stream
        read.itersize = BATCH
        read.execute(
            f"SELECT id, status, priority, reported_at, resolved_at, closed_at, service_id, assignment_group_id "
            f"FROM {Incident._meta.db_table} ORDER BY id"
        )
        write = connection.cursor()
        write.execute(f"SELECT COALESCE(MAX(id), 0) FROM {clock_table}")
        next_id = write.fetchone()[0] + 1
        clocks, thresholds = [], []

        def flush():
            _copy(write, clock_table, ["id", *CLOCK_COLUMNS], clocks)
            _copy(write, threshold_table, THRESHOLD_COLUMNS, thresholds)
            stats["clocks"] += len(clocks)
            stats["thresholds"] += len(thresholds)
            clocks.clear(), thresholds.clear()

        for pk, status, priority, reported, resolved, closed, service_id, team_id in read:
            chosen = []
            if service_id in slas:
                chosen.append((*slas[service_id], BOTH))
                if team_id in olas and rng.random() < OLA_ON_SLA_TICKETS:
                    chosen.append((*olas[team_id], RESOLUTION_ONLY))
            elif team_id in olas:
                chosen.append((*olas[team_id], BOTH))
            incident = (pk, status, priority, reported, resolved, closed)
            for row in builder.rows(incident, chosen):
                agreement, metric, stint, target, begun, due, stopped, elapsed, paused, state, breached = row
                computed = stopped or NOW
                clocks.append(
                    (
                        next_id,
                        begun,
                        computed,
                        ct,
                        pk,
                        agreement,
                        metric,
                        stint,
                        target,
                        begun,
                        due,
                        stopped,
                        elapsed,
                        paused,
                        computed,
                        state,
                        breached,
                    )  # fmt: skip
                )
                if state in ("running", "paused"):
                    for percent in (50, 75, 90, 100):
                        when = begun + timedelta(seconds=target * percent // 100 + paused)
                        fired = when if when <= NOW else None
                        thresholds.append((begun, computed, next_id, percent, when, fired, "[]"))
                next_id += 1
            stats["incidents"] += 1
            if len(clocks) >= BATCH:
                flush()
                stdout.write(f"  {stats['incidents']:,} incidents, {time.perf_counter() - started:.0f} s\n")
        if clocks:
            flush()
        read.close()
        write.execute(f"SELECT setval(pg_get_serial_sequence('{clock_table}', 'id'), %s)", [next_id])
    written = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {clock_table}")
        cursor.execute(f"VACUUM ANALYZE {threshold_table}")
        cursor.execute(f"SELECT status, breached, count(*) FROM {clock_table} GROUP BY 1, 2 ORDER BY 1, 2")
        stats["mix"] = {f"{status}{' breached' if breached else ''}": n for status, breached, n in cursor.fetchall()}
    stats.update(seconds=round(written, 1), vacuum=round(time.perf_counter() - started - written, 1))
    # COPY bypasses sla_sync: the dashboard's daily figures are rebuilt from scratch (slm.figures).
    from django.conf import settings

    from slm.figures import figures_rebuild

    begun = time.perf_counter()
    # The site's zone and the benchmark manager's (the dashboard bench signs in as a Berliner).
    stats["figures"] = figures_rebuild(zones=[settings.TIME_ZONE, "Europe/Berlin"])
    stats["figures_seconds"] = round(time.perf_counter() - begun, 1)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE slm_sladailyfigure")
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="delete existing clocks and thresholds first")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the generator targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    print(generate(seed=args.seed, reset=args.reset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
