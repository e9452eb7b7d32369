"""SLA clock arithmetic: pure functions from a ticket's histories to a clock's state.

A clock runs while the ticket is being worked, pauses while it waits for a reason the agreement lists
(and while resolved, until reopened), and stops when its metric is achieved: `response` on the first
start of work (or resolution), `resolution` on resolution. Everything is business time on the
agreement's calendar, through the same two functions, so due times and elapsed times always agree.

OLA/UC clocks run per *stint*: the span during which the ticket is with one team. A stint's clock sees
the status history clipped to the stint; when the ticket leaves the team the clock stops on what it
used so far (met within target, breached over it), whether or not the metric was achieved.
"""

import datetime as dt
from dataclasses import dataclass, field

from slm.business_time import BusinessCalendar, add_business_seconds_many, business_seconds

RESPONSE, RESOLUTION = "response", "resolution"
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"
BREACH_PERCENT = 100
LEFT_TEAM = "left_team"  # a marker status closing a stint's window; never a ticket status


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


@dataclass(frozen=True)
class Stint:
    """The ticket was with team `team_id` from `started_at` until `ended_at` (None: still is); numbered from 1."""

    number: int
    team_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None


def team_stints(
    assignments: list[tuple[dt.datetime, int | None]], *, current_team_id: int | None = None, opened_at=None
) -> list[Stint]:
    """Stints from the assignment history [(at, team id or None)], oldest first.

    A row naming the team the ticket already has is no change. A ticket with no history but a team (written
    before assignment history was kept) has one open stint from `opened_at`.
    """
    if not assignments:
        if current_team_id is None or opened_at is None:
            return []
        return [Stint(1, current_team_id, opened_at, None)]
    stints: list[Stint] = []
    team, started = None, None
    for at, team_id in assignments:
        if team_id == team:
            continue
        if team is not None:
            stints.append(Stint(len(stints) + 1, team, started, at))
        team, started = team_id, at
    if team is not None:
        stints.append(Stint(len(stints) + 1, team, started, None))
    return stints


def clip_history(history: list[tuple], *, starts_at: dt.datetime, ends_at: dt.datetime | None) -> list[tuple]:
    """The status history as a stint sees it: the status in force at its start, the changes inside, its end."""
    clipped, current = [], None
    for entry in history:
        if entry[0] <= starts_at:
            current = entry
        elif ends_at is None or entry[0] < ends_at:
            clipped.append(entry)
    if current is not None:
        clipped.insert(0, (starts_at, current[1], current[2]))
    if ends_at is not None:
        clipped.append((ends_at, LEFT_TEAM, ""))
    return clipped


def _segment_kind(metric: str, status: str, reason: str, pause_on: frozenset[str]) -> str:
    """How the clock behaves while the ticket is in `status`: running, paused, stopped or cancelled."""
    if status == "cancelled":
        return CANCELLED
    if status == LEFT_TEAM:
        return MET  # the stint is over: the clock stops where it stands (met or breached by what it used)
    if metric == RESPONSE:
        if status in ("in_progress", "resolved", "closed"):
            return MET
        return PAUSED if status == "on_hold" and reason in pause_on else RUNNING
    if status in ("resolved", "closed"):
        return MET
    return PAUSED if status == "on_hold" and reason in pause_on else RUNNING


def _segments(metric, history, pause_on, now):
    """[(start, end, kind)] from the history; a response clock ends at its first stop, any clock at cancellation."""
    segments = []
    for index, (at, status, reason) in enumerate(history):
        end = history[index + 1][0] if index + 1 < len(history) else now
        kind = _segment_kind(metric, status, reason, pause_on)
        segments.append((at, max(at, end), kind))
        if kind == CANCELLED or (metric == RESPONSE and kind == MET):
            break
    return segments


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
    stint: Stint | None = None,
) -> ClockState:
    """The clock at `now` from the ticket's status history [(at, status, reason)], oldest first.

    With a `stint`, only the time the ticket spent with that team counts, and the clock stops when the stint ends.
    """
    if stint is not None:
        history = clip_history(history, starts_at=stint.started_at, ends_at=stint.ended_at)
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
    spans = [business_seconds(calendar, s, e) for s, e in running]
    elapsed = sum(spans)
    # Paused time: waiting for a listed reason, and time spent resolved before a reopen.
    paused = sum(business_seconds(calendar, s, e) for s, e, kind in segments[:stop] if kind in (PAUSED, MET))
    open_end = last_kind == RUNNING
    wanted = [(percent, target_seconds * percent // 100) for percent in (*sorted(set(percents)), BREACH_PERCENT)]
    thresholds = _reach(calendar, running, spans, wanted, open_end)
    breached = elapsed > target_seconds
    status = _status(stopped_at is not None, breached, last_kind)
    return ClockState(status, elapsed, paused, thresholds[BREACH_PERCENT], stopped_at, breached, thresholds)


def _reach(calendar, running, spans, wanted, open_end) -> dict[int, dt.datetime | None]:
    """Percent -> when cumulative running business time reaches its seconds (ascending), or None if it does not (yet).

    Each running segment answers the amounts that end inside it (the last one, still open, all that remain),
    walking the calendar once for all of them.
    """
    reached: dict[int, dt.datetime | None] = dict.fromkeys((percent for percent, _seconds in wanted), None)
    done, index, last = 0, 0, len(running) - 1
    for position, (start, _end) in enumerate(running):
        here = []
        while index < len(wanted) and (wanted[index][1] <= done + spans[position] or (open_end and position == last)):
            here.append(wanted[index])
            index += 1
        if here:
            instants = add_business_seconds_many(calendar, start, [seconds - done for _percent, seconds in here])
            reached.update(zip((percent for percent, _seconds in here), instants, strict=True))
        done += spans[position]
    return reached
