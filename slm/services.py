"""SLM writes: the service catalog."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from itsm.audit_context import audit_context
from itsm.exceptions import StaleVersion
from slm.business_time import DAY_MINUTES, interval_from_hours
from slm.choices import AgreementKindChoices, EscalationActionChoices, MetricChoices
from slm.models import Agreement, Calendar, Service
from slm.recompute import recompute_after_edit, sla_inputs

AGREEMENT_FIELDS = (
    "name",
    "kind",
    "service",
    "team",
    "calendar",
    "applies_to",
    "targets",
    "warning_percents",
    "pause_on",
    "escalation_rules",
    "active",
)
APPLIES_TO = {"incident", "service_request"}
SERVICE_FIELDS = ("name", "description", "status", "owner_team", "ci", "calendar")


def _require_unchanged(record, expected_updated_at: datetime.datetime | None) -> None:
    """StaleVersion when the locked record changed after the editor loaded it (its `updated_at` moved on)."""
    if expected_updated_at is not None and record.pk is not None and record.updated_at != expected_updated_at:
        raise StaleVersion()


def service_save(*, actor, service: Service | None = None, expected_updated_at=None, **fields) -> Service:
    """Create (service=None) or change a catalog service; `expected_updated_at` refuses stale edits."""
    with transaction.atomic(), audit_context(actor=actor):
        service = Service() if service is None else Service.objects.select_for_update().get(pk=service.pk)
        _require_unchanged(service, expected_updated_at)
        for name, value in fields.items():
            if name in SERVICE_FIELDS:
                setattr(service, name, value)
        service.full_clean()
        service.save()
        return service


def _calendar_errors(calendar: Calendar) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(calendar.hours, list) or not all(isinstance(i, dict) for i in calendar.hours):
        return {"hours": [_('A list of {"weekday", "start", "end"} objects.')]}
    problems = []
    for index, item in enumerate(calendar.hours):
        try:
            interval_from_hours(item)
        except ValueError as exc:
            problems.append(_("Interval %(n)d: %(error)s") % {"n": index + 1, "error": exc})
    if problems:
        errors["hours"] = problems
    elif _overlapping(calendar.hours):
        errors["hours"] = [_("Intervals overlap; merge them into one.")]
    holiday_problems, seen = [], set()
    for index, item in enumerate(calendar.holidays if isinstance(calendar.holidays, list) else [None]):
        try:
            day = datetime.date.fromisoformat(item["date"])
            if not isinstance(item.get("name", ""), str):
                raise ValueError
        except (TypeError, KeyError, ValueError):
            holiday_problems.append(_('Holiday %(n)d needs {"date": "YYYY-MM-DD", "name"}.') % {"n": index + 1})
            continue
        if day in seen:
            holiday_problems.append(_("%(date)s is listed twice.") % {"date": day})
        seen.add(day)
    if holiday_problems:
        errors["holidays"] = holiday_problems
    return errors


def _overlapping(hours) -> bool:
    # Minutes of the week each interval covers (wrapping Sunday night into Monday); any minute twice overlaps.
    spans = []
    for item in hours:
        weekday, start, end = interval_from_hours(item)
        begin = weekday * DAY_MINUTES + start
        spans.append((begin, begin + end - start))
    week = 7 * DAY_MINUTES
    spans = sorted((s % week, s % week + (e - s)) for s, e in spans)
    if any(next_start < end for (_start, end), (next_start, _end) in zip(spans, spans[1:], strict=False)):
        return True
    return bool(spans) and spans[-1][1] - week > spans[0][0]


def calendar_save(*, actor, calendar: Calendar | None = None, expected_updated_at=None, **fields) -> Calendar:
    """Create or change a business calendar; hours and holidays are checked interval by interval.

    `expected_updated_at` (the editor's copy) refuses with StaleVersion when someone saved in between.
    """
    with transaction.atomic(), audit_context(actor=actor):
        calendar = Calendar() if calendar is None else Calendar.objects.select_for_update().get(pk=calendar.pk)
        _require_unchanged(calendar, expected_updated_at)
        before = sla_inputs(calendar)
        for name in ("name", "timezone", "hours", "holidays"):
            if name in fields:
                setattr(calendar, name, fields[name])
        if errors := _calendar_errors(calendar):
            raise ValidationError(errors)
        calendar.holidays = sorted(calendar.holidays, key=lambda item: item["date"])
        calendar.full_clean()
        calendar.save()
        # Clocks counting in this calendar are recomputed by a job after commit (None when nothing changed for them).
        calendar.recompute_job = recompute_after_edit(actor=actor, instance=calendar, before=before)
        return calendar


def _agreement_errors(agreement: Agreement) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if agreement.kind == AgreementKindChoices.SLA and not agreement.service_id:
        errors["service"] = [_("An SLA is agreed for a service.")]
    if agreement.kind in (AgreementKindChoices.OLA, AgreementKindChoices.UC) and not agreement.team_id:
        errors["team"] = [_("An OLA or UC is agreed with a team.")]
    if (
        not isinstance(agreement.applies_to, list)
        or not agreement.applies_to
        or not set(agreement.applies_to) <= APPLIES_TO
    ):
        errors["applies_to"] = [_("Choose from: %(c)s.") % {"c": ", ".join(sorted(APPLIES_TO))}]
    problems, seen = [], set()
    for index, target in enumerate(agreement.targets if isinstance(agreement.targets, list) else [None]):
        ok = (
            isinstance(target, dict)
            and set(target) == {"priority", "metric", "seconds"}
            and target["priority"] in range(1, 6)
            and target["metric"] in MetricChoices.values
            and isinstance(target["seconds"], int)
            and not isinstance(target["seconds"], bool)
            and target["seconds"] > 0
        )
        if not ok:
            problems.append(_('Target %(n)d needs {"priority": 1-5, "metric", "seconds" > 0}.') % {"n": index + 1})
        elif (target["priority"], target["metric"]) in seen:
            problems.append(_("Target %(n)d repeats a priority and metric.") % {"n": index + 1})
        else:
            seen.add((target["priority"], target["metric"]))
    if problems:
        errors["targets"] = problems
    percents = agreement.warning_percents
    if not isinstance(percents, list) or not all(isinstance(p, int) and 0 < p < 100 for p in percents):
        errors["warning_percents"] = [_("Whole numbers between 1 and 99.")]
    if not isinstance(agreement.pause_on, list) or not all(isinstance(r, str) and r for r in agreement.pause_on):
        errors["pause_on"] = [_("A list of on-hold reasons.")]
    rules = agreement.escalation_rules
    valid_keys = {str(p) for p in (percents if isinstance(percents, list) else [])} | {"100"}
    if not isinstance(rules, dict) or any(
        key not in valid_keys
        or not isinstance(actions, list)
        or not set(actions) <= set(EscalationActionChoices.values)
        for key, actions in (rules.items() if isinstance(rules, dict) else [])
    ):
        errors["escalation_rules"] = [
            _("Map a warning percent (or 100, the breach) to actions among: %(a)s.")
            % {"a": ", ".join(EscalationActionChoices.values)}
        ]
    return errors


def agreement_save(*, actor, agreement: Agreement | None = None, expected_updated_at=None, **fields) -> Agreement:
    """Create or change an agreement; its live clocks are recomputed in the background (`agreement.recompute_job`).

    `expected_updated_at` (the editor's copy) refuses with StaleVersion when someone saved in between.
    """
    with transaction.atomic(), audit_context(actor=actor):
        agreement = Agreement() if agreement is None else Agreement.objects.select_for_update().get(pk=agreement.pk)
        _require_unchanged(agreement, expected_updated_at)
        before = sla_inputs(agreement)
        for name, value in fields.items():
            if name in AGREEMENT_FIELDS:
                setattr(agreement, name, value)
        if errors := _agreement_errors(agreement):
            raise ValidationError(errors)
        agreement.warning_percents = sorted(set(agreement.warning_percents))
        agreement.full_clean()
        agreement.save()
        # Its live clocks (or the tickets it covers) are recomputed by a job after commit, when the edit matters.
        agreement.recompute_job = recompute_after_edit(actor=actor, instance=agreement, before=before)
        return agreement
