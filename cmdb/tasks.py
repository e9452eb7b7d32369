"""CMDB Celery tasks (thin: load by id, call a service)."""

from celery import shared_task

from cmdb.services.imports import import_job_run


@shared_task(name="cmdb.tasks.ci_import_run")
def ci_import_run(job_id: int) -> str | None:
    """Run one queued bulk import."""
    job = import_job_run(job_id=job_id)
    return job.status if job else None
