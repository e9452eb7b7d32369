"""SLM writes: the service catalog."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from itsm.audit_context import audit_context
from slm.business_time import DAY_MINUTES, interval_from_hours
from slm.models import Calendar, Service

SERVICE_FIELDS = ("name", "description", "status", "owner_team", "ci", "calendar")


def service_save(*, actor, service: Service | None = None, **fields) -> Service:
    """Create (service=None) or change a catalog service."""
    with transaction.atomic(), audit_context(actor=actor):
        service = Service() if service is None else Service.objects.select_for_update().get(pk=service.pk)
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


def calendar_save(*, actor, calendar: Calendar | None = None, **fields) -> Calendar:
    """Create or change a business calendar; hours and holidays are checked interval by interval."""
    with transaction.atomic(), audit_context(actor=actor):
        calendar = Calendar() if calendar is None else Calendar.objects.select_for_update().get(pk=calendar.pk)
        for name in ("name", "timezone", "hours", "holidays"):
            if name in fields:
                setattr(calendar, name, fields[name])
        if errors := _calendar_errors(calendar):
            raise ValidationError(errors)
        calendar.holidays = sorted(calendar.holidays, key=lambda item: item["date"])
        calendar.full_clean()
        calendar.save()
        return calendar
