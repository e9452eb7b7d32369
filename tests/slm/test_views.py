"""SLM browser UI: catalog, calendars and agreements pages — rendering, query counts, permissions, form errors
and stale-edit conflicts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from itsm.models import AuditEvent
from itsm.testing.queries import assert_query_count_stable
from slm.models import Agreement, Calendar, Service
from slm.services import agreement_save, calendar_save, service_save
from tests.itsm.factories import TeamFactory

pytestmark = pytest.mark.django_db

ONE_TARGET = [{"priority": 1, "metric": "response", "seconds": 600}]
OFFICE = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


def make_calendar(name="Office", **fields):
    return calendar_save(actor=None, **{"name": name, "timezone": "Europe/Berlin", "hours": OFFICE, **fields})


def make_agreement(service, name=None, **fields):
    targets = [
        {"priority": 1, "metric": "response", "seconds": 1800},
        {"priority": 1, "metric": "resolution", "seconds": 4 * 3600},
    ]
    return agreement_save(
        actor=None,
        **{
            "name": name or f"Gold {service.name}",
            "kind": "sla",
            "service": service,
            "applies_to": ["incident"],
            "targets": targets,
            **fields,
        },
    )


def calendar_post(**changes) -> dict:
    """A calendar editor submission: Monday 08:00-12:00 and 13:00-24:00, Friday night past midnight, one holiday."""
    data = {
        "name": "Support hours",
        "timezone": "Europe/Berlin",
        "updated_at": "",
        "start_0": ["08:00", "13:00"],
        "end_0": ["12:00", "24:00"],
        "start_4": ["22:00"],
        "end_4": ["06:00"],
        "holiday_date": ["2026-12-25", ""],
        "holiday_name": ["Christmas Day", ""],
    }
    data.update(changes)
    return data


def agreement_post(for_service, **changes) -> dict:
    data = {
        "name": "Gold e-mail",
        "kind": "sla",
        "service": for_service.pk,
        "team": "",
        "calendar": "",
        "applies_to": ["incident", "service_request"],
        "pause_on": ["awaiting_caller"],
        "active": "on",
        "warning_percents": "50, 80",
        "target_response_1_hours": "0",
        "target_response_1_minutes": "30",
        "target_resolution_1_hours": "4",
        "target_resolution_1_minutes": "",
        "target_resolution_3_hours": "24",
        "escalate_80": ["notify_assignee"],
        "escalate_100": ["notify_team_manager", "reassign_escalation_team"],
        "updated_at": "",
    }
    data.update(changes)
    return data


# ---- pages render, with constant query counts --------------------------------------------------------------------


def test_every_page_renders_for_a_manager(client, sign_in):
    sign_in("manager")
    calendar = make_calendar(holidays=[{"date": "2026-01-01", "name": "New Year"}])
    service = service_save(actor=None, name="E-mail", calendar=calendar, owner_team=TeamFactory())
    agreement = make_agreement(service, calendar=calendar)
    pages = {
        reverse("slm:service_list"): "E-mail",
        reverse("slm:service", args=[service.pk]): "Gold E-mail",
        reverse("slm:service_add"): "Add service",
        reverse("slm:service_edit", args=[service.pk]): "Edit E-mail",
        reverse("slm:calendar_list"): "Office",
        reverse("slm:calendar", args=[calendar.pk]): "New Year",
        reverse("slm:calendar_add"): "Add calendar",
        reverse("slm:calendar_edit", args=[calendar.pk]): "New Year",
        reverse("slm:agreement_list"): "Gold E-mail",
        reverse("slm:agreement", args=[agreement.pk]): "30 min",
        reverse("slm:agreement_add"): "Add agreement",
        reverse("slm:agreement_edit", args=[agreement.pk]): "Edit Gold E-mail",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_service_page_shows_its_agreements_targets_and_calendar(client, sign_in):
    sign_in("agent")
    calendar = make_calendar()
    service = service_save(actor=None, name="Payroll", calendar=calendar)
    make_agreement(service)
    make_agreement(service_save(actor=None, name="VPN"))
    page = client.get(reverse("slm:service", args=[service.pk]))
    agreements = page.context["agreements"]
    assert [a.name for a in agreements] == ["Gold Payroll"]
    assert agreements[0].target_rows[0] == {"priority": 1, "response": "30 min", "resolution": "4 h"}
    assert [day["intervals"] for day in page.context["calendar_days"]][0] == ["09:00–17:00"]
    assert "Edit" not in page.content.decode().split("page-header")[1].split("</div>")[0]


@pytest.mark.parametrize("page", ["slm:service_list", "slm:calendar_list", "slm:agreement_list"])
def test_lists_have_a_constant_query_count(client, sign_in, page):
    sign_in("manager")
    calendar = make_calendar()

    def make_rows(count):
        start = Service.objects.count()
        for n in range(start, start + count):
            service = service_save(actor=None, name=f"Service {n}", calendar=calendar, owner_team=TeamFactory())
            make_agreement(service, calendar=calendar, team=TeamFactory())
            make_calendar(name=f"Calendar {n}")

    assert_query_count_stable(make_rows, lambda: client.get(reverse(page)))


@pytest.mark.parametrize("page", ["slm:service", "slm:calendar"])
def test_detail_pages_have_a_constant_query_count(client, sign_in, page):
    sign_in("manager")
    calendar = make_calendar()
    service = service_save(actor=None, name="E-mail", calendar=calendar)
    target = service if page == "slm:service" else calendar

    def make_rows(count):
        start = Agreement.objects.count()
        for n in range(start, start + count):
            make_agreement(service, name=f"Agreement {n}", calendar=calendar)
            service_save(actor=None, name=f"Other {n}", calendar=calendar)

    assert_query_count_stable(make_rows, lambda: client.get(reverse(page, args=[target.pk])))


def test_list_filters_and_htmx_results(client, sign_in):
    sign_in("manager")
    email, vpn = service_save(actor=None, name="E-mail"), service_save(actor=None, name="VPN", status="retired")
    team = TeamFactory(name="Network")
    make_agreement(email)
    agreement_save(actor=None, name="Network OLA", kind="ola", team=team, applies_to=["incident"], targets=ONE_TARGET)
    names = lambda response: [row.name for row in response.context["rows"]]  # noqa: E731
    assert names(client.get(reverse("slm:service_list"), {"status": "retired"})) == [vpn.name]
    assert names(client.get(reverse("slm:agreement_list"), {"kind": "ola"})) == ["Network OLA"]
    assert names(client.get(reverse("slm:agreement_list"), {"team": team.pk})) == ["Network OLA"]
    assert names(client.get(reverse("slm:agreement_list"), {"service": email.pk})) == ["Gold E-mail"]
    partial = client.get(
        reverse("slm:agreement_list"), {"q": "gold"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results"
    )
    assert names(partial) == ["Gold E-mail"] and b"<html" not in partial.content


# ---- permissions -------------------------------------------------------------------------------------------------


def test_readers_see_no_edit_buttons_and_cannot_post(client, sign_in):
    sign_in("agent")
    calendar = make_calendar()
    service = service_save(actor=None, name="E-mail")
    agreement = make_agreement(service)
    for url in (reverse("slm:service", args=[service.pk]), reverse("slm:calendar", args=[calendar.pk])):
        assert "bi-pencil" not in client.get(url).content.decode()
    assert "Add calendar" not in client.get(reverse("slm:calendar_list")).content.decode()
    for url in (
        reverse("slm:service_add"),
        reverse("slm:service_edit", args=[service.pk]),
        reverse("slm:calendar_add"),
        reverse("slm:calendar_edit", args=[calendar.pk]),
        reverse("slm:agreement_add"),
        reverse("slm:agreement_edit", args=[agreement.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Hacked"}).status_code == 403, url
    for url in ("slm:calendar_holidays_fill", "slm:calendar_holidays_import"):
        assert client.post(reverse(url), {"fill-country": "DE", "fill-years": "2026"}).status_code == 403
    assert client.get(reverse("slm:agreement_escalations")).status_code == 403
    assert not Service.objects.filter(name="Hacked").exists()
    assert Calendar.objects.get().name == "Office"


def test_requesters_read_the_catalog_only(client, sign_in):
    sign_in("requester")
    calendar = make_calendar()
    service = service_save(actor=None, name="E-mail", calendar=calendar)
    make_agreement(service)
    page = client.get(reverse("slm:service", args=[service.pk]))
    assert page.status_code == 200 and "Gold E-mail" not in page.content.decode()
    assert client.get(reverse("slm:agreement_list")).status_code == 403
    assert client.get(reverse("slm:calendar", args=[calendar.pk])).status_code == 403
    assert "Service levels" not in client.get(reverse("home")).content.decode()


def test_unknown_records_are_404_and_anonymous_users_sign_in(client, sign_in):
    assert client.get(reverse("slm:service_list")).status_code == 302
    sign_in("manager")
    for name in ("slm:service", "slm:calendar", "slm:agreement", "slm:calendar_edit", "slm:agreement_edit"):
        assert client.get(reverse(name, args=[999999])).status_code == 404


def test_the_menu_leads_staff_to_the_catalog(client, sign_in):
    sign_in("agent")
    assert reverse("slm:service_list") in client.get(reverse("home")).content.decode()


# ---- calendar editor ----------------------------------------------------------------------------------------------


def test_manager_creates_a_calendar_from_the_grid(client, sign_in):
    manager = sign_in("manager")
    response = client.post(reverse("slm:calendar_add"), calendar_post())
    calendar = Calendar.objects.get(name="Support hours")
    assert response.status_code == 302 and response.url == reverse("slm:calendar", args=[calendar.pk])
    assert calendar.hours == [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "24:00"},
        {"weekday": 4, "start": "22:00", "end": "06:00"},
    ]
    assert calendar.holidays == [{"date": "2026-12-25", "name": "Christmas Day"}]
    event = AuditEvent.objects.get(object_type="slm.calendar", object_id=str(calendar.pk))
    assert (event.action, event.actor, event.source) == ("create", manager, "web")
    page = client.get(reverse("slm:calendar_edit", args=[calendar.pk])).content.decode()
    assert 'value="13:00"' in page and 'value="24:00"' in page and "(next day)" in page


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        ({"end_0": ["12:00", "25:00"]}, "row", "not a time of day"),
        ({"start_0": ["08:00", "11:00"]}, "grid", "overlap"),
        ({"holiday_date": ["2026-12-25", "2026-12-25"], "holiday_name": ["A", "B"]}, "holidays", "listed twice"),
        ({"holiday_date": ["", "x"], "holiday_name": ["Nameless", ""]}, "holiday row", "date"),
        ({"timezone": "Mars/Olympus"}, "timezone", "valid choice"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_calendar_errors_show_next_to_their_fields_and_nothing_is_saved(client, sign_in, changes, where, message):
    sign_in("manager")
    response = client.post(reverse("slm:calendar_add"), calendar_post(**changes))
    assert response.status_code == 422
    context = response.context
    found = {
        "row": [row.error for day in context["grid"].days for row in day.intervals if row.error],
        "grid": context["grid"].errors,
        "holidays": context["holiday_rows"].errors,
        "holiday row": [row.error for row in context["holiday_rows"].rows if row.error],
        "timezone": context["form"].errors.get("timezone", []),
        "name": context["form"].errors.get("name", []),
    }[where]
    assert found and message in " ".join(found), found
    assert not Calendar.objects.exists() and not AuditEvent.objects.filter(object_type="slm.calendar").exists()
    # What was typed is still there to correct.
    assert 'value="13:00"' in response.content.decode() or where == "grid"


def test_second_manager_editing_a_calendar_gets_a_conflict(client, sign_in, make_user):
    sign_in("manager")
    calendar = make_calendar()
    form = client.get(reverse("slm:calendar_edit", args=[calendar.pk])).context["form"]
    loaded = form["updated_at"].value()
    # Someone else saves in between.
    calendar_save(actor=make_user(roles=["manager"]), calendar=calendar, name="Office (theirs)")
    response = client.post(
        reverse("slm:calendar_edit", args=[calendar.pk]), calendar_post(name="Office (mine)", updated_at=loaded)
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert Calendar.objects.get(pk=calendar.pk).name == "Office (theirs)"
    unversioned = client.post(reverse("slm:calendar_edit", args=[calendar.pk]), calendar_post(name="Mine"))
    assert unversioned.status_code == 422 and "lacks the version" in unversioned.content.decode()
    fresh = client.get(reverse("slm:calendar_edit", args=[calendar.pk])).context["form"]["updated_at"].value()
    saved = client.post(reverse("slm:calendar_edit", args=[calendar.pk]), calendar_post(name="Mine", updated_at=fresh))
    assert saved.status_code == 302 and Calendar.objects.get(pk=calendar.pk).name == "Mine"


def test_fill_adds_public_holidays_to_the_rows_without_saving(client, sign_in):
    sign_in("manager")
    data = calendar_post(**{"fill-country": "DE", "fill-subdivision": "BY", "fill-years": "2026"})
    response = client.post(reverse("slm:calendar_holidays_fill"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    rows = response.context["holiday_rows"].rows
    assert len(rows) == 12 and {"2026-01-06", "2026-06-04", "2026-11-01"} <= {row.date for row in rows}
    assert next(row.name for row in rows if row.date == "2026-12-25") == "Christmas Day"  # the typed name stays
    assert "11 holidays added" in response.content.decode()
    assert not Calendar.objects.exists()
    bad = client.post(reverse("slm:calendar_holidays_fill"), {"fill-country": "XX", "fill-years": "2026"})
    assert "valid choice" in " ".join(bad.context["fill_form"].errors["country"])
    no_year = client.post(reverse("slm:calendar_holidays_fill"), {"fill-country": "DE", "fill-years": ""})
    assert no_year.context["fill_form"].errors["years"]


def test_subdivision_options_follow_the_country(client, sign_in):
    sign_in("manager")
    options = client.get(reverse("slm:calendar_holiday_subdivisions"), {"fill-country": "DE"}).content.decode()
    assert 'value="BY"' in options and "Bayern" in options


def test_ics_upload_adds_rows_and_a_bad_file_says_why(client, sign_in):
    sign_in("manager")
    feed = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:1@t\r\nSUMMARY:Closure\r\n"
        b"DTSTART;VALUE=DATE:20261228\r\nDTEND;VALUE=DATE:20261231\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    data = calendar_post(**{"ics-file": SimpleUploadedFile("h.ics", feed)})
    rows = client.post(reverse("slm:calendar_holidays_import"), data).context["holiday_rows"].rows
    assert [row.date for row in rows] == ["2026-12-25", "2026-12-28", "2026-12-29", "2026-12-30"]
    bad = client.post(reverse("slm:calendar_holidays_import"), {"ics-file": SimpleUploadedFile("h.ics", b"nope")})
    assert "not an iCalendar" in " ".join(bad.context["import_form"].errors["file"])


# ---- agreement editor --------------------------------------------------------------------------------------------


def test_manager_creates_an_agreement_with_targets_and_escalations(client, sign_in):
    manager = sign_in("manager")
    service = service_save(actor=None, name="E-mail")
    response = client.post(reverse("slm:agreement_add"), agreement_post(service))
    agreement = Agreement.objects.get(name="Gold e-mail")
    assert response.status_code == 302
    assert agreement.targets == [
        {"priority": 1, "metric": "response", "seconds": 1800},
        {"priority": 1, "metric": "resolution", "seconds": 4 * 3600},
        {"priority": 3, "metric": "resolution", "seconds": 24 * 3600},
    ]
    assert agreement.warning_percents == [50, 80]
    assert agreement.pause_on == ["awaiting_caller"]
    assert agreement.applies_to == ["incident", "service_request"]
    assert agreement.escalation_rules == {
        "80": ["notify_assignee"],
        "100": ["notify_team_manager", "reassign_escalation_team"],
    }
    assert AuditEvent.objects.filter(object_type="slm.agreement", actor=manager, action="create").exists()
    form = client.get(reverse("slm:agreement_edit", args=[agreement.pk])).context["form"]
    assert (form["target_resolution_1_hours"].value(), form["target_response_1_minutes"].value()) == (4, 30)
    assert form["escalate_100"].value() == ["notify_team_manager", "reassign_escalation_team"]


def test_pause_reasons_come_from_the_ticket_models():
    from slm.forms import pause_reason_choices

    assert {"awaiting_caller", "awaiting_vendor", "awaiting_change", "other"} <= set(dict(pause_reason_choices()))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"service": ""}, "service", "agreed for a service"),
        ({"kind": "ola", "service": ""}, "team", "with a team"),
        ({"applies_to": []}, "applies_to", "Choose from"),
        ({"warning_percents": "50, lots"}, "warning_percents", "Whole numbers"),
        ({"warning_percents": "50, 150"}, "warning_percents", "between 1 and 99"),
        ({"target_response_1_minutes": "75"}, "target_response_1_minutes", "less than or equal to 59"),
        ({"pause_on": ["sleeping"]}, "pause_on", "valid choice"),
    ],
)
def test_agreement_errors_show_next_to_their_fields(client, sign_in, changes, field, message):
    sign_in("manager")
    service = service_save(actor=None, name="E-mail")
    response = client.post(reverse("slm:agreement_add"), agreement_post(service, **changes))
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not Agreement.objects.exists()


def test_escalation_rows_follow_the_thresholds_and_keep_ticks(client, sign_in):
    sign_in("manager")
    response = client.get(
        reverse("slm:agreement_escalations"), {"warning_percents": "60, 90", "escalate_90": ["notify_team"]}
    )
    form = response.context["form"]
    assert form.escalation_percents == [60, 90, 100]
    assert form["escalate_90"].value() == ["notify_team"]
    assert 'name="escalate_60"' in response.content.decode()


def test_second_manager_editing_an_agreement_gets_a_conflict(client, sign_in, make_user):
    sign_in("manager")
    service = service_save(actor=None, name="E-mail")
    agreement = make_agreement(service)
    loaded = client.get(reverse("slm:agreement_edit", args=[agreement.pk])).context["form"]["updated_at"].value()
    agreement_save(actor=make_user(roles=["manager"]), agreement=agreement, active=False)
    data = agreement_post(service, name="Gold E-mail", updated_at=loaded)
    response = client.post(reverse("slm:agreement_edit", args=[agreement.pk]), data)
    assert response.status_code == 409 and "changed by someone else" in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).warning_percents == [50, 75, 90]


# ---- service editor ----------------------------------------------------------------------------------------------


def test_service_create_edit_errors_and_conflict(client, sign_in, make_user):
    sign_in("manager")
    calendar = make_calendar()
    created = client.post(
        reverse("slm:service_add"), {"name": "Payroll", "status": "live", "calendar": calendar.pk, "updated_at": ""}
    )
    service = Service.objects.get(name="Payroll")
    assert created.status_code == 302 and service.calendar == calendar
    duplicate = client.post(reverse("slm:service_add"), {"name": "Payroll", "status": "live", "updated_at": ""})
    assert duplicate.status_code == 422 and duplicate.context["form"].errors["name"]
    bad = client.post(reverse("slm:service_add"), {"name": "HR", "status": "dead", "updated_at": ""})
    assert bad.status_code == 422 and bad.context["form"].errors["status"]
    loaded = client.get(reverse("slm:service_edit", args=[service.pk])).context["form"]["updated_at"].value()
    service_save(actor=make_user(roles=["manager"]), service=service, description="Theirs")
    stale = client.post(
        reverse("slm:service_edit", args=[service.pk]), {"name": "Payroll", "status": "retired", "updated_at": loaded}
    )
    assert stale.status_code == 409 and Service.objects.get(pk=service.pk).status == "live"


def test_service_form_offers_business_service_cis(client, sign_in):
    from tests.cmdb.factories import CIClassFactory, CIFactory

    sign_in("manager")
    service_ci = CIFactory(name="E-mail service", ci_class=CIClassFactory(slug="business-service"))
    CIFactory(name="mail-server-01")
    choices = [label for _value, label in client.get(reverse("slm:service_add")).context["form"].fields["ci"].choices]
    assert choices == ["None", "E-mail service"]
    client.post(reverse("slm:service_add"), {"name": "E-mail", "status": "live", "ci": service_ci.pk, "updated_at": ""})
    assert Service.objects.get(name="E-mail").ci == service_ci
