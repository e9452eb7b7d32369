"""SLA clocks on tickets: which agreements apply, and keeping clocks in step with the ticket's histories.

Ticket apps call `sla_sync(ticket=...)` whenever a ticket is created, or its kind, service, priority, report
time or team changes, and after every transition; slm reads tickets only through the protocol below and their
status and assignment histories (itsm), never a ticket app's code.
Ticket protocol: `kind`, `service_id`, `priority`, `reported_at`, `assignee`, `assignment_group`.

Which clocks a ticket has: per SLA of its service that applies to its kind, one per metric the agreement sets a
target for at the ticket's priority (`stint` 0); per OLA/UC of a team the ticket has been with, one per metric
and *stint* with that team (`stint` 1, 2, ... counting the ticket's stints with any team). Firing thresholds
lives in `slm.escalations`, recomputing after an agreement or calendar edit in `slm.recompute`.
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from itsm.audit import record_many
from itsm.models.history import assignment_history, status_history
from slm.business_time import BusinessCalendar, calendar_from
from slm.choices import AgreementKindChoices, ClockStatusChoices, MetricChoices
from slm.clocks import ClockState, Stint, compute_clock, team_stints
from slm.figures import clock_instants, figures_touch
from slm.models import Agreement, SLAClock, SLAThreshold

AROUND_THE_CLOCK = calendar_from(
    timezone="UTC", hours=[{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)]
)
LIVE = (ClockStatusChoices.RUNNING, ClockStatusChoices.PAUSED)
TEAM_KINDS = (AgreementKindChoices.OLA, AgreementKindChoices.UC)


def agreements_for(ticket) -> list[Agreement]:
    """The active SLAs of the ticket's service that apply to its kind."""
    if not getattr(ticket, "service_id", None):
        return []
    candidates = Agreement.objects.filter(active=True, kind=AgreementKindChoices.SLA, service_id=ticket.service_id)
    return [a for a in candidates.select_related("calendar") if ticket.kind in a.applies_to]


def team_agreements_for(ticket, team_ids) -> dict[int, list[Agreement]]:
    """Team id -> the active OLAs/UCs of that team that apply to the ticket's kind."""
    if not team_ids:
        return {}
    found: dict[int, list[Agreement]] = {}
    candidates = Agreement.objects.filter(active=True, kind__in=TEAM_KINDS, team_id__in=team_ids)
    for agreement in candidates.select_related("calendar").order_by("pk"):
        if ticket.kind in agreement.applies_to:
            found.setdefault(agreement.team_id, []).append(agreement)
    return found


def agreement_calendar(agreement: Agreement) -> BusinessCalendar:
    """The business calendar the agreement's targets count in (around the clock when it names none)."""
    return agreement.calendar.business_calendar() if agreement.calendar_id else AROUND_THE_CLOCK


def clock_state(*, agreement, calendar, metric, target, history, now, stint: Stint | None) -> ClockState:
    """The one computation behind sync and recompute, so both always give the same answer."""
    return compute_clock(
        calendar=calendar,
        metric=metric,
        target_seconds=target,
        history=history,
        pause_on=frozenset(agreement.pause_on),
        percents=agreement.warning_percents,
        now=now,
        stint=stint,
    )


def _wanted(ticket, history) -> dict[tuple, tuple]:
    """(agreement id, metric, stint number) -> (agreement, target seconds, stint or None) for the ticket now."""
    wanted = {}
    for agreement in agreements_for(ticket):
        for metric in MetricChoices.values:
            if target := agreement.target_seconds(priority=ticket.priority, metric=metric):
                wanted[(agreement.pk, metric, 0)] = (agreement, target, None)
    stints = team_stints(
        assignment_history(ticket),
        current_team_id=ticket.assignment_group_id,
        opened_at=history[0][0] if history else ticket.reported_at,
    )
    by_team = team_agreements_for(ticket, {stint.team_id for stint in stints})
    for stint in stints:
        for agreement in by_team.get(stint.team_id, ()):
            for metric in MetricChoices.values:
                if target := agreement.target_seconds(priority=ticket.priority, metric=metric):
                    wanted[(agreement.pk, metric, stint.number)] = (agreement, target, stint)
    return wanted


def sla_sync(*, ticket, now: dt.datetime | None = None) -> list[SLAClock]:
    """Create, recompute or cancel the ticket's clocks from scratch (histories + current agreements)."""
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(ticket)
    history = status_history(ticket)
    wanted = _wanted(ticket, history)
    with transaction.atomic():
        # Locked in id order, like the recompute job's chunks, so the two never deadlock.
        locked = SLAClock.objects.select_for_update().filter(content_type=content_type, object_id=ticket.pk)
        existing = {(clock.agreement_id, clock.metric, clock.stint): clock for clock in locked.order_by("pk")}
        # The daily figures of every day these clocks count on, before and after, are re-read (slm.figures): the
        # clocks may move, and the ticket's service, team or priority (their dimensions) may have changed.
        before = clock_instants(existing.values())
        thresholds: dict[int, dict[int, SLAThreshold]] = {}
        for row in SLAThreshold.objects.filter(clock_id__in=[c.pk for c in existing.values()]):
            thresholds.setdefault(row.clock_id, {})[row.percent] = row
        clocks, missing = [], []
        for key, (agreement, target, stint) in wanted.items():
            clock = existing.pop(key, None)
            if clock is not None and stint is not None and stint.ended_at is not None and clock.status not in LIVE:
                clocks.append(clock)  # the stint is over and its result recorded: later changes don't rewrite it
                continue
            clock = clock or SLAClock(
                content_type=content_type, object_id=ticket.pk, agreement=agreement, metric=key[1], stint=key[2]
            )
            started_at = stint.started_at if stint is not None else ticket.reported_at
            state = clock_state(
                agreement=agreement,
                calendar=agreement_calendar(agreement),
                metric=clock.metric,
                target=target,
                history=history,
                now=now,
                stint=stint,
            )
            clocks.append(_apply(clock, state, target, started_at, now, thresholds.get(clock.pk, {}), missing))
        for clock in existing.values():  # the agreement no longer applies (service, team or priority changed)
            if clock.status != ClockStatusChoices.CANCELLED:
                clock.status, clock.due_at, clock.computed_at = ClockStatusChoices.CANCELLED, None, now
                clock.save()
                clock.thresholds.filter(fired_at__isnull=True).update(due_at=None)
        SLAThreshold.objects.bulk_create(missing)
        record_many([(row, "create", {"percent": [None, row.percent]}) for row in missing])
        figures_touch(before | clock_instants(clocks))
    return clocks


def apply_state(clock: SLAClock, state: ClockState, *, target: int, started_at, now) -> SLAClock:
    """Copy a computed state onto the clock (not saved); once breached, a clock stays breached."""
    clock.target_seconds, clock.started_at, clock.computed_at = target, started_at, now
    clock.due_at, clock.stopped_at, clock.status = state.due_at, state.stopped_at, state.status
    clock.elapsed_seconds, clock.paused_seconds = state.elapsed_seconds, state.paused_seconds
    clock.breached = clock.breached or state.breached
    if clock.breached and clock.status == ClockStatusChoices.MET:
        clock.status = ClockStatusChoices.BREACHED
    return clock


def threshold_plan(status: str, state: ClockState, existing: dict[int, tuple]) -> tuple[list, list]:
    """([(threshold id, new due)], [(percent, due)] without a row) for a clock's thresholds.

    `existing`: percent -> (id, due_at, fired_at). Fired rows never change (nothing fires twice); unfired rows
    follow the clock, and lose their due time when the clock is not live or the agreement dropped their percent.
    """
    live = status in LIVE
    moves, missing = [], []
    for percent, due in state.threshold_due.items():
        due = due if live else None
        current = existing.get(percent)
        if current is None:
            missing.append((percent, due))
        elif current[2] is None and current[1] != due:
            moves.append((current[0], due))
    for percent, (pk, due, fired_at) in existing.items():
        if percent not in state.threshold_due and fired_at is None and due is not None:
            moves.append((pk, None))
    return moves, missing


def _apply(clock, state: ClockState, target, started_at, now, rows: dict, missing: list) -> SLAClock:
    apply_state(clock, state, target=target, started_at=started_at, now=now)
    clock.save()
    by_id = {row.pk: row for row in rows.values()}
    moves, new = threshold_plan(clock.status, state, {p: (r.pk, r.due_at, r.fired_at) for p, r in rows.items()})
    for pk, due in moves:
        by_id[pk].due_at = due
        by_id[pk].save(update_fields=["due_at", "updated_at"])
    missing += [SLAThreshold(clock=clock, percent=percent, due_at=due) for percent, due in new]
    return clock
