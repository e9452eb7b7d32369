"""Time Incident Management on generated incidents: API queue, keyword search, detail, agent UI, throughput.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_bench2 \\
        .venv/bin/python -m bench.incidents_bench [--repeat 20] [--explain] [--throughput 2000]

Run `bench.incidents_generate` first. Server time through Django's test Client (in process, no network),
signed in as a Service Desk agent; 1 warm-up, then `--repeat` requests per measure; the note gives the SQL
query count of one request. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of each measure's slowest query.
`--throughput N` starts gunicorn (2 workers, DEBUG=0, loopback) and sends N API queue requests with token
auth from 8 threads (at most 120 s).
"""

import argparse
import http.client
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

AGENT = "liam.oconnor"  # Service Desk agent
TEAM = "Service Desk"
OPEN = "status=new&status=in_progress&status=on_hold"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Recorder:
    """A connection.execute_wrapper that counts queries and keeps the slowest one."""

    def __init__(self):
        self.count, self.slowest = 0, (0.0, "", None)

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if elapsed > self.slowest[0]:
                self.slowest = (elapsed, sql, params)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, measure: str, timings: list[float], note: str = "") -> None:
        self.rows.append(
            (
                measure,
                str(len(timings)),
                f"{statistics.median(timings):.1f}",
                f"{percentile(timings, 0.95):.1f}",
                f"{max(timings):.1f}",
                note,
            )
        )

    def print(self) -> None:
        header = ("measure", "n", "p50 ms", "p95 ms", "max ms", "note")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(5)]
        for position, row in enumerate([header, *self.rows]):
            cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, 5)] + [row[5]]
            print("  ".join(cells).rstrip())
            if position == 0:
                print("  ".join("-" * w for w in widths) + "  ----")


def _explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(table: Table, client, label: str, path: str, *, repeat: int, explain: bool, note=None) -> None:
    from django.db import connection

    try:
        response = client.get(path)
    except Exception as error:  # noqa: BLE001 - a broken page is reported, the other measures still run
        print(f"{label}: {path} → {error!r}; skipped")
        return
    if response.status_code != 200:
        print(f"{label}: {path} → HTTP {response.status_code}; skipped")
        return
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(path)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    extra = note(response) if note else ""
    table.add(label, timings, f"{recorder.count} queries; slowest {recorder.slowest[0]:.1f} ms{extra}")
    if explain:
        print(f"\n--- {label}: {path}\nslowest query ({recorder.slowest[0]:.1f} ms):\n{recorder.slowest[1]}")
        print(_explain(recorder.slowest[1], recorder.slowest[2]))


def _count(response) -> str:
    data = response.json()
    return f"; count {data.get('count')}, {len(data.get('results', []))} rows"


def bench_server_time(table: Table, *, repeat: int, explain: bool, word: str) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from incidents.models import Incident
    from itsm.models import JournalEntry, Team, User

    agent = User.objects.get(username=AGENT)
    team = Team.objects.get(name=TEAM)
    client = Client()
    client.force_login(agent)
    api = "/api/v1/incidents/"
    ct = ContentType.objects.get_for_model(Incident)
    heavy_id = (
        JournalEntry.objects.filter(content_type=ct)
        .values("object_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("object_id", flat=True)[:1][0]
    )
    heavy_entries = JournalEntry.objects.filter(content_type=ct, object_id=heavy_id).count()
    queue = f"{api}?assignment_group={team.pk}&{OPEN}"
    for limit in (50, 10, 200):
        measure(
            table,
            client,
            f"API queue team+open limit={limit}",
            f"{queue}&limit={limit}",
            repeat=repeat,
            explain=explain and limit == 50,
            note=_count,
        )
    measure(
        table,
        client,
        "API queue page 20 (offset=950)",
        f"{queue}&limit=50&offset=950",
        repeat=repeat,
        explain=explain,
        note=_count,
    )
    deep = f"{queue}&limit=50"
    for _ in range(19):  # the 20th page, reached as a client does: through the next links (cursors)
        deep = client.get(deep).json()["next"].removeprefix("http://testserver")
    measure(table, client, "API queue page 20 (next links)", deep, repeat=repeat, explain=explain, note=_count)
    measure(
        table,
        client,
        "API queue ordering=-priority",
        f"{queue}&limit=50&ordering=-priority",
        repeat=repeat,
        explain=explain,
        note=_count,
    )
    measure(
        table,
        client,
        f"API q={word} (all statuses)",
        f"{api}?q={word}&limit=50",
        repeat=repeat,
        explain=explain,
        note=_count,
    )
    measure(
        table,
        client,
        f"API q={word} + team + open",
        f"{queue}&q={word}&limit=50",
        repeat=repeat,
        explain=explain,
        note=_count,
    )
    measure(
        table,
        client,
        "API q=INC0500000 (number)",
        f"{api}?q=INC0500000&limit=50",
        repeat=repeat,
        explain=explain,
        note=_count,
    )
    measure(table, client, f"API retrieve (incident {heavy_id})", f"{api}{heavy_id}/", repeat=repeat, explain=explain)
    for limit in (50, 500):
        measure(
            table,
            client,
            f"API comments of it, limit={limit} ({heavy_entries} entries)",
            f"{api}{heavy_id}/comments/?limit={limit}",
            repeat=repeat,
            explain=explain,
            note=_count,
        )
    try:
        queue_page = reverse("incidents:incident_list")
    except NoReverseMatch:
        print("agent queue page (incidents:incident_list) not found: skipped")
    else:
        measure(
            table, client, "UI queue 'teams' (team+open)", f"{queue_page}?queue=teams", repeat=repeat, explain=explain
        )
        measure(
            table,
            client,
            "UI queue 'teams', page 20",
            f"{queue_page}?queue=teams&page=20",
            repeat=repeat,
            explain=explain,
        )
        measure(
            table,
            client,
            "UI queue 'all open', htmx results",
            f"{queue_page}?queue=all",
            repeat=repeat,
            explain=explain,
        )
        measure(
            table,
            client,
            f"UI queue 'all open' q={word}",
            f"{queue_page}?queue=all&q={word}",
            repeat=repeat,
            explain=explain,
        )
        measure(
            table,
            client,
            f"UI detail (incident {heavy_id}, {heavy_entries} entries)",
            reverse("incidents:incident", args=[heavy_id]),
            repeat=repeat,
            explain=explain,
        )
        measure(
            table,
            client,
            "UI typeahead caller q=ma",
            reverse("incidents:caller_search") + "?q=ma",
            repeat=repeat,
            explain=explain,
        )
        measure(
            table,
            client,
            "UI typeahead CI q=db",
            reverse("incidents:ci_search") + "?q=db",
            repeat=repeat,
            explain=explain,
        )
    return {"agent": agent, "team": team}


# --- throughput ------------------------------------------------------------------------------------------
def _load(port: int, path: str, headers: dict, *, total: int, threads: int, seconds: float) -> tuple[int, int, float]:
    lock = threading.Lock()
    state = {"sent": 0, "ok": 0, "errors": 0}
    deadline = time.monotonic() + seconds
    headers = {**headers, "Host": "127.0.0.1"}

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if state["sent"] >= total:
                    return
                state["sent"] += 1
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                state["ok" if ok else "errors"] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return state["ok"], state["errors"], time.perf_counter() - started


def _cpu_seconds() -> dict[int, tuple[int, str, float]]:
    """{pid: (parent pid, command line, CPU seconds used)} of every process, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat, open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                text, command = stat.read(), cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / tick)
    return found


def _cpu_by_part(server_pid: int, database: str) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by the gunicorn workers, by the PostgreSQL backends serving `database`, and by
    this process, each by pid (other databases' backends, say other benchmarks', are left out)."""
    processes = _cpu_seconds()
    return {
        "gunicorn": {pid: cpu for pid, (ppid, _cmd, cpu) in processes.items() if ppid == server_pid},
        "postgres": {
            pid: cpu
            for pid, (_ppid, cmd, cpu) in processes.items()
            if cmd.startswith("postgres: ") and f" {database} " in cmd
        },
        "load generator": {os.getpid(): sum(os.times()[:2])},
    }


def _cpu_spent(before: dict, after: dict, requests: int) -> dict[str, float]:
    """CPU milliseconds per request of each part, over the processes alive at both readings."""
    return {
        part: sum(after[part][pid] - cpu for pid, cpu in before[part].items() if pid in after[part]) * 1000 / requests
        for part in before
    }


def _wait_until_up(port: int, path: str, headers: dict) -> None:
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers=headers)
            status = connection.getresponse().status
            break
        except OSError:
            time.sleep(0.2)
    else:
        raise RuntimeError("gunicorn did not start")
    if status != 200:
        raise RuntimeError(f"gunicorn answered HTTP {status} for {path}")


def _load_wrk(port: int, path: str, headers: dict, *, seconds: int) -> tuple[int, int, float, float]:
    """(OK, errors, seconds, load generator CPU seconds) of `wrk -t2 -c8`: a C load generator, so the client's
    own cost (Python threads take the GIL for every response) stays out of what is measured."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "30s"]
    for name, value in {**headers, "Host": "127.0.0.1"}.items():
        command += ["-H", f"{name}: {value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output.stdout)
    total, elapsed = int(done.group(1)), float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output.stdout)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output.stdout))
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return total - errors, errors, elapsed, cpu


def _throughput(server, port: int, label: str, path: str, headers: dict, *, total: int, database: str) -> None:
    _wait_until_up(port, path, headers)
    _load(port, path, headers, total=80, threads=8, seconds=30)  # warm both workers
    before = _cpu_by_part(server.pid, database)
    if shutil.which("wrk"):
        ok, errors, elapsed, client_cpu = _load_wrk(port, path, headers, seconds=20)
        generator = "wrk -t2 -c8, 20 s"
    else:
        ok, errors, elapsed = _load(port, path, headers, total=total, threads=8, seconds=120)
        client_cpu, generator = None, f"8 Python threads, {total} requests"
    after = _cpu_by_part(server.pid, database)
    print(
        f"\nThroughput, {label}, gunicorn 2 workers, concurrency 8 ({generator}): "
        f"{ok} OK, {errors} errors in {elapsed:.1f} s = {ok / elapsed:.0f} requests/s"
    )
    # CPU per request, whatever else the machine runs: what two otherwise idle cores could sustain.
    spent = _cpu_spent(before, after, max(ok + errors, 1))
    if client_cpu is not None:
        spent["load generator"] = client_cpu * 1000 / max(ok + errors, 1)
    print(
        "CPU per request: "
        + ", ".join(f"{part} {ms:.1f} ms" for part, ms in spent.items())
        + f"; all {sum(spent.values()):.1f} ms (2 cores: at most {2000 / sum(spent.values()):.0f} requests/s)"
    )


def _session_cookie(agent) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(agent)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def bench_throughput(*, total: int, agent, team, port: int = 8765, gunicorn_args=()) -> None:
    """The API queue (token) and the agent's UI queue page (session), each `total` requests from 8 threads."""
    from django.db import connection
    from django.urls import reverse
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=agent)
    env = {**os.environ, "DEBUG": "0", "ITSM_HTTPS": "0", "ALLOWED_HOSTS": "127.0.0.1"}
    root = Path(__file__).resolve().parent.parent
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "itsm.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", *gunicorn_args],
        cwd=root,
        env=env,
    )
    database = connection.settings_dict["NAME"]
    try:
        api = f"/api/v1/incidents/?assignment_group={team.pk}&{OPEN}&limit=50"
        token_auth = {"Authorization": f"Token {token.key}"}
        _throughput(server, port, "API queue (team + open, limit 50)", api, token_auth, total=total, database=database)
        page = f"{reverse('incidents:incident_list')}?queue=teams"
        session = {"Cookie": _session_cookie(agent)}
        _throughput(server, port, "UI queue page 'teams' (50 rows)", page, session, total=total, database=database)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per measure")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each measure's slowest query")
    parser.add_argument("--word", default="printer", help="keyword for ?q=")
    parser.add_argument("--throughput", type=int, default=2000, help="requests for the throughput run; 0 skips it")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    os.environ.setdefault("ITSM_HTTPS", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("the benchmark targets PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # pages with DEBUG=0 need the manifest
    table = Table()
    context = bench_server_time(table, repeat=args.repeat, explain=args.explain, word=args.word)
    print()
    table.print()
    if args.throughput:
        bench_throughput(total=args.throughput, **context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
