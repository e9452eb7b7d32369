"""Business time against an independent minute-by-minute oracle, DST gaps and overlaps, holidays, 24:00, midnight."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from slm.business_time import add_business_seconds, business_seconds, calendar_from

UTC = dt.UTC
BERLIN = "Europe/Berlin"
OFFICE = [{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(5)] + [
    {"weekday": d, "start": "13:00", "end": "17:30"} for d in range(5)
]


def at(text, zone=BERLIN):
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def oracle_seconds(hours, zone, holidays, start, end):
    """Walk real time minute by minute; a minute counts when its local wall time is inside a working interval."""
    tz = ZoneInfo(zone)
    minutes = []
    for item in hours:
        s = int(item["start"][:2]) * 60 + int(item["start"][3:])
        e = 1440 if item["end"] == "24:00" else int(item["end"][:2]) * 60 + int(item["end"][3:])
        if e <= s:
            e += 1440
        minutes.append((item["weekday"], s, e))
    count, t = 0, start
    while t < end:
        local = t.astimezone(tz)
        minute = local.hour * 60 + local.minute
        day = local.date()
        inside = any(
            (wd == day.weekday() and s <= minute < min(e, 1440))
            or (wd == (day.weekday() - 1) % 7 and e > 1440 and minute < e - 1440)
            for wd, s, e in minutes
        )
        if inside and day not in holidays:
            count += 60
        t += dt.timedelta(minutes=1)
    return count


def test_office_hours_with_lunch_and_weekend():
    cal = calendar_from(timezone=BERLIN, hours=OFFICE)
    friday_4pm = at("2026-11-27T16:00")
    assert business_seconds(cal, friday_4pm, at("2026-11-30T09:00")) == (90 + 60) * 60
    assert add_business_seconds(cal, friday_4pm, 2 * 3600) == at("2026-11-30T08:30")
    assert add_business_seconds(cal, at("2026-11-30T11:30"), 3600) == at("2026-11-30T13:30")
    assert add_business_seconds(cal, at("2026-11-28T10:00"), 1) == at("2026-11-30T08:00:01")
    assert add_business_seconds(cal, friday_4pm, 0) == friday_4pm


def test_dst_gap_and_overlap_count_real_time():
    night = [{"weekday": 6, "start": "00:00", "end": "06:00"}]  # Sunday night shift
    cal = calendar_from(timezone=BERLIN, hours=night)
    # 2026-03-29: clocks jump 02:00 -> 03:00, so the 6-hour window is 5 real hours.
    assert business_seconds(cal, at("2026-03-29T00:00"), at("2026-03-29T06:00")) == 5 * 3600
    # 2026-10-25: clocks fall back 03:00 -> 02:00, so it is 7 real hours.
    assert business_seconds(cal, at("2026-10-25T00:00"), at("2026-10-25T06:00")) == 7 * 3600
    assert add_business_seconds(cal, at("2026-10-25T00:00"), 7 * 3600) == at("2026-10-25T06:00")
    assert add_business_seconds(cal, at("2026-03-29T00:00"), 2 * 3600 + 1) == at("2026-03-29T03:00:01")


def test_24_00_midnight_spanning_and_holidays():
    hours = [{"weekday": 0, "start": "22:00", "end": "24:00"}, {"weekday": 1, "start": "22:00", "end": "02:00"}]
    holiday = dt.date(2026, 12, 2)  # a Wednesday: Tuesday night's shift stops at midnight
    cal = calendar_from(timezone=BERLIN, hours=hours, holidays=[holiday])
    week = (at("2026-11-30T00:00"), at("2026-12-07T00:00"))
    assert business_seconds(cal, *week) == (2 + 2) * 3600
    no_holiday = calendar_from(timezone=BERLIN, hours=hours)
    assert business_seconds(no_holiday, *week) == (2 + 4) * 3600
    assert add_business_seconds(no_holiday, at("2026-12-01T23:00"), 2 * 3600) == at("2026-12-02T01:00")


@pytest.mark.parametrize("seed", range(12))
def test_matches_the_oracle_and_the_pair_agrees(seed):
    rng = random.Random(seed)
    zone = rng.choice([BERLIN, "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata"])
    hours = []
    for _ in range(rng.randint(1, 6)):
        start = rng.randrange(0, 24 * 4) * 15
        end = rng.choice([(start + rng.randrange(1, 40) * 15) % 1440, 1440])
        if end == start:
            continue
        fmt = lambda m: "24:00" if m == 1440 else f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
        hours.append({"weekday": rng.randrange(7), "start": fmt(start), "end": fmt(end)})
    if not hours:
        hours = [{"weekday": 2, "start": "09:00", "end": "10:00"}]
    base = dt.datetime(2026, rng.choice([3, 4, 10, 11]), rng.randint(1, 28), tzinfo=UTC)
    holidays = {(base + dt.timedelta(days=rng.randrange(4))).date()}
    cal = calendar_from(timezone=zone, hours=hours, holidays=holidays)
    start = base + dt.timedelta(minutes=rng.randrange(0, 3 * 1440))
    end = start + dt.timedelta(minutes=rng.randrange(0, 4 * 1440))
    expected = oracle_seconds(hours, zone, holidays, start, end)
    assert business_seconds(cal, start, end) == expected, (zone, hours, start, end)
    for seconds in (1, 59 * 60, expected, 3 * 3600 + 7):
        if seconds:
            due = add_business_seconds(cal, start, seconds)
            assert business_seconds(cal, start, due) == seconds


def test_bad_input():
    with pytest.raises(ValueError):
        calendar_from(timezone=BERLIN, hours=[{"weekday": 7, "start": "08:00", "end": "09:00"}])
    with pytest.raises(ValueError):
        calendar_from(timezone=BERLIN, hours=[{"weekday": 1, "start": "25:00", "end": "09:00"}])
    with pytest.raises(ValueError):
        calendar_from(timezone=BERLIN, hours=[{"weekday": 1, "start": "09:00", "end": "09:00"}])
    with pytest.raises(ValueError):
        add_business_seconds(calendar_from(timezone=BERLIN, hours=[]), at("2026-01-01T00:00"), 60)
    with pytest.raises(ValueError):
        business_seconds(calendar_from(timezone=BERLIN, hours=OFFICE), dt.datetime(2026, 1, 1), at("2026-01-02T00:00"))
