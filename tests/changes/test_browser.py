"""Change journeys in Chromium: a CAB member approves from "My CAB approvals" until the change is authorised, a
requester raises an RFC, reading its risk, impacted services and conflicts in the live preview before submitting,
and a change manager writes a standard change template that an agent then raises a change from."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from changes.models import Approval, Change, ChangeTemplate
from changes.services import approval_cast
from cmdb.models import CIRelationship
from slm.models import Service
from tests.changes.factories import make_cab, make_change, window_from_now
from tests.cmdb.factories import CIFactory
from tests.incidents.test_browser import sign_in, transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick_ci(page, typed: str, name: str) -> None:
    """Pick the CI `name` in the form's CMDB typeahead, typing `typed` and choosing it with the keyboard."""
    search = page.get_by_label("Configuration items")
    search.fill(typed)
    expect(page.get_by_role("option", name=re.compile(name))).to_be_visible()
    search.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#configuration_items-picked")).to_contain_text(name)


def test_cab_member_approves_until_the_change_is_authorised(page, live_server, make_user):
    ann = make_user("ann", roles=["cab_member"], first_name="Ann")
    bob = make_user("bob", roles=["cab_member"])
    cab = make_cab(name="Infrastructure CAB", members=[ann, bob, make_user("cat", roles=["cab_member"])])
    change = make_change(
        status="authorization",
        cab=cab,
        title="Replace the core switch",
        implementation_plan="Swap the switch in rack 4.",
        backout_plan="Put the old switch back.",
        configuration_items=[CIFactory(name="core-sw-01")],
        **window_from_now(),
    )
    approval_cast(actor=bob, change=change, decision="approve", comment="Plan reviewed")

    sign_in(page, live_server, "ann")
    page.get_by_role("link", name="My CAB approvals").first.click()
    row = page.locator(f"#approval-{change.pk}")
    expect(row).to_contain_text("Replace the core switch")
    expect(row).to_contain_text("1 approved · 0 rejected · 0 abstained, of 3 members")
    expect(row.locator("[data-conflicts]")).to_have_attribute("data-conflicts", "0")  # loaded lazily
    row.get_by_text("Risk reasons, justification and plans").click()
    expect(row).to_contain_text("Put the old switch back.")

    # A first vote (abstain) leaves the decision open; the second replaces it and meets the majority.
    row.get_by_label(f"Comment on {change.number}").fill("Need to read the back-out plan first")
    row.get_by_role("button", name="Abstain").click()
    expect(row.locator("[data-my-vote]")).to_have_attribute("data-my-vote", "abstain")
    expect(row.locator("[data-outcome]")).to_contain_text("Awaiting decision")
    row.get_by_label(f"Comment on {change.number}").fill("Back-out plan is sound")
    row.get_by_role("button", name="Approve").click()
    expect(row.locator("[data-authorised]")).to_have_text("Authorised")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)

    change.refresh_from_db()
    assert change.authorized_at is not None and change.status == "authorization"
    vote = Approval.objects.get(change=change, voter=ann)
    assert (vote.decision, vote.comment) == ("approve", "Back-out plan is sound")
    page.get_by_role("link", name=change.number).click()
    expect(page.locator("#change-status [data-authorised]")).to_be_visible()
    expect(page.locator('#votes [data-voter="ann"]')).to_contain_text("Back-out plan is sound")


def test_requester_raises_an_rfc_seeing_risk_and_conflicts_first(page, live_server, make_user):
    make_user("rob", roles=["agent"])
    db = CIFactory(name="orders-db", environment="production")
    app = CIFactory(name="orders-app")
    CIRelationship.objects.create(source=app, target=db, type="depends_on")
    Service.objects.create(name="Online orders", ci=app)
    window = window_from_now(days=3, hours=4)
    other = make_change(status="scheduled", title="Patch orders-db", configuration_items=[db], cab=make_cab(), **window)

    sign_in(page, live_server, "rob")
    page.get_by_role("link", name="Changes", exact=True).first.click()
    page.get_by_role("link", name="New RFC").click()
    page.get_by_label("Title").fill("Add an index to the orders table")
    page.get_by_label("Justification").fill("Checkout is slow at peak.")
    pick_ci(page, "orders-d", "orders-db")

    preview = page.locator("#preview")
    expect(preview.locator("#preview-reasons")).to_contain_text("Touches 1 production CI.")
    expect(preview.locator("#preview-services")).to_contain_text("Online orders")
    expect(preview.locator("#preview-conflicts")).to_contain_text("Give the planned start and end")

    start = window["planned_start"] + timedelta(hours=1)
    page.get_by_label("Planned start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Planned end").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    conflicts = preview.locator("#preview-conflicts")
    expect(conflicts).to_have_attribute("data-conflicts", "1")
    expect(conflicts).to_contain_text(other.number)
    page.get_by_label("Type").select_option("emergency")
    expect(preview.locator("#preview-reasons")).to_contain_text("Emergency change")
    page.get_by_label("Type").select_option("normal")
    expect(preview.locator("#preview-reasons")).to_contain_text("Normal change")

    page.get_by_role("button", name="Raise RFC").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Add an index to the orders table")
    expect(page.locator("#conflicts-panel")).to_contain_text(other.number)
    transition(page, "Submit")
    expect(page.locator("#change-status")).to_contain_text("Assessment")
    change = Change.objects.exclude(pk=other.pk).get()
    assert change.status == "assessment" and list(change.configuration_items.all()) == [db]
    assert change.planned_start == start.replace(second=0)


def test_change_manager_writes_a_template_and_an_agent_raises_a_standard_change(page, live_server, make_user):
    make_user("carla", roles=["change_manager"])
    make_user("rob", roles=["agent"])
    CIFactory(name="web-01")

    sign_in(page, live_server, "carla")
    page.get_by_role("link", name="Changes", exact=True).first.click()
    page.get_by_role("link", name="Standard change templates").click()
    page.get_by_role("link", name="Add template").click()
    page.get_by_label("Name").fill("Renew a TLS certificate")
    page.get_by_label("Change title").fill("Renew the TLS certificate")
    page.get_by_label("Implementation plan").fill("Run certbot renew.")
    page.get_by_label("Back-out plan").fill("Put the old certificate back.")
    pick_ci(page, "web-0", "web-01")
    page.get_by_label("Service desk agent").check()
    page.get_by_role("button", name="Create template").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renew a TLS certificate")
    expect(page.locator("#template-roles")).to_have_text("Service desk agent")
    template = ChangeTemplate.objects.get()
    assert (template.allowed_roles, [ci.name for ci in template.configuration_items.all()]) == (["agent"], ["web-01"])

    page.context.clear_cookies()
    sign_in(page, live_server, "rob")
    page.get_by_role("link", name="Changes", exact=True).first.click()
    expect(page.get_by_role("link", name="Standard change templates")).to_have_count(0)
    page.get_by_role("link", name="Standard changes").click()
    page.get_by_role("link", name="Raise Renew a TLS certificate").click()
    expect(page.get_by_label("Title")).to_have_value("Renew the TLS certificate")
    expect(page.locator("#configuration_items-picked")).to_contain_text("web-01")
    page.get_by_role("button", name="Raise standard change").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renew the TLS certificate")
    change = Change.objects.get()
    assert (change.type, change.template, change.requester.username) == ("standard", template, "rob")
    assert change.implementation_plan == "Run certbot renew." and change.status == "draft"
