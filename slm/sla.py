"""SLA clocks on tickets: which agreements apply, keeping clocks in step, and firing thresholds once.

Ticket apps call `sla_sync(ticket=...)` whenever a ticket is created, changed or transitions; slm reads
tickets only through the protocol below and their status history (itsm), never a ticket app's code.
Ticket protocol: `kind`, `service_id`, `priority`, `reported_at`, `assignee`, `assignment_group`.
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itsm.audit import record_many
from itsm.models.history import status_history
from itsm.services.journal import journal_add
from itsm.services.outbox import outbox_enqueue
from slm.business_time import calendar_from
from slm.choices import AgreementKindChoices, ClockStatusChoices, EscalationActionChoices, MetricChoices
from slm.clocks import BREACH_PERCENT, compute_clock
from slm.models import Agreement, SLAClock, SLAThreshold

AROUND_THE_CLOCK = calendar_from(
    timezone="UTC", hours=[{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)]
)
FIRE_BATCH = 200


def agreements_for(ticket) -> list[Agreement]:
    """The active SLAs of the ticket's service that apply to its kind (OLAs/UCs: per team stint, not yet)."""
    if not getattr(ticket, "service_id", None):
        return []
    candidates = Agreement.objects.filter(active=True, kind=AgreementKindChoices.SLA, service_id=ticket.service_id)
    return [a for a in candidates.select_related("calendar") if ticket.kind in a.applies_to]


def _calendar(agreement: Agreement):
    return agreement.calendar.business_calendar() if agreement.calendar_id else AROUND_THE_CLOCK


def sla_sync(*, ticket, now: dt.datetime | None = None) -> list[SLAClock]:
    """Create, recompute or cancel the ticket's clocks from scratch (history + current agreements)."""
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(ticket)
    history = status_history(ticket)
    wanted = {}
    for agreement in agreements_for(ticket):
        for metric in MetricChoices.values:
            target = agreement.target_seconds(priority=ticket.priority, metric=metric)
            if target:
                wanted[(agreement.pk, metric)] = (agreement, target)
    with transaction.atomic():
        existing = {
            (clock.agreement_id, clock.metric): clock
            for clock in SLAClock.objects.select_for_update().filter(content_type=content_type, object_id=ticket.pk)
        }
        clocks = []
        for key, (agreement, target) in wanted.items():
            clock = existing.pop(key, None) or SLAClock(
                content_type=content_type, object_id=ticket.pk, agreement=agreement, metric=key[1]
            )
            clocks.append(_apply(clock, agreement, target, history, now, ticket.reported_at))
        for clock in existing.values():  # the agreement no longer applies (service or priority changed)
            if clock.status != ClockStatusChoices.CANCELLED:
                clock.status, clock.due_at, clock.computed_at = ClockStatusChoices.CANCELLED, None, now
                clock.save()
                clock.thresholds.filter(fired_at__isnull=True).update(due_at=None)
    return clocks


def _apply(clock, agreement, target, history, now, started_at) -> SLAClock:
    state = compute_clock(
        calendar=_calendar(agreement),
        metric=clock.metric,
        target_seconds=target,
        history=history,
        pause_on=frozenset(agreement.pause_on),
        percents=agreement.warning_percents,
        now=now,
    )
    clock.target_seconds, clock.started_at, clock.computed_at = target, started_at, now
    clock.due_at, clock.stopped_at, clock.status = state.due_at, state.stopped_at, state.status
    clock.elapsed_seconds, clock.paused_seconds = state.elapsed_seconds, state.paused_seconds
    clock.breached = clock.breached or state.breached  # once breached, always breached
    if clock.breached and clock.status == ClockStatusChoices.MET:
        clock.status = ClockStatusChoices.BREACHED
    clock.save()
    live = clock.status in (ClockStatusChoices.RUNNING, ClockStatusChoices.PAUSED)
    rows = {row.percent: row for row in clock.thresholds.all()}
    missing = []
    for percent, due in state.threshold_due.items():
        due = due if live else None
        row = rows.get(percent)
        if row is None:
            missing.append(SLAThreshold(clock=clock, percent=percent, due_at=due))
        elif row.fired_at is None and row.due_at != due:
            row.due_at = due
            row.save(update_fields=["due_at", "updated_at"])
    for percent, row in rows.items():
        # A percent the agreement no longer warns at must not fire.
        if percent not in state.threshold_due and row.fired_at is None and row.due_at is not None:
            row.due_at = None
            row.save(update_fields=["due_at", "updated_at"])
    SLAThreshold.objects.bulk_create(missing)
    record_many([(row, "create", {"percent": [None, row.percent]}) for row in missing])
    return clock


def sla_fire_due(*, now: dt.datetime | None = None) -> int:
    """Claim due, unfired thresholds (SKIP LOCKED: several workers never take the same row) and fire each once."""
    now = now or timezone.now()
    fired = 0
    with transaction.atomic():
        rows = list(
            SLAThreshold.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(fired_at__isnull=True, due_at__lte=now, clock__status=ClockStatusChoices.RUNNING)
            .select_related("clock__agreement", "clock__content_type")
            .order_by("due_at")[:FIRE_BATCH]
        )
        for row in rows:
            row.actions = _escalate(row)
            row.fired_at = now
            row.save(update_fields=["actions", "fired_at", "updated_at"])
            if row.percent == BREACH_PERCENT:
                SLAClock.objects.filter(pk=row.clock_id).update(breached=True)
            fired += 1
    return fired


def _escalate(row: SLAThreshold) -> list[str]:
    """Carry out the agreement's actions for this percent; returns what was done ("notify:ann", "reassign:Net")."""
    clock = row.clock
    ticket = clock.ticket
    if ticket is None:
        return []
    rules = clock.agreement.escalation_rules.get(str(row.percent), [])
    done = []
    what = _("breached") if row.percent == BREACH_PERCENT else _("%(p)d%% used") % {"p": row.percent}
    subject = f"[{ticket.number}] SLA {clock.get_metric_display().lower()} {what}: {ticket.title}"
    team = ticket.assignment_group
    for action in rules:
        recipients = []
        if action == EscalationActionChoices.NOTIFY_ASSIGNEE and ticket.assignee:
            recipients = [ticket.assignee]
        elif action == EscalationActionChoices.NOTIFY_TEAM and team:
            recipients = list(team.members.all())
        elif action == EscalationActionChoices.NOTIFY_TEAM_MANAGER and team and team.manager:
            recipients = [team.manager]
        elif action == EscalationActionChoices.NOTIFY_ASSIGNEE_MANAGER and ticket.assignee and ticket.assignee.manager:
            recipients = [ticket.assignee.manager]
        elif action == EscalationActionChoices.REASSIGN_ESCALATION_TEAM and team and team.escalation_team:
            from itsm.services.tickets import ticket_update

            ticket_update(ticket=ticket, actor=None, data={"assignment_group": team.escalation_team, "assignee": None})
            done.append(f"reassign:{team.escalation_team.name}")
        for user in recipients:
            outbox_enqueue(
                event_key=f"sla:{clock.pk}:{row.percent}",
                recipient=user,
                subject=subject,
                body=subject,
                channels=("email", "in_app"),
            )
            done.append(f"notify:{user.get_username()}")
    journal_add(
        ticket=ticket,
        actor=None,
        body=_("SLA %(metric)s %(what)s (%(agreement)s). %(done)s")
        % {
            "metric": clock.get_metric_display().lower(),
            "what": what,
            "agreement": clock.agreement,
            "done": ", ".join(done) or _("No action configured."),
        },
        visibility="internal",
    )
    return done
