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


@pytest.mark.django_db
def test_schema_names_the_recompute_job_header_and_endpoint(client_as):
    schema = client_as("agent").get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/sla-recompute-jobs/" in schema["paths"] and "/api/v1/sla-recompute-jobs/{id}/" in schema["paths"]
    for path in ("/api/v1/calendars/{id}/", "/api/v1/agreements/{id}/"):
        for method in ("put", "patch"):
            headers = schema["paths"][path][method]["responses"]["200"].get("headers", {})
            assert "SLA-Recompute-Job" in headers, (path, method)
    assert "SLA-Recompute-Job" in schema["paths"]["/api/v1/agreements/"]["post"]["responses"]["201"]["headers"]
    # The cursor of keyset paging is a list parameter.
    names = {p["name"] for p in schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"cursor", "limit", "offset"} <= names
