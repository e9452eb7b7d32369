"""Reminders before scheduled changes start: each change once (per planned start), claimed with SKIP LOCKED."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from changes.choices import ChangeStatusChoices
from changes.models import Change
from changes.notifications import notify_upcoming

BATCH = 200


def change_reminders_send(*, now=None) -> int:
    """Notify the implementers and the CAB of scheduled changes starting within ITSM_CHANGE_REMINDER_MINUTES;
    returns how many changes were reminded.

    Each due change is claimed by stamping `reminder_sent_at` in the transaction that queues its messages, with
    rows another worker holds skipped, so two beats running at once remind each change exactly once. The stamp
    is bookkeeping (like the outbox), not an edit: it does not bump the change's version. Moving the planned
    start clears it (see `change_update`), so the new start gets its own reminder.
    """
    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.ITSM_CHANGE_REMINDER_MINUTES)
    reminded = 0
    while True:
        with transaction.atomic():
            due = list(
                Change.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status=ChangeStatusChoices.SCHEDULED,
                    reminder_sent_at__isnull=True,
                    planned_start__gt=now,
                    planned_start__lte=horizon,
                )
                .select_related("assignee", "assignment_group", "cab")
                .order_by("planned_start", "pk")[:BATCH]
            )
            if not due:
                return reminded
            Change.objects.filter(pk__in=[c.pk for c in due]).update(reminder_sent_at=now)
            for change in due:
                notify_upcoming(change=change)
            reminded += len(due)
