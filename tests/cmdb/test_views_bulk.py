"""CMDB browser views: CSV export, imports, baselines, impact and classes."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cmdb.models import CIBaseline, CIClass, CIImportJob, CIRelationship, ConfigurationItem
from cmdb.services.cis import ci_save
from tests.cmdb.factories import CIFactory

pytestmark = pytest.mark.django_db

HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-results"}


def exported_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_export_streams_the_filtered_list_and_defuses_formulas(client, sign_in, estate):
    sign_in("agent")
    CIFactory(name="=cmd|' /C calc'!A0", ci_class=estate["application"], description="+1 sneaky", status="maintenance")

    response = client.get(reverse("cmdb:ci_export"), {"status": "maintenance"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="cis-')
    rows = exported_rows(response)
    assert [row["name"] for row in rows] == ["'=cmd|' /C calc'!A0", "shop-app"]
    assert rows[0]["description"] == "'+1 sneaky" and rows[0]["ci_class"] == "application"
    everything = exported_rows(client.get(reverse("cmdb:ci_export")))
    server_row = next(row for row in everything if row["name"] == "srv-01")
    assert json.loads(server_row["attributes"])["ram_gb"] == 64
    assert len(everything) == 4


# --- Import -------------------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def test_csv_import_reports_the_bad_row_and_lands_the_valid_ones(client, sign_in, estate):
    sign_in("change_manager")
    content = (
        b"ci_class,name,status,attr_ip_address,attr_ram_gb\n"
        b"server,srv-10,active,10.0.0.10,16\n"
        b"server,srv-11,active,10.0.0.11,lots\n"
        b"server,srv-01,maintenance,10.0.0.1,64\n"
    )

    response = client.post(reverse("cmdb:import"), upload("estate.csv", content))

    assert response.status_code == 200
    assert response.context["report"]["created"] == 1 and response.context["report"]["updated"] == 1
    [error] = response.context["report_rows"]
    assert error["position"] == 3  # spreadsheet row 3: the header is row 1
    content = response.content.decode()
    assert error["fields"] == [("attr_ram_gb", ["Expected a whole number."])]
    assert "Expected a whole number." in content
    assert ConfigurationItem.objects.get(name="srv-10").attributes == {"ip_address": "10.0.0.10", "ram_gb": 16}
    assert not ConfigurationItem.objects.filter(name="srv-11").exists()


def test_json_import_links_cis_and_reports_items(client, sign_in, estate):
    sign_in("change_manager")
    payload = {
        "cis": [{"ci_class": "application", "name": "crm"}],
        "relationships": [
            {
                "source": {"ci_class": "application", "name": "crm"},
                "type": "runs_on",
                "target": {"ci_class": "server", "name": "srv-01"},
            },
            {
                "source": {"ci_class": "application", "name": "crm"},
                "type": "runs_on",
                "target": {"ci_class": "server", "name": "srv-404"},
            },
        ],
    }

    response = client.post(reverse("cmdb:import"), upload("estate.json", json.dumps(payload).encode()))

    assert response.context["report"]["created"] == 2
    [error] = response.context["report_rows"]
    assert error["section"] == "relationships" and error["position"] == 2  # the second relationship item
    assert CIRelationship.objects.filter(source__name="crm", target=estate["srv"]).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("estate.csv", "ci_class,name\nserver,café\n".encode("latin-1"), "not UTF-8"),
        ("estate.csv", b"ci_class;name\nserver;srv-12\n", "separated by something other than commas"),
        ("estate.csv", b"class,name\nserver,srv-12\n", "Missing required column(s): ci_class"),
        ("estate.json", b'{"cis": [', "Not valid JSON"),
        ("estate.xlsx", b"PK", "Upload a .csv or .json file."),
        ("estate.json", b'{"things": []}', "things: Unknown field."),
    ],
)
def test_unreadable_files_get_a_clear_error_and_import_nothing(client, sign_in, estate, name, content, message):
    sign_in("change_manager")
    before = ConfigurationItem.objects.count()

    response = client.post(reverse("cmdb:import"), upload(name, content))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["file"])
    assert ConfigurationItem.objects.count() == before


def test_files_over_50_mb_are_refused(client, sign_in, estate):
    from cmdb.forms import ImportForm

    big = SimpleUploadedFile("big.csv", b"x")
    big.size = 51 * 1024 * 1024
    form = ImportForm(data={}, files={"file": big})
    assert not form.is_valid() and "the limit is 50 MB" in form.errors["file"][0]


def test_large_import_runs_as_a_job_with_progress_and_report(
    client, sign_in, estate, monkeypatch, django_capture_on_commit_callbacks
):
    sign_in("change_manager")
    monkeypatch.setattr("cmdb.views.imports.SYNC_LIMIT", 1)
    content = b"ci_class,name,attr_ip_address\nserver,srv-20,10.0.0.20\nserver,srv-21,\n"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cmdb:import"), upload("big.csv", content))

    job = CIImportJob.objects.get()
    assert response["Location"] == reverse("cmdb:import_job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.context["finished"] and page.context["report"]["created"] == 1
    assert "100%" in page.content.decode() and "This attribute is required." in page.content.decode()
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="import-job-progress")
    assert partial.templates[0].name == "cmdb/partials/_import_progress.html"
    assert "every 1s" not in partial.content.decode()  # finished: polling stops
    assert "big.csv" in client.get(reverse("cmdb:import")).content.decode()


def test_import_needs_the_import_permission(client, sign_in, make_user, estate):
    sign_in("agent")
    assert client.get(reverse("cmdb:import")).status_code == 403
    job = CIImportJob.objects.create(created_by=make_user(roles=["change_manager"]), file_name="theirs.csv")
    sign_in("change_manager")
    assert client.get(reverse("cmdb:import_job", args=[job.pk])).status_code == 404  # someone else's job


# --- Baselines ----------------------------------------------------------------------------------------


def test_baseline_captures_the_list_filter_and_shows_what_changed(client, sign_in, estate):
    manager = sign_in("change_manager")
    server = estate["server"]
    page = client.get(reverse("cmdb:baseline_add"), {"ci_class": server.pk, "q": "", "sort": "name"})
    assert json.loads(page.context["form"]["filter"].value()) == {"ci_class": [str(server.pk)]}
    assert ("Class", "Server") in page.context["filter_description"]

    response = client.post(
        reverse("cmdb:baseline_add"),
        {"name": "Servers before patching", "description": "", "filter": json.dumps({"ci_class": [server.pk]})},
    )

    baseline = CIBaseline.objects.get(name="Servers before patching")
    assert response["Location"] == reverse("cmdb:baseline", args=[baseline.pk]) and baseline.ci_count == 1
    srv = estate["srv"]
    ci_save(actor=manager, ci=srv, attributes={**srv.attributes, "ram_gb": 128})
    CIFactory(name="srv-99", ci_class=server)
    detail = client.get(reverse("cmdb:baseline", args=[baseline.pk]))
    content = detail.content.decode()
    assert "attributes.ram_gb" in content and "64" in content and "128" in content
    assert "srv-99" in content
    duplicate = client.post(reverse("cmdb:baseline_add"), {"name": "Servers before patching", "filter": "{}"})
    assert "A baseline with this name exists." in duplicate.content.decode()


def test_baselines_need_their_permission(client, sign_in):
    sign_in("agent")
    assert client.get(reverse("cmdb:baseline_list")).status_code == 200
    assert client.get(reverse("cmdb:baseline_add")).status_code == 403


# --- Impact -------------------------------------------------------------------------------------------


def test_impact_page_lists_the_impacted_cis_and_draws_them(client, sign_in, estate):
    sign_in("agent")
    url = reverse("cmdb:ci_impact", args=[estate["srv"].pk])

    response = client.get(url)

    assert [(item.ci.name, item.depth) for item in response.context["impacted"]] == [("shop-app", 1), ("web shop", 2)]
    content = response.content.decode()
    assert 'id="impact-graph"' in content and "vendor/cytoscape/cytoscape.min.js" in content
    assert client.get(url, {"depth": 1}).context["impacted"][0].ci.name == "shop-app"
    assert len(client.get(url, {"depth": 1}).context["impacted"]) == 1
    dependencies = client.get(reverse("cmdb:ci_impact", args=[estate["shop"].pk]), {"direction": "dependencies"})
    assert [item.ci.name for item in dependencies.context["impacted"]] == ["shop-app", "srv-01"]
    data = client.get(url, {"format": "json"}).json()
    assert {node["data"]["label"] for node in data["nodes"]} == {"srv-01", "shop-app", "web shop"}
    assert len(data["edges"]) == 2 and data["truncated"] is False


def test_impact_says_when_it_is_truncated(client, sign_in, estate, monkeypatch):
    sign_in("agent")
    monkeypatch.setattr("cmdb.views.impact.NODE_LIMIT", 1)
    response = client.get(reverse("cmdb:ci_impact", args=[estate["srv"].pk]))
    assert response.context["truncated"] and "Truncated" in response.content.decode()


# --- Classes ------------------------------------------------------------------------------------------


def test_class_tree_and_detail_with_inherited_attributes(client, sign_in, estate):
    sign_in("agent")
    rows = client.get(reverse("cmdb:ciclass_list")).context["rows"]
    assert [(row.ci_class.name, row.depth) for row in rows] == [
        ("Application", 0),
        ("Business Service", 0),
        ("Hardware", 0),
        ("Server", 1),
    ]
    detail = client.get(reverse("cmdb:ciclass", args=[estate["server"].pk]))
    attributes = detail.context["attributes"]
    assert attributes[0]["name"] == "asset_tag" and attributes[0]["inherited"]
    assert not attributes[1]["inherited"]
    assert client.get(reverse("cmdb:ciclass_add")).status_code == 403


def test_admin_creates_a_class_with_attribute_rows(client, sign_in, estate):
    sign_in("admin")
    rows = {
        "attributes-TOTAL_FORMS": "3",
        "attributes-INITIAL_FORMS": "0",
        "attributes-0-name": "port_count",
        "attributes-0-type": "integer",
        "attributes-0-required": "on",
        "attributes-1-name": "layer",
        "attributes-1-type": "choice",
        "attributes-1-choices": "L2, L3",
        "attributes-2-name": "",
        "attributes-2-type": "string",
    }
    data = {"name": "Switch", "slug": "", "parent": estate["hardware"].pk, "description": "", **rows}

    response = client.post(reverse("cmdb:ciclass_add"), data)

    switch = CIClass.objects.get(name="Switch")
    assert response["Location"] == reverse("cmdb:ciclass", args=[switch.pk])
    assert switch.slug == "switch"
    assert switch.attribute_schema == [
        {"name": "port_count", "type": "integer", "required": True},
        {"name": "layer", "type": "choice", "required": False, "choices": ["L2", "L3"]},
    ]
    clash = {**data, "name": "Router", "attributes-0-name": "asset_tag", "attributes-1-choices": ""}
    page = client.post(reverse("cmdb:ciclass_add"), clash)
    assert page.status_code == 200 and page.context["formset"].forms[1].errors["choices"]
    clash["attributes-1-choices"] = "L2"
    page = client.post(reverse("cmdb:ciclass_add"), clash)
    assert "Already inherited from a parent class: asset_tag." in page.content.decode()
