"""Bulk import: natural keys, idempotency, per-row errors, relationships, files, command and background job."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from cmdb.models import CIImportJob, CIRelationship, ConfigurationItem
from cmdb.parsers import parse_import_file
from itsm.models import AuditEvent
from tests.cmdb.factories import CIClassFactory
from tests.itsm.factories import TeamFactory

SCHEMA = [{"name": "ip", "type": "string", "required": True}, {"name": "cores", "type": "integer"}]


def payload():
    return {
        "cis": [
            {
                "ci_class": "server",
                "name": "srv-1",
                "attributes": {"ip": "10.0.0.1", "cores": 8},
                "owner_team": "Infra",
            },
            {"ci_class": "server", "name": "srv-2", "attributes": {"ip": "10.0.0.2"}, "status": "maintenance"},
            {"ci_class": "app", "name": "payroll", "criticality": "high"},
            {"ci_class": "server", "name": "srv-bad", "attributes": {"cores": "many"}},
            {"ci_class": "nope", "name": "x"},
        ],
        "relationships": [
            {
                "source": {"ci_class": "app", "name": "payroll"},
                "target": {"ci_class": "server", "name": "srv-1"},
                "type": "runs_on",
            },
            {
                "source": {"ci_class": "app", "name": "payroll"},
                "target": {"ci_class": "server", "name": "srv-bad"},
                "type": "runs_on",
            },
            {
                "source": {"ci_class": "app", "name": "payroll"},
                "target": {"ci_class": "app", "name": "payroll"},
                "type": "uses",
            },
        ],
    }


@pytest.fixture
def classes(db):
    TeamFactory(name="Infra")
    return CIClassFactory(slug="server", attribute_schema=SCHEMA), CIClassFactory(slug="app")


@pytest.mark.django_db
def test_import_reports_rows_and_is_idempotent(client_as, classes):
    writer = client_as("change_manager")
    first = writer.post("/api/v1/cis/import/", payload())
    assert first.status_code == 200, first.content
    report = first.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (4, 0, 0)  # 3 CIs + 1 relationship
    errors = {(e["section"], e["index"]): e["errors"] for e in report["errors"]}
    assert set(errors) == {("cis", 3), ("cis", 4), ("relationships", 1), ("relationships", 2)}
    assert sorted(errors[("cis", 3)]["attributes"]) == [
        "cores: Expected a whole number.",
        "ip: This attribute is required.",
    ]
    assert "ci_class" in errors[("cis", 4)]
    assert "target" in errors[("relationships", 1)] and "target" in errors[("relationships", 2)]
    srv1 = ConfigurationItem.objects.get(name="srv-1")
    assert (srv1.attributes, srv1.owner_team.name) == ({"ip": "10.0.0.1", "cores": 8}, "Infra")
    assert not ConfigurationItem.objects.filter(name="srv-bad").exists()
    assert AuditEvent.objects.filter(object_type="cmdb.configurationitem", action="create", source="api").count() == 3
    events = AuditEvent.objects.count()

    again = writer.post("/api/v1/cis/import/", payload()).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert (ConfigurationItem.objects.count(), CIRelationship.objects.count(), AuditEvent.objects.count()) == (
        3,
        1,
        events,
    )

    changed = payload()
    changed["cis"][1]["status"] = "active"
    third = writer.post("/api/v1/cis/import/", changed).json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 3)
    update = AuditEvent.objects.filter(object_type="cmdb.configurationitem", action="update").get()
    assert update.changes == {"status": ["maintenance", "active"]}


@pytest.mark.django_db
def test_duplicate_rows_and_payload_shape(client_as, classes):
    writer = client_as("change_manager")
    rows = {"cis": [{"ci_class": "app", "name": "a"}, {"ci_class": "app", "name": "a", "criticality": "low"}]}
    report = writer.post("/api/v1/cis/import/", rows).json()
    assert report["created"] == 1 and report["errors"][0]["index"] == 1
    for bad in ({"cis": "nope"}, {"things": []}, ["cis"]):
        response = writer.post("/api/v1/cis/import/", bad, format="json")
        assert response.status_code == 400
    assert client_as("agent").post("/api/v1/cis/import/", rows).status_code == 403


@pytest.mark.django_db
def test_csv_and_json_files_parse_with_clear_errors():
    rows = parse_import_file("x.csv", b"ci_class,name,status,attr_ip\nserver,srv-9,active,10.9.9.9\n\n")["cis"]
    assert rows == [{"ci_class": "server", "name": "srv-9", "status": "active", "attributes": {"ip": "10.9.9.9"}}]
    from django.core.exceptions import ValidationError

    cases = [
        ("x.csv", b"ci_class;name\nserver;a\n", "separated by something other than commas"),
        ("x.csv", b"name\nfoo\n", "Missing required column(s): ci_class"),
        ("x.csv", "ci_class,name\nserver,caf\xe9\n".encode("latin-1"), "not UTF-8"),
        ("x.csv", b"ci_class,name,colour\nserver,a,red\n", "Unknown column(s): colour"),
        ("x.json", b"{nope", "Not valid JSON"),
        ("x.txt", b"a", "Upload a .csv or .json"),
        ("x.csv", b"", "empty"),
    ]
    for name, content, message in cases:
        with pytest.raises(ValidationError) as caught:
            parse_import_file(name, content)
        assert message in " ".join(caught.value.message_dict["file"]), name


@pytest.mark.django_db
def test_management_command_imports_a_file(tmp_path, classes):
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(payload()))
    out = StringIO()
    call_command("cmdb_import", str(path), stdout=out, stderr=StringIO())
    assert "created 4, updated 0, unchanged 0, errors 4" in out.getvalue()
    assert AuditEvent.objects.filter(object_type="cmdb.configurationitem", source="command").count() == 3


@pytest.mark.django_db(transaction=True)
def test_background_import_job_records_progress_and_report(client_as, classes):
    writer = client_as("change_manager")
    response = writer.post("/api/v1/cis/import/?async=1", payload())
    assert response.status_code == 202
    job = CIImportJob.objects.get(pk=response.json()["id"])  # eager in tests: already run after commit
    assert (job.status, job.processed, job.total, job.percent) == ("done", 8, 8, 100)
    assert job.result["created"] == 4 and len(job.result["errors"]) == 4
    body = writer.get(f"/api/v1/ci-import-jobs/{job.pk}/").json()
    assert body["status"] == "done" and body["result"]["created"] == 4
    other = client_as("change_manager")
    assert other.get(f"/api/v1/ci-import-jobs/{job.pk}/").status_code == 404
    assert job.pk not in [row["id"] for row in other.get("/api/v1/ci-import-jobs/").json()["results"]]
    assert client_as("admin").get(f"/api/v1/ci-import-jobs/{job.pk}/").status_code == 200
    assert client_as("agent").get("/api/v1/ci-import-jobs/").status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/ci-import-jobs/").status_code == 401


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_background_import_runs_on_a_real_worker(client_as, classes, celery_worker):
    import time

    writer = client_as("change_manager")
    job_id = writer.post("/api/v1/cis/import/?async=1", payload()).json()["id"]
    deadline = time.monotonic() + 30
    while CIImportJob.objects.get(pk=job_id).status != "done" and time.monotonic() < deadline:
        time.sleep(0.2)
    job = CIImportJob.objects.get(pk=job_id)
    assert job.status == "done" and job.result["created"] == 4
    assert (
        AuditEvent.objects.filter(object_type="cmdb.configurationitem", source="task", actor=writer.user).count() == 3
    )


@pytest.mark.django_db
def test_oversized_request_is_413_with_a_clear_message(client_as, classes, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    rows = {"cis": [{"ci_class": "app", "name": f"app-{i}"} for i in range(200)]}
    response = client_as("change_manager").post("/api/v1/cis/import/", rows)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and "MB" in response.json()["detail"]
    assert not ConfigurationItem.objects.exists()


@pytest.mark.django_db
def test_csv_export_imports_back_unchanged(client_as, classes):
    writer = client_as("change_manager")
    writer.post("/api/v1/cis/import/", payload())
    ConfigurationItem.objects.filter(name="payroll").update(description="=HYPERLINK(evil)")
    writer.force_login(writer.user)  # the export is a browser view (session)
    exported = b"".join(writer.get("/cmdb/cis/export/").streaming_content)
    assert b"'=HYPERLINK(evil)" in exported
    rows = parse_import_file("cis.csv", exported)["cis"]
    assert next(r for r in rows if r["name"] == "payroll")["description"] == "=HYPERLINK(evil)"
    report = writer.post("/api/v1/cis/import/", {"cis": rows}).json()
    assert (report["created"], report["updated"], report["unchanged"], report["errors"]) == (0, 0, 3, [])


def test_csv_rows_with_more_cells_than_header_are_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Line 2 has more cells"):
        parse_import_file("x.csv", b"ci_class,name\nserver,a,extra\n")
    with pytest.raises(ValidationError, match="not a JSON object"):
        parse_import_file("x.csv", b'ci_class,name,attributes\nserver,a,"[1]"\n')


@pytest.mark.django_db
def test_relationship_import_costs_a_constant_number_of_queries(classes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cmdb.services.imports import ci_import

    def estate(n):
        cis = [{"ci_class": "app", "name": f"a{i}"} for i in range(n)]
        rels = [
            {
                "source": {"ci_class": "app", "name": f"a{i}"},
                "target": {"ci_class": "app", "name": f"a{i + 1}"},
                "type": "uses",
            }
            for i in range(n - 1)
        ]
        return {"cis": cis, "relationships": rels}

    counts = []
    for n in (5, 50):
        ConfigurationItem.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            report = ci_import(actor=None, payload=estate(n))
        assert report["created"] == 2 * n - 1
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    event = AuditEvent.objects.filter(object_type="cmdb.cirelationship").latest("id")
    assert event.object_repr == "a48 uses a49"
