"""Change Management reads: the change calendar (forward schedule of change)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, DateTimeField, Exists, F, Func, OuterRef, Q, Value
from django.utils.translation import gettext as _

from changes.choices import ChangeStatusChoices, ChangeTypeChoices, RiskChoices, WindowKindChoices
from changes.models import Change, ChangeWindow
from slm.models import Service

MAX_CALENDAR_DAYS = 100
# Drafts are private working copies; rejected and cancelled changes will not happen.
CALENDAR_HIDDEN_STATUSES = (ChangeStatusChoices.DRAFT, ChangeStatusChoices.REJECTED, ChangeStatusChoices.CANCELLED)
# What a calendar entry shows; the rest of a change (plans, texts) is not read. A month holds thousands of
# changes, so entries are plain rows, not model instances (a third of the time of a month view).
CALENDAR_CHANGE_FIELDS = (
    "id",
    "number",
    "title",
    "type",
    "status",
    "risk",
    "planned_start",
    "planned_end",
    "assignment_group_id",
    "assignment_group__name",
)
_LABELS = {
    "type": dict(ChangeTypeChoices.choices),
    "status": dict(ChangeStatusChoices.choices),
    "risk": dict(RiskChoices.choices),
    "kind": dict(WindowKindChoices.choices),
}


def _label(kind: str, value: str) -> str:
    return str(_LABELS[kind].get(value, value))


@dataclass(frozen=True)
class CalendarChange:
    """A change on the calendar: what the month and week views show of it."""

    pk: int
    number: str
    title: str
    type: str
    status: str
    risk: str
    planned_start: datetime
    planned_end: datetime
    assignment_group_id: int | None
    assignment_group_name: str | None

    def get_type_display(self) -> str:
        return _label("type", self.type)

    def get_status_display(self) -> str:
        return _label("status", self.status)

    def get_risk_display(self) -> str:
        return _label("risk", self.risk)

    def __str__(self):
        return f"{self.number} {self.title}"


@dataclass(frozen=True)
class CalendarWindow:
    """A change window on the calendar, with (id, name) pairs of the services and CIs it names (none: all)."""

    pk: int
    name: str
    kind: str
    start: datetime
    end: datetime
    services: list[tuple[int, str]] = field(default_factory=list)
    configuration_items: list[tuple[int, str]] = field(default_factory=list)

    def get_kind_display(self) -> str:
        return _label("kind", self.kind)

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class ChangeCalendar:
    """Changes whose planned window meets the range (by planned start), and the windows that do (by start)."""

    start: datetime
    end: datetime
    changes: list[CalendarChange]
    windows: list[CalendarWindow]


class _RangesOverlap(Func):
    """PostgreSQL: tstzrange(start_a, end_a) && tstzrange(start_b, end_b)."""

    arity = 4
    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        sqls, params = [], []
        for expression in self.source_expressions:
            sql, expression_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(expression_params)
        return f"tstzrange({sqls[0]}, {sqls[1]}) && tstzrange({sqls[2]}, {sqls[3]})", params


def planned_overlap(start: datetime, end: datetime, *, prefix: str = "") -> Q:
    """Changes whose planned window meets [start, end) (`prefix`: the path to the change, e.g. "change__").

    On PostgreSQL the same test is added in range form: a GiST index on tstzrange(planned_start, planned_end)
    answers it (bench/README.md, issue 6), where the two column comparisons make the planner scan the table.
    """
    condition = Q(**{f"{prefix}planned_start__lt": end, f"{prefix}planned_end__gt": start})
    if connection.vendor == "postgresql":
        ranges = _RangesOverlap(
            F(f"{prefix}planned_start"),
            F(f"{prefix}planned_end"),
            Value(start, output_field=DateTimeField()),
            Value(end, output_field=DateTimeField()),
        )
        condition &= Q(ranges)
    return condition


def _pk(value):
    return getattr(value, "pk", value)


def calendar_range_errors(start: datetime | None, end: datetime | None) -> dict[str, list[str]]:
    """Field errors of a calendar range (both needed, end after start, at most MAX_CALENDAR_DAYS)."""
    errors = {}
    if start is None:
        errors["start"] = [_("Give the start of the range.")]
    if end is None:
        errors["end"] = [_("Give the end of the range.")]
    if errors:
        return errors
    if end <= start:
        errors["end"] = [_("The end must be after the start.")]
    elif end - start > timedelta(days=MAX_CALENDAR_DAYS):
        errors["end"] = [_("The range may span at most %(days)d days.") % {"days": MAX_CALENDAR_DAYS}]
    return errors


def change_calendar(*, user, start: datetime, end: datetime, service=None, team=None, ci=None) -> ChangeCalendar:
    """The changes `user` may view whose planned window intersects [start, end), and the windows that do.

    Filters (instances or ids): `service` — changes impacting it (stored impacted services) or touching its CI,
    and windows for it or for everything; `team` — changes of that assignment group (windows unfiltered);
    `ci` — changes touching it, and windows naming it, one of its services, or everything.
    Four queries whatever the number of rows.
    """
    if errors := calendar_range_errors(start, end):
        raise ValidationError(errors)
    changes = (
        Change.objects.restrict(user, "view")
        .filter(planned_overlap(start, end))
        .exclude(status__in=CALENDAR_HIDDEN_STATUSES)
        .order_by("planned_start", "id")
    )
    windows = ChangeWindow.objects.restrict(user, "view").filter(start__lt=end, end__gt=start)
    window_cis = ChangeWindow.configuration_items.through.objects.filter(changewindow_id=OuterRef("pk"))
    window_services = ChangeWindow.services.through.objects.filter(changewindow_id=OuterRef("pk"))
    for_everything = ~Exists(window_cis) & ~Exists(window_services)
    if service is not None:
        service_ci = Service.objects.filter(pk=_pk(service)).values("ci_id")
        impacting = Change.impacted_services.through.objects.filter(change_id=OuterRef("pk"), service_id=_pk(service))
        touching = Change.configuration_items.through.objects.filter(
            change_id=OuterRef("pk"), configurationitem_id__in=service_ci
        )
        changes = changes.filter(Exists(impacting) | Exists(touching))
        windows = windows.filter(for_everything | Exists(window_services.filter(service_id=_pk(service))))
    if team is not None:
        changes = changes.filter(assignment_group_id=_pk(team))
    if ci is not None:
        touching = Change.configuration_items.through.objects.filter(
            change_id=OuterRef("pk"), configurationitem_id=_pk(ci)
        )
        changes = changes.filter(Exists(touching))
        windows = windows.filter(
            for_everything
            | Exists(window_cis.filter(configurationitem_id=_pk(ci)))
            | Exists(window_services.filter(service__ci_id=_pk(ci)))
        )
    entries = [CalendarChange(*row) for row in changes.values_list(*CALENDAR_CHANGE_FIELDS)]
    return ChangeCalendar(start=start, end=end, changes=entries, windows=_calendar_windows(windows))


def _calendar_windows(windows) -> list[CalendarWindow]:
    rows = list(windows.order_by("start", "id").values_list("id", "name", "kind", "start", "end"))
    ids = [row[0] for row in rows]
    services, cis = defaultdict(list), defaultdict(list)
    if ids:
        named = (
            (ChangeWindow.services.through, "service", services),
            (ChangeWindow.configuration_items.through, "configurationitem", cis),
        )
        for through, target, found in named:
            links = through.objects.filter(changewindow_id__in=ids).order_by(f"{target}__name", f"{target}_id")
            for window_id, pk, name in links.values_list("changewindow_id", f"{target}_id", f"{target}__name"):
                found[window_id].append((pk, name))
    return [CalendarWindow(*row, services=services[row[0]], configuration_items=cis[row[0]]) for row in rows]
