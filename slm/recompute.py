"""Recomputing live SLA clocks after a calendar or agreement edit: a background job with progress.

An edit of a calendar's hours, holidays or time zone, or of an agreement's targets, warning percents, pause
reasons or calendar, recomputes every running or paused clock of the agreements concerned — the same
computation as `sla_sync`, from the tickets' status histories. The job splits the clocks into id slices of
SLICE clocks, one Celery task each (so several workers share a big job); a slice walks its clocks in chunks of
CHUNK by id. Each chunk is one transaction: lock the clocks (in id order, like `sla_sync`), read their tickets'
histories and priorities with one query per ticket type, compute in Python, write clocks and thresholds with
one bulk UPDATE each. Fired thresholds are never touched, so nothing fires twice; unfired ones move with their
clock. The last slice to finish closes the job.

Audit: a clock whose status, breach or target changes gets its own event (as a sync's save would); a due time
that merely moved with the calendar is recorded once for the whole run, as the job's own event (the edit that
caused it is audited with its author) — 200,000 identical "due time moved" events would bury the trail.

An edit that changes which tickets an agreement covers (`active`, `applies_to`, `service`, `team`, `kind`, or a
new agreement) resyncs, through `sla_sync`, each ticket with a live clock on it and each open ticket it may now
cover. Clocks that already stopped keep their result.
"""

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from itsm.audit import record_many
from itsm.bulk import update_rows
from itsm.models import TicketModel, TicketStatusChange
from slm.choices import AgreementKindChoices, ClockStatusChoices, MetricChoices, RecomputeStatusChoices
from slm.clocks import Stint
from slm.figures import clock_instants, figures_touch
from slm.models import Agreement, Calendar, SLAClock, SLARecomputeJob, SLAThreshold
from slm.sla import LIVE, agreement_calendar, apply_state, clock_state, sla_sync, threshold_plan

logger = logging.getLogger(__name__)

CALENDAR_INPUTS = ("timezone", "hours", "holidays")
AGREEMENT_INPUTS = ("targets", "warning_percents", "pause_on", "calendar_id")
COVERAGE_INPUTS = ("active", "applies_to", "service_id", "team_id", "kind")
CHUNK = 2000
SLICE = 25_000
CLOSED = ("resolved", "closed", "cancelled")
# A change of these gives a clock its own audit event, showing them all (as the signal-audited save in sla_sync would).
MATERIAL = ("target_seconds", "status", "breached")
AUDITED = ("target_seconds", "started_at", "due_at", "stopped_at", "status", "breached")
_collected: ContextVar[list | None] = ContextVar("slm_recompute_jobs", default=None)


@contextmanager
def recompute_jobs_collected() -> Iterator[list]:
    """Collect the jobs queued inside the block (an API request names them in a response header)."""
    jobs: list[SLARecomputeJob] = []
    token = _collected.set(jobs)
    try:
        yield jobs
    finally:
        _collected.reset(token)


def sla_inputs(instance: Calendar | Agreement | None) -> dict | None:
    """What of a calendar or agreement its clocks depend on; taken before an edit, compared after."""
    if instance is None or instance.pk is None:
        return None
    names = CALENDAR_INPUTS if isinstance(instance, Calendar) else AGREEMENT_INPUTS + COVERAGE_INPUTS
    return {name: getattr(instance, name) for name in names}


def recompute_after_edit(*, actor, instance: Calendar | Agreement, before: dict | None) -> SLARecomputeJob | None:
    """Queue a recompute job (after commit) when the edit changed what clocks depend on; the job, or None."""
    after = sla_inputs(instance)
    if isinstance(instance, Calendar):
        if before is None or not Agreement.objects.filter(calendar=instance).exists():
            return None  # a new calendar, or one no agreement counts in: no clock depends on it
        changed = [name for name in CALENDAR_INPUTS if before[name] != after[name]]
        target = {"calendar": instance}
    else:
        changed = (
            list(AGREEMENT_INPUTS + COVERAGE_INPUTS) if before is None else [n for n in after if before[n] != after[n]]
        )
        if before is None and not instance.active:
            return None
        target = {"agreement": instance}
    if not changed:
        return None
    actor = actor if getattr(actor, "is_authenticated", False) else None
    job = SLARecomputeJob.objects.create(created_by=actor, changed=[n.removesuffix("_id") for n in changed], **target)
    from slm.tasks import sla_recompute_run

    transaction.on_commit(lambda: sla_recompute_run.delay(job.pk))
    if (collected := _collected.get()) is not None:
        collected.append(job)
    return job


def recompute_job_run(*, job_id: int, now=None) -> SLARecomputeJob | None:
    """Start one queued job: resync its tickets, or split its clocks into slices queued as tasks; returns it."""
    with transaction.atomic():
        job = SLARecomputeJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None or job.status != RecomputeStatusChoices.QUEUED:
            return None  # taken or finished already (a redelivered task)
        job.status, job.started_at = RecomputeStatusChoices.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
    try:
        if job.agreement_id and set(job.changed) & {n.removesuffix("_id") for n in COVERAGE_INPUTS}:
            _resync_tickets(job)
            _finish(job.pk, RecomputeStatusChoices.DONE)
        else:
            _queue_slices(job, now)
    except Exception as exc:  # recorded on the job for the user; chunks already written are consistent
        _fail(job.pk, exc)
    job.refresh_from_db()
    return job


def _queue_slices(job: SLARecomputeJob, now) -> None:
    from slm.tasks import sla_recompute_slice

    ids = list(
        SLAClock.objects.filter(agreement_id__in=_agreements(job), status__in=LIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    slices = [(ids[start], ids[min(start + SLICE, len(ids)) - 1]) for start in range(0, len(ids), SLICE)]
    job.total, job.slices = len(ids), len(slices)
    SLARecomputeJob.objects.filter(pk=job.pk).update(total=job.total, slices=job.slices)
    if not slices:
        _finish(job.pk, RecomputeStatusChoices.DONE)
    for low, high in slices:
        sla_recompute_slice.delay(job.pk, low, high, now.isoformat() if now else None)


def recompute_slice_run(*, job_id: int, low: int, high: int, now=None) -> None:
    """Recompute the job's live clocks with ids in [low, high]; the last slice to end closes the job."""
    job = SLARecomputeJob.objects.filter(pk=job_id).first()
    if job is None or job.status != RecomputeStatusChoices.RUNNING:
        return
    try:
        agreements = _agreements(job)
        calendars = {pk: agreement_calendar(agreement) for pk, agreement in agreements.items()}
        last_id = low - 1
        while True:
            done, last_id = _recompute_chunk(agreements, calendars, last_id, high, now or timezone.now())
            if not done:
                break
            SLARecomputeJob.objects.filter(pk=job_id).update(processed=F("processed") + done)
    except Exception as exc:  # the other slices go on; the job reports the failure
        _fail(job_id, exc)
    with transaction.atomic():
        job = SLARecomputeJob.objects.select_for_update().get(pk=job_id)
        job.slices_done += 1
        job.save(update_fields=["slices_done", "updated_at"])
        if job.slices_done >= job.slices and job.status == RecomputeStatusChoices.RUNNING:
            _finish(job_id, RecomputeStatusChoices.DONE)


def _finish(job_id: int, status: str, error: str = "") -> None:
    """Close the job, with one audit event for the run (see the module's note on audit)."""
    job = SLARecomputeJob.objects.get(pk=job_id)
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    changes = {"status": [RecomputeStatusChoices.RUNNING, status], "processed": [0, job.processed]}
    record_many([(job, "update", changes | ({"error": ["", error]} if error else {}))])


def _fail(job_id: int, exc: Exception) -> None:
    logger.exception("SLA recompute job %s failed", job_id)
    if SLARecomputeJob.objects.filter(pk=job_id, status=RecomputeStatusChoices.RUNNING).exists():
        _finish(job_id, RecomputeStatusChoices.FAILED, f"{type(exc).__name__}: {exc}"[:2000])


def _agreements(job: SLARecomputeJob) -> dict[int, Agreement]:
    agreements = Agreement.objects.select_related("calendar")
    if job.calendar_id:
        agreements = agreements.filter(calendar_id=job.calendar_id)
    else:
        agreements = agreements.filter(pk=job.agreement_id)
    return {agreement.pk: agreement for agreement in agreements}


def _progress(job: SLARecomputeJob, done: int) -> None:
    job.processed += done
    SLARecomputeJob.objects.filter(pk=job.pk).update(processed=job.processed)


def _tickets(clocks) -> tuple[dict, dict]:
    """{(type, id): priority} and {(type, id): [(at, status, reason)]} for the chunk's tickets, a query per type."""
    ids = defaultdict(set)
    for clock in clocks:
        ids[clock.content_type_id].add(clock.object_id)
    priorities, histories = {}, defaultdict(list)
    for content_type_id, pks in ids.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        for pk, priority in model._base_manager.filter(pk__in=pks).values_list("pk", "priority"):
            priorities[(content_type_id, pk)] = priority
        changes = TicketStatusChange.objects.filter(content_type_id=content_type_id, object_id__in=pks)
        for object_id, at, status, reason in changes.order_by("object_id", "at", "id").values_list(
            "object_id", "at", "status", "reason"
        ):
            histories[(content_type_id, object_id)].append((at, status, reason))
    return priorities, histories


def _recompute_chunk(agreements, calendars, after_id: int, high: int, now) -> tuple[int, int]:
    """Recompute the next CHUNK live clocks with ids in (after_id, high]; (how many, last id)."""
    with transaction.atomic():
        clocks = list(
            SLAClock.objects.select_for_update()
            .filter(agreement_id__in=agreements, status__in=LIVE, pk__gt=after_id, pk__lte=high)
            .order_by("pk")[:CHUNK]
        )
        if not clocks:
            return 0, after_id
        decided_before = clock_instants(clocks)  # their days' daily figures are re-read (slm.figures)
        priorities, histories = _tickets(clocks)
        existing = {clock.pk: {} for clock in clocks}
        # One range scan of the (clock, percent) index over the chunk's ids beats thousands of single lookups;
        # rows of clocks outside the chunk (other agreements') are skipped here.
        rows = SLAThreshold.objects.filter(clock_id__gte=clocks[0].pk, clock_id__lte=clocks[-1].pk)
        for pk, clock_id, percent, due_at, fired_at in rows.values_list(
            "pk", "clock_id", "percent", "due_at", "fired_at"
        ):
            if clock_id in existing:
                existing[clock_id][percent] = (pk, due_at, fired_at)
        changed, moved, created, audit = [], [], [], []
        labels = {metric: str(label) for metric, label in MetricChoices.choices}
        for clock in clocks:
            agreement = agreements[clock.agreement_id]
            key = (clock.content_type_id, clock.object_id)
            label = f"{agreement} {labels[clock.metric]}"
            before = tuple(getattr(clock, name) for name in AUDITED)
            target = agreement.target_seconds(priority=priorities.get(key), metric=clock.metric)
            if not target:  # no target for this priority any more (or the ticket is gone): as sla_sync does
                clock.status, clock.due_at, clock.computed_at = ClockStatusChoices.CANCELLED, None, now
                moves = [(pk, None) for pk, due, fired in existing[clock.pk].values() if fired is None and due]
                new = []
            else:
                stint = Stint(clock.stint, agreement.team_id, clock.started_at, None) if clock.stint else None
                state = clock_state(
                    agreement=agreement,
                    calendar=calendars[agreement.pk],
                    metric=clock.metric,
                    target=target,
                    history=histories.get(key, []),
                    now=now,
                    stint=stint,
                )
                apply_state(clock, state, target=target, started_at=clock.started_at, now=now)
                moves, new = threshold_plan(clock.status, state, existing[clock.pk])
            changed.append(clock)
            after = tuple(getattr(clock, name) for name in AUDITED)
            if any(getattr(clock, name) != before[AUDITED.index(name)] for name in MATERIAL):
                diff = {n: [_json(b), _json(a)] for n, b, a in zip(AUDITED, before, after, strict=True) if a != b}
                audit.append((clock, "update", diff, label))
            moved += [(pk, due, now) for pk, due in moves]
            for percent, due in new:
                created.append(SLAThreshold(clock=clock, percent=percent, due_at=due))
                audit.append((created[-1], "create", {"percent": [None, percent]}, f"{label} {percent}%"))
        clock_fields = ["target_seconds", "due_at", "stopped_at", "status", "breached"]
        clock_fields += ["elapsed_seconds", "paused_seconds", "computed_at"]
        update_rows(SLAClock, clock_fields, [(c.pk, *(getattr(c, name) for name in clock_fields)) for c in changed])
        update_rows(SLAThreshold, ["due_at", "updated_at"], moved)
        SLAThreshold.objects.bulk_create(created, batch_size=1000)
        record_many(audit)
        figures_touch(decided_before | clock_instants(changed))
        return len(clocks), clocks[-1].pk


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _open_tickets_covered(agreement: Agreement) -> list[tuple[type, list[int]]]:
    """(ticket model, ids) of open tickets the agreement may cover now: of its service (SLA) or team (OLA/UC)."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, TicketModel) or not hasattr(model, "kind"):
            continue
        tickets = model._base_manager.exclude(status__in=CLOSED)
        if agreement.kind == AgreementKindChoices.SLA:
            if not hasattr(model, "service"):
                continue
            tickets = tickets.filter(service_id=agreement.service_id)
        else:
            tickets = tickets.filter(assignment_group_id=agreement.team_id)
        found.append((model, list(tickets.filter(kind__in=agreement.applies_to).values_list("pk", flat=True))))
    return found


def _resync_tickets(job: SLARecomputeJob) -> None:
    """Coverage changed: every ticket with a live clock on the agreement, and every open one it may cover, resyncs."""
    agreement = Agreement.objects.get(pk=job.agreement_id)
    targets = defaultdict(set)
    live = SLAClock.objects.filter(agreement=agreement, status__in=LIVE)
    for content_type_id, object_id in live.values_list("content_type_id", "object_id").distinct():
        targets[ContentType.objects.get_for_id(content_type_id).model_class()].add(object_id)
    if agreement.active:
        for model, pks in _open_tickets_covered(agreement):
            targets[model].update(pks)
    job.total = sum(len(pks) for pks in targets.values())
    SLARecomputeJob.objects.filter(pk=job.pk).update(total=job.total)
    for model, pks in targets.items():
        ordered = sorted(pks)
        for start in range(0, len(ordered), 100):
            for ticket in model._base_manager.filter(pk__in=ordered[start : start + 100]).order_by("pk"):
                sla_sync(ticket=ticket)
            _progress(job, len(ordered[start : start + 100]))
