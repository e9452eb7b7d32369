"""Firing SLA thresholds: every due row exactly once, in batches, with the agreement's escalation actions.

The beat task (every 15 s) calls `sla_fire_due`, which drains everything due batch by batch. A batch is one
transaction: it claims due rows with `SELECT … FOR UPDATE OF threshold, clock SKIP LOCKED` (two sweepers never
take the same row; a clock a user's sync holds is left for the next pass, never waited for), carries out the
actions and records the firing — `fired_at` and `actions`, a journal note on the ticket, outbox notifications,
audit events — before it commits. A sweep that dies rolls its batch back whole: the rows are still due and the
next sweep fires them. Nothing is scheduled as an ETA task, so a lost or flushed broker only delays firings.
Rows, journal notes, outbox messages and audit events are written with one INSERT/UPDATE per kind and batch.
"""

import datetime as dt
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itsm.audit import record_many
from itsm.bulk import insert_rows, update_rows
from itsm.choices import VisibilityChoices
from itsm.models import JournalEntry, Team
from itsm.services.outbox import outbox_enqueue_many
from slm.choices import ClockStatusChoices, EscalationActionChoices, MetricChoices
from slm.clocks import BREACH_PERCENT
from slm.figures import figures_touch
from slm.models import Agreement, SLAClock, SLAThreshold

FIRE_BATCH = 2000
TICKET_RELATED = ("assignee__manager", "assignment_group__manager", "assignment_group__escalation_team")
REASSIGN = EscalationActionChoices.REASSIGN_ESCALATION_TEAM
CLOCK_FIELDS = ("content_type", "object_id", "agreement", "metric", "breached")  # what firing reads of a clock


def sla_fire_due(*, now: dt.datetime | None = None) -> int:
    """Fire every due, unfired threshold (warnings and breaches) exactly once; returns how many fired."""
    fired = 0
    while True:
        claimed, count = _fire_batch(now)
        fired += count
        if claimed < FIRE_BATCH or count == 0:  # drained, or only rows whose tickets others hold right now
            return fired


def _fire_batch(now: dt.datetime | None) -> tuple[int, int]:
    """Claim up to FIRE_BATCH due rows and fire them in one transaction; (claimed, fired)."""
    with transaction.atomic():
        fired_at = now or timezone.now()
        rows = list(
            SLAThreshold.objects.select_for_update(skip_locked=True, of=("self", "clock"))
            .filter(fired_at__isnull=True, due_at__lte=fired_at, clock__status=ClockStatusChoices.RUNNING)
            .select_related("clock")
            .only("percent", *(f"clock__{name}" for name in CLOCK_FIELDS))
            .order_by("due_at", "id")[:FIRE_BATCH]
        )
        if not rows:
            return 0, 0
        # Agreements apart (a handful per batch): joined, their JSON fields would be decoded once per row.
        agreements = Agreement.objects.in_bulk({row.clock.agreement_id for row in rows})
        for row in rows:
            row.clock.agreement = agreements[row.clock.agreement_id]
        batch = _Batch(rows)
        fired = [row for row in rows if batch.fire(row, fired_at)]
        batch.write(fired, fired_at)
        return len(rows), len(fired)


def _key(clock) -> tuple[int, int]:
    return clock.content_type_id, clock.object_id


class _Written:
    """A journal note written by COPY, as `record_many` reads it (its model and id), without a model instance."""

    __slots__ = ("pk",)
    _meta = JournalEntry._meta

    def __init__(self, pk):
        self.pk = pk


class _Batch:
    """One claimed batch: the tickets, teams and people its actions need, loaded once, and the rows it writes."""

    def __init__(self, rows: list[SLAThreshold]):
        self.tickets = self._load_tickets(rows)
        self.skipped = self._lock_for_reassign(rows)
        self.members: dict[int, list] = {}
        self.journal: list[dict] = []
        self.notifications: list[dict] = []
        self.labels: dict[tuple, str] = {}
        self.wording: dict[tuple, tuple[str, str]] = {}
        self.note, self.no_action = _("SLA %(metric)s %(what)s (%(agreement)s). %(done)s"), _("No action configured.")

    @staticmethod
    def _load_tickets(rows) -> dict[tuple[int, int], object]:
        ids = defaultdict(set)
        for row in rows:
            ids[row.clock.content_type_id].add(row.clock.object_id)
        tickets = {}
        for content_type_id, pks in ids.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            if model is not None:
                for ticket in model._base_manager.filter(pk__in=pks).select_related(*TICKET_RELATED):
                    tickets[(content_type_id, ticket.pk)] = ticket
        return tickets

    def _lock_for_reassign(self, rows) -> set[tuple[int, int]]:
        """Tickets a reassignment would wait for: locked by someone else now (ticket or clocks), left for later.

        Reassigning writes the ticket and resyncs its clocks; taking those locks with SKIP LOCKED keeps the sweep
        from ever waiting on a user's transaction (or deadlocking with one).
        """
        wanted = defaultdict(set)
        for row in rows:
            if REASSIGN in row.clock.agreement.escalation_rules.get(str(row.percent), []):
                wanted[row.clock.content_type_id].add(row.clock.object_id)
        skipped = set()
        for content_type_id, pks in wanted.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            held = set(
                model._base_manager.select_for_update(skip_locked=True).filter(pk__in=pks).values_list("pk", flat=True)
            )
            clocks = SLAClock.objects.filter(content_type_id=content_type_id, object_id__in=held)
            locked = set(clocks.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))
            incomplete = {pk for pk, clock_id in clocks.values_list("object_id", "pk") if clock_id not in locked}
            skipped |= {(content_type_id, pk) for pk in pks if pk not in held or pk in incomplete}
        return skipped

    def _team_members(self, team) -> list:
        if team.pk not in self.members:
            self.members[team.pk] = list(team.members.all())
        return self.members[team.pk]

    def fire(self, row: SLAThreshold, fired_at: dt.datetime) -> bool:
        """Carry out the row's actions and stage its records; False when its ticket is busy (left for later)."""
        clock = row.clock
        key = _key(clock)
        if key in self.skipped:
            return False
        row.fired_at, row.updated_at, row.actions = fired_at, fired_at, []
        ticket = self.tickets.get(key)
        if ticket is None:
            return True  # the ticket is gone: the row is spent, nothing to do
        what, metric = self._wording(clock.metric, row.percent)
        subject = f"[{ticket.number}] SLA {metric} {what}: {ticket.title}"
        for action in clock.agreement.escalation_rules.get(str(row.percent), []):
            if action == REASSIGN:
                ticket = self._reassign(ticket, key, row)
                continue
            for user in self._recipients(action, ticket):
                self.notifications.append(
                    {
                        "event_key": f"sla:{clock.pk}:{row.percent}",
                        "recipient": user,
                        "subject": subject,
                        "body": subject,
                        "channels": ("email", "in_app"),
                    }
                )
                row.actions.append(f"notify:{user.get_username()}")
        body = self.note % {
            "metric": metric,
            "what": what,
            "agreement": clock.agreement,
            "done": ", ".join(row.actions) or self.no_action,
        }
        self.journal.append(
            {
                "content_type_id": key[0],
                "object_id": key[1],
                "author_id": None,
                "body": body,
                "visibility": VisibilityChoices.INTERNAL,
            }
        )
        return True

    def _wording(self, metric: str, percent: int) -> tuple[str, str]:
        """("breached" or "75% used", "resolution"), translated once per batch."""
        if (metric, percent) not in self.wording:
            what = _("breached") if percent == BREACH_PERCENT else _("%(p)d%% used") % {"p": percent}
            self.wording[(metric, percent)] = (what, str(MetricChoices(metric).label).lower())
        return self.wording[(metric, percent)]

    def _recipients(self, action: str, ticket) -> list:
        team, assignee = ticket.assignment_group, ticket.assignee
        if action == EscalationActionChoices.NOTIFY_ASSIGNEE and assignee:
            return [assignee]
        if action == EscalationActionChoices.NOTIFY_TEAM and team:
            return self._team_members(team)
        if action == EscalationActionChoices.NOTIFY_TEAM_MANAGER and team and team.manager:
            return [team.manager]
        if action == EscalationActionChoices.NOTIFY_ASSIGNEE_MANAGER and assignee and assignee.manager:
            return [assignee.manager]
        return []

    def _reassign(self, ticket, key, row):
        """Functional escalation: hand the ticket to its team's escalation team (its OLA stint ends there)."""
        team = ticket.assignment_group
        if not (team and team.escalation_team_id):
            return ticket
        from itsm.services.tickets import ticket_update
        from slm.sla import sla_sync

        escalation_team = Team.objects.select_related("manager", "escalation_team").get(pk=team.escalation_team_id)
        updated = ticket_update(ticket=ticket, actor=None, data={"assignment_group": escalation_team, "assignee": None})
        sla_sync(ticket=updated)
        self.tickets[key] = updated
        row.actions.append(f"reassign:{escalation_team.name}")
        return updated

    def write(self, fired: list[SLAThreshold], fired_at: dt.datetime) -> None:
        """Record the batch: rows, breached clocks, journal notes, notifications and their audit events."""
        update_rows(
            SLAThreshold, ["fired_at", "actions", "updated_at"], [(r.pk, fired_at, r.actions, fired_at) for r in fired]
        )
        stamp = fired_at.isoformat()
        audit = [
            (
                row,
                "update",
                {"fired_at": [None, stamp], "actions": [[], row.actions]},
                f"{self.label(row.clock)} {row.percent}%",
            )
            for row in fired
        ]
        newly_breached = {
            row.clock.pk: row.clock for row in fired if row.percent == BREACH_PERCENT and not row.clock.breached
        }
        if newly_breached:
            SLAClock.objects.filter(pk__in=newly_breached).update(breached=True)
            # A clock a reassignment stopped within this batch may have been saved as met a moment ago. Met, it
            # counted when it stopped; breached, it counts at its due time: both days' figures are re-read.
            stopped = SLAClock.objects.filter(pk__in=newly_breached, status=ClockStatusChoices.MET)
            figures_touch(at for pair in stopped.values_list("stopped_at", "due_at") for at in pair)
            stopped.update(status=ClockStatusChoices.BREACHED)
            audit += [(c, "update", {"breached": [False, True]}, self.label(c)) for c in newly_breached.values()]
        ids = insert_rows(JournalEntry, self.journal, with_ids=True)
        note = str(JournalEntry(visibility=VisibilityChoices.INTERNAL))
        for pk, entry in zip(ids, self.journal, strict=True):
            changes = {
                "content_type": [None, entry["content_type_id"]],
                "object_id": [None, entry["object_id"]],
                "body": [None, entry["body"]],
                "visibility": [None, entry["visibility"]],
            }
            audit.append((_Written(pk), "create", changes, note))
        record_many(audit)
        outbox_enqueue_many(self.notifications)

    def label(self, clock) -> str:
        """`str(clock)` without a translation lookup per row."""
        key = (clock.agreement_id, clock.metric)
        if key not in self.labels:
            self.labels[key] = str(clock)
        return self.labels[key]
