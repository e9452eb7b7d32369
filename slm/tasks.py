"""SLM Celery tasks (thin: call a service)."""

from celery import shared_task

from slm.escalations import sla_fire_due as fire_due
from slm.figures import figures_rebuild, figures_refresh
from slm.recompute import recompute_job_run, recompute_slice_run


@shared_task(name="slm.tasks.sla_fire_due")
def sla_fire_due() -> int:
    """Beat, every 15 s: fire the SLA thresholds (warnings and breaches) that are due, each exactly once."""
    return fire_due()


@shared_task(name="slm.tasks.sla_recompute_run")
def sla_recompute_run(job_id: int) -> str | None:
    """Recompute the live clocks an agreement or calendar edit affects (a queued SLARecomputeJob)."""
    job = recompute_job_run(job_id=job_id)
    return job.status if job else None


@shared_task(name="slm.tasks.sla_recompute_slice")
def sla_recompute_slice(job_id: int, low: int, high: int, now: str | None = None) -> None:
    """One id slice of a recompute job (slices of a big job run on as many workers as there are)."""
    from django.utils.dateparse import parse_datetime

    recompute_slice_run(job_id=job_id, low=low, high=high, now=parse_datetime(now) if now else None)


@shared_task(name="slm.tasks.sla_figures_refresh")
def sla_figures_refresh() -> int:
    """Beat, every minute: re-aggregate the days whose SLA daily figures changed (until then they are read live)."""
    total = 0
    for _batch in range(10):  # bounded: what is left waits for the next run
        taken = figures_refresh()
        total += taken
        if not taken:
            break
    return total


@shared_task(name="slm.tasks.sla_figures_rebuild")
def sla_figures_rebuild() -> dict[str, int]:
    """Beat, nightly: rebuild the daily figures from the clocks, for the site's and every active user's zone.

    A safety net for writes that bypass the dirty-day records (raw updates, deleted tickets or teams, bulk
    loads), and it adds the zones of users who chose a new one; one transaction, so readers never see it half-done.
    """
    return figures_rebuild()
