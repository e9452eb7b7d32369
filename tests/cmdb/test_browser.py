"""CMDB journey in Chromium: a change manager opens a server, sees what its failure takes down, edits an attribute."""

import re

import pytest
from playwright.sync_api import expect

from cmdb.models import ConfigurationItem
from itsm.models import AuditEvent
from tests.cmdb.factories import CIClassFactory, CIFactory, RelationshipFactory
from tests.itsm.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVER_SCHEMA = [
    {"name": "ip_address", "type": "string", "required": True, "label": "IP address"},
    {"name": "ram_gb", "type": "integer", "label": "RAM (GB)"},
]


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_change_manager_opens_a_server_sees_its_impact_and_edits_an_attribute(page, live_server, make_user):
    manager = make_user("carla", roles=["change_manager"], first_name="Carla", last_name="Change")
    server_class = CIClassFactory(name="Server", slug="server", attribute_schema=SERVER_SCHEMA)
    attributes = {"ip_address": "10.1.0.5", "ram_gb": 64}
    server = CIFactory(name="srv-payroll-01", ci_class=server_class, attributes=attributes)
    app = CIFactory(name="Payroll app", ci_class=CIClassFactory(name="Application", slug="application"))
    service = CIFactory(name="Payroll", ci_class=CIClassFactory(name="Business Service", slug="business-service"))
    RelationshipFactory(source=app, target=server, type="runs_on")
    RelationshipFactory(source=service, target=app, type="depends_on")

    sign_in(page, live_server, "carla")
    page.get_by_role("link", name="CMDB").click()
    page.get_by_label("Search").fill("srv-payroll")
    expect(page.locator("#list-results tbody tr")).to_have_count(1)
    page.get_by_role("link", name="srv-payroll-01").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("srv-payroll-01")
    expect(page.locator('[data-attribute="ram_gb"]')).to_have_text("64")

    page.get_by_role("link", name="Impact", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What a failure of srv-payroll-01 impacts")
    table = page.locator("#impact-table")
    expect(table.get_by_role("row", name=re.compile(r"Payroll\s+Business Service\s+2"))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"Payroll app\s+Application\s+1"))).to_be_visible()
    expect(page.locator("#impact-graph canvas").first).to_be_attached()
    assert page.evaluate("window.impactGraph.nodes().length") == 3
    assert page.evaluate("window.impactGraph.edges().length") == 2

    page.get_by_role("link", name="srv-payroll-01").first.click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("RAM (GB)").fill("128")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("CI srv-payroll-01 saved.")).to_be_visible()
    expect(page.locator('[data-attribute="ram_gb"]')).to_have_text("128")
    page.get_by_role("tab", name="History").click()
    history = page.locator("#history")
    expect(history).to_be_visible()
    expect(history.get_by_role("row").filter(has_text="carla").filter(has_text="128")).to_have_count(1)
    assert ConfigurationItem.objects.get(pk=server.pk).attributes["ram_gb"] == 128
    assert AuditEvent.objects.filter(
        object_type="cmdb.configurationitem", object_id=str(server.pk), action="update", source="web", actor=manager
    ).exists()
