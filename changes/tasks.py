"""Change-management Celery tasks (thin)."""

from celery import shared_task

from changes.services.reminders import change_reminders_send


@shared_task(name="changes.tasks.changes_remind_upcoming")
def changes_remind_upcoming() -> int:
    """Beat, every 5 minutes: remind the people on scheduled changes that start soon, once per change."""
    return change_reminders_send()
