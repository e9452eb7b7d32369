"""Time the CMDB on a generated estate: impact analysis (with SQL variants), the CI list API, bulk import.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_bench \\
        .venv/bin/python -m bench.cmdb_bench [--samples 200] [--explain] [--import-payload /tmp/estate.json]

Run `bench.cmdb_generate` first. `--import-payload` is destructive: it empties the CMDB, imports the
payload (first import), then imports it again (re-import, nothing changes).
"""

import argparse
import json
import math
import os
import random
import statistics
import sys
import time

LEVEL_SQL_C = """
SELECT source_id FROM {rel} WHERE target_id = ANY(%(frontier)s)
UNION
SELECT target_id FROM {rel} WHERE type = %(connects)s AND source_id = ANY(%(frontier)s)
"""

DEPTH, LIMIT = 10, 10_000


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Table:
    """Rows of (measure, n, p50, p95, max, note), printed aligned at the end."""

    def __init__(self):
        self.rows = []

    def add(self, measure: str, timings_ms: list[float], note: str = "") -> None:
        self.rows.append(
            (
                measure,
                str(len(timings_ms)),
                f"{statistics.median(timings_ms):.1f}",
                f"{percentile(timings_ms, 0.95):.1f}",
                f"{max(timings_ms):.1f}",
                note,
            )
        )

    def add_once(self, measure: str, seconds: float, note: str = "") -> None:
        self.rows.append((measure, "1", f"{seconds * 1000:.0f}", "", "", note))

    def print(self) -> None:
        header = ("measure", "n", "p50 ms", "p95 ms", "max ms", "note")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(5)]
        for position, row in enumerate([header, *self.rows]):
            cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, 5)] + [row[5]]
            print("  ".join(cells).rstrip())
            if position == 0:
                print("  ".join("-" * w for w in widths) + "  ----")


def timed(function, *args, **kwargs):
    """(result, elapsed ms)."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


# --- impact: the selector and the SQL variants -----------------------------------------------------------
def _rel_table() -> str:
    from django.db import connection

    from cmdb.models import CIRelationship

    return connection.ops.quote_name(CIRelationship._meta.db_table)


def _params(start: int) -> dict:
    return {"start": start, "depth": DEPTH, "fetch": LIMIT + 1, "connects": "connects_to"}


def sql_current(start: int) -> list[tuple]:
    """(a) the walk exactly as cmdb.selectors runs it (recursive CTE joining the relationship table directly)."""
    from django.db import connection

    from cmdb.selectors import IMPACT, impact_sql

    with connection.cursor() as cursor:
        cursor.execute(impact_sql(IMPACT), _params(start))
        return cursor.fetchall()


def python_levels(start: int) -> list[tuple]:
    """(c) for comparison only: breadth first from Python, one query per level, each CI expanded once."""
    from django.db import connection

    sql = LEVEL_SQL_C.format(rel=_rel_table())
    seen, frontier, found = {start}, [start], []
    with connection.cursor() as cursor:
        for depth in range(1, DEPTH + 1):
            if not frontier:
                break
            cursor.execute(sql, {"frontier": frontier, "connects": "connects_to"})
            frontier = sorted(ci_id for (ci_id,) in cursor.fetchall() if ci_id not in seen)
            seen.update(frontier)
            found.extend((ci_id, depth) for ci_id in frontier)
            if len(found) > LIMIT:
                break
    return found[: LIMIT + 1]


def explain(start: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the current walk for one start CI."""
    from django.db import connection

    from cmdb.selectors import IMPACT, impact_sql

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + impact_sql(IMPACT), _params(start))
        return "\n".join(line for (line,) in cursor.fetchall())


def bench_impact(table: Table, *, samples: int, seed: int, explain_plan: bool) -> None:
    from django.db import connection

    from cmdb.models import ConfigurationItem
    from cmdb.selectors import ci_impact

    ids = list(ConfigurationItem.objects.order_by("pk").values_list("pk", flat=True))
    chosen = random.Random(seed).sample(ids, min(samples, len(ids)))
    cis = ConfigurationItem.objects.in_bulk(chosen)
    for ci_id in chosen[:5]:  # warm the cache so the first samples do not pay for cold pages
        ci_impact(ci=cis[ci_id], depth=DEPTH, limit=LIMIT)

    selector_ms, sizes, truncated_count = [], [], 0
    variants = {"a": (sql_current, []), "c": (python_levels, [])}
    for ci_id in chosen:
        (impacted, truncated), elapsed = timed(ci_impact, ci=cis[ci_id], depth=DEPTH, limit=LIMIT)
        selector_ms.append(elapsed)
        sizes.append(len(impacted))
        truncated_count += truncated
        reference = None
        for _name, (function, timings) in variants.items():
            rows, elapsed = timed(function, ci_id)
            timings.append(elapsed)
            # The variants must agree with each other on what is reached (c's order within a depth may differ).
            got = sorted((int(ci), int(depth)) for ci, depth in rows)[:LIMIT]
            if reference is None:
                reference = got
            elif len(rows) <= LIMIT and got != reference:
                raise AssertionError(f"SQL variants disagree for CI {ci_id}")
    note = (
        f"impacted CIs: median {statistics.median(sizes):.0f}, p95 {percentile(sizes, 0.95)}, "
        f"max {max(sizes)}; {truncated_count} truncated"
    )
    table.add(f"impact, {len(chosen)} random CIs (ci_impact)", selector_ms, note)
    table.add("  SQL (a) the selector's recursive CTE alone", variants["a"][1])
    table.add("  (c) level-by-level from Python", variants["c"][1], "extra, for comparison")

    scc_ci = ConfigurationItem.objects.filter(ci_class__slug="application", name__startswith="mw-").order_by("name")
    scc_ci = scc_ci.first()
    # "Most connected" in the impact sense: the CI whose failure directly impacts the most others.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT ci_id, COUNT(*) FROM (SELECT target_id AS ci_id FROM {_rel_table()}
                UNION ALL SELECT source_id FROM {_rel_table()} WHERE type = 'connects_to') ends
                GROUP BY ci_id ORDER BY 2 DESC, 1 LIMIT 1"""
        )
        busiest_id, degree = cursor.fetchone()
    busiest = ConfigurationItem.objects.select_related("ci_class").get(pk=busiest_id)
    cases = [
        (f"big SCC ({scc_ci.name})", scc_ci),
        (f"most connected ({busiest.name}, {degree} direct dependents)", busiest),
    ]
    worst = []
    for label, ci in cases:
        if ci is None:
            continue
        runs = [timed(ci_impact, ci=ci, depth=DEPTH, limit=LIMIT) for _ in range(5)]
        (impacted, truncated), _elapsed = runs[0]
        table.add(
            f"impact worst case: {label}",
            [elapsed for _result, elapsed in runs],
            f"{len(impacted)} impacted, truncated={truncated}",
        )
        for key, title in (("a", "SQL (a) the selector's CTE"), ("c", "(c) from Python")):
            function = variants[key][0]
            table.add(f"  {title}", [timed(function, ci.pk)[1] for _ in range(5)])
        worst.append((label, ci))
    if explain_plan:
        for label, ci in worst:
            print(f"\nEXPLAIN (ANALYZE, BUFFERS), current walk, {label}:\n{explain(ci.pk)}\n")


class QueryCounter:
    """A connection.execute_wrapper that counts the queries run through it."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


# --- the CI list API -----------------------------------------------------------------------------------
def bench_api(table: Table, *, repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from cmdb.models import CIClass, ConfigurationItem
    from itsm.models import Team, User

    try:
        url = reverse("api:configurationitem-list")
    except NoReverseMatch:
        try:
            url = reverse("configurationitem-list")
        except NoReverseMatch:
            print("CI list API not found: skipped")
            return
    user = User.objects.get(username="admin")
    client = Client()
    client.force_login(user)
    classes = {c.slug: c.pk for c in CIClass.objects.all()}
    infrastructure = Team.objects.get(name="Infrastructure").pk
    sample_name = ConfigurationItem.objects.order_by("pk").values_list("name", flat=True)[50_000]
    queries = {
        "no filter": "",
        "class=virtual-machine, status=active": f"ci_class={classes['virtual-machine']}&status=active",
        "class=server (+subclasses)": f"ci_class={classes['server']}",
        "env=production, team, -name": f"environment=production&owner_team={infrastructure}&ordering=-name",
        "criticality=high, status=maintenance": "criticality=high&status=maintenance",
        f"q={sample_name[:9]} (text)": f"q={sample_name[:9]}",
        "limit=50&offset=50000": "limit=50&offset=50000",
    }
    everything = []
    for label, query in queries.items():
        path = f"{url}?{query}" if query else url
        response = client.get(path)  # warm up, and check it works
        if response.status_code != 200:
            print(f"{path}: HTTP {response.status_code}; skipped")
            continue
        count = response.json().get("count")
        # CaptureQueriesContext sees nothing here: Django empties the query log when each request starts.
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            client.get(path)
        timings = [timed(client.get, path)[1] for _ in range(repeat)]
        everything.extend(timings)
        table.add(f"API {label}", timings, f"{count} matches, {counter.count} queries")
    if everything:
        table.add("API list, all of the above", everything)


# --- bulk import ---------------------------------------------------------------------------------------
def bench_import(table: Table, path: str) -> None:
    try:
        from cmdb.services.imports import ci_import
    except ImportError:
        print("cmdb.services.imports.ci_import not found: import skipped")
        return
    from django.db import connection

    from bench.cmdb_generate import prepare_database, reset_database
    from itsm.audit_context import audit_context

    with open(path, encoding="utf-8") as handle:
        payload = json.load(handle)
    size = f"{len(payload['cis'])} CIs + {len(payload['relationships'])} relationships"
    prepare_database(sys.stdout)
    reset_database()
    with audit_context(source="command"):
        report, elapsed = timed(ci_import, actor=None, payload=payload)
        table.add_once(f"import, first ({size})", elapsed / 1000, _summary(report))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report, elapsed = timed(ci_import, actor=None, payload=payload)
        table.add_once("import, again (no changes)", elapsed / 1000, _summary(report))


def _summary(report: dict) -> str:
    return (
        f"created {report['created']}, updated {report['updated']}, unchanged {report['unchanged']}, "
        f"errors {len(report['errors'])}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="random CIs for impact analysis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--api-repeat", type=int, default=20, help="requests per API query")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the worst cases")
    parser.add_argument("--skip-impact", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--import-payload", help="time importing this payload twice (empties the CMDB first!)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    os.environ.setdefault("ITSM_HTTPS", "0")  # the test client speaks plain HTTP
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the benchmark targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])

    table = Table()
    if not args.skip_impact:
        bench_impact(table, samples=args.samples, seed=args.seed, explain_plan=args.explain)
    if not args.skip_api:
        bench_api(table, repeat=args.api_repeat)
    if args.import_payload:
        bench_import(table, args.import_payload)
    print()
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
