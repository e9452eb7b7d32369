"""Token authentication and brute-force lockout (django-axes), also under concurrent attempts."""

import pytest
from django.conf import settings
from django.test import Client

from itsm.testing.concurrency import run_concurrently
from tests.itsm.factories import DEFAULT_PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _no_throttle_memory():
    from django.core.cache import cache

    cache.clear()


@pytest.mark.django_db
def test_token_for_good_credentials_works_on_the_api(api_client):
    user = UserFactory(roles=["agent"])
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    fresh = Client()
    assert fresh.get("/api/v1/users/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert fresh.get("/api/v1/users/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload", [{"username": "ghost", "password": "nope"}, {"username": "x"}, {}, ["not", "an", "object"]]
)
def test_bad_credentials_are_400(api_client, payload):
    response = api_client.post(TOKEN_URL, payload, format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_disabled_user_gets_no_token(api_client):
    user = UserFactory(is_active=False)
    response = api_client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.django_db
def test_repeated_failures_lock_the_account(api_client):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_client.post(TOKEN_URL, {"username": user.username, "password": "wrong"}).status_code == 400
    # the attempt that reaches the limit is already answered as a lockout
    assert api_client.post(TOKEN_URL, {"username": user.username, "password": "wrong"}).status_code == 429
    locked = api_client.post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    # another account is not affected
    other = UserFactory()
    assert api_client.post(TOKEN_URL, {"username": other.username, "password": DEFAULT_PASSWORD}).status_code == 200


@pytest.mark.django_db
def test_session_login_is_locked_too(client):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lockout_holds_under_concurrent_attempts():
    from axes.models import AccessAttempt

    user = UserFactory()
    attempts = 12
    statuses, errors = run_concurrently(
        lambda: Client().post(TOKEN_URL, {"username": user.username, "password": "wrong"}).status_code, attempts
    )
    assert errors == []
    assert len(statuses) == attempts and set(statuses) <= {400, 429}
    failures = sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=user.username))
    assert failures >= settings.AXES_FAILURE_LIMIT
    # whatever the interleaving, the right password is now refused
    response = Client().post(TOKEN_URL, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
