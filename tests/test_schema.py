"""The OpenAPI document generates without warnings or errors and is served with its docs page."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
@pytest.mark.parametrize("urlconf", ["itsm.urls", "tests.urls"])  # tests.urls adds a ticket API (sample tickets)
def test_schema_generates_without_warnings(tmp_path, urlconf):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns every drf-spectacular warning or error into a failure.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out), "--urlconf", urlconf)
    text = out.read_text()
    for path in ("/api/v1/users/", "/api/v1/teams/", "/api/v1/audit-events/", "/api/v1/auth/token/"):
        assert f"{path}:" in text


@pytest.mark.django_db
def test_schema_and_docs_are_served(client_as):
    client = client_as("agent")
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content.lower()
