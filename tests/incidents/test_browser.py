"""Incident journeys in Chromium: the phone call, the queue, the requester portal and the stale-edit conflict."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from incidents.services import incident_create
from itsm.models import JournalEntry
from tests.itsm.factories import DEFAULT_PASSWORD, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Username")).to_have_count(0)


def transition(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.get_by_role("button", name=f"Confirm: {name}").click()


def test_phone_call_journey(page, live_server, make_user):
    make_user("ann", roles=["agent"])
    caller = make_user("zelda", first_name="Zelda", last_name="Caller")
    sign_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/incidents/")
    page.get_by_role("link", name="New incident").click()

    page.get_by_label("Caller").fill("Zeld")
    expect(page.get_by_role("option", name=re.compile("Zelda Caller"))).to_be_visible()
    page.get_by_label("Caller").press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Caller")).to_have_value("Zelda Caller")
    priority = page.locator("#priority-preview")
    page.get_by_label("Impact").select_option("high")
    page.get_by_label("Urgency").select_option("high")
    expect(priority).to_have_text("P1")
    page.get_by_label("Urgency").select_option("low")
    expect(priority).to_have_text("P3")
    page.get_by_label("Title").fill("Cannot print payslips")
    page.get_by_label("Description").fill("Printer on floor 2 shows *error 42*.")
    page.get_by_role("button", name="Save").click()

    status = page.locator("#incident-status")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cannot print payslips")
    incident = Incident.objects.get()
    assert (incident.requester, incident.priority) == (caller, 3)
    transition(page, "Start work")
    expect(status).to_have_text("In progress")

    page.get_by_role("textbox", name="Comment").fill("Checked the **spooler**")
    page.get_by_label("Internal work note").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator('#timeline [data-visibility="internal"] strong', has_text="spooler")).to_be_visible()

    page.get_by_role("button", name="Put on hold", exact=True).click()
    page.get_by_label("Reason").select_option("awaiting_caller")
    page.get_by_role("button", name="Confirm: Put on hold").click()
    expect(status).to_have_text("On hold")
    transition(page, "Resume")
    expect(status).to_have_text("In progress")

    page.get_by_role("button", name="Resolve", exact=True).click()
    page.get_by_label("Resolution code").select_option("fixed")
    page.get_by_label("Resolution notes").fill("Restarted the spooler.")
    page.get_by_role("button", name="Confirm: Resolve").click()
    expect(status).to_have_text("Resolved")
    incident.refresh_from_db()
    assert (incident.status, incident.resolution_code) == ("resolved", "fixed")
    assert JournalEntry.objects.filter(visibility="internal", body__contains="spooler").exists()


def test_queue_filter_and_bulk_assign(page, live_server, make_user):
    agent = make_user("ann", roles=["agent"])
    team = TeamFactory(name="Printing")
    printers = [incident_create(actor=agent, title=f"Printer {n} jammed") for n in range(2)]
    incident_create(actor=agent, title="Mail is slow")
    sign_in(page, live_server, "ann")
    page.goto(f"{live_server.url}/incidents/?queue=open")
    rows = page.locator("#list-results tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Search").fill("printer")
    expect(rows).to_have_count(2)
    for incident in printers:
        page.get_by_label(f"Select {incident.number}").check()
    page.get_by_label("Assign checked to team").select_option(label="Printing")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("2 incident(s) assigned.")).to_be_visible()
    assert set(Incident.objects.filter(assignment_group=team).values_list("pk", flat=True)) == {i.pk for i in printers}


def test_requester_portal_journey(page, live_server, make_user):
    make_user("rita", roles=["requester"])
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="Log a request").click()
    page.get_by_label("Kind").select_option("service_request")
    page.get_by_label("Title").fill("New keyboard")
    page.get_by_label("Description").fill("Mine lost its <b>E</b> key.")
    page.get_by_label("Urgency").select_option("low")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New keyboard")

    page.get_by_role("link", name="My requests").first.click()
    expect(page.locator("#my-requests")).to_contain_text("New keyboard")
    page.get_by_role("link", name=re.compile("New keyboard")).click()
    page.get_by_label("Your message").fill("Any black one will do.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#public-entries")).to_contain_text("Any black one will do.")


def test_stale_edit_conflict(page, live_server, make_user):
    agent = make_user("ann", roles=["agent"])
    incident = incident_create(actor=agent, title="Original title")
    sign_in(page, live_server, "ann")
    other = page.context.new_page()
    edit_url = f"{live_server.url}/incidents/{incident.pk}/edit/"
    page.goto(edit_url)
    other.goto(edit_url)

    page.get_by_label("Title").fill("First agent's title")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("First agent's title")

    other.get_by_label("Title").fill("Second agent's title")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_role("alert")).to_contain_text("changed by someone else")
    incident.refresh_from_db()
    assert incident.title == "First agent's title"
