"""Suite-wide fixtures: users with roles, API clients, a real Celery worker, Playwright on Debian's Chromium.

Tests that need a part the machine lacks (PostgreSQL, Redis, Chromium) are skipped with the reason;
with ITSM_REQUIRE_ALL=1 (the full CI pass) such a skip is an error instead, so nothing hides there.
"""

import os
import shutil

import pytest
from django.db import connection

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop in the test thread

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def _missing(item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL)"
    if item.get_closest_marker("worker") and not os.environ.get("REDIS_URL"):
        return "needs Redis for a real Celery worker (set REDIS_URL)"
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        return "needs Chromium (apt-get install --no-install-recommends chromium)"
    return None


CANNOT_RUN = pytest.StashKey[str]()


def pytest_collection_modifyitems(config, items):
    require_all = os.environ.get("ITSM_REQUIRE_ALL") == "1"
    for item in items:
        reason = _missing(item)
        if reason and require_all:
            item.stash[CANNOT_RUN] = reason
        elif reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    _demo_tests_last_in_their_module(items)


def _demo_tests_last_in_their_module(items) -> None:
    """Move the tests that use `loaded_demo` after the other tests of their module (in the order pytest-django
    left), so its transaction, open from the first of them to the module's end, holds no other test."""
    demo = {id(item) for item in items if "loaded_demo" in getattr(item, "fixturenames", ())}
    if not demo:
        return
    last_other = {item.path: index for index, item in enumerate(items) if id(item) not in demo}
    ordered, held = [], {}
    for index, item in enumerate(items):
        if id(item) in demo and last_other.get(item.path, -1) > index:
            held.setdefault(item.path, []).append(item)
            continue
        ordered.append(item)
        if id(item) not in demo and last_other[item.path] == index:
            ordered.extend(held.pop(item.path, []))
    items[:] = ordered


def pytest_runtest_setup(item):
    # ITSM_REQUIRE_ALL=1: each test that cannot run here fails with its reason. (Stopping the whole collection
    # instead would hide the reason under pytest-xdist, whose worker processes collect the tests.)
    reason = item.stash.get(CANNOT_RUN, None)
    if reason:
        pytest.fail(f"ITSM_REQUIRE_ALL=1 but this test cannot run here: {reason}", pytrace=False)
    if _demo_transaction_open and "loaded_demo" not in item.fixturenames:
        pytest.fail(
            "runs while its module's `loaded_demo` transaction is open, so it would see the demo: "
            "use `loaded_demo` in it too, or move the demo tests to a module of their own",
            pytrace=False,
        )


_demo_transaction_open = False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with the connections other threads left open closed before it is dropped.

    A live-server thread still serving a browser's kept-alive connection, or a finished thread whose connection
    (CONN_MAX_AGE) awaits garbage collection, would make PostgreSQL refuse the DROP DATABASE; under pytest-xdist
    such a test is often a worker's last one."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup, django_db_blocker):
    """The output of `load_demo`, run once for the module's tests: the whole demo takes tens of seconds to load.

    It is loaded in a transaction that stays open until the module's last test and is then rolled back; each test
    runs in a savepoint of it (as with TestCase.setUpTestData), so a test's own writes, a second load included,
    are undone before the next one and the rest of the suite never sees the demo. The tests that use it run after
    the other tests of their module (see pytest_collection_modifyitems); one that would still see the demo fails.
    """
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    global _demo_transaction_open
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", stdout=out)
        _demo_transaction_open = True
        try:
            yield out.getvalue()
        finally:
            _demo_transaction_open = False
            transaction.set_rollback(True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def make_user(db):
    """make_user("ann", roles=["agent"], password=..., **fields) -> a saved user with those roles."""
    from tests.itsm.factories import UserFactory

    def make(username=None, *, roles=(), **fields):
        kwargs = {"username": username} if username else {}
        return UserFactory(roles=list(roles), **kwargs, **fields)

    return make


@pytest.fixture
def sign_in(client, make_user):
    """sign_in("agent", **fields) -> a fresh user with those roles, signed in on the Django test `client`."""

    def make(*roles, **fields):
        user = make_user(roles=roles, **fields)
        client.force_login(user)
        return user

    return make


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def client_as(make_user):
    """client_as("agent") -> an APIClient signed in (force_authenticate) as a fresh user with that role."""
    from rest_framework.test import APIClient

    def make(*roles, user=None):
        user = user or make_user(roles=roles)
        client = APIClient()
        client.force_authenticate(user)
        client.user = user
        return client

    return make


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread consuming from the test broker (Redis db 15) for the test's duration."""
    from celery.contrib.testing.worker import start_worker

    from itsm.celery import app

    # No ping check: results are ignored (no result backend); tests wait on database state instead.
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
