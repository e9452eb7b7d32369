"""The notification outbox: enqueue in the caller's transaction, deliver later with retries."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from itsm.choices import OutboxChannelChoices, OutboxStatusChoices
from itsm.models import Notification, OutboxMessage

logger = logging.getLogger(__name__)


def outbox_enqueue(
    *, event_key: str, recipient, subject: str, body: str, url: str = "", channels=(OutboxChannelChoices.EMAIL,)
) -> list[OutboxMessage]:
    """Queue a notification for `recipient` once per (event, channel): a repeated event key is ignored.

    Runs in the caller's transaction, so a rolled-back event sends nothing; delivery is kicked after commit.
    """
    queued = []
    for row in _messages(event_key, recipient, subject, body, url, channels, timezone.now()):
        try:
            with transaction.atomic():
                queued.append(OutboxMessage.objects.create(**row))
        except IntegrityError:
            continue  # already queued for this event
    if queued:
        from itsm.tasks import outbox_deliver

        ids = [message.pk for message in queued]
        transaction.on_commit(lambda: [outbox_deliver.delay(pk) for pk in ids])
    return queued


def _messages(event_key, recipient, subject, body, url, channels, now) -> list[dict]:
    """The rows of one event for one recipient: one per channel it can reach them on."""
    messages = []
    for channel in channels:
        address = recipient.email if channel == OutboxChannelChoices.EMAIL else ""
        if channel == OutboxChannelChoices.EMAIL and not address:
            continue
        messages.append(
            {
                "event_key": f"{event_key}:{channel}:{recipient.pk}"[:200],
                "channel": channel,
                "recipient_id": recipient.pk,
                "to_address": address,
                "subject": subject[:250],
                "body": body,
                "url": url,
                "next_attempt_at": now,
            }
        )
    return messages


def outbox_enqueue_many(notifications) -> int:
    """Queue many notifications in one INSERT (bulk callers such as the SLA escalation sweep).

    `notifications`: dicts of `outbox_enqueue`'s keyword arguments. Same guarantees: in the caller's transaction,
    at most once per (event, channel, recipient); one delivery run is kicked after commit rather than a task each.
    Returns how many messages were offered (repeats of an already queued event are dropped by the database).
    """
    from itsm.bulk import insert_rows

    now = timezone.now()
    rows = [
        message
        for item in notifications
        for message in _messages(
            item["event_key"],
            item["recipient"],
            item["subject"],
            item["body"],
            item.get("url", ""),
            item.get("channels", (OutboxChannelChoices.EMAIL,)),
            now,
        )
    ]
    rows = list({row["event_key"]: row for row in rows}.values())  # one person reached twice by one event: once
    if rows:
        insert_rows(OutboxMessage, rows, ignore_conflicts=True)
        from itsm.tasks import outbox_deliver_due

        transaction.on_commit(outbox_deliver_due.delay)
    return len(rows)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def outbox_deliver_one(*, message_id: int) -> str | None:
    """Deliver one due message if nobody else is; returns its new status (None when not due or taken)."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatusChoices.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        try:
            _send(message)
        except Exception as exc:  # any transport error: retry later, record why
            logger.warning("outbox message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.ITSM_OUTBOX_MAX_ATTEMPTS:
                message.status = OutboxStatusChoices.FAILED
            else:
                message.next_attempt_at = timezone.now() + _backoff(message.attempts)
        else:
            message.status = OutboxStatusChoices.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
        message.save()
        return message.status


def outbox_due_ids(*, limit: int = 200) -> list[int]:
    """Ids of pending messages whose next attempt is due."""
    return list(
        OutboxMessage.objects.filter(status=OutboxStatusChoices.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _send(message: OutboxMessage) -> None:
    if message.channel == OutboxChannelChoices.IN_APP:
        Notification.objects.create(user=message.recipient, title=message.subject, body=message.body, url=message.url)
        return
    body = message.body
    if message.url:
        body = f"{body}\n\n{settings.ITSM_BASE_URL.rstrip('/')}{message.url}"
    EmailMessage(subject=message.subject, body=body, to=[message.to_address]).send(fail_silently=False)
