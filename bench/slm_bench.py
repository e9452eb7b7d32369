"""SLA engine benchmark: recompute after a calendar edit, threshold firing throughput, burst drain and lateness.

    export DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_slmbench DJANGO_SETTINGS_MODULE=itsm.settings
    .venv/bin/python -m bench.slm_bench recompute            # edit the bench calendar, run the recompute job here
    .venv/bin/python -m bench.slm_bench fire --burst 50000   # 50,000 thresholds due at once, drained in-process
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python -m bench.slm_bench beat --burst 50000
                                                             # the same burst through a real worker and beat

Run `bench.slm_generate` first. `fire` and `beat` are destructive: they pick running clocks' unfired thresholds,
make them due together, and push every other unfired threshold a year out so only the burst fires; regenerate
with `--reset` for a fresh data set. `beat` starts `celery worker` (one process, `--pool solo`) and `celery beat`
(the shipped schedule: the sweep every 15 s) as subprocesses, makes the burst due 20 s later, and reports how late
each row fired (fired_at - due_at) and how long the burst took to drain.
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _celery(args_list, log):
    # Mail goes nowhere: notification delivery is not what is measured, and there is no mail server here.
    env = {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", **os.environ}
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "itsm", *args_list], stdout=log, stderr=log, env=env)


def recompute(args) -> dict:
    """Edit the bench calendar's hours (08:00 <-> 07:30 opening); time until its recompute job is done.

    `--workers 0`: the job and its slices run in this process (tasks eager); `--workers N`: a `celery worker`
    subprocess with N processes takes them from Redis, as in production.
    """
    from django.db.models import Count

    from itsm.celery import app
    from slm.models import Calendar, SLAClock, SLARecomputeJob
    from slm.services import calendar_save

    worker = None
    if args.workers:
        log = open(args.log, "w")  # noqa: SIM115 - kept open for the subprocess's lifetime
        worker = _celery(["worker", "-c", str(args.workers), "-l", "warning"], log)
        time.sleep(8)  # let it connect before the job is queued
    else:
        app.conf.task_always_eager = True
    calendar = Calendar.objects.get(name="Bench office")
    opening = "07:30" if calendar.hours[0]["start"] == "08:00" else "08:00"
    try:
        started = time.perf_counter()
        calendar = calendar_save(
            actor=None, calendar=calendar, hours=[{"weekday": d, "start": opening, "end": "18:00"} for d in range(5)]
        )
        job = calendar.recompute_job
        while True:
            job.refresh_from_db()
            if job.status in ("done", "failed"):
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(60)
    live = dict(SLAClock.objects.filter(status__in=["running", "paused"]).values_list("status").annotate(n=Count("id")))
    return {
        "job": job.pk,
        "status": job.status,
        "error": job.error,
        "workers": args.workers,
        "slices": job.slices,
        "opening": opening,
        "clocks": job.processed,
        "seconds": round(seconds, 1),
        "job_seconds": round((job.finished_at - job.created_at).total_seconds(), 1),
        "clocks_per_second": round(job.processed / seconds),
        "live_now": live,
        "queued_jobs_left": SLARecomputeJob.objects.filter(status="queued").count(),
    }


def _make_burst(size: int, due_at: dt.datetime) -> list[int]:
    """Make `size` unfired thresholds of running clocks due at `due_at`; all other unfired ones a year later."""
    from django.db import connection, transaction

    from slm.models import SLAThreshold

    with transaction.atomic(), connection.cursor() as cursor:
        ids = list(
            SLAThreshold.objects.filter(fired_at__isnull=True, clock__status="running")
            .order_by("clock_id", "percent")
            .values_list("pk", flat=True)[:size]
        )
        if len(ids) < size:
            raise SystemExit(f"only {len(ids)} unfired thresholds of running clocks: generate more clocks")
        table = SLAThreshold._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET due_at = %s WHERE fired_at IS NULL AND due_at IS NOT NULL AND NOT (id = ANY(%s))",
            [due_at + dt.timedelta(days=365), ids],
        )
        cursor.execute(f"UPDATE {table} SET due_at = %s WHERE id = ANY(%s)", [due_at, ids])
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
    return ids


def _written(ids, since) -> dict:
    from itsm.models import AuditEvent, JournalEntry, OutboxMessage
    from slm.models import SLAThreshold

    fired = SLAThreshold.objects.filter(pk__in=ids, fired_at__isnull=False)
    return {
        "fired": fired.count(),
        "journal_notes": JournalEntry.objects.filter(created_at__gte=since, body__startswith="SLA").count(),
        "outbox_messages": OutboxMessage.objects.filter(created_at__gte=since).count(),
        "audit_events": AuditEvent.objects.filter(at__gte=since).count(),
    }


def fire(args) -> dict:
    """A burst of `--burst` due thresholds drained by `sla_fire_due` in this process (one worker's throughput)."""
    from django.utils import timezone

    from slm.escalations import sla_fire_due

    now = timezone.now()
    ids = _make_burst(args.burst, now - dt.timedelta(seconds=1))
    started_at, started = timezone.now(), time.perf_counter()
    fired = sla_fire_due()
    seconds = time.perf_counter() - started
    return {"burst": args.burst, "fired": fired, "seconds": round(seconds, 1), "per_second": round(fired / seconds)} | {
        "rows": _written(ids, started_at)
    }


def beat(args) -> dict:
    """The burst through a real worker and beat (subprocesses); lateness = fired_at - due_at per row."""
    from django.conf import settings
    from django.utils import timezone

    from slm.models import SLAThreshold

    if not settings.REDIS_URL:
        raise SystemExit("set REDIS_URL (your own Redis database number)")
    now = timezone.now()
    ids = _make_burst(args.burst, now + dt.timedelta(days=1))  # prepared out of reach, made due below
    logs = open(args.log, "w")  # noqa: SIM115 - kept open for the subprocesses' lifetime
    worker = _celery(["worker", "--pool", "solo", "-l", "warning"], logs)
    beat_process = _celery(["beat", "-l", "warning", "-s", f"/tmp/slm-bench-beat-{os.getpid()}"], logs)
    try:
        time.sleep(10)  # both connected and ticking
        due_at = timezone.now() + dt.timedelta(seconds=20)
        SLAThreshold.objects.filter(pk__in=ids).update(due_at=due_at)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            left = SLAThreshold.objects.filter(pk__in=ids, fired_at__isnull=True).count()
            if not left:
                break
            time.sleep(1)
    finally:
        for process in (beat_process, worker):
            process.terminate()
            process.wait(30)
        logs.close()
    fired_at = list(SLAThreshold.objects.filter(pk__in=ids, fired_at__isnull=False).values_list("fired_at", flat=True))
    lateness = [(at - due_at).total_seconds() for at in fired_at]
    return {
        "burst": args.burst,
        "fired": len(fired_at),
        "beat_interval_s": settings.CELERY_BEAT_SCHEDULE["slm-fire-thresholds"]["schedule"],
        "first_fired_after_due_s": round(min(lateness), 1) if lateness else None,
        "drained_after_due_s": round(max(lateness), 1) if lateness else None,
        "drain_s": round(max(lateness) - min(lateness), 1) if lateness else None,
        "lateness_p50_s": round(statistics.median(lateness), 1) if lateness else None,
        "lateness_p99_s": round(_percentile(lateness, 0.99), 1) if lateness else None,
        "rows": _written(ids, now),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("recompute")
    sub.add_argument("--workers", type=int, default=0, help="0: in this process; N: a celery worker with N processes")
    sub.add_argument("--log", default="/tmp/slm-bench-celery.log")
    for name in ("fire", "beat"):
        sub = commands.add_parser(name)
        sub.add_argument("--burst", type=int, default=50_000)
        sub.add_argument("--log", default="/tmp/slm-bench-celery.log")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the benchmark targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    print({"recompute": recompute, "fire": fire, "beat": beat}[args.command](args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
