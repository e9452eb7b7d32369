"""SLA clock arithmetic: one pure function from a ticket's status history to a clock's state.

A clock runs while the ticket is being worked, pauses while it waits for a reason the agreement lists
(and while resolved, until reopened), and stops when its metric is achieved: `response` on the first
start of work (or resolution), `resolution` on resolution. Everything is business time on the
agreement's calendar, through the same two functions, so due times and elapsed times always agree.
"""

import datetime as dt
from dataclasses import dataclass, field

from slm.business_time import BusinessCalendar, add_business_seconds, business_seconds

RESPONSE, RESOLUTION = "response", "resolution"
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"
BREACH_PERCENT = 100


@dataclass(frozen=True)
class ClockState:
    """What a clock shows at `now`; `threshold_due` maps each percent (100 = breach) to when it is reached."""

    status: str
    elapsed_seconds: int
    paused_seconds: int
    due_at: dt.datetime | None
    stopped_at: dt.datetime | None
    breached: bool
    threshold_due: dict[int, dt.datetime | None] = field(default_factory=dict)


def _segment_kind(metric: str, status: str, reason: str, pause_on: frozenset[str]) -> str:
    """How the clock behaves while the ticket is in `status`: running, paused, stopped or cancelled."""
    if status == "cancelled":
        return CANCELLED
    if metric == RESPONSE:
        if status in ("in_progress", "resolved", "closed"):
            return MET
        return PAUSED if status == "on_hold" and reason in pause_on else RUNNING
    if status in ("resolved", "closed"):
        return MET
    return PAUSED if status == "on_hold" and reason in pause_on else RUNNING


def _segments(metric, history, pause_on, now):
    """[(start, end, kind)] from the history; a response clock ends at its first stop, for good."""
    segments = []
    for index, (at, status, reason) in enumerate(history):
        end = history[index + 1][0] if index + 1 < len(history) else now
        kind = _segment_kind(metric, status, reason, pause_on)
        segments.append((at, max(at, end), kind))
        if metric == RESPONSE and kind in (MET, CANCELLED):
            break
    return segments


def _reach(calendar, running, seconds, open_end):
    """When cumulative running business time reaches `seconds`, or None if it does not (yet)."""
    done = 0
    for index, (start, end) in enumerate(running):
        is_open = open_end and index == len(running) - 1
        span = business_seconds(calendar, start, end)
        if done + span >= seconds or is_open:
            return add_business_seconds(calendar, start, seconds - done)
        done += span
    return None


def _status(stopped: bool, breached: bool, last_kind: str) -> str:
    if stopped:
        return BREACHED if breached else MET
    return PAUSED if last_kind == PAUSED else RUNNING


def compute_clock(
    *,
    calendar: BusinessCalendar,
    metric: str,
    target_seconds: int,
    history: list[tuple[dt.datetime, str, str]],
    pause_on=frozenset(),
    percents=(50, 75, 90),
    now: dt.datetime,
) -> ClockState:
    """The clock at `now` from the ticket's status history [(at, status, reason)], oldest first."""
    segments = _segments(metric, history, frozenset(pause_on), now)
    last_kind = segments[-1][2] if segments else RUNNING
    if last_kind == CANCELLED:
        return ClockState(CANCELLED, 0, 0, None, segments[-1][0], False)
    # The clock stops where the trailing run of achieved statuses begins (resolved, then closed: the resolution).
    stop = len(segments)
    while stop > 0 and segments[stop - 1][2] == MET:
        stop -= 1
    stopped_at = segments[stop][0] if stop < len(segments) else None
    running = [(s, e) for s, e, kind in segments if kind == RUNNING]
    elapsed = sum(business_seconds(calendar, s, e) for s, e in running)
    # Paused time: waiting for a listed reason, and time spent resolved before a reopen.
    paused = sum(business_seconds(calendar, s, e) for s, e, kind in segments[:stop] if kind in (PAUSED, MET))
    open_end = last_kind == RUNNING
    thresholds = {
        percent: _reach(calendar, running, target_seconds * percent // 100, open_end)
        for percent in (*sorted(set(percents)), BREACH_PERCENT)
    }
    due_at = thresholds[BREACH_PERCENT]
    breached = elapsed > target_seconds
    status = _status(stopped_at is not None, breached, last_kind)
    return ClockState(status, elapsed, paused, due_at, stopped_at, breached, thresholds)
