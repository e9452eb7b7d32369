"""SLA clock arithmetic from status histories: pauses, stops, reopen, cancel, DST-safe due times."""

import datetime as dt

from slm.business_time import calendar_from
from slm.clocks import compute_clock

UTC = dt.UTC
ALWAYS = calendar_from(timezone="UTC", hours=[{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)])
OFFICE = calendar_from(
    timezone="Europe/Berlin", hours=[{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
)


def t(hours, minutes=0):
    return dt.datetime(2026, 11, 23, tzinfo=UTC) + dt.timedelta(hours=hours, minutes=minutes)


def clock(metric, history, now, *, target=4 * 3600, calendar=ALWAYS, pause_on=("awaiting_caller",)):
    return compute_clock(
        calendar=calendar, metric=metric, target_seconds=target, history=history, pause_on=frozenset(pause_on), now=now
    )


def test_running_clock_and_thresholds():
    state = clock("resolution", [(t(0), "new", "")], now=t(1))
    assert (state.status, state.elapsed_seconds, state.due_at) == ("running", 3600, t(4))
    assert state.threshold_due == {50: t(2), 75: t(3), 90: t(3, 36), 100: t(4)}


def test_pause_only_for_listed_reasons_and_resume_moves_the_due_time():
    history = [(t(0), "new", ""), (t(1), "on_hold", "awaiting_caller"), (t(3), "in_progress", "")]
    state = clock("resolution", history, now=t(4))
    assert (state.elapsed_seconds, state.paused_seconds, state.due_at) == (2 * 3600, 2 * 3600, t(6))
    vendor = [(t(0), "new", ""), (t(1), "on_hold", "awaiting_vendor")]
    assert clock("resolution", vendor, now=t(2)).status == "running"
    paused = clock("resolution", history[:2], now=t(2))
    assert (paused.status, paused.due_at, paused.paused_seconds) == ("paused", None, 3600)


def test_response_stops_at_start_and_never_restarts():
    history = [
        (t(0), "new", ""),
        (t(0, 30), "in_progress", ""),
        (t(1), "on_hold", "awaiting_caller"),
        (t(2), "in_progress", ""),
    ]
    state = clock("response", history, now=t(9), target=3600)
    assert (state.status, state.elapsed_seconds, state.stopped_at, state.breached) == ("met", 1800, t(0, 30), False)


def test_resolution_time_resolved_counts_as_paused_and_reopen_resumes():
    history = [
        (t(0), "new", ""),
        (t(1), "resolved", ""),
        (t(3), "in_progress", ""),
        (t(4), "resolved", ""),
        (t(9), "closed", ""),
    ]
    state = clock("resolution", history, now=t(10), target=3 * 3600)
    assert (state.status, state.elapsed_seconds, state.paused_seconds, state.stopped_at) == (
        "met",
        2 * 3600,
        2 * 3600,
        t(4),
    )
    late = clock("resolution", history, now=t(10), target=3600)
    assert (late.status, late.breached, late.due_at) == ("breached", True, t(1))


def test_cancelled_and_breached_running():
    assert clock("resolution", [(t(0), "new", ""), (t(1), "cancelled", "")], now=t(2)).status == "cancelled"
    over = clock("resolution", [(t(0), "new", "")], now=t(5))
    assert (over.status, over.breached, over.due_at) == ("running", True, t(4))


def test_business_hours_calendar():
    friday_4pm_berlin = dt.datetime(2026, 11, 27, 15, tzinfo=UTC)
    state = compute_clock(
        calendar=OFFICE,
        metric="resolution",
        target_seconds=2 * 3600,
        history=[(friday_4pm_berlin, "new", "")],
        now=friday_4pm_berlin,
    )
    assert state.due_at == dt.datetime(2026, 11, 30, 9, tzinfo=UTC)  # Monday 10:00 Berlin
