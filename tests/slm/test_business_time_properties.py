"""Property-based tests (hypothesis) of the two business-time functions against the minute-by-minute oracle:
random calendars (several intervals a day, 24:00, past midnight), holidays and DST time zones."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slm.business_time import add_business_seconds, business_seconds, calendar_from
from tests.slm.test_business_time import oracle_seconds

ZONES = ["Europe/Berlin", "America/Los_Angeles", "America/Sao_Paulo", "Australia/Sydney", "UTC"]
# Windows around both DST changes of each zone (northern and southern hemisphere) and ordinary weeks.
BASES = [dt.datetime(2026, month, day, tzinfo=dt.UTC) for month, day in ((3, 26), (4, 2), (10, 22), (10, 31), (6, 8))]


def _hhmm(minutes: int) -> str:
    return "24:00" if minutes == 1440 else f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def intervals(draw):
    start = draw(st.integers(0, 95)) * 15
    end = draw(st.one_of(st.just(1440), st.integers(1, 40).map(lambda n, s=start: (s + n * 15) % 1440)))
    if end == start:
        end = (start + 15) % 1440 or 1440
    return {"weekday": draw(st.integers(0, 6)), "start": _hhmm(start), "end": _hhmm(end)}


@st.composite
def cases(draw):
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASES))
    hours = draw(st.lists(intervals(), min_size=1, max_size=5))
    holidays = set(draw(st.lists(st.integers(0, 5).map(lambda d: (base + dt.timedelta(days=d)).date()), max_size=2)))
    start = base + dt.timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    end = start + dt.timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    return zone, hours, holidays, start, end


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases())
def test_counting_matches_the_oracle(case):
    zone, hours, holidays, start, end = case
    calendar = calendar_from(timezone=zone, hours=hours, holidays=holidays)
    assert business_seconds(calendar, start, end) == oracle_seconds(hours, zone, holidays, start, end)


@SETTINGS
# Up to 8 h: the sparsest calendar drawn (15 minutes a week) reaches that in 32 weeks, inside the functions'
# three-year horizon (beyond it they raise ValueError by design).
@given(cases(), st.integers(1, 8 * 3600))
def test_adding_then_counting_gives_the_seconds_back(case, seconds):
    zone, hours, holidays, start, _end = case
    calendar = calendar_from(timezone=zone, hours=hours, holidays=holidays)
    due = add_business_seconds(calendar, start, seconds)
    assert due >= start
    assert business_seconds(calendar, start, due) == seconds
