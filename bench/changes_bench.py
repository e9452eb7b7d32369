"""Time the change analysis on the benchmark estate: conflict check, risk, the calendar month view.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_chgbench \\
        .venv/bin/python -m bench.changes_bench [--samples 50] [--cis 20] [--explain]

Run `bench.cmdb_generate` and `bench.changes_generate` on the same database first. Samples are changes of
`--cis` CIs picked like the generator picks them (30 % from the hot set of often-changed CIs) with a planned
window of 4 hours in the next six months (seed 1). Measured, after one warm-up each:

- conflict check: `changes.conflicts.change_conflicts` (function), and `GET /api/v1/changes/{id}/conflicts/`
  for the same sample saved as a scheduled change (inside a transaction rolled back at the end);
- risk: `changes.risk.risk_assess` (function), and `POST /api/v1/changes/risk-preview/` (impact, risk and
  conflicts of the unsaved RFC: what the UI calls while the requester edits);
- calendar: `GET /api/v1/changes/calendar/` for the twelve months around NOW, unfiltered and by team.

API calls go through Django's test Client (in process, no network) signed in as the demo change manager.
`--explain` prints EXPLAIN (ANALYZE, BUFFERS) of the slowest query of each measure's slowest sample. The
note gives the queries of the slowest sample and the median CPU time of this process (Python, not PostgreSQL):
on a shared machine it tells the code's own cost from waiting for a core.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.changes_generate import NOW, ci_pools
from bench.incidents_bench import Recorder, Table, _explain, percentile

CHANGE_MANAGER = "carlos.mendez"


class _Rollback(Exception):
    pass


def samples(*, count: int, cis: int, seed: int) -> list[tuple[list[int], datetime, datetime]]:
    """(CI ids, planned start, planned end) like the generator's changes, with `cis` CIs each."""
    rng = random.Random(seed)
    pool, hot = ci_pools(rng)
    result = []
    for _ in range(count):
        picked = set()
        while len(picked) < cis:
            picked.add(rng.choice(hot) if rng.random() < 0.3 else rng.choice(pool))
        start = (NOW + timedelta(days=180) * rng.random()).replace(minute=0, second=0, microsecond=0)
        result.append((sorted(picked), start, start + timedelta(hours=4)))
    return result


def timed_calls(table: Table, label: str, calls, *, explain: bool, repeat: int, note=None) -> list:
    """Warm up with the first call, then run each call `repeat` times; report p50/p95 over the calls.

    With `repeat` > 1 a call's time is the fastest of its runs: on a machine shared with other work that is
    the call's own cost rather than its wait for a core (the note gives p95 of the first runs alone too).
    """
    from django.db import connection

    if calls:
        calls[0]()
    best, first, cpu, results, slowest = [], [], [], [], (0.0, None)
    for call in calls:
        runs = []
        for attempt in range(repeat):
            recorder = Recorder()
            started, started_cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(recorder):
                result = call()
            runs.append((time.perf_counter() - started) * 1000)
            if attempt == 0:
                results.append(result)
                cpu.append((time.process_time() - started_cpu) * 1000)
                if runs[0] >= slowest[0]:
                    slowest = (runs[0], recorder)
        best.append(min(runs))
        first.append(runs[0])
    recorder = slowest[1]
    extra = note(results) if note else ""
    queries = f"{recorder.count} queries; slowest {recorder.slowest[0]:.1f} ms"
    single = f"; first runs p95 {percentile(first, 0.95):.0f} ms" if repeat > 1 else ""
    table.add(label, best, f"{queries}; Python CPU p50 {statistics.median(cpu):.0f} ms{single}{extra}")
    if explain:
        print(f"\n--- {label}: slowest sample {slowest[0]:.1f} ms, its slowest query ({recorder.slowest[0]:.1f} ms):")
        print(recorder.slowest[1][:2000])
        print(_explain(recorder.slowest[1], recorder.slowest[2]))
    return results


def bench_analysis(table: Table, cases, *, explain: bool, repeat: int) -> None:
    from changes.conflicts import change_conflicts
    from changes.impact import ci_walk
    from changes.risk import risk_assess

    sizes = [ci_walk(ci_ids)[0] for ci_ids, _start, _end in cases]
    truncated = sum(1 for ci_ids, _s, _e in cases if ci_walk(ci_ids)[1])
    print(
        f"samples: {len(cases)}; impacted CIs per sample: median {statistics.median(map(len, sizes)):.0f}, "
        f"max {max(map(len, sizes))}; {truncated} hit the 10,000 cap"
    )

    def conflict_note(results):
        counts = [len(r) for r in results]
        return f"; conflicts per sample: median {statistics.median(counts):.0f}, max {max(counts)}"

    timed_calls(
        table,
        "conflict check, function",
        [lambda c=c: change_conflicts(ci_ids=c[0], planned_start=c[1], planned_end=c[2], user=None) for c in cases],
        explain=explain,
        repeat=repeat,
        note=conflict_note,
    )
    timed_calls(
        table,
        "risk, function (risk_assess)",
        [lambda c=c: risk_assess(change_type="normal", ci_ids=c[0]) for c in cases],
        explain=explain,
        repeat=repeat,
        note=lambda results: f"; risks {_counts(results)}",
    )


def _counts(results) -> dict:
    counts = {}
    for result in results:
        counts[result.risk] = counts.get(result.risk, 0) + 1
    return counts


def _ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.content[:300]!r}")
    return response


def bench_api(table: Table, cases, *, explain: bool, repeat: int) -> None:
    from django.db import transaction
    from django.test import Client

    from changes.models import Change
    from itsm.models import Team, User

    manager = User.objects.get(username=CHANGE_MANAGER)
    client = Client()
    client.force_login(manager)
    try:
        with transaction.atomic():
            saved = []
            for number, (ci_ids, start, end) in enumerate(cases):
                change = Change.objects.create(
                    number=f"CHGBENCH{number:04d}",
                    title="Bench change with many CIs",
                    status="scheduled",
                    planned_start=start,
                    planned_end=end,
                )
                change.configuration_items.set(ci_ids)
                saved.append(change.pk)
            timed_calls(
                table,
                "conflict check, API GET /changes/{id}/conflicts/",
                [lambda pk=pk: _ok(client.get(f"/api/v1/changes/{pk}/conflicts/")) for pk in saved],
                explain=explain,
                repeat=repeat,
            )
            raise _Rollback
    except _Rollback:
        pass
    timed_calls(
        table,
        "risk preview, API POST /changes/risk-preview/",
        [
            lambda c=c: _ok(
                client.post(
                    "/api/v1/changes/risk-preview/",
                    {
                        "type": "normal",
                        "configuration_items": c[0],
                        "planned_start": c[1].isoformat(),
                        "planned_end": c[2].isoformat(),
                    },
                    content_type="application/json",
                )
            )
            for c in cases
        ],
        explain=explain,
        repeat=repeat,
    )
    months = [
        datetime(NOW.year + (NOW.month - 1 + m) // 12, (NOW.month - 1 + m) % 12 + 1, 1, tzinfo=UTC)
        for m in range(-6, 7)
    ]
    ranges = [(months[i], months[i + 1]) for i in range(12)] * 3

    def calendar_note(responses):
        rows = [len(r.json()["changes"]) for r in responses]
        windows = [len(r.json()["windows"]) for r in responses]
        return f"; changes per month: median {statistics.median(rows):.0f}, max {max(rows)}; windows ~{max(windows)}"

    def calendar(start, end, **extra):
        query = {"start": start.isoformat(), "end": end.isoformat(), **extra}
        return _ok(client.get("/api/v1/changes/calendar/", query))

    timed_calls(
        table,
        "calendar month, API GET /changes/calendar/",
        [lambda r=r: calendar(*r) for r in ranges],
        explain=explain,
        repeat=repeat,
        note=calendar_note,
    )
    team = Team.objects.order_by("name").first()
    timed_calls(
        table,
        f"calendar month, by team ({team.name})",
        [lambda r=r: calendar(*r, assignment_group=team.pk) for r in ranges],
        explain=explain,
        repeat=repeat,
        note=calendar_note,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--cis", type=int, default=20, help="CIs per sampled change")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs per sample; the fastest counts (default 1)")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-functions", action="store_true", help="only the API measures")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("ITSM_HTTPS", "0")  # the test client speaks plain HTTP
    import django

    django.setup()
    from django.db import connection

    from changes.models import Change

    if connection.vendor != "postgresql" or not Change.objects.exists():
        print("run bench.changes_generate on a PostgreSQL database first (DATABASE_URL)", file=sys.stderr)
        return 1
    cases = samples(count=args.samples, cis=args.cis, seed=args.seed)
    table = Table()
    if not args.skip_functions:
        bench_analysis(table, cases, explain=args.explain, repeat=args.repeat)
    if not args.skip_api:
        bench_api(table, cases, explain=args.explain, repeat=args.repeat)
    print()
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
