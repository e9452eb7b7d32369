"""Time the SLA dashboard and the compliance report API over generated incidents and clocks.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_dashbench \\
        .venv/bin/python -m bench.slm_dashboard_bench [--repeat 20] [--explain]

Run `bench.incidents_generate` and then `bench.slm_clocks_generate` first. Server time through Django's test
Client (in process, no network), signed in as a manager; 1 warm-up, then `--repeat` requests per measure; the
note gives the SQL query count of one request and its slowest query. Periods end where the generated data
ends (2026-11-25); the dashboard's presets count back from today. `--explain` prints EXPLAIN (ANALYZE,
BUFFERS) of each measure's slowest query.
"""

import argparse
import datetime as dt
import os
import re
import sys
from urllib.parse import urlencode

from bench.incidents_bench import Table, measure

MANAGER = "hannah.mueller"
DATA_END = dt.date(2026, 11, 25)
API = "/api/v1/reports/sla-compliance/"
PAGE = "/slm/dashboard/"


def _period(days: int) -> dict:
    return {"start": (DATA_END - dt.timedelta(days=days - 1)).isoformat(), "end": DATA_END.isoformat()}


def _rows(response) -> str:
    rows = response.json()["rows"]
    return f"; {len(rows)} rows, {sum(row['total'] for row in rows):,} clocks"


def _clocks(response) -> str:
    kpis = dict(re.findall(r'data-kpi="([a-z-]+)">([^<]*)<', response.content.decode()))
    return f"; {kpis.get('measured', '?')}, {kpis.get('compliance', '?')}"


def bench(table: Table, *, repeat: int, explain: bool) -> None:
    from django.test import Client

    from itsm.models import Team, User
    from slm.models import Service

    client = Client()
    client.force_login(User.objects.get(username=MANAGER))
    service = Service.objects.get(name="E-mail")
    team = Team.objects.get(name="Service Desk")
    api_cases = [
        ("API by service, 30 days", {**_period(30), "group_by": "service"}),
        ("API by team, 30 days", {**_period(30), "group_by": "team"}),
        ("API by priority, 30 days", {**_period(30), "group_by": "priority"}),
        ("API by agreement, 30 days", {**_period(30), "group_by": "agreement"}),
        ("API by service, 90 days", {**_period(90), "group_by": "service"}),
        ("API by service, 365 days", {**_period(365), "group_by": "service"}),
        ("API by team, 2 years (the maximum)", {**_period(730), "group_by": "team"}),
        ("API 30 days, service + OLA filter", {**_period(30), "service": service.pk, "kind": "ola"}),
        ("API 30 days, team + priority 2", {**_period(30), "team": team.pk, "priority": 2, "group_by": "agreement"}),
    ]
    for label, params in api_cases:
        measure(table, client, label, f"{API}?{urlencode(params)}", repeat=repeat, explain=explain, note=_rows)
    custom = {"period": "custom", **_period(30)}
    page_cases = [
        ("page, default (last 30 days)", {}),
        ("page, 30 days to the data's end", custom),
        ("page, last 90 days", {"period": "90d"}),
        ("page, this year", {"period": "this_year"}),
        ("page, 365 days to the data's end", {"period": "custom", **_period(365)}),
        ("page, 2 years to the data's end", {"period": "custom", **_period(730)}),
        ("page, 30 days, service E-mail", {**custom, "service": service.pk}),
        ("page, htmx filter change (30 days)", {**custom, "kind": "sla"}),
    ]
    for label, params in page_cases:
        path = f"{PAGE}?{urlencode(params)}" if params else PAGE
        htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "sla-dashboard"} if "htmx" in label else {}
        client.defaults.update(htmx)
        measure(table, client, label, path, repeat=repeat, explain=explain, note=_clocks)
        for key in htmx:
            client.defaults.pop(key)
    measure(table, client, "CSV export, 30 days", f"{PAGE}export/?{urlencode(custom)}", repeat=repeat, explain=False)
    measure(table, client, "print view, 30 days", f"{PAGE}print/?{urlencode(custom)}", repeat=repeat, explain=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    os.environ.setdefault("ITSM_HTTPS", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the benchmark targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    call_command("collectstatic", interactive=False, verbosity=0)  # pages with DEBUG=0 need the manifest
    table = Table()
    bench(table, repeat=args.repeat, explain=args.explain)
    print()
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
