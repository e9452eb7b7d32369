"""CMDB browser views: the CI list, detail, forms, relationships and history."""

import pytest
from django.urls import reverse

from cmdb.models import CIRelationship, ConfigurationItem
from cmdb.services.cis import ci_save
from itsm.models import AuditEvent
from itsm.testing.queries import assert_query_count_stable
from tests.cmdb.factories import CIClassFactory, CIFactory
from tests.itsm.factories import TeamFactory

pytestmark = pytest.mark.django_db

HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-results"}


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
