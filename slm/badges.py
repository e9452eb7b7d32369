"""SLA badges for ticket lists: each ticket's most urgent clock, in one query for a whole page."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from slm.at_risk import SOON, is_at_risk, warnings_reached
from slm.choices import ClockStatusChoices
from slm.clocks import BREACH_PERCENT
from slm.models import SLAClock, SLAThreshold

LIVE = (ClockStatusChoices.RUNNING, ClockStatusChoices.PAUSED)

LABELS = {
    "breached": _("Breached"),
    "at_risk": _("At risk"),
    "on_track": _("On track"),
    "paused": _("Paused"),
    "met": _("Met"),
}
CSS = {"breached": "danger", "at_risk": "warning", "on_track": "success", "paused": "secondary", "met": "light"}


@dataclass(frozen=True)
class SLABadge:
    """What a queue shows for a ticket: a state (colour and label) and, while running, the breach due time."""

    state: str
    due_at: dt.datetime | None

    @property
    def label(self):
        return LABELS[self.state]

    @property
    def css(self) -> str:
        return CSS[self.state]


def _first_warning_due():
    return Subquery(
        SLAThreshold.objects.filter(clock=OuterRef("pk"), percent__lt=BREACH_PERCENT)
        .order_by("percent")
        .values("due_at")[:1]
    )


def sla_badges(*, tickets, now: dt.datetime | None = None) -> dict[int, SLABadge]:
    """{ticket id: badge} for tickets with clocks (cancelled clocks ignored); one query."""
    tickets = list(tickets)
    if not tickets:
        return {}
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(tickets[0])
    rows = (
        SLAClock.objects.filter(content_type=content_type, object_id__in=[t.pk for t in tickets])
        .exclude(status=ClockStatusChoices.CANCELLED)
        .annotate(warning_due=_first_warning_due())
        .values_list("object_id", "status", "due_at", "breached", "warning_due")
    )
    clocks: dict[int, list] = {}
    for object_id, *clock in rows:
        clocks.setdefault(object_id, []).append(clock)
    return {object_id: _badge(found, now) for object_id, found in clocks.items()}


def _badge(clocks, now) -> SLABadge:
    running = [(due, breached, warning) for status, due, breached, warning in clocks if status == "running"]
    if running:
        due = min((d for d, _b, _w in running if d is not None), default=None)
        if any(b or (d is not None and d <= now) for d, b, _w in running):
            return SLABadge("breached", due)
        if any(is_at_risk(due_at=d, first_warning_at=w, now=now) for d, _b, w in running):
            return SLABadge("at_risk", due)
        return SLABadge("on_track", due)
    if any(status == ClockStatusChoices.PAUSED for status, *_rest in clocks):
        return SLABadge("paused", None)
    return SLABadge("breached" if any(b for _s, _d, b, _w in clocks) else "met", None)


def breaching_soon(queryset, *, now: dt.datetime | None = None):
    """Tickets with a running clock that is overdue or at risk (`slm.at_risk`: past its first warning, or due
    within `SOON`), annotated with `sla_due` (their soonest breach) for sorting."""
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(queryset.model)
    running = SLAClock.objects.filter(
        content_type=content_type, object_id=OuterRef("pk"), status=ClockStatusChoices.RUNNING
    )
    urgent = running.filter(Q(due_at__lte=now + SOON) | Q(breached=True) | Exists(warnings_reached("pk", now)))
    soonest = running.exclude(due_at=None).order_by("due_at").values("due_at")[:1]
    return queryset.filter(Exists(urgent)).annotate(sla_due=Subquery(soonest))
