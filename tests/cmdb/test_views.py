"""CMDB browser pages through the Django test client: list, detail, forms, relationships, export, import,
baselines, impact and classes."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cmdb.models import CIBaseline, CIClass, CIImportJob, CIRelationship, ConfigurationItem
from cmdb.services.cis import ci_save
from itsm.models import AuditEvent
from itsm.testing.queries import assert_query_count_stable
from tests.cmdb.factories import CIClassFactory, CIFactory, RelationshipFactory
from tests.itsm.factories import TeamFactory

pytestmark = pytest.mark.django_db

SERVER_SCHEMA = [
    {"name": "ip_address", "type": "string", "required": True, "label": "IP address"},
    {"name": "ram_gb", "type": "integer"},
    {"name": "os", "type": "choice", "choices": ["Debian 12", "RHEL 9"]},
    {"name": "virtual", "type": "boolean"},
    {"name": "commissioned", "type": "date"},
]
HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-results"}


@pytest.fixture
def sign_in(client, make_user):
    """sign_in("agent") -> a fresh user with those roles, signed in on `client`."""

    def make(*roles, **fields):
        user = make_user(roles=roles, **fields)
        client.force_login(user)
        return user

    return make


@pytest.fixture
def estate():
    """Web shop (business service) depends on shop-app, which runs on srv-01 (a server with typed attributes)."""
    asset_tag = [{"name": "asset_tag", "type": "string"}]
    hardware = CIClassFactory(name="Hardware", slug="hardware", attribute_schema=asset_tag)
    server = CIClassFactory(name="Server", slug="server", parent=hardware, attribute_schema=SERVER_SCHEMA)
    application = CIClassFactory(name="Application", slug="application")
    service = CIClassFactory(name="Business Service", slug="business-service")
    srv = CIFactory(
        name="srv-01",
        ci_class=server,
        criticality="high",
        attributes={
            "asset_tag": "A-1",
            "ip_address": "10.0.0.1",
            "ram_gb": 64,
            "virtual": True,
            "commissioned": "2024-03-05",
        },
    )
    app = CIFactory(name="shop-app", ci_class=application, status="maintenance")
    shop = CIFactory(name="web shop", ci_class=service)
    RelationshipFactory(source=app, target=srv, type="runs_on")
    RelationshipFactory(source=shop, target=app, type="depends_on")
    return {"server": server, "application": application, "srv": srv, "app": app, "shop": shop, "hardware": hardware}


def names_in(response) -> list[str]:
    return [ci.name for ci in response.context["rows"]]


# --- List ---------------------------------------------------------------------------------------------


def test_list_filters_by_class_with_subclasses_status_and_text(client, sign_in, estate):
    sign_in("agent")
    url = reverse("cmdb:ci_list")

    assert names_in(client.get(url)) == ["shop-app", "srv-01", "web shop"]
    assert names_in(client.get(url, {"ci_class": estate["hardware"].pk})) == ["srv-01"]
    assert names_in(client.get(url, {"status": "maintenance"})) == ["shop-app"]
    assert names_in(client.get(url, {"q": "shop"})) == ["shop-app", "web shop"]
    response = client.get(url, {"q": "nothing-like-this"})
    assert "No CIs match these filters." in response.content.decode()


def test_list_sorts_and_answers_htmx_with_the_results_only(client, sign_in, estate):
    sign_in("agent")
    url = reverse("cmdb:ci_list")

    assert names_in(client.get(url, {"sort": "-name"})) == ["web shop", "srv-01", "shop-app"]
    assert names_in(client.get(url, {"sort": "class"}))[0] == "shop-app"  # Application sorts first
    response = client.get(url, {"q": "srv"}, **HTMX_RESULTS)
    templates = [t.name for t in response.templates]
    assert "cmdb/partials/_ci_results.html" in templates and "base.html" not in templates
    content = response.content.decode()
    assert 'href="/cmdb/cis/export/?q=srv"' in content
    assert 'href="/cmdb/baselines/add/?q=srv"' not in content  # agents may not capture baselines


def test_list_pages_without_counting(client, sign_in):
    sign_in("agent")
    klass = CIClassFactory()
    for number in range(55):
        CIFactory(name=f"ci-{number:03d}", ci_class=klass)
    url = reverse("cmdb:ci_list")

    first = client.get(url)
    assert first.context["page"]["has_next"] and len(first.context["rows"]) == 50
    second = client.get(url, {"page": 2})
    assert names_in(second) == [f"ci-{n:03d}" for n in range(50, 55)]
    assert not second.context["page"]["has_next"] and second.context["page"]["has_previous"]
    assert "Page 2 · rows 51–55" in second.content.decode()
    assert client.get(url, {"page": 9}).context["rows"] == []


def test_list_query_count_does_not_grow_with_rows(client, sign_in):
    sign_in("agent")
    klass, team = CIClassFactory(), TeamFactory()

    def make_rows(count):
        CIFactory.create_batch(count, ci_class=klass, owner_team=team)

    assert_query_count_stable(make_rows, lambda: client.get(reverse("cmdb:ci_list"), {"status": "active"}))


def test_requester_may_not_see_the_cmdb(client, sign_in, estate):
    sign_in("requester")
    assert client.get(reverse("cmdb:ci_list")).status_code == 403
    assert client.get(reverse("cmdb:ci", args=[estate["srv"].pk])).status_code == 403
    assert client.get(reverse("cmdb:ci_export")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, estate):
    response = client.get(reverse("cmdb:ci_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Detail -------------------------------------------------------------------------------------------


def test_detail_renders_attributes_in_schema_order_and_formatted(client, sign_in, estate):
    sign_in("agent")
    response = client.get(reverse("cmdb:ci", args=[estate["srv"].pk]))

    assert response.status_code == 200
    rows = response.context["attribute_rows"]
    assert [row.name for row in rows] == ["asset_tag", "ip_address", "ram_gb", "os", "virtual", "commissioned"]
    shown = {row.name: row.value for row in rows}
    assert shown["ip_address"] == "10.0.0.1"
    assert shown["virtual"] == "Yes"
    assert shown["os"] == "—"  # not set
    assert shown["commissioned"] == "March 5, 2024"
    content = response.content.decode()
    assert "IP address" in content and "RAM GB" in content
    assert "runs on" in content and "shop-app" in content


def test_detail_of_unknown_ci_is_404(client, sign_in):
    sign_in("agent")
    assert client.get(reverse("cmdb:ci", args=[999999])).status_code == 404


def test_history_lists_the_ci_and_its_relationships_including_removed_ones(client, sign_in, estate):
    manager = sign_in("change_manager")
    srv, shop = estate["srv"], estate["shop"]
    ci_save(actor=manager, ci=srv, attributes={**srv.attributes, "ram_gb": 128})
    link = {"direction": "incoming", "type": "uses", "other": shop.pk}
    client.post(reverse("cmdb:relationship_add", args=[srv.pk]), link)
    relationship = CIRelationship.objects.get(source=shop, target=srv)
    client.post(reverse("cmdb:relationship_delete", args=[relationship.pk]), {"ci": srv.pk})

    history = client.get(reverse("cmdb:ci", args=[srv.pk])).context["history"]

    kinds = [(event.object_type, event.action) for event in history]
    assert ("cmdb.configurationitem", "update") in kinds
    assert ("cmdb.cirelationship", "create") in kinds and ("cmdb.cirelationship", "delete") in kinds
    update = next(event for event in history if event.action == "update")
    assert any("128" in row.after for row in update.change_rows)


# --- Create and edit ----------------------------------------------------------------------------------


def ci_form_data(server, **overrides):
    data = {
        "name": "srv-02",
        "ci_class": server.pk,
        "status": "active",
        "environment": "production",
        "criticality": "medium",
        "owner_team": "",
        "description": "",
        "attr_asset_tag": "",
        "attr_ip_address": "10.0.0.2",
        "attr_ram_gb": "32",
        "attr_os": "RHEL 9",
        "attr_virtual": "false",
        "attr_commissioned": "2025-01-31",
    }
    return {**data, **overrides}


def test_create_through_the_generated_form(client, sign_in, estate):
    manager = sign_in("change_manager")
    server = estate["server"]
    page = client.get(reverse("cmdb:ci_add"), {"ci_class": server.pk})
    assert {"attr_asset_tag", "attr_ip_address", "attr_ram_gb", "attr_os"} <= set(page.context["form"].fields)

    response = client.post(reverse("cmdb:ci_add"), ci_form_data(server))

    ci = ConfigurationItem.objects.get(name="srv-02")
    assert response.status_code == 302 and response["Location"] == reverse("cmdb:ci", args=[ci.pk])
    assert ci.attributes == {
        "ip_address": "10.0.0.2",
        "ram_gb": 32,
        "os": "RHEL 9",
        "virtual": False,
        "commissioned": "2025-01-31",
    }
    assert AuditEvent.objects.filter(object_type="cmdb.configurationitem", object_id=str(ci.pk), actor=manager).exists()


def test_wrong_attribute_values_are_field_errors_and_nothing_is_saved(client, sign_in, estate):
    sign_in("change_manager")
    srv = estate["srv"]
    data = ci_form_data(estate["server"], name="srv-01", attr_ram_gb="lots", attr_ip_address="")

    response = client.post(reverse("cmdb:ci_edit", args=[srv.pk]), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert "attr_ram_gb" in form.errors and "attr_ip_address" in form.errors
    srv.refresh_from_db()
    assert srv.attributes["ram_gb"] == 64


def test_service_attribute_errors_land_on_the_matching_field(estate):
    from django.core.exceptions import ValidationError

    from cmdb.forms import CIForm

    form = CIForm(ci_form_data(estate["server"]))
    assert form.is_valid(), form.errors
    form.apply_service_errors(ValidationError({"attributes": ["ram_gb: Expected a whole number.", "odd"]}))
    assert form.errors["attr_ram_gb"] == ["Expected a whole number."]
    assert "odd" in form.non_field_errors()


def test_changing_the_class_reloads_the_attribute_fields(client, sign_in, estate):
    sign_in("change_manager")
    url = reverse("cmdb:ci_edit", args=[estate["srv"].pk])
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "attribute-fields"}

    response = client.get(url, {"ci_class": estate["hardware"].pk, "attr_asset_tag": "typed"}, **headers)

    templates = [t.name for t in response.templates]
    assert templates[0] == "cmdb/partials/_ci_attribute_fields.html" and "base.html" not in templates
    content = response.content.decode()
    assert 'name="attr_asset_tag"' in content and 'value="typed"' in content
    assert "attr_ram_gb" not in content


def test_editing_needs_the_change_permission(client, sign_in, estate):
    sign_in("agent")
    srv = estate["srv"]
    assert client.get(reverse("cmdb:ci_add")).status_code == 403
    assert client.get(reverse("cmdb:ci_edit", args=[srv.pk])).status_code == 403
    assert client.post(reverse("cmdb:ci_edit", args=[srv.pk]), ci_form_data(estate["server"])).status_code == 403
    assert client.post(reverse("cmdb:ci_delete", args=[srv.pk])).status_code == 403
    assert ConfigurationItem.objects.filter(pk=srv.pk).exists()


def test_delete_asks_then_deletes(client, sign_in, estate):
    sign_in("change_manager")
    url = reverse("cmdb:ci_delete", args=[estate["srv"].pk])
    assert "1 relationship goes with it" in client.get(url).content.decode()
    assert client.post(url)["Location"] == reverse("cmdb:ci_list")
    assert not ConfigurationItem.objects.filter(pk=estate["srv"].pk).exists()


# --- Relationships ------------------------------------------------------------------------------------


def test_relationship_search_offers_at_most_50_matches(client, sign_in, estate):
    sign_in("change_manager")
    klass = CIClassFactory()
    for number in range(60):
        CIFactory(name=f"db-{number:02d}", ci_class=klass)
    url = reverse("cmdb:relationship_add", args=[estate["app"].pk])

    response = client.get(url, {"q": "db-"}, HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert content.count('<option value="') == 51  # 50 matches + the disabled "type more" hint
    assert "db-00" in content and "db-55" not in content and "More match" in content
    assert "srv-01" in client.get(url, {"q": "srv"}, HTTP_HX_REQUEST="true").content.decode()


def test_relationships_are_added_and_removed_through_htmx(client, sign_in, estate):
    sign_in("change_manager")
    srv, shop = estate["srv"], estate["shop"]
    url = reverse("cmdb:relationship_add", args=[srv.pk])

    response = client.post(url, {"direction": "incoming", "type": "uses", "other": shop.pk}, HTTP_HX_REQUEST="true")

    relationship = CIRelationship.objects.get(source=shop, target=srv, type="uses")
    assert response.templates[0].name == "cmdb/partials/_ci_relationships.html"
    assert "Relationship saved." in response.content.decode()
    duplicate = client.post(url, {"direction": "incoming", "type": "uses", "other": shop.pk}, HTTP_HX_REQUEST="true")
    assert "This relationship already exists." in duplicate.content.decode()
    itself = client.post(url, {"direction": "outgoing", "type": "uses", "other": srv.pk}, HTTP_HX_REQUEST="true")
    assert "other" in itself.context["relationship_form"].errors

    removed = client.post(
        reverse("cmdb:relationship_delete", args=[relationship.pk]), {"ci": srv.pk}, HTTP_HX_REQUEST="true"
    )
    assert removed.status_code == 200 and not CIRelationship.objects.filter(pk=relationship.pk).exists()


def test_relationship_form_without_htmx_redirects_or_shows_the_errors(client, sign_in, estate):
    sign_in("change_manager")
    srv, url = estate["srv"], reverse("cmdb:relationship_add", args=[estate["srv"].pk])

    page = client.post(url, {"direction": "incoming", "type": "uses", "other": ""})
    assert page.templates[0].name == "cmdb/ci.html" and "other" in page.context["relationship_form"].errors
    saved = client.post(url, {"direction": "outgoing", "type": "uses", "other": estate["shop"].pk})
    assert saved["Location"] == reverse("cmdb:ci", args=[srv.pk]) + "#relationships"
    assert CIRelationship.objects.filter(source=srv, target=estate["shop"], type="uses").exists()


def test_agents_may_not_change_relationships(client, sign_in, estate):
    sign_in("agent")
    srv, relationship = estate["srv"], CIRelationship.objects.first()
    page = client.get(reverse("cmdb:ci", args=[srv.pk])).content.decode()
    assert "Add a relationship" not in page
    data = {"direction": "incoming", "type": "uses", "other": estate["shop"].pk}
    assert client.post(reverse("cmdb:relationship_add", args=[srv.pk]), data).status_code == 403
    assert client.post(reverse("cmdb:relationship_delete", args=[relationship.pk])).status_code == 403


# --- CSV export ---------------------------------------------------------------------------------------


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
