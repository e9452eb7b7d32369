"""Public holidays for business calendars: filled from the `holidays` package, or imported from an iCalendar file.

Both end in `calendar_save`, so the merged list is validated and audited like any other calendar edit. Merging
keeps what the calendar already lists (a manager's own name for a day wins) and adds only new dates.

iCalendar import rules:
- All-day events (DTSTART;VALUE=DATE) become holidays; an event over several days gives one holiday per day
  (DTEND is exclusive, DURATION is honoured, neither means one day).
- Timed events are skipped: a holiday is a whole local day, an appointment with a time is not.
- Recurring events (RRULE, with RDATE, EXDATE and RECURRENCE-ID overrides) are expanded inside a window of
  years: the `years` asked for, else this year and the next two, so a yearly rule from 1990 gives three
  holidays rather than decades of them. Single events are imported whatever their year unless `years` is given.
- Cancelled events (STATUS:CANCELLED) are skipped.
"""

import datetime as dt
import functools
import importlib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from slm.models import Calendar
from slm.services import calendar_save

FIRST_YEAR, LAST_YEAR = 1970, 2100
MAX_YEARS = 10  # per request: a calendar needs the next few years, not a century
MAX_ICS_BYTES = 2 * 1024 * 1024
MAX_IMPORTED_DAYS = 2000  # a feed with more all-day events than this is not a holiday list
MAX_EVENT_DAYS = 366
DEFAULT_IMPORT_YEARS = 3  # recurring events without `years`: this year and the next two
NAME_MAX_LENGTH = 200


def _library(name: str):
    # `holidays` and `icalendar` take about a second each to import: load them when a holiday is asked for,
    # not in every web and worker process at start-up.
    return importlib.import_module(name)


@dataclass(frozen=True)
class ImportResult:
    """What an .ics import found: the holidays (one per date) and how many events it skipped, and why."""

    holidays: list[dict]
    skipped_timed: int = 0
    skipped_cancelled: int = 0


def _camel_words(name: str) -> str:
    # The package names its country classes "UnitedKingdom", "BosniaAndHerzegovina": make them readable.
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace(" And ", " and ").replace(" Of ", " of ")


@functools.cache
def _country_names() -> dict[str, str]:
    # The package's registry names each country's class without loading it (listing them all would).
    registry = _library("holidays.registry")
    return {entry[1]: _camel_words(entry[0]) for entry in registry.COUNTRIES.values()}


def country_choices() -> list[tuple[str, str]]:
    """(ISO code, "Country name (code)") of every country the `holidays` package knows, by name."""
    return sorted(((code, f"{name} ({code})") for code, name in _country_names().items()), key=lambda c: c[1])


@functools.cache
def _alpha3_codes() -> dict[str, str]:
    return {entry[2]: entry[1] for entry in _library("holidays.registry").COUNTRIES.values()}


def _country_class(country: str):
    """The package's class for an ISO 3166 alpha-2 (or alpha-3) code; None when it has no data for it."""
    country = _alpha3_codes().get(country, country)
    return getattr(_library("holidays"), country) if country in _country_names() else None


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    """(code, "code – name") of a country's subdivisions (states, regions); empty for an unknown country."""
    entity = _country_class((country or "").strip().upper())
    if entity is None:
        return []
    names: dict[str, str] = {}
    for alias, code in (getattr(entity, "subdivisions_aliases", None) or {}).items():
        names.setdefault(code, alias)
    return [(code, f"{code} – {names[code]}" if code in names else code) for code in entity.subdivisions]


def _language(entity) -> str | None:
    # Holiday names in the user's language when the country's data has it, else the package's default.
    active = (get_language() or "").replace("-", "_").lower()
    supported = getattr(entity, "supported_languages", ()) or ()
    for candidate in supported:
        if candidate.lower() == active:
            return candidate
    primary = active.split("_")[0]
    return next((candidate for candidate in supported if candidate.lower().split("_")[0] == primary), None)


def _clean_years(years, *, required: bool) -> list[int]:
    if years in (None, "", []) and not required:
        return []
    if isinstance(years, str):
        years = [part for part in re.split(r"[\s,;]+", years) if part]  # "2026, 2027" from a form
    elif isinstance(years, int):
        years = [years]
    try:
        values = sorted({int(year) for year in years})
    except (TypeError, ValueError):
        raise ValidationError({"years": [_("A list of years, e.g. [2026, 2027].")]}) from None
    if not values:
        raise ValidationError({"years": [_("Name at least one year.")]})
    if len(values) > MAX_YEARS or not all(FIRST_YEAR <= year <= LAST_YEAR for year in values):
        raise ValidationError(
            {
                "years": [
                    _("At most %(n)d years, each between %(first)d and %(last)d.")
                    % {"n": MAX_YEARS, "first": FIRST_YEAR, "last": LAST_YEAR}
                ]
            }
        )
    return values


def public_holidays(*, country: str, subdivision: str = "", years) -> list[dict]:
    """Public holidays of a country (ISO code) and optional subdivision in `years`, as [{"date", "name"}] by date.

    Unknown country or subdivision, or bad years -> ValidationError on that field.
    """
    code = (country or "").strip().upper() if isinstance(country, str) else ""
    if not code:
        raise ValidationError({"country": [_("Name a country by its ISO code, e.g. DE.")]})
    entity = _country_class(code)
    if entity is None:
        raise ValidationError({"country": [_("“%(c)s” is not a country code with holiday data.") % {"c": country}]})
    subdivision = subdivision.strip() if isinstance(subdivision, str) else subdivision
    if subdivision:
        by_upper = {known.upper(): known for known in entity.subdivisions}
        if not isinstance(subdivision, str) or subdivision.upper() not in by_upper:
            raise ValidationError(
                {
                    "subdivision": [
                        _("“%(s)s” is not a subdivision of %(c)s. Choose from: %(list)s.")
                        % {"s": subdivision, "c": code, "list": ", ".join(entity.subdivisions)}
                    ]
                }
            )
        subdivision = by_upper[subdivision.upper()]
    values = _clean_years(years, required=True)
    days = entity(years=values, subdiv=subdivision or None, language=_language(entity))
    return [{"date": day.isoformat(), "name": str(name)[:NAME_MAX_LENGTH]} for day, name in sorted(days.items())]


def merge_holidays(existing: list[dict], new: list[dict]) -> list[dict]:
    """`existing` plus the days of `new` not already listed (existing names win), sorted by date."""
    merged = {item["date"]: item for item in new}
    merged.update({item["date"]: item for item in existing})
    return sorted(merged.values(), key=lambda item: item["date"])


def _ics_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _as_date(value) -> dt.date | None:
    """The date of an all-day value; None for a timed one."""
    return None if isinstance(value, dt.datetime) else value


def _date_values(component, name: str) -> list:
    # EXDATE/RDATE may appear several times, each with several values.
    found = component.get(name)
    if found is None:
        return []
    lists = found if isinstance(found, list) else [found]
    return [item.dt for entry in lists for item in getattr(entry, "dts", [])]


def _event_days(event, start: dt.date) -> int:
    end = event.get("DTEND")
    if end is not None:
        end_value = end.dt
        end_date = end_value.date() if isinstance(end_value, dt.datetime) else end_value
        days = (end_date - start).days
    elif event.get("DURATION") is not None:
        days = event["DURATION"].dt.days
    else:
        days = 1
    if days > MAX_EVENT_DAYS:
        raise ValueError(_("An event lasts more than %(n)d days.") % {"n": MAX_EVENT_DAYS})
    return max(days, 1)


RECURRING_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}


def _rule_text(event) -> str:
    recur = _library("icalendar").vRecur(event["RRULE"])
    if not set(recur.get("FREQ", [])) <= RECURRING_FREQUENCIES or not recur.get("FREQ"):
        raise ValueError(_("An all-day event can repeat daily, weekly, monthly or yearly only."))
    if "UNTIL" in recur:
        # Feeds often give UNTIL as a UTC instant even for all-day events; the day is what counts.
        recur["UNTIL"] = [u.date() if isinstance(u, dt.datetime) else u for u in recur["UNTIL"]]
    return "RRULE:" + recur.to_ical().decode()


def _occurrences(event, start: dt.date, length: int, windows, overridden: set[dt.date]) -> list[dt.date]:
    """Start dates of a recurring event whose days reach into the windows, less EXDATEs and overridden ones."""
    rrule = _library("dateutil.rrule")
    rule = rrule.rrulestr(_rule_text(event), dtstart=dt.datetime.combine(start, dt.time()), forceset=True)
    for extra in _date_values(event, "RDATE"):
        if _as_date(extra) is not None:
            rule.rdate(dt.datetime.combine(extra, dt.time()))
    for excluded in _date_values(event, "EXDATE"):
        day = excluded.date() if isinstance(excluded, dt.datetime) else excluded
        rule.exdate(dt.datetime.combine(day, dt.time()))
    starts: list[dt.date] = []
    for first, last in windows:
        # A multi-day occurrence that starts just before the window still covers days inside it.
        begin = dt.datetime.combine(first - dt.timedelta(days=length - 1), dt.time())
        for moment in rule.xafter(begin, inc=True):
            if moment.date() > last:
                break
            if moment.date() not in overridden:
                starts.append(moment.date())
            if len(starts) > MAX_IMPORTED_DAYS:
                raise ValueError(_("It repeats more than %(n)d times.") % {"n": MAX_IMPORTED_DAYS})
    return starts


def _windows(wanted: set[int]) -> list[tuple[dt.date, dt.date]]:
    """The date ranges recurring events are expanded in: each year asked for, else this year and the next two."""
    if wanted:
        return [(dt.date(year, 1, 1), dt.date(year, 12, 31)) for year in sorted(wanted)]
    year = timezone.localdate().year
    return [(dt.date(year, 1, 1), dt.date(year + DEFAULT_IMPORT_YEARS - 1, 12, 31))]


def _read_calendar(content: bytes | str):
    if isinstance(content, str):
        content = content.encode()
    if len(content) > MAX_ICS_BYTES:
        raise _ics_error(_("The file is larger than %(n)d MB.") % {"n": MAX_ICS_BYTES // (1024 * 1024)})
    try:
        parsed = _library("icalendar").Calendar.from_ical(content)
    except ValueError as exc:
        raise _ics_error(_("This is not an iCalendar (.ics) file: %(error)s") % {"error": exc}) from None
    if parsed.name != "VCALENDAR":
        raise _ics_error(_("This is not an iCalendar (.ics) file: it has no VCALENDAR."))
    return parsed


def parse_ics(content: bytes | str, *, years=None) -> ImportResult:
    """The all-day holidays of an iCalendar file (see the module docstring); ValidationError on `file` if bad."""
    wanted = set(_clean_years(years, required=False))
    windows = _windows(wanted)
    events = _read_calendar(content).walk("VEVENT")
    overridden: dict[str, set[dt.date]] = {}
    for event in events:
        if event.get("RECURRENCE-ID") is not None and (day := _as_date(event["RECURRENCE-ID"].dt)) is not None:
            overridden.setdefault(str(event.get("UID", "")), set()).add(day)
    names: dict[dt.date, list[str]] = {}
    timed = cancelled = 0
    for number, event in enumerate(events, start=1):
        summary = str(event.get("SUMMARY", "")).strip()[:NAME_MAX_LENGTH]
        try:
            if str(event.get("STATUS", "")).upper() == "CANCELLED":
                cancelled += 1
                continue
            if event.get("DTSTART") is None:
                raise ValueError(_("It has no DTSTART."))
            start = _as_date(event["DTSTART"].dt)
            if start is None:
                timed += 1
                continue
            length = _event_days(event, start)
            recurring = event.get("RRULE") is not None and event.get("RECURRENCE-ID") is None
            if recurring:
                starts = _occurrences(event, start, length, windows, overridden.get(str(event.get("UID", "")), set()))
            else:
                starts = [start]
        except (ValueError, TypeError, OverflowError) as exc:
            label = summary or _("event %(n)d") % {"n": number}
            raise _ics_error(_("“%(event)s” cannot be read: %(error)s") % {"event": label, "error": exc}) from None
        for first in starts:
            for offset in range(length):
                day = first + dt.timedelta(days=offset)
                inside = any(low <= day <= high for low, high in windows)
                if (recurring and not inside) or (wanted and day.year not in wanted):
                    continue
                day_names = names.setdefault(day, [])
                if summary not in day_names:
                    day_names.append(summary)
        if len(names) > MAX_IMPORTED_DAYS:
            raise _ics_error(_("The file holds more than %(n)d all-day dates.") % {"n": MAX_IMPORTED_DAYS})
    if not names:
        raise _ics_error(_("The file has no all-day events to import (timed events are not holidays)."))
    found = [
        {"date": day.isoformat(), "name": "; ".join(n for n in day_names if n)[:NAME_MAX_LENGTH] or _("Holiday")}
        for day, day_names in sorted(names.items())
    ]
    return ImportResult(holidays=found, skipped_timed=timed, skipped_cancelled=cancelled)


def _merge_into(*, actor, calendar: Calendar, new: list[dict]) -> Calendar:
    with transaction.atomic():
        # Lock first so a concurrent holiday edit is merged with, never overwritten.
        locked = Calendar.objects.select_for_update().get(pk=calendar.pk)
        return calendar_save(actor=actor, calendar=locked, holidays=merge_holidays(locked.holidays, new))


def calendar_fill_holidays(*, actor, calendar: Calendar, country: str, subdivision: str = "", years) -> Calendar:
    """Add a country's (and subdivision's) public holidays in `years` to the calendar, keeping the days it has."""
    return _merge_into(
        actor=actor, calendar=calendar, new=public_holidays(country=country, subdivision=subdivision, years=years)
    )


def calendar_import_holidays(*, actor, calendar: Calendar, content: bytes | str, years=None) -> ImportResult:
    """Add the all-day events of an iCalendar file to the calendar's holidays; a bad file changes nothing."""
    result = parse_ics(content, years=years)
    _merge_into(actor=actor, calendar=calendar, new=result.holidays)
    return result
