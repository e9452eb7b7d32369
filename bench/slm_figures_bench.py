"""The SLA daily figures (slm.figures) at scale: exact against the live count, and what keeping them costs.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_dashbench \\
        .venv/bin/python -m bench.slm_figures_bench [--syncs 300] [--chunks 5] [--rebuild]

Run `bench.incidents_generate` and `bench.slm_clocks_generate` first (the latter builds the figures). Then:
1. the dashboard over 30, 90, 365 and 730 days (the bench manager's zone, Europe/Berlin), from the figures and
   counted live: the two must be equal (it exits 1 otherwise), with both timings;
2. `sla_sync` on the `--syncs` latest open incidents, with and without recording its changes (`figures_touch`);
3. the recompute job's chunks (2,000 live clocks each) with and without recording;
4. `figures_refresh` of what 2. and 3. recorded;
5. with `--rebuild`, `figures_rebuild` from scratch (the site's zone and Europe/Berlin).
Steps 2-4 run in one transaction that is rolled back: the database is left as it was.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import zoneinfo

MANAGER = "hannah.mueller"
ZONE = "Europe/Berlin"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def check_exact() -> bool:
    from django.utils import timezone

    from itsm.models import User
    from slm.reports import sla_dashboard

    user = User.objects.get(username=MANAGER)
    zone = zoneinfo.ZoneInfo(ZONE)
    exact = True
    with timezone.override(zone):
        today = timezone.localdate()
        for days in (30, 90, 365, 730):
            start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time.min), zone)
            end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min), zone)
            now = timezone.now()
            began = time.perf_counter()
            read = sla_dashboard(user=user, start=start, end=end, now=now)
            middle = time.perf_counter()
            live = sla_dashboard(user=user, start=start, end=end, now=now, aggregate=False)
            done = time.perf_counter()
            same = read == live
            exact &= same
            print(
                f"last {days:>3} days: {read['summary']['total']:>9,} clocks; figures {_ms(middle - began):>11}, "
                f"live {_ms(done - middle):>11}; {'identical' if same else 'DIFFERENT'}"
            )
    return exact


def time_syncs(count: int) -> None:
    import slm.sla
    from incidents.models import Incident
    from slm.figures import figures_touch

    # The latest open incidents: what a working day's syncs touch (random ones from three years touch every day).
    tickets = list(Incident.objects.exclude(status__in=["resolved", "closed", "cancelled"]).order_by("-pk")[:count])
    timings = {"recording": [], "not recording": []}
    for index, ticket in enumerate(tickets):
        for variant in ("recording", "not recording") if index % 2 else ("not recording", "recording"):
            slm.sla.figures_touch = figures_touch if variant == "recording" else (lambda instants: None)
            began = time.perf_counter()
            slm.sla.sla_sync(ticket=ticket)
            timings[variant].append(time.perf_counter() - began)
    slm.sla.figures_touch = figures_touch
    for variant, values in timings.items():
        print(
            f"sla_sync, {variant:>13}: mean {_ms(statistics.mean(values))}, "
            f"median {_ms(statistics.median(values))} over {len(values)} incidents"
        )


def time_recompute(chunks: int) -> None:
    import slm.recompute
    from slm.figures import figures_touch
    from slm.models import Agreement, SLAClock
    from slm.sla import agreement_calendar

    agreement_id = (
        SLAClock.objects.filter(status__in=["running", "paused"]).values_list("agreement_id", flat=True).first()
    )
    agreements = {a.pk: a for a in Agreement.objects.select_related("calendar").filter(pk=agreement_id)}
    calendars = {pk: agreement_calendar(a) for pk, a in agreements.items()}
    timings = {"recording": [], "not recording": []}
    after = 0
    for index in range(chunks * 2):
        variant = "recording" if index % 2 else "not recording"
        slm.recompute.figures_touch = figures_touch if variant == "recording" else (lambda instants: None)
        began = time.perf_counter()
        done, after = slm.recompute._recompute_chunk(agreements, calendars, after, 2**62, _now())
        timings[variant].append((time.perf_counter() - began, done))
        if not done:
            break
    slm.recompute.figures_touch = figures_touch
    for variant, values in timings.items():
        if values:
            seconds = sum(s for s, _n in values)
            clocks = sum(n for _s, n in values)
            print(
                f"recompute chunks, {variant:>13}: {clocks:,} clocks in {_ms(seconds)} ({_ms(seconds / clocks)}/clock)"
            )


def _now():
    from django.utils import timezone

    return timezone.now()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--syncs", type=int, default=300)
    parser.add_argument("--chunks", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from slm.figures import figures_rebuild, figures_refresh
    from slm.models import SLAFigureChange

    if connection.vendor != "postgresql":
        print("the benchmark targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    print(f"load: {os.getloadavg()}")
    exact = check_exact()
    with transaction.atomic():
        time_syncs(args.syncs)
        time_recompute(args.chunks)
        changes = SLAFigureChange.objects.count()
        days = len({at.date() for at in SLAFigureChange.objects.values_list("at", flat=True)})
        began = time.perf_counter()
        taken = 0
        while batch := figures_refresh():
            taken += batch
        print(
            f"figures_refresh: {taken:,} of {changes:,} recorded changes (~{days} days per zone) "
            f"in {_ms(time.perf_counter() - began)}"
        )
        transaction.set_rollback(True)
    if args.rebuild:
        began = time.perf_counter()
        rows = figures_rebuild(zones=[settings.TIME_ZONE, ZONE])
        print(f"figures_rebuild: {rows} in {time.perf_counter() - began:.1f} s")
    print(f"load: {os.getloadavg()}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
