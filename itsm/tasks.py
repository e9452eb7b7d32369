"""Core Celery tasks: notification delivery. Thin: they call services."""

from celery import shared_task

from itsm.services.outbox import outbox_deliver_one, outbox_due_ids


@shared_task(name="itsm.tasks.outbox_deliver")
def outbox_deliver(message_id: int) -> str | None:
    """Deliver one outbox message now (queued after the commit that wrote it)."""
    return outbox_deliver_one(message_id=message_id)


@shared_task(name="itsm.tasks.outbox_deliver_due")
def outbox_deliver_due() -> int:
    """Beat: deliver every due message (retries and any whose first kick was lost)."""
    delivered = 0
    for message_id in outbox_due_ids():
        if outbox_deliver_one(message_id=message_id):
            delivered += 1
    return delivered
