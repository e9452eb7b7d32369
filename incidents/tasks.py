"""Incident Celery tasks (thin)."""

from celery import shared_task

from incidents.services import incidents_autoclose


@shared_task(name="incidents.tasks.incidents_autoclose")
def incident_autoclose() -> int:
    """Beat: close incidents resolved longer ago than the configured number of days."""
    return incidents_autoclose()
