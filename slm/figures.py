"""Daily SLA figures: the compliance report's counts pre-aggregated per local day, exact at every read.

What a day holds (`SLADailyFigure`): per ticket model, agreement, metric and the ticket's service, team and
priority, the clocks whose decision instant (`slm.reports._Clocks.decided_at`) falls on that local day and that
the report counts once the day is over — met and breached clocks, and live clocks with a due time (the report
counts a live clock as breached at its due time once that has passed: for a day that is over, it has). Per row:
met, breached, and the count and elapsed seconds of the stopped ones (what the mean times average). An OLA's or
UC's own team and the agreement's kind are read from the agreement when the report reads the row, so editing an
agreement changes no figure.

How it stays exact: every write that changes a clock's contribution — its status, due or stop time, or its
ticket's service, team or priority (ticket apps call `sla_sync` after each of those) — records in its own
transaction the decision instants before and after (`figures_touch`, one `SLAFigureChange` row each). A day with
such a row is "dirty": the report reads it live, as it does a day not over yet and the partial days at a
period's edges. The beat task `sla_figures_refresh` re-aggregates the dirty days and deletes the rows it saw —
only those: a row committed meanwhile keeps its day dirty — so a day read from the table has no unrecorded
change. Writers: `slm.sla.sla_sync`, the recompute job's chunks (`slm.recompute`), the firing of breaches
(`slm.escalations`). Writes that bypass them (raw UPDATEs of clocks or of tickets' service, team or priority,
deleting tickets, the demo's replay, bulk loads) need `sla_figures_rebuild` afterwards.

Days are local days of the zones in `SLAFigureZone` (the site's and its users' zones, chosen at rebuild): the
report reads the table only when the current zone is one of them and the user sees every ticket of the model
(see `slm.reports._grouped`); otherwise it counts live, as before.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncWeek
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone

from slm.choices import ClockStatusChoices
from slm.models import SLADailyFigure, SLAFigureChange, SLAFigureZone

MET, BREACHED = ClockStatusChoices.MET, ClockStatusChoices.BREACHED
LIVE = (ClockStatusChoices.RUNNING, ClockStatusChoices.PAUSED)
REFRESH_BATCH = 20_000
LOCK_KEY = 0x534C_4146  # the advisory lock that serialises refresh and rebuild (PostgreSQL)
FIGURE_COLUMNS = (
    "time_zone, day, content_type_id, agreement_id, metric, service_id, ticket_team_id, priority, "
    "met, breached, stopped, stopped_seconds"
)


# --- writers ------------------------------------------------------------------------------------------------------


def decision_instant(clock) -> dt.datetime | None:
    """When the clock counts in the daily figures (as `_Clocks.decided_at`), or None when it is not in them."""
    if clock.status in (MET, BREACHED):
        return clock.stopped_at if clock.status == MET or clock.due_at is None else clock.due_at
    if clock.status in LIVE:
        return clock.due_at
    return None


def clock_instants(clocks) -> set[dt.datetime]:
    """The decision instants of the clocks (as they are now) that the daily figures hold."""
    return {at for at in map(decision_instant, clocks) if at is not None}


def _quarter_hour(at: dt.datetime) -> dt.datetime:
    """The instant floored to a quarter of an hour (UTC): on the same local day as `at` in any zone whose offsets
    and changes fall on quarter hours (every zone today: +05:45 and +12:45 are the odd ones), so a bulk write
    records a few rows per day instead of one per clock."""
    return at - dt.timedelta(minutes=at.minute % 15, seconds=at.second, microseconds=at.microsecond)


def figures_touch(instants) -> None:
    """Record that the days of these decision instants changed (call inside the writing transaction)."""
    found = sorted({_quarter_hour(at) for at in instants if at is not None})
    if found:
        SLAFigureChange.objects.bulk_create([SLAFigureChange(at=at) for at in found])


# --- building -----------------------------------------------------------------------------------------------------


def local_midnight(day: dt.date, zone) -> dt.datetime:
    """The first instant of a local day (as the report's period boundaries compute it)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)


def _date_ranges(days) -> list[tuple[dt.date, dt.date]]:
    """[first, end) date ranges covering the days, consecutive days merged."""
    ranges: list[list] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] == day:
            ranges[-1][1] = day + dt.timedelta(days=1)
        else:
            ranges.append([day, day + dt.timedelta(days=1)])
    return [(first, end) for first, end in ranges]


def _day_ranges(days, zone) -> list[tuple[dt.datetime, dt.datetime]]:
    """[start, end) instants covering the local days, consecutive days merged."""
    return [(local_midnight(first, zone), local_midnight(end, zone)) for first, end in _date_ranges(days)]


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _aggregate(zone_name: str, days=None) -> None:
    """(Re)write the zone's figures of `days` (None: all days) from the clocks, one INSERT … SELECT per model."""
    from slm.reports import _Clocks, clock_relations

    zone = zoneinfo.ZoneInfo(zone_name)
    if days is not None:
        days = sorted(days)
        for index in range(0, len(days), 500):
            SLADailyFigure.objects.filter(time_zone=zone_name, span=1, day__in=days[index : index + 500]).delete()
    for model, rel in clock_relations():
        clocks = _Clocks(model, rel, start=None, end=None, now=None)
        decided = clocks.decided_at()
        condition = clocks.q(status__in=[MET, BREACHED]) | clocks.q(status__in=LIVE, due_at__isnull=False)
        if days is not None:
            if not days:
                continue
            period = Q()
            for start, end in _day_ranges(days, zone):
                period |= Q(GreaterThanOrEqual(decided, start)) & Q(LessThan(decided, end))
            condition &= period
        dims = clocks.dimensions()
        group = {
            "dim_day": TruncDate(decided, tzinfo=zone),
            "dim_agreement": clocks.f("agreement"),
            "dim_metric": clocks.f("metric"),
            "dim_service": dims["service"],
            "dim_team": F("assignment_group"),
            "dim_priority": F("priority"),
        }
        stopped = clocks.q(status__in=[MET, BREACHED])
        counts = {
            "met": Count(f"{rel}__id", filter=clocks.met),
            "breached": Count(f"{rel}__id", filter=clocks.breached),
            "stopped": Count(f"{rel}__id", filter=stopped),
            "seconds": Sum(f"{rel}__elapsed_seconds", filter=stopped),
        }
        # One filter() call: every clock condition applies to the same joined clock row (as the report does).
        rows = model.objects.filter(condition).annotate(**group).values(*group).annotate(**counts).order_by()
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {SLADailyFigure._meta.db_table} (span, {FIGURE_COLUMNS}) "
                "SELECT 1, %s, sub.dim_day, %s, sub.dim_agreement, sub.dim_metric, sub.dim_service, sub.dim_team, "
                "sub.dim_priority, sub.met, sub.breached, sub.stopped, COALESCE(sub.seconds, 0) "
                f"FROM ({sql}) sub WHERE sub.dim_day IS NOT NULL",
                [zone_name, ContentType.objects.get_for_model(model).pk, *params],
            )
    _aggregate_weeks(zone_name, None if days is None else {day - dt.timedelta(days=day.weekday()) for day in days})


def _aggregate_weeks(zone_name: str, mondays=None) -> None:
    """(Re)write the week rows of the weeks starting on `mondays` (None: all) from their day rows."""
    weeks = SLADailyFigure.objects.filter(time_zone=zone_name, span=7)
    days = SLADailyFigure.objects.filter(time_zone=zone_name, span=1)
    if mondays is not None:
        if not mondays:
            return
        mondays = sorted(mondays)
        weeks = weeks.filter(day__in=mondays)
        period = Q()
        for first, end in _date_ranges([monday + dt.timedelta(days=n) for monday in mondays for n in range(7)]):
            period |= Q(day__gte=first, day__lt=end)
        days = days.filter(period)
    weeks.delete()
    dims = ("content_type_id", "agreement_id", "metric", "service_id", "ticket_team_id", "priority")
    rows = (
        days.annotate(week=TruncWeek("day"))
        .values("week", *dims)
        .annotate(
            s_met=Sum("met"), s_breached=Sum("breached"), s_stopped=Sum("stopped"), s_seconds=Sum("stopped_seconds")
        )
        .order_by()
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SLADailyFigure._meta.db_table} (span, {FIGURE_COLUMNS}) "
            "SELECT 7, %s, sub.week, sub.content_type_id, sub.agreement_id, sub.metric, sub.service_id, "
            "sub.ticket_team_id, sub.priority, sub.s_met, sub.s_breached, sub.s_stopped, sub.s_seconds "
            f"FROM ({sql}) sub",
            [zone_name, *params],
        )


def figure_zones_default() -> list[str]:
    """The site's zone and every active user's: the zones the dashboard's days are read in."""
    from django.contrib.auth import get_user_model

    zones = {settings.TIME_ZONE}
    user_model = get_user_model()
    if any(field.name == "timezone" for field in user_model._meta.get_fields()):
        zones |= set(user_model.objects.filter(is_active=True).exclude(timezone="").values_list("timezone", flat=True))
    return sorted(zone for zone in zones if zone)


def figures_rebuild(*, zones=None) -> dict[str, int]:
    """Rebuild every daily figure from the clocks, for exactly these zones (default: site and users'); rows per zone."""
    zones = sorted(set(zones or figure_zones_default()))
    for name in zones:
        zoneinfo.ZoneInfo(name)  # an unknown zone fails before anything is deleted
    with transaction.atomic():
        _lock()
        seen = list(SLAFigureChange.objects.values_list("pk", flat=True))  # before aggregating: see module doc
        SLADailyFigure.objects.all().delete()
        for name in zones:
            _aggregate(name)
        SLAFigureZone.objects.exclude(time_zone__in=zones).delete()
        now = timezone.now()
        for name in zones:
            SLAFigureZone.objects.update_or_create(time_zone=name, defaults={"built_at": now})
        _forget(seen)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh statistics: the planner otherwise expects a near-empty table
                cursor.execute(f"ANALYZE {SLADailyFigure._meta.db_table}")
    counts = SLADailyFigure.objects.values("time_zone").annotate(rows=Count("id")).values_list("time_zone", "rows")
    return dict.fromkeys(zones, 0) | dict(counts)


def _forget(ids: list[int]) -> None:
    for index in range(0, len(ids), 5000):
        SLAFigureChange.objects.filter(pk__in=ids[index : index + 5000]).delete()


def figures_refresh(*, limit: int = REFRESH_BATCH) -> int:
    """Re-aggregate the days of recorded changes (up to `limit` of them); returns how many changes it took."""
    with transaction.atomic():
        _lock()
        changes = list(SLAFigureChange.objects.order_by("pk").values_list("pk", "at")[:limit])
        if not changes:
            return 0
        for zone in SLAFigureZone.objects.order_by("pk"):
            tz = zoneinfo.ZoneInfo(zone.time_zone)
            _aggregate(zone.time_zone, {timezone.localtime(at, tz).date() for _pk, at in changes})
        _forget([pk for pk, _at in changes])
    return len(changes)


# --- reading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigurePlan:
    """Which part of a period the daily figures answer: days [first, last) but `dirty`; `live` ranges the rest."""

    zone: str
    first: dt.date
    last: dt.date
    dirty: tuple[dt.date, ...]
    live: tuple[tuple[dt.datetime, dt.datetime], ...]

    @property
    def weeks(self) -> list[dt.date]:
        """Mondays of the ISO weeks inside [first, last) without a dirty day: read from their week rows."""
        monday = self.first + dt.timedelta(days=-self.first.weekday() % 7)
        dirty = {day - dt.timedelta(days=day.weekday()) for day in self.dirty}
        found = []
        while monday + dt.timedelta(days=7) <= self.last:
            if monday not in dirty:
                found.append(monday)
            monday += dt.timedelta(days=7)
        return found

    @property
    def days(self) -> list[dt.date]:
        """The other clean days of [first, last): read from their day rows."""
        covered = {monday + dt.timedelta(days=n) for monday in self.weeks for n in range(7)} | set(self.dirty)
        count = (self.last - self.first).days
        return [day for day in (self.first + dt.timedelta(days=n) for n in range(count)) if day not in covered]


def figure_plan(*, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> FigurePlan | None:
    """How to answer [start, end) in the current zone from the daily figures; None: count it all live."""
    zone = timezone.get_current_timezone()
    name = getattr(zone, "key", None)
    if name is None or not SLAFigureZone.objects.filter(time_zone=name).exists():
        return None
    first = timezone.localtime(start, zone).date()
    if local_midnight(first, zone) < start:
        first += dt.timedelta(days=1)
    # Whole days inside the period and over by now (a live clock counts once its due time has passed).
    last = min(timezone.localtime(end, zone).date(), timezone.localtime(now, zone).date())
    if first >= last:
        return None
    head, tail = local_midnight(first, zone), local_midnight(last, zone)
    dirty = sorted(
        set(
            SLAFigureChange.objects.filter(at__gte=head, at__lt=tail)
            .annotate(day=TruncDate("at", tzinfo=zone))
            .values_list("day", flat=True)
            .distinct()
        )
    )
    live = [(start, head)] if start < head else []
    live += _day_ranges(dirty, zone)
    live += [(tail, end)] if tail < end else []
    return FigurePlan(name, first, last, tuple(dirty), tuple(live))


def figure_rows(*, model, plan: FigurePlan, filters: dict, keys, week: bool, mean_times: bool):
    """(rows by `keys`, rows by ISO week) of the model's figures on the plan's clean days, as `_grouped` makes them."""
    zone = zoneinfo.ZoneInfo(plan.zone)
    figures = SLADailyFigure.objects.filter(
        Q(span=7, day__in=plan.weeks) | Q(span=1, day__in=plan.days),
        time_zone=plan.zone,
        content_type=ContentType.objects.get_for_model(model),
    )
    if filters.get("service") is not None:
        has_service = any(field.name == "service" for field in model._meta.get_fields())
        figures = figures.filter(service_id=filters["service"]) if has_service else figures.none()
    if filters.get("priority") is not None:
        figures = figures.filter(priority=filters["priority"])
    if filters.get("kind"):
        figures = figures.filter(agreement__kind=filters["kind"])
    if filters.get("team") is not None:
        team = filters["team"]
        figures = figures.filter(Q(agreement__team=team) | Q(agreement__team__isnull=True, ticket_team_id=team))
    dims = {
        "service": F("service_id"),
        "team": Coalesce(F("agreement__team"), F("ticket_team_id")),
        "priority": F("priority"),
        "agreement": F("agreement"),
    }
    group = {f"dim_{key}": dims[key] for key in keys}
    counts = {"met": Sum("met"), "breached": Sum("breached")}
    if mean_times:
        for metric in ("response", "resolution"):
            counts[f"{metric}_count"] = Sum("stopped", filter=Q(metric=metric))
            counts[f"{metric}_seconds"] = Sum("stopped_seconds", filter=Q(metric=metric))
    grouped = [
        {name: (int(value or 0) if name in counts else value) for name, value in row.items()}
        for row in figures.annotate(**group).values(*group).annotate(**counts).order_by()
    ]
    weekly: dict[dt.date, dict] = {}
    if week:
        for day, met, breached in (
            figures.values("day").annotate(m=Sum("met"), b=Sum("breached")).values_list("day", "m", "b")
        ):
            monday = day - dt.timedelta(days=day.weekday())
            row = weekly.setdefault(monday, {"dim_week": local_midnight(monday, zone), "met": 0, "breached": 0})
            row["met"] += int(met or 0)
            row["breached"] += int(breached or 0)
    return grouped, list(weekly.values())
