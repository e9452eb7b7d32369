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


def pytest_collection_modifyitems(config, items):
    require_all = os.environ.get("ITSM_REQUIRE_ALL") == "1"
    missing = []
    for item in items:
        reason = _missing(item)
        if reason:
            missing.append(f"{item.nodeid}: {reason}")
            item.add_marker(pytest.mark.skip(reason=reason))
    if missing and require_all:
        raise pytest.UsageError("ITSM_REQUIRE_ALL=1 but these tests cannot run here:\n" + "\n".join(missing[:20]))


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
