"""The service level manager's editors in Chromium: a calendar built in the weekly grid with public holidays, an SLA
with targets, both seen on the service page; and two managers editing one calendar."""

import pytest
from playwright.sync_api import expect

from slm.models import Agreement, Calendar, Service
from slm.services import calendar_save, service_save
from tests.itsm.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Username")).to_have_count(0)


def test_manager_builds_calendar_and_sla_and_sees_them_on_the_service(page, live_server, make_user):
    make_user("mona", roles=["manager"])
    service = service_save(actor=None, name="E-mail")
    sign_in(page, live_server, "mona")

    page.get_by_role("link", name="Service levels").click()
    page.get_by_role("link", name="Business calendars").click()
    page.get_by_role("link", name="Add calendar").click()
    page.get_by_label("Name").fill("Munich office")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    # Monday: the morning replaces the default 09:00-17:00, then a second interval for the afternoon.
    page.get_by_label("Monday interval 1 start").fill("08:00")
    page.get_by_label("Monday interval 1 end").fill("12:00")
    page.get_by_role("button", name="Add interval on Monday").click()
    page.get_by_label("Monday interval 2 start").fill("13:00")
    page.get_by_label("Monday interval 2 end").fill("17:00")

    page.get_by_label("Country").select_option("DE")
    expect(page.get_by_label("Subdivision").locator("option[value=BY]")).to_have_count(1)
    page.get_by_label("Subdivision").select_option("BY")
    page.locator("#holiday-fill").get_by_label("Years").fill("2026")
    page.get_by_role("button", name="Add public holidays").click()
    expect(page.locator("#holiday-count")).to_have_text("12 holidays")
    expect(page.locator("#holiday-rows input[value='2026-06-04']")).to_have_count(1)  # Corpus Christi, Bavarian
    page.get_by_role("button", name="Create calendar").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Munich office")
    monday = page.locator("#calendar-week tr", has_text="Monday")
    expect(monday).to_contain_text("08:00–12:00")
    expect(monday).to_contain_text("13:00–17:00")
    expect(page.locator("#calendar-holidays")).to_contain_text("Corpus Christi")
    calendar = Calendar.objects.get(name="Munich office")
    assert [i for i in calendar.hours if i["weekday"] == 0] == [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:00"},
    ]
    assert len(calendar.holidays) == 12

    page.get_by_role("link", name="Service catalog").click()
    page.get_by_role("link", name="E-mail").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Service hours").select_option(label="Munich office")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#service-hours")).to_contain_text("Munich office")

    page.get_by_role("link", name="Add SLA").click()
    page.get_by_label("Name").fill("Gold e-mail")
    page.get_by_label("Calendar").select_option(label="Munich office")
    page.get_by_label("P1 Response minutes").fill("30")
    page.get_by_label("P1 Resolution hours").fill("4")
    page.get_by_label("P2 Resolution hours").fill("8")
    page.get_by_label("Awaiting caller").check()
    page.get_by_label("Warning thresholds (%)").fill("50, 80")
    at_80 = page.locator("#escalation-rules tr[data-percent='80']")
    expect(at_80).to_have_count(1)
    at_80.get_by_label("Notify the assignee", exact=True).check()
    at_breach = page.locator("#escalation-rules tr[data-percent='100']")
    at_breach.get_by_label("Notify the team's manager", exact=True).check()
    page.get_by_role("button", name="Create agreement").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Gold e-mail")
    page.get_by_role("link", name="E-mail").first.click()
    sla = page.locator("#service-agreements")
    expect(sla).to_contain_text("Gold e-mail")
    expect(sla.locator("tr[data-priority='1']")).to_contain_text("30 min")
    expect(sla.locator("tr[data-priority='1']")).to_contain_text("4 h")
    expect(sla.locator("tr[data-priority='2']")).to_contain_text("8 h")
    expect(page.locator("#service-hours")).to_contain_text("08:00–12:00")

    agreement = Agreement.objects.get(name="Gold e-mail")
    assert (agreement.service, agreement.calendar, agreement.kind) == (service, calendar, "sla")
    assert {"priority": 1, "metric": "response", "seconds": 1800} in agreement.targets
    assert agreement.escalation_rules == {"80": ["notify_assignee"], "100": ["notify_team_manager"]}
    assert agreement.pause_on == ["awaiting_caller"] and agreement.warning_percents == [50, 80]
    assert Service.objects.get(pk=service.pk).calendar == calendar


def test_second_manager_gets_a_conflict_on_the_same_calendar(page, live_server, make_user):
    make_user("mona", roles=["manager"])
    calendar = calendar_save(
        actor=None,
        name="Office",
        timezone="Europe/Berlin",
        hours=[{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)],
    )
    sign_in(page, live_server, "mona")
    other = page.context.new_page()
    edit_url = f"{live_server.url}/slm/calendars/{calendar.pk}/edit/"
    page.goto(edit_url)
    other.goto(edit_url)

    page.get_by_label("Friday interval 1 end").fill("15:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Office")

    other.get_by_label("Name").fill("Office (second)")
    other.get_by_role("button", name="Save").click()
    expect(other.locator("#form-conflict")).to_contain_text("changed by someone else")
    calendar.refresh_from_db()
    assert calendar.name == "Office" and calendar.hours[-1]["end"] == "15:00"
