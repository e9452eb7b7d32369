"""Business time: pure functions over a calendar's working hours, in its IANA time zone.

`add_business_seconds` and `business_seconds` are the one pair every SLA computation uses (due times
and elapsed times alike), so the two can never disagree: business_seconds(s, add(s, n)) == n.

Working hours are intervals per weekday in local wall time. An interval may end at "24:00" or after
midnight (22:00-06:00 runs into the next day). Holidays are whole local days without business time,
whichever interval they fall in. Each local window is turned into real instants in the calendar's zone,
so a DST gap shortens the day and an overlap lengthens it by exactly the real time that passes.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
MAX_DAYS = 3 * 366  # a due time further than this is a misconfiguration, not a deadline
UTC = dt.UTC


@dataclass(frozen=True)
class BusinessCalendar:
    """Working intervals (weekday 0=Monday, start minute, end minute; end may exceed 1440) and holidays."""

    tz: ZoneInfo
    intervals: tuple[tuple[int, int, int], ...]
    holidays: frozenset[dt.date] = frozenset()


def parse_clock(value: str, *, allow_24: bool = False) -> int:
    """ "HH:MM" -> minutes after midnight; "24:00" only where allowed. ValueError otherwise."""
    try:
        hours, minutes = value.split(":")
        hours, minutes = int(hours), int(minutes)
    except (AttributeError, ValueError):
        raise ValueError(f"“{value}” is not a time of day (HH:MM).") from None
    if (hours, minutes) == (24, 0) and allow_24:
        return DAY_MINUTES
    if not (0 <= hours < 24 and 0 <= minutes < 60) or len(value) != 5:
        raise ValueError(f"“{value}” is not a time of day (HH:MM).")
    return hours * 60 + minutes


def interval_from_hours(item: dict) -> tuple[int, int, int]:
    """One {"weekday", "start", "end"} entry -> (weekday, start minute, end minute); past midnight when end <= start."""
    weekday = item.get("weekday")
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday).")
    start = parse_clock(item.get("start"))
    end = parse_clock(item.get("end"), allow_24=True)
    if end == start:
        raise ValueError("An interval needs a start and an end that differ.")
    if end < start:
        end += DAY_MINUTES  # e.g. 22:00-06:00: ends the next morning
    return weekday, start, end


def calendar_from(*, timezone: str, hours: Iterable[dict], holidays: Iterable[dt.date] = ()) -> BusinessCalendar:
    """Build a calendar from the API's representation (raises ValueError on bad input)."""
    return BusinessCalendar(
        tz=ZoneInfo(timezone),
        intervals=tuple(sorted(interval_from_hours(item) for item in hours)),
        holidays=frozenset(holidays),
    )


def _local_windows(calendar: BusinessCalendar, day: dt.date) -> list[tuple[int, int]]:
    """The business minutes of one local day, merged: [(start, end)] within 0..1440."""
    if day in calendar.holidays:
        return []
    weekday, yesterday = day.weekday(), (day.weekday() - 1) % 7
    pieces = []
    for interval_day, start, end in calendar.intervals:
        if interval_day == weekday:
            pieces.append((start, min(end, DAY_MINUTES)))
        if interval_day == yesterday and end > DAY_MINUTES:
            pieces.append((0, end - DAY_MINUTES))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _instant(calendar: BusinessCalendar, day: dt.date, minute: int) -> dt.datetime:
    # Wall time -> real instant. A time in a DST gap resolves forward, one in an overlap to its first pass.
    local = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return local.replace(tzinfo=calendar.tz).astimezone(UTC)


def _windows(calendar: BusinessCalendar, first_day: dt.date, last_day: dt.date | None) -> Iterator[tuple]:
    """Business windows as UTC (start, end) pairs, day by day from `first_day` (to `last_day` or MAX_DAYS)."""
    day = first_day
    limit = last_day if last_day is not None else first_day + dt.timedelta(days=MAX_DAYS)
    while day <= limit:
        for start, end in _local_windows(calendar, day):
            window = (_instant(calendar, day, start), _instant(calendar, day, end))
            if window[1] > window[0]:
                yield window
        day += dt.timedelta(days=1)


def _local_day(calendar: BusinessCalendar, instant: dt.datetime) -> dt.date:
    return instant.astimezone(calendar.tz).date()


def _require_aware(*instants: dt.datetime) -> None:
    if any(instant.tzinfo is None for instant in instants):
        raise ValueError("Business time needs aware datetimes.")


def business_seconds(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Business seconds between two instants (0 when end is not after start)."""
    _require_aware(start, end)
    if end <= start:
        return 0
    total = dt.timedelta()
    # Each local day's windows lie within that day, so the walk starts on the start's own local day.
    for window_start, window_end in _windows(calendar, _local_day(calendar, start), _local_day(calendar, end)):
        overlap = min(window_end, end) - max(window_start, start)
        if overlap > dt.timedelta():
            total += overlap
    return int(total.total_seconds())


def add_business_seconds(calendar: BusinessCalendar, start: dt.datetime, seconds: int) -> dt.datetime:
    """The instant `seconds` business seconds after `start` (UTC). ValueError when the calendar has no time."""
    if seconds < 0:
        raise ValueError("seconds must not be negative.")
    _require_aware(start)
    start = start.astimezone(UTC)
    if seconds == 0:
        return start
    remaining = dt.timedelta(seconds=seconds)
    for window_start, window_end in _windows(calendar, _local_day(calendar, start), None):
        if window_end <= start:
            continue
        begin = max(window_start, start)
        available = window_end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise ValueError("The calendar has no business time within three years of the start.")
