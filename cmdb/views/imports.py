"""The import page: upload a CSV/JSON file; small files import at once, large ones run as a job with progress."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from cmdb.choices import ImportStatusChoices
from cmdb.forms import ImportForm
from cmdb.models import CIImportJob
from cmdb.services.imports import ci_import, import_job_start
from itsm.views.admin_ui import require_permission

# Up to this many rows the upload waits for the report; beyond it a background job keeps the request short.
SYNC_LIMIT = 2000
RECENT_JOBS = 10
SHOWN_ERRORS = 1000
IMPORT_PERMISSIONS = ("cmdb.add_ciimportjob", "cmdb.add_configurationitem", "cmdb.change_configurationitem")


def report_rows(report: dict, kind: str) -> list[dict]:
    """The report's errors for reading: the row as the user knows it (CSV line, JSON item) and field messages."""
    rows = []
    for error in (report or {}).get("errors", [])[:SHOWN_ERRORS]:
        index = error.get("index", 0)
        # CSV: line 1 is the header, so the n-th CI (0-based) is on row n + 2 of the spreadsheet.
        position = index + 2 if kind == "csv" and error.get("section") == "cis" else index + 1
        rows.append({"section": error.get("section"), "position": position, "fields": _fields(error, kind)})
    return rows


def _fields(error: dict, kind: str) -> list[tuple[str, list[str]]]:
    """(field, messages) of one row; "ram_gb: ..." on `attributes` is shown on its own column (attr_ram_gb)."""
    fields: dict[str, list[str]] = {}
    for field, messages in (error.get("errors") or {}).items():
        for message in messages if isinstance(messages, list) else [messages]:
            name, separator, text = str(message).partition(": ")
            if field == "attributes" and separator and name.isidentifier():
                column = f"attr_{name}" if kind == "csv" else f"attributes.{name}"
                fields.setdefault(column, []).append(text)
            else:
                fields.setdefault(field, []).append(str(message))
    return sorted(fields.items())


def report_context(report: dict, kind: str) -> dict:
    """What the report partial shows."""
    errors = (report or {}).get("errors", [])
    return {
        "report": report,
        "report_rows": report_rows(report, kind),
        "report_kind": kind,
        "error_count": len(errors),
        "errors_cut": len(errors) > SHOWN_ERRORS,
    }


def _may_import(user) -> bool:
    # An import creates and updates CIs, so it needs both rights on CIs besides the one on import jobs.
    return all(user.has_perm(permission) for permission in IMPORT_PERMISSIONS)


def _kind(job: CIImportJob) -> str:
    return "csv" if job.file_name.lower().endswith(".csv") else "json"


@login_required
def import_upload(request):
    """Upload form, the report of a small import, and the user's recent import jobs."""
    if not _may_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {}
    if request.method == "POST" and form.is_valid():
        payload, file_name = form.payload, form.cleaned_data["file"].name
        rows = len(payload.get("cis") or []) + len(payload.get("relationships") or [])
        try:
            if rows > SYNC_LIMIT:
                job = import_job_start(actor=request.user, payload=payload, file_name=file_name)
                return redirect("cmdb:import_job", pk=job.pk)
            report = ci_import(actor=request.user, payload=payload)
        except ValidationError as error:  # the payload's shape (a JSON file with unknown keys, no "cis", ...)
            form.add_error("file", [f"{key}: {' '.join(texts)}" for key, texts in error.message_dict.items()])
        else:
            context = {**report_context(report, form.file_kind), "file_name": file_name}
            form = ImportForm()
    jobs = CIImportJob.objects.restrict(request.user, "view").filter(created_by=request.user)
    context.update({"form": form, "jobs": jobs.defer("payload", "result")[:RECENT_JOBS], "sync_limit": SYNC_LIMIT})
    return render(request, "cmdb/import.html", context)


@login_required
def import_job(request, pk):
    """A background import: a progress bar that polls until it is done, then its report (htmx: the panel only)."""
    require_permission(request.user, CIImportJob, "view")
    job = get_object_or_404(CIImportJob.objects.restrict(request.user, "view").defer("payload"), pk=pk)
    finished = job.status in (ImportStatusChoices.DONE, ImportStatusChoices.FAILED)
    context = {"job": job, "finished": finished, **report_context(job.result, _kind(job))}
    context["can_import"] = _may_import(request.user)
    if getattr(request, "htmx", None) and request.htmx.target == "import-job-progress":
        return render(request, "cmdb/partials/_import_progress.html", context)
    return render(request, "cmdb/import_job.html", context)
