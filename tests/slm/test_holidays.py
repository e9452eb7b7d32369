"""Public holidays on business calendars: filled by country/subdivision, imported from iCalendar files."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from itsm.models import AuditEvent
from slm.holidays import merge_holidays, parse_ics, public_holidays, subdivision_choices
from slm.models import Calendar
from slm.services import calendar_save

pytestmark = pytest.mark.django_db

# Bavaria 2026, worked out by hand: Easter Sunday is 5 April 2026, so Good Friday 3 Apr, Easter Monday 6 Apr,
# Ascension (+39) 14 May, Whit Monday (+50) 25 May, Corpus Christi (+60) 4 June. Epiphany, Corpus Christi and
# All Saints are Bavarian (regional) holidays, not national ones.
BAVARIA_2026 = {
    "2026-01-01",
    "2026-01-06",
    "2026-04-03",
    "2026-04-06",
    "2026-05-01",
    "2026-05-14",
    "2026-05-25",
    "2026-06-04",
    "2026-10-03",
    "2026-11-01",
    "2026-12-25",
    "2026-12-26",
}
REGIONAL_ONLY = {"2026-01-06", "2026-06-04", "2026-11-01"}


def ics(*events: str) -> bytes:
    body = ""
    for n, event in enumerate(events):
        uid = "" if "UID:" in event else f"UID:{n}@test\r\n"
        body += f"BEGIN:VEVENT\r\n{uid}{event.strip()}\r\nEND:VEVENT\r\n"
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


def lines(*items: str) -> str:
    return "\r\n".join(items)


@pytest.fixture
def calendar():
    return calendar_save(
        actor=None,
        name="Munich office",
        timezone="Europe/Berlin",
        hours=[{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(5)],
        holidays=[{"date": "2026-12-24", "name": "Christmas Eve (office closed)"}],
    )


def url(calendar, action):
    return f"/api/v1/calendars/{calendar.pk}/{action}/"


# ---- filling by country ---------------------------------------------------------------------------------------


def test_bavaria_2026_has_the_national_and_regional_days():
    days = public_holidays(country="DE", subdivision="BY", years=[2026])
    assert {item["date"] for item in days} == BAVARIA_2026
    assert [item["date"] for item in days] == sorted(item["date"] for item in days)
    assert public_holidays(country="deu", subdivision="by", years=2026) == days  # alpha-3 and any case
    national = {item["date"] for item in public_holidays(country="de", years=[2026])}
    assert REGIONAL_ONLY.isdisjoint(national) and national < BAVARIA_2026


def test_fill_by_country_through_the_api_merges_and_is_audited(client_as, calendar):
    manager = client_as("manager")
    response = manager.post(url(calendar, "fill-holidays"), {"country": "DE", "subdivision": "BY", "years": [2026]})
    assert response.status_code == 200, response.json()
    dates = [item["date"] for item in response.json()["holidays"]]
    assert set(dates) == BAVARIA_2026 | {"2026-12-24"} and dates == sorted(dates)
    calendar.refresh_from_db()
    assert {"date": "2026-12-24", "name": "Christmas Eve (office closed)"} in calendar.holidays
    event = AuditEvent.objects.filter(object_type="slm.calendar", object_id=str(calendar.pk), action="update").get()
    assert event.actor == manager.user and event.source == "api" and "holidays" in event.changes


def test_filling_twice_adds_no_duplicates_and_keeps_the_managers_names(client_as, calendar):
    manager = client_as("manager")
    calendar_save(actor=None, calendar=calendar, holidays=[{"date": "2026-12-25", "name": "Weihnachten"}])
    payload = {"country": "DE", "subdivision": "BY", "years": [2026, 2027]}
    first = manager.post(url(calendar, "fill-holidays"), payload).json()["holidays"]
    second = manager.post(url(calendar, "fill-holidays"), payload).json()["holidays"]
    assert first == second
    assert len({item["date"] for item in second}) == len(second) == 24
    assert {"date": "2026-12-25", "name": "Weihnachten"} in second


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"country": "XX", "years": [2026]}, "country"),
        ({"country": "DE", "subdivision": "ZZ", "years": [2026]}, "subdivision"),
        ({"country": "DE", "years": []}, "years"),
        ({"country": "DE", "years": [1066]}, "years"),
        ({"country": "DE", "years": list(range(2026, 2040))}, "years"),
        ({"years": [2026]}, "country"),
    ],
)
def test_bad_fill_requests_are_field_errors_and_change_nothing(client_as, calendar, payload, field):
    before = Calendar.objects.get(pk=calendar.pk).holidays
    response = client_as("manager").post(url(calendar, "fill-holidays"), payload)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert Calendar.objects.get(pk=calendar.pk).holidays == before
    assert not AuditEvent.objects.filter(object_type="slm.calendar", action="update").exists()


def test_fill_needs_change_permission_and_visibility(client_as, calendar):
    payload = {"country": "DE", "years": [2026]}
    assert client_as("agent").post(url(calendar, "fill-holidays"), payload).status_code == 403
    assert client_as("requester").post(url(calendar, "fill-holidays"), payload).status_code == 403
    assert client_as("manager").post("/api/v1/calendars/999999/fill-holidays/", payload).status_code == 404


def test_subdivisions_are_listed_with_names():
    choices = dict(subdivision_choices("de"))
    assert choices["BY"] == "BY – Bayern"
    assert subdivision_choices("XX") == []


def test_merge_keeps_existing_names_and_sorts():
    merged = merge_holidays(
        [{"date": "2026-05-01", "name": "May Day"}],
        [{"date": "2026-01-01", "name": "New Year"}, {"date": "2026-05-01", "name": "Labour Day"}],
    )
    assert merged == [{"date": "2026-01-01", "name": "New Year"}, {"date": "2026-05-01", "name": "May Day"}]


# ---- iCalendar import -----------------------------------------------------------------------------------------

FEED = ics(
    lines("SUMMARY:Company day", "DTSTART;VALUE=DATE:20260612"),
    # Multi-day: DTEND is exclusive, so 24, 25 and 26 December.
    lines("SUMMARY:Winter closure", "DTSTART;VALUE=DATE:20261224", "DTEND;VALUE=DATE:20261227"),
    # DURATION instead of DTEND: two days.
    lines("SUMMARY:Offsite", "DTSTART;VALUE=DATE:20260901", "DURATION:P2D"),
    # A timed event is an appointment, not a holiday.
    lines("SUMMARY:Board meeting", "DTSTART:20260615T090000Z", "DTEND:20260615T110000Z"),
    lines("SUMMARY:Dropped", "DTSTART;VALUE=DATE:20260301", "STATUS:CANCELLED"),
)


def test_ics_all_day_events_become_holidays_one_per_day():
    result = parse_ics(FEED)
    assert result.holidays == [
        {"date": "2026-06-12", "name": "Company day"},
        {"date": "2026-09-01", "name": "Offsite"},
        {"date": "2026-09-02", "name": "Offsite"},
        {"date": "2026-12-24", "name": "Winter closure"},
        {"date": "2026-12-25", "name": "Winter closure"},
        {"date": "2026-12-26", "name": "Winter closure"},
    ]
    assert (result.skipped_timed, result.skipped_cancelled) == (1, 1)


def test_ics_yearly_rules_expand_in_the_years_asked_for():
    feed = ics(
        lines(
            "SUMMARY:Founders day",
            "DTSTART;VALUE=DATE:20100310",
            "RRULE:FREQ=YEARLY",
            "EXDATE;VALUE=DATE:20270310",
        ),
        lines("SUMMARY:Summer party", "DTSTART;VALUE=DATE:20240705", "RRULE:FREQ=YEARLY;UNTIL=20270101T000000Z"),
        # An override moves the 2028 occurrence of the founders' day to the 13th.
        lines(
            "UID:0@test",
            "SUMMARY:Founders day (moved)",
            "RECURRENCE-ID;VALUE=DATE:20280310",
            "DTSTART;VALUE=DATE:20280313",
        ),
    )
    holidays = parse_ics(feed, years=[2026, 2027, 2028]).holidays
    assert [item["date"] for item in holidays] == ["2026-03-10", "2026-07-05", "2028-03-13"]


def test_ics_unbounded_rule_defaults_to_three_years(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 6, 1))
    holidays = parse_ics(ics(lines("SUMMARY:Founders day", "DTSTART;VALUE=DATE:19900310", "RRULE:FREQ=YEARLY")))
    assert [item["date"] for item in holidays.holidays] == ["2026-03-10", "2027-03-10", "2028-03-10"]


def test_ics_two_events_on_one_day_share_it():
    feed = ics(lines("SUMMARY:A", "DTSTART;VALUE=DATE:20260101"), lines("SUMMARY:B", "DTSTART;VALUE=DATE:20260101"))
    assert parse_ics(feed).holidays == [{"date": "2026-01-01", "name": "A; B"}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a calendar", "not an iCalendar"),
        (b"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nEND:VEVENT\r\n", "no VCALENDAR"),
        (ics(lines("SUMMARY:Broken", "DTSTART;VALUE=DATE:2026XX01")), "Broken"),
        (ics(lines("SUMMARY:Meeting", "DTSTART:20260101T090000Z")), "no all-day events"),
        (ics(lines("SUMMARY:Every hour", "DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=HOURLY")), "repeat daily"),
        (ics("SUMMARY:No start"), "DTSTART"),
        (b"\xff\xfe\x00\x00garbage", "not an iCalendar"),
    ],
)
def test_bad_ics_files_are_refused_with_a_clear_message(content, message):
    with pytest.raises(ValidationError) as caught:
        parse_ics(content, years=[2026])
    assert message in " ".join(caught.value.message_dict["file"])


def test_ics_import_through_the_api_multipart_and_text(client_as, calendar):
    manager = client_as("manager")
    upload = SimpleUploadedFile("holidays.ics", FEED, content_type="text/calendar")
    response = manager.post(url(calendar, "import-holidays"), {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    dates = [item["date"] for item in response.json()["holidays"]]
    assert dates == ["2026-06-12", "2026-09-01", "2026-09-02", "2026-12-24", "2026-12-25", "2026-12-26"]
    # The manager's own name for 24 December stays.
    assert response.json()["holidays"][3] == {"date": "2026-12-24", "name": "Christmas Eve (office closed)"}
    again = manager.generic("POST", url(calendar, "import-holidays") + "?years=2026", FEED, "text/calendar")
    assert again.status_code == 200 and again.json()["holidays"] == response.json()["holidays"]
    event = AuditEvent.objects.filter(object_type="slm.calendar", object_id=str(calendar.pk), action="update").get()
    assert event.source == "api" and event.actor == manager.user


def test_bad_ics_upload_is_400_and_changes_nothing(client_as, calendar):
    manager = client_as("manager")
    upload = SimpleUploadedFile("holidays.ics", b"garbage", content_type="text/calendar")
    response = manager.post(url(calendar, "import-holidays"), {"file": upload}, format="multipart")
    assert response.status_code == 400 and "iCalendar" in response.json()["file"][0]
    assert manager.post(url(calendar, "import-holidays"), {}, format="multipart").status_code == 400
    calendar.refresh_from_db()
    assert calendar.holidays == [{"date": "2026-12-24", "name": "Christmas Eve (office closed)"}]
    assert not AuditEvent.objects.filter(object_type="slm.calendar", action="update").exists()
    assert client_as("agent").post(url(calendar, "import-holidays"), {"file": upload}).status_code == 403
