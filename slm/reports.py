"""SLA reporting: compliance by service, team, priority or agreement, the weekly trend, breaches, mean times to
acknowledge and resolve, and the clocks at risk now — aggregated in SQL, over the tickets the user may see.

Which clocks a period [start, end) counts: each clock once, at the instant its outcome was decided — a met
clock when it stopped, a breached clock when it breached (its due time passed while it ran), whether it has
stopped since or still runs. A running clock past its due time counts as breached even before the beat task
has flagged it. Cancelled clocks and clocks still within their target never count.

Mean times to acknowledge and to resolve average the business time (`elapsed_seconds`: running time on the
agreement's calendar, pauses excluded) of the counted response and resolution clocks that have stopped.

The dimensions of a clock: `service` and `priority` are its ticket's (clocks follow a priority change from
the start, so the current one is the one measured); `team` is the agreement's team for OLAs and UCs (the
team whose work the clock measures), the ticket's assignment group for SLAs; `agreement` is its agreement.

Tickets are reached through the GenericRelation each ticket model declares to SLAClock, so the report
joins clocks to their tickets in SQL without slm importing a ticket app. At scale the period filter needs an
index on the decision instant (the exact `_Clocks.decided_at` expression), and the join one on the ticket's
id covering its service, team and priority: see bench/README.md, "SLA dashboard".

Long periods read pre-aggregated counts: whole local days already over come from the daily figures of
`slm.figures` (kept exact: a day with an unaggregated change is counted live), the partial days at the edges,
today and those changed days live, and both are summed. Only for users who see every ticket of a model and in a
zone the figures are kept for; anyone else gets the live count, as `aggregate=False` gives everyone.
"""

import datetime as dt
import functools
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib.contenttypes.fields import GenericRelation
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncWeek
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from itsm.models import Team
from slm.at_risk import at_risk_q, warned_percent
from slm.choices import AgreementKindChoices, ClockStatusChoices, MetricChoices
from slm.figures import figure_plan, figure_rows
from slm.models import Agreement, Service, SLAClock

GROUP_BY_CHOICES = [
    ("service", _("Service")),
    ("team", _("Team")),
    ("priority", _("Priority")),
    ("agreement", _("Agreement")),
]
GROUP_KEYS = [key for key, _label in GROUP_BY_CHOICES]
PRIORITIES = [1, 2, 3, 4, 5]
DEFAULT_PERIOD = dt.timedelta(days=30)
# Two years, whichever holds the leap day.
MAX_PERIOD = dt.timedelta(days=731)
AT_RISK_LIMIT = 20
RECENT_BREACHES_LIMIT = 10
NO_VALUE_LABELS = {
    "service": _("No service"),
    "team": _("No team"),
    "priority": _("No priority"),
    "agreement": _("No agreement"),
}
MET, BREACHED = ClockStatusChoices.MET, ClockStatusChoices.BREACHED
LIVE = [ClockStatusChoices.RUNNING, ClockStatusChoices.PAUSED]


# --- parameters ------------------------------------------------------------------------------------


def _parse_instant(value: str, *, is_end: bool) -> dt.datetime:
    """An aware instant from an ISO date (a whole local day: an end date includes its day) or datetime."""
    text = value.strip()
    try:
        if len(text) <= 10 and "T" not in text:
            day = dt.date.fromisoformat(text)
            if is_end:
                day += dt.timedelta(days=1)
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        parsed = parse_datetime(text)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise forms.ValidationError(
            _("Enter a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM[:SS][±HH:MM])."), code="invalid"
        )
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class SLAReportForm(forms.Form):
    """The report's parameters: period (dates or datetimes, in the current time zone), grouping and filters.

    Missing `end` means now, missing `start` 30 days before the end; the period may span at most two years.
    """

    start = forms.CharField(label=_("From"), required=False)
    end = forms.CharField(label=_("To"), required=False)
    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUP_BY_CHOICES, required=False)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.order_by("name"), required=False, empty_label=_("Any")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("Any")
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("Any")), *((p, f"P{p}") for p in PRIORITIES)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Agreement kind"), choices=[("", _("Any")), *AgreementKindChoices.choices], required=False
    )

    def clean_start(self):
        value = self.cleaned_data.get("start")
        return _parse_instant(value, is_end=False) if value else None

    def clean_end(self):
        value = self.cleaned_data.get("end")
        return _parse_instant(value, is_end=True) if value else None

    def clean(self):
        data = super().clean()
        if self.has_error("start") or self.has_error("end"):
            return data
        end = data.get("end") or timezone.now()
        start = data.get("start") or end - DEFAULT_PERIOD
        if end <= start:
            self.add_error("end", _("The end must be after the start."))
        elif end - start > MAX_PERIOD:
            self.add_error("end", _("The period may span at most two years."))
        data["start"], data["end"] = start, end
        data["group_by"] = data.get("group_by") or GROUP_KEYS[0]
        return data

    def report_filters(self) -> dict:
        """The filters as `sla_compliance` takes them (ids and values; unset ones left out)."""
        data = self.cleaned_data
        chosen = {
            "service": data["service"].pk if data.get("service") else None,
            "team": data["team"].pk if data.get("team") else None,
            "priority": data.get("priority"),
            "kind": data.get("kind") or None,
        }
        return {key: value for key, value in chosen.items() if value is not None}


# --- the SQL -----------------------------------------------------------------------------------------


@functools.cache
def clock_relations() -> tuple[tuple[type, str], ...]:
    """(ticket model, name of its GenericRelation to SLAClock) for every ticket model that carries clocks."""
    from django.apps import apps

    return tuple(
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.private_fields
        if isinstance(field, GenericRelation) and field.related_model is SLAClock
    )


def _has_field(model, name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


class _Clocks:
    """The SQL pieces for one ticket model's clocks (`rel` is its GenericRelation), for one period."""

    def __init__(self, model, rel: str, *, start, end, now):
        self.model, self.rel, self.start, self.end, self.now = model, rel, start, end, now

    def q(self, **lookups) -> Q:
        return Q(**{f"{self.rel}__{name}": value for name, value in lookups.items()})

    def f(self, name: str) -> F:
        return F(f"{self.rel}__{name}")

    @property
    def counted(self) -> Q:
        """Clocks decided in the period: met or breached; a live clock once its due time has passed."""
        return self.counted_in([(self.start, self.end)])

    def counted_in(self, ranges) -> Q:
        """`counted`, for clocks decided in any of the [start, end) ranges (the parts of a period read live)."""
        decided = self.decided_at()
        period = Q()
        for start, end in ranges:
            period |= Q(GreaterThanOrEqual(decided, start)) & Q(LessThan(decided, end))
        return period & (self.q(status__in=[MET, BREACHED]) | self.q(status__in=LIVE, due_at__lt=self.now))

    @property
    def met(self) -> Q:
        """Among the counted clocks, those that met their target."""
        return self.q(status=MET)

    @property
    def breached(self) -> Q:
        """Among the counted clocks, those that breached theirs."""
        return self.q(status__in=[BREACHED, *LIVE])

    def stopped(self, metric: str) -> Q:
        """Among the counted clocks, the stopped ones of `metric`: what the mean times average."""
        return self.q(metric=metric, status__in=[MET, BREACHED])

    def filters(self, filters: dict) -> Q:
        condition = Q()
        if filters.get("service") is not None:
            condition &= Q(service=filters["service"]) if _has_field(self.model, "service") else Q(pk__in=[])
        if filters.get("priority") is not None:
            condition &= Q(priority=filters["priority"])
        if filters.get("kind"):
            condition &= self.q(agreement__kind=filters["kind"])
        if filters.get("team") is not None:
            team = filters["team"]
            condition &= self.q(agreement__team=team) | (
                self.q(agreement__team__isnull=True) & Q(assignment_group=team)
            )
        return condition

    def dimensions(self) -> dict:
        service = F("service") if _has_field(self.model, "service") else Value(None, output_field=IntegerField())
        return {
            "service": service,
            "team": Coalesce(self.f("agreement__team"), F("assignment_group")),
            "priority": F("priority"),
            "agreement": self.f("agreement"),
        }

    def decided_at(self):
        """When the clock's outcome was decided: its stop when met, else its breach (see the module doc).

        A breached clock keeps the instant it crossed its target in `due_at`; one whose target grew after it
        breached has no due time left and counts when it stopped. The period index is on this very expression.
        """
        return Case(
            When(self.q(status=MET), then=self.f("stopped_at")),
            When(self.q(due_at__isnull=True), then=self.f("stopped_at")),
            default=self.f("due_at"),
        )


def _tickets(model, rel: str, user):
    """The tickets of `model` the user may see, or None when they may see no clock at all."""
    clocks = SLAClock.objects.restrict(user, "view")
    if clocks.query.is_empty():
        return None
    tickets = model.objects.restrict(user, "view")
    if clocks.query.where:
        # A scope on clocks themselves (none today) narrows the report too.
        tickets = tickets.filter(**{f"{rel}__in": clocks.values("pk")})
    return tickets


def _sources(user, *, start, end, now):
    """(ticket model, the tickets of it the user may see, its clocks' SQL) for each model that carries clocks."""
    for model, rel in clock_relations():
        tickets = _tickets(model, rel, user)
        if tickets is not None:
            yield model, tickets, _Clocks(model, rel, start=start, end=end, now=now)


def _grouped(
    *, user, start, end, filters, keys, now, week=False, mean_times=False, aggregate=True
) -> tuple[list[dict], list[dict]]:
    """Conditional counts grouped by `keys`, and by the ISO week of the decision, summed over ticket models.

    Returns (rows by keys, rows by week): a row of the first has every key, one of the second `dim_week` (rows
    counted live have both). With `aggregate`, whole local days already over come from the daily figures
    (`slm.figures`) for ticket models the user sees unrestricted; the rest of the period is counted live.
    """
    totals: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    weeks: dict = defaultdict(lambda: defaultdict(int))
    plan = figure_plan(start=start, end=end, now=now) if aggregate else None
    for model, tickets, clocks in _sources(user, start=start, end=end, now=now):
        rel = clocks.rel
        counted = clocks.counted
        if plan is not None and not tickets.query.where:  # every ticket visible: the figures apply
            grouped, weekly = figure_rows(
                model=model, plan=plan, filters=filters, keys=keys, week=week, mean_times=mean_times
            )
            for row in grouped:
                key = tuple(row[f"dim_{name}"] for name in keys)
                for name, value in row.items():
                    if not name.startswith("dim_"):
                        totals[key][name] += value
            for row in weekly:
                weeks[row["dim_week"]]["met"] += row["met"]
                weeks[row["dim_week"]]["breached"] += row["breached"]
            if not plan.live:
                continue
            counted = clocks.counted_in(plan.live)
        dims = clocks.dimensions()
        group = {f"dim_{key}": dims[key] for key in keys}
        if week:
            group["dim_week"] = TruncWeek(clocks.decided_at(), tzinfo=timezone.get_current_timezone())
        counts = {
            "met": Count(f"{rel}__id", filter=clocks.met),
            "breached": Count(f"{rel}__id", filter=clocks.breached),
        }
        if mean_times:
            for metric in MetricChoices.values:
                counts[f"{metric}_count"] = Count(f"{rel}__id", filter=clocks.stopped(metric))
                counts[f"{metric}_seconds"] = Sum(f"{rel}__elapsed_seconds", filter=clocks.stopped(metric))
        # One filter() call: every clock condition applies to the same joined clock row.
        rows = (
            tickets.filter(clocks.filters(filters) & counted)
            .annotate(**group)
            .values(*group)
            .annotate(**counts)
            .order_by()
        )
        for row in rows:
            key = tuple(row[f"dim_{name}"] for name in keys)
            for name in counts:
                totals[key][name] += row[name] or 0
            if week:
                weeks[row["dim_week"]]["met"] += row["met"]
                weeks[row["dim_week"]]["breached"] += row["breached"]
    names = [f"dim_{key}" for key in keys]
    grouped = [{**dict(zip(names, key, strict=True)), **counts} for key, counts in totals.items()]
    return grouped, [{"dim_week": week_start, **counts} for week_start, counts in weeks.items()]


def compliance_percent(met: int, total: int) -> float | None:
    """met / total × 100, one decimal, halves rounded up; None when nothing counted."""
    if not total:
        return None
    return float((Decimal(met * 100) / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _labels(group_by: str, keys) -> dict:
    ids = [key for key in keys if key is not None]
    if group_by == "service":
        return dict(Service.objects.filter(pk__in=ids).values_list("pk", "name"))
    if group_by == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if group_by == "agreement":
        return dict(Agreement.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {key: f"P{key}" for key in ids}


def _rows(group_by: str, counts_by_key: dict) -> list[dict]:
    """Contract rows for one grouping, ordered by label (priorities by number), "no value" last."""
    labels = _labels(group_by, counts_by_key)
    rows = []
    for key, counts in counts_by_key.items():
        total = counts["met"] + counts["breached"]
        rows.append(
            {
                "key": key,
                "label": str(labels.get(key, NO_VALUE_LABELS[group_by])),  # no key: "No service"...
                "total": total,
                "met": counts["met"],
                "breached": counts["breached"],
                "compliance_percent": compliance_percent(counts["met"], total),
            }
        )
    if group_by == "priority":
        return sorted(rows, key=lambda row: (row["key"] is None, row["key"] or 0))
    return sorted(rows, key=lambda row: (row["key"] is None, row["label"].casefold(), row["key"] or 0))


def _roll_up(grouped: list[dict], key_name: str) -> dict:
    by_key: dict = defaultdict(lambda: defaultdict(int))
    for row in grouped:
        for name in ("met", "breached"):
            by_key[row[key_name]][name] += row[name]
    return by_key


def sla_compliance(
    *, user, start: dt.datetime, end: dt.datetime, group_by: str, filters=None, now=None, aggregate=True
) -> list[dict]:
    """Contract rows {key, label, total, met, breached, compliance_percent} for clocks decided in [start, end).

    `aggregate=False` counts every clock live (the daily figures must give the very same rows).
    """
    if group_by not in GROUP_KEYS:
        raise ValueError(f"group_by must be one of {GROUP_KEYS}")
    grouped, _weekly = _grouped(
        user=user,
        start=start,
        end=end,
        filters=filters or {},
        keys=[group_by],
        now=now or timezone.now(),
        aggregate=aggregate,
    )
    return _rows(group_by, _roll_up(grouped, f"dim_{group_by}"))


# --- the dashboard ------------------------------------------------------------------------------------


def _iso_weeks(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The Monday of every ISO week the period touches, in the current time zone."""
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - dt.timedelta(microseconds=1)).date()
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def _trend(grouped: list[dict], start, end) -> list[dict]:
    by_week = _roll_up(grouped, "dim_week")
    counts = {timezone.localtime(week).date() if week else None: value for week, value in by_week.items()}
    trend = []
    for monday in _iso_weeks(start, end):
        met, breached = counts.get(monday, {}).get("met", 0), counts.get(monday, {}).get("breached", 0)
        year, number, _day = monday.isocalendar()
        trend.append(
            {
                "week": monday,
                "label": f"{year}-W{number:02d}",
                "total": met + breached,
                "met": met,
                "breached": breached,
                "compliance_percent": compliance_percent(met, met + breached),
            }
        )
    return trend


def _mean_seconds(grouped: list[dict], metric: str) -> dict:
    count = sum(row[f"{metric}_count"] for row in grouped)
    seconds = sum(row[f"{metric}_seconds"] for row in grouped)
    return {"count": count, "seconds": round(seconds / count) if count else None}


def ticket_url(model, pk) -> str | None:
    """The ticket's page (`<app>:<model>`), or None when its app has no page for it."""
    try:
        return reverse(f"{model._meta.app_label}:{model._meta.model_name}", args=[pk])
    except NoReverseMatch:
        return None


def _clock_list(model, tickets, condition: Q, values: dict, order: tuple, limit: int, having=None) -> list[dict]:
    """One row per clock matching `condition`: its `values` and its ticket's number, title, priority and page."""
    rows = tickets.filter(condition).annotate(**values)
    if having:
        rows = rows.filter(**having)
    rows = rows.order_by(*order).values("pk", "number", "title", "priority", *values)[:limit]
    return [
        {
            "ticket_id": row["pk"],
            "number": row["number"],
            "title": row["title"],
            "url": ticket_url(model, row["pk"]),
            "priority": row["priority"],
            **{name: row[name] for name in values},
        }
        for row in rows
    ]


def sla_at_risk(*, user, filters=None, now=None, limit: int = AT_RISK_LIMIT) -> list[dict]:
    """The clocks at risk now (`slm.at_risk`: running, not breached, past their first warning or due within
    `SOON`), soonest due first, with the highest warning percent each has reached (None before the first)."""
    now = now or timezone.now()
    found = []
    for model, tickets, clocks in _sources(user, start=now, end=now, now=now):
        clock_ref = f"{clocks.rel}__id"
        values = {
            "clock_id": clocks.f("id"),
            "metric": clocks.f("metric"),
            "due_at": clocks.f("due_at"),
            "agreement": clocks.f("agreement__name"),
            "warned_percent": warned_percent(clock_ref, now),
        }
        condition = clocks.filters(filters or {}) & at_risk_q(now, prefix=f"{clocks.rel}__", clock_ref=clock_ref)
        found += _clock_list(model, tickets, condition, values, ("due_at", "clock_id"), limit)
    return sorted(found, key=lambda row: (row["due_at"], row["clock_id"]))[:limit]


def sla_recent_breaches(*, user, start, end, filters=None, now=None, limit: int = RECENT_BREACHES_LIMIT) -> list[dict]:
    """The latest clocks that breached in the period, latest first."""
    now = now or timezone.now()
    found = []
    for model, tickets, clocks in _sources(user, start=start, end=end, now=now):
        values = {
            "clock_id": clocks.f("id"),
            "metric": clocks.f("metric"),
            "breached_at": clocks.decided_at(),
            "stopped_at": clocks.f("stopped_at"),
            "agreement": clocks.f("agreement__name"),
        }
        condition = clocks.filters(filters or {}) & clocks.counted & clocks.breached
        found += _clock_list(model, tickets, condition, values, ("-breached_at", "-clock_id"), limit)
    return sorted(found, key=lambda row: (row["breached_at"], row["clock_id"]), reverse=True)[:limit]


def sla_dashboard(*, user, start: dt.datetime, end: dt.datetime, filters=None, now=None, aggregate=True) -> dict:
    """Everything the SLA dashboard shows, from one grouped pass over the period's clocks plus two short lists.

    `by[group]` equals `sla_compliance(group_by=group)` row for row (both are sums of the same counts).
    """
    now = now or timezone.now()
    filters = filters or {}
    grouped, weekly = _grouped(
        user=user,
        start=start,
        end=end,
        filters=filters,
        keys=GROUP_KEYS,
        now=now,
        week=True,
        mean_times=True,
        aggregate=aggregate,
    )
    met = sum(row["met"] for row in grouped)
    breached = sum(row["breached"] for row in grouped)
    return {
        "summary": {
            "total": met + breached,
            "met": met,
            "breached": breached,
            "compliance_percent": compliance_percent(met, met + breached),
        },
        "by": {key: _rows(key, _roll_up(grouped, f"dim_{key}")) for key in GROUP_KEYS},
        "trend": _trend(weekly, start, end),
        "acknowledge": _mean_seconds(grouped, MetricChoices.RESPONSE),
        "resolve": _mean_seconds(grouped, MetricChoices.RESOLUTION),
        "at_risk": sla_at_risk(user=user, filters=filters, now=now),
        "recent_breaches": sla_recent_breaches(user=user, start=start, end=end, filters=filters, now=now),
    }
