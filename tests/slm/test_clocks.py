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


# --- OLA/UC clocks per team stint ---------------------------------------------------------------------------------


def test_stints_from_the_assignment_history():
    from slm.clocks import Stint, team_stints

    history = [(t(0), 7), (t(1), 7), (t(2), 8), (t(3), None), (t(4), 7)]
    assert team_stints(history) == [Stint(1, 7, t(0), t(2)), Stint(2, 8, t(2), t(3)), Stint(3, 7, t(4), None)]
    # Tickets from before the history was kept: one open stint with the current team, from the first status.
    assert team_stints([], current_team_id=5, opened_at=t(0)) == [Stint(1, 5, t(0), None)]
    assert team_stints([], current_team_id=None, opened_at=t(0)) == []


def stint_clock(metric, history, now, *, start, end=None, target=4 * 3600):
    from slm.clocks import Stint

    return compute_clock(
        calendar=ALWAYS,
        metric=metric,
        target_seconds=target,
        history=history,
        pause_on=frozenset({"awaiting_caller"}),
        now=now,
        stint=Stint(1, 7, start, end),
    )


def test_a_stint_clock_counts_only_the_time_with_the_team():
    history = [(t(0), "new", ""), (t(3), "on_hold", "awaiting_caller"), (t(5), "in_progress", "")]
    running = stint_clock("resolution", history, now=t(6), start=t(2))
    # With the team from 2h: 1h running, 2h paused (awaiting the caller), 1h running again.
    assert (running.status, running.elapsed_seconds, running.paused_seconds) == ("running", 2 * 3600, 2 * 3600)
    assert running.due_at == t(8)  # 2h of the 4h target left at 6h
    assert stint_clock("resolution", history[:2], now=t(4), start=t(2)).status == "paused"


def test_leaving_the_team_stops_the_stint_met_within_target_and_breached_over_it():
    history = [(t(0), "new", "")]
    left_early = stint_clock("resolution", history, now=t(9), start=t(1), end=t(3))
    assert (left_early.status, left_early.elapsed_seconds, left_early.stopped_at) == ("met", 2 * 3600, t(3))
    assert left_early.due_at is None and left_early.breached is False
    left_late = stint_clock("resolution", history, now=t(9), start=t(1), end=t(6))
    assert (left_late.status, left_late.breached, left_late.stopped_at, left_late.due_at) == (
        "breached",
        True,
        t(6),
        t(5),
    )


def test_a_stint_clock_stops_at_the_metric_and_ignores_what_happens_after_the_stint():
    history = [(t(0), "new", ""), (t(2), "resolved", ""), (t(3), "in_progress", ""), (t(8), "cancelled", "")]
    resolved_with_team = stint_clock("resolution", history, now=t(9), start=t(1), end=t(2, 30))
    assert (resolved_with_team.status, resolved_with_team.stopped_at, resolved_with_team.elapsed_seconds) == (
        "met",
        t(2),
        3600,
    )
    # The reopen at 3h and the cancellation at 8h happen with another team: this stint's result stands.
    assert stint_clock("resolution", history, now=t(9), start=t(1), end=t(4)).status == "met"
    # The current stint at the cancellation is cancelled with the ticket.
    assert stint_clock("resolution", history, now=t(9), start=t(4)).status == "cancelled"


def test_a_stint_that_begins_after_work_started_has_its_response_met_at_once():
    history = [(t(0), "new", ""), (t(1), "in_progress", "")]
    response = stint_clock("response", history, now=t(5), start=t(2), target=3600)
    assert (response.status, response.elapsed_seconds, response.stopped_at) == ("met", 0, t(2))
    before_start = stint_clock("response", history, now=t(5), start=t(0, 30), target=3600)
    assert (before_start.status, before_start.elapsed_seconds) == ("met", 1800)


def test_several_amounts_in_one_walk_match_one_at_a_time():
    import random

    from slm.business_time import add_business_seconds, add_business_seconds_many

    rng = random.Random(5)
    for zone in ("Europe/Berlin", "America/Sao_Paulo", "Australia/Sydney"):
        hours = [{"weekday": d, "start": "08:00", "end": "12:30"} for d in range(5)]
        hours += [{"weekday": d, "start": "22:00", "end": "02:00"} for d in (1, 3)]
        calendar = calendar_from(timezone=zone, hours=hours, holidays=[dt.date(2026, 3, 30), dt.date(2026, 10, 26)])
        for _ in range(40):
            start = dt.datetime(2026, rng.choice([3, 4, 10, 11]), rng.randint(1, 28), tzinfo=UTC)
            start += dt.timedelta(minutes=rng.randrange(1440))
            amounts = sorted(rng.randrange(0, 40 * 3600) for _ in range(4))
            expected = [add_business_seconds(calendar, start, amount) for amount in amounts]
            assert add_business_seconds_many(calendar, start, amounts) == expected, (zone, start, amounts)
