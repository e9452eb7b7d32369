"""Browser journeys of the core in Chromium: sign in and out, wrong password, lockout, an admin creating a team."""

import re

import pytest
from playwright.sync_api import expect

from itsm.models import AuditEvent, Team
from tests.itsm.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_agent_signs_in_sees_their_home_and_signs_out(page, live_server, make_user):
    make_user("ann", roles=["agent"], first_name="Ann", last_name="Agent")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ann Agent")
    expect(page.get_by_role("status").first).to_contain_text("Signed in as Ann Agent.")

    page.locator("#user-menu").click()
    expect(page.get_by_text("Service desk agent").first).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("You have been signed out.")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()


def test_wrong_password_shows_the_error(page, live_server, make_user):
    make_user("ann", roles=["agent"])

    sign_in(page, live_server, "ann", "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(page, live_server, make_user, settings):
    make_user("ann", roles=["agent"], first_name="Ann", last_name="Agent")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, live_server, "ann", "not-the-password")
    sign_in(page, live_server, "ann", DEFAULT_PASSWORD)

    expect(page.get_by_role("heading", name="Account locked")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("too many failed sign-in attempts")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    expect(page.get_by_text(f"Try again in {minutes} minutes")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_admin_creates_a_team_through_the_form(page, live_server, make_user):
    admin = make_user("root", roles=["admin"], first_name="Ada", last_name="Admin")
    make_user("mia", roles=["agent"], first_name="Mia", last_name="Member")
    make_user("max", roles=["agent"], first_name="Max", last_name="Member")

    sign_in(page, live_server, "root", DEFAULT_PASSWORD)
    page.get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="Add team").click()
    page.get_by_label("Name").fill("Network operations")
    page.get_by_label("Manager").select_option(label="Ada Admin")
    page.get_by_label("Members").select_option(label=["Mia Member", "Max Member"])
    page.get_by_label("Vendor").fill("Acme Networks")
    page.get_by_label("Description").fill("Routers, switches and the VPN.")
    page.get_by_role("button", name="Create team").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Network operations")
    expect(page.get_by_text("Team Network operations created.")).to_be_visible()
    expect(page.locator("#team-members")).to_contain_text("Mia Member")
    team = Team.objects.get(name="Network operations")
    assert {member.username for member in team.members.all()} == {"mia", "max"}
    assert team.manager == admin
    assert AuditEvent.objects.filter(
        object_type="itsm.team", object_id=str(team.pk), action="create", source="web", actor=admin
    ).exists()


def test_filtering_the_user_list_updates_the_table_without_reloading(page, live_server, make_user):
    make_user("root", roles=["admin"])
    make_user("alice", roles=["agent"], first_name="Alice", last_name="Archer")
    make_user("bruno", roles=["requester"], first_name="Bruno", last_name="Baker")

    sign_in(page, live_server, "root", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/users/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Search").fill("bruno")

    expect(page).to_have_url(re.compile(r"[?&]q=bruno"))
    expect(page.locator("#list-results tbody tr")).to_have_count(1)
    expect(page.locator("#list-results")).to_contain_text("Bruno Baker")
    assert page.evaluate("window.notReloaded") is True
