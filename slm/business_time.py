"""Business time: pure functions over a calendar's working hours, in its IANA time zone.

`add_business_seconds` and `business_seconds` are the one pair every SLA computation uses (due times
and elapsed times alike), so the two can never disagree: business_seconds(s, add(s, n)) == n.

Working hours are intervals per weekday in local wall time. An interval may end at "24:00" or after
midnight (22:00-06:00 runs into the next day). Holidays are whole local days without business time,
whichever interval they fall in. Each local window is turned into real instants in the calendar's zone,
so a DST gap shortens the day and an overlap lengthens it by exactly the real time that passes.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
MAX_DAYS = 3 * 366  # a due time further than this is a misconfiguration, not a deadline
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = dt.timedelta(microseconds=1)
SECOND = 1_000_000  # in microseconds
CACHED_DAYS = 20_000  # about 55 years of days per calendar before the cache starts over
SHARED_CALENDARS = 256


@dataclass(frozen=True)
class BusinessCalendar:
    """Working intervals (weekday 0=Monday, start minute, end minute; end may exceed 1440) and holidays."""

    tz: ZoneInfo
    intervals: tuple[tuple[int, int, int], ...]
    holidays: frozenset[dt.date] = frozenset()
    # Local day (ordinal) -> its business windows in UTC microseconds, filled on demand. Recomputing many clocks
    # walks the same days again and again; the zone arithmetic per day is what costs, so it is done once.
    day_cache: dict = field(default_factory=dict, compare=False, repr=False)


_SHARED: dict[BusinessCalendar, BusinessCalendar] = {}


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
    """Build a calendar from the API's representation (raises ValueError on bad input).

    Equal calendars come back as one shared instance, so its day cache stays warm across clocks and tickets.
    """
    calendar = BusinessCalendar(
        tz=ZoneInfo(timezone),
        intervals=tuple(sorted(interval_from_hours(item) for item in hours)),
        holidays=frozenset(holidays),
    )
    if len(_SHARED) >= SHARED_CALENDARS:
        _SHARED.clear()
    return _SHARED.setdefault(calendar, calendar)


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


def _micros(instant: dt.datetime) -> int:
    """An aware instant as whole microseconds since the epoch: exact integer arithmetic from here on."""
    return (instant - EPOCH) // MICROSECOND


def _day_windows(calendar: BusinessCalendar, ordinal: int) -> tuple[tuple[int, int], ...]:
    """The business windows of one local day as UTC microsecond pairs (empty on holidays and days off)."""
    windows = calendar.day_cache.get(ordinal)
    if windows is None:
        if len(calendar.day_cache) >= CACHED_DAYS:
            calendar.day_cache.clear()
        day = dt.date.fromordinal(ordinal)
        midnight = dt.datetime.combine(day, dt.time())
        pairs = []
        for start, end in _local_windows(calendar, day):
            # Wall time -> real instant. A time in a DST gap resolves forward, one in an overlap to its first pass.
            begin = _micros((midnight + dt.timedelta(minutes=start)).replace(tzinfo=calendar.tz))
            finish = _micros((midnight + dt.timedelta(minutes=end)).replace(tzinfo=calendar.tz))
            if finish > begin:
                pairs.append((begin, finish))
        windows = calendar.day_cache[ordinal] = tuple(pairs)
    return windows


def _local_day(calendar: BusinessCalendar, instant: dt.datetime) -> int:
    return instant.astimezone(calendar.tz).toordinal()


def _require_aware(*instants: dt.datetime) -> None:
    if any(instant.tzinfo is None for instant in instants):
        raise ValueError("Business time needs aware datetimes.")


def business_seconds(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Business seconds between two instants (0 when end is not after start)."""
    _require_aware(start, end)
    if end <= start:
        return 0
    low, high = _micros(start), _micros(end)
    total = 0
    # Each local day's windows lie within that day, so the walk starts on the start's own local day.
    for ordinal in range(_local_day(calendar, start), _local_day(calendar, end) + 1):
        for window_start, window_end in _day_windows(calendar, ordinal):
            overlap = min(window_end, high) - max(window_start, low)
            if overlap > 0:
                total += overlap
    return total // SECOND


def add_business_seconds(calendar: BusinessCalendar, start: dt.datetime, seconds: int) -> dt.datetime:
    """The instant `seconds` business seconds after `start` (UTC). ValueError when the calendar has no time."""
    if seconds < 0:
        raise ValueError("seconds must not be negative.")
    _require_aware(start)
    if seconds == 0:
        return start.astimezone(UTC)
    low, remaining = _micros(start), seconds * SECOND
    first = _local_day(calendar, start)
    for ordinal in range(first, first + MAX_DAYS + 1):
        for window_start, window_end in _day_windows(calendar, ordinal):
            if window_end <= low:
                continue
            begin = max(window_start, low)
            if remaining <= window_end - begin:
                return EPOCH + dt.timedelta(microseconds=begin + remaining)
            remaining -= window_end - begin
    raise ValueError("The calendar has no business time within three years of the start.")


def add_business_seconds_many(calendar: BusinessCalendar, start: dt.datetime, amounts: list[int]) -> list[dt.datetime]:
    """`add_business_seconds` for several ascending amounts from one start, in one walk (a clock's thresholds)."""
    if any(amount < 0 for amount in amounts) or amounts != sorted(amounts):
        raise ValueError("amounts must be ascending and not negative.")
    _require_aware(start)
    low, done, results = _micros(start), 0, []
    pending = iter(amounts)
    amount = next(pending, None)
    while amount == 0:
        results.append(start.astimezone(UTC))
        amount = next(pending, None)
    first = _local_day(calendar, start)
    for ordinal in range(first, first + MAX_DAYS + 1):
        if amount is None:
            return results
        for window_start, window_end in _day_windows(calendar, ordinal):
            if window_end <= low:
                continue
            begin = max(window_start, low)
            # `done` business microseconds lie before `begin`; every amount within this window ends in it.
            while amount is not None and amount * SECOND - done <= window_end - begin:
                results.append(EPOCH + dt.timedelta(microseconds=begin + amount * SECOND - done))
                amount = next(pending, None)
            done += window_end - begin
    if amount is None:
        return results
    raise ValueError("The calendar has no business time within three years of the start.")
