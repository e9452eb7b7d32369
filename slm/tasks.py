"""SLM Celery tasks (thin)."""

from celery import shared_task

from slm.sla import sla_fire_due as fire_due


@shared_task(name="slm.tasks.sla_fire_due")
def sla_fire_due() -> int:
    """Beat, every 15 s: fire the SLA thresholds (warnings and breaches) that are due, each exactly once."""
    return fire_due()
