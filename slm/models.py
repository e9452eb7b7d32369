"""Service Level Management models: catalog, calendars, agreements, SLA clocks with thresholds, recompute jobs."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, F, When
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from itsm.models import ItsmModel, Team
from itsm.models.users import validate_timezone
from slm.business_time import BusinessCalendar, calendar_from
from slm.choices import (
    AgreementKindChoices,
    ClockStatusChoices,
    MetricChoices,
    RecomputeStatusChoices,
    ServiceStatusChoices,
)

METRIC_LABELS = dict(MetricChoices.choices)


def default_warning_percents() -> list[int]:
    return [50, 75, 90]


class Calendar(ItsmModel):
    """Business hours in a time zone (several intervals a day, "24:00" and past-midnight ends) and holidays.

    `hours`: [{"weekday": 0..6, "start": "HH:MM", "end": "HH:MM"}]; `holidays`: [{"date": "YYYY-MM-DD", "name"}].
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    hours = models.JSONField(_("working hours"), default=list, blank=True)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self):
        return self.name

    def business_calendar(self) -> BusinessCalendar:
        """The calendar as the business-time functions take it."""
        return calendar_from(
            timezone=self.timezone,
            hours=self.hours,
            holidays=[datetime.date.fromisoformat(item["date"]) for item in self.holidays],
        )


class Service(ItsmModel):
    """A service of the catalog, as users know it (E-mail, Payroll, VPN), represented in the CMDB by a CI."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatusChoices.choices, default=ServiceStatusChoices.LIVE
    )
    owner_team = models.ForeignKey(
        Team, verbose_name=_("owner team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    ci = models.ForeignKey(
        ConfigurationItem,
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        help_text=_("The CI that represents the service in the CMDB."),
    )
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("service hours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name


class Agreement(ItsmModel):
    """An SLA (per service, customer-facing), OLA (per support team) or UC (per vendor team) with targets.

    `targets`: [{"priority": 1..5, "metric": "response"|"resolution", "seconds"}]; `escalation_rules`:
    {"<percent>": [action, ...]} with 100 for the breach.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=3, choices=AgreementKindChoices.choices)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Business hours the targets count in; empty: around the clock."),
    )
    applies_to = models.JSONField(_("applies to"), default=list)
    targets = models.JSONField(_("targets"), default=list)
    warning_percents = models.JSONField(_("warning thresholds (%)"), default=default_warning_percents)
    pause_on = models.JSONField(_("pause on"), default=list, blank=True)
    escalation_rules = models.JSONField(_("escalation rules"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self):
        return self.name

    def target_seconds(self, *, priority: int, metric: str) -> int | None:
        """The target for a priority and metric, or None when the agreement sets none."""
        for target in self.targets:
            if target["priority"] == priority and target["metric"] == metric:
                return target["seconds"]
        return None


class SLAClock(ItsmModel):
    """One agreement's response or resolution clock on one ticket, recomputable from the ticket's history."""

    # Few indexes on purpose: the sweep and the recompute job update clocks and thresholds by the thousand, and every
    # index is written again on each update. Ticket lookups use the unique constraint, whose first columns they are.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", db_index=False)
    object_id = models.PositiveBigIntegerField()
    ticket = GenericForeignKey("content_type", "object_id")
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="clocks"
    )
    metric = models.CharField(_("metric"), max_length=10, choices=MetricChoices.choices)
    stint = models.PositiveIntegerField(
        _("stint"),
        default=0,
        help_text=_("OLA/UC clocks: the ticket's stint with a team (1, 2, ...) this clock measures; SLAs: 0."),
    )
    target_seconds = models.PositiveIntegerField(_("target (seconds)"))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(_("elapsed (seconds)"), default=0)
    paused_seconds = models.PositiveIntegerField(_("paused (seconds)"), default=0)
    computed_at = models.DateTimeField(_("computed at"))
    status = models.CharField(_("status"), max_length=10, choices=ClockStatusChoices.choices)
    breached = models.BooleanField(_("breached"), default=False)

    audit_exclude = frozenset({"updated_at", "created_at", "computed_at", "elapsed_seconds", "paused_seconds"})

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "agreement", "metric", "stint"], name="slm_clock_unique"
            )
        ]
        indexes = [
            # The compliance report's period filter: each clock counts at the instant its outcome was decided.
            # PostgreSQL uses it only while slm.reports (`_Clocks.decided_at`) builds this very expression.
            models.Index(
                Case(
                    When(status="met", then=F("stopped_at")),
                    When(due_at__isnull=True, then=F("stopped_at")),
                    default=F("due_at"),
                ),
                name="slm_clock_decided_idx",
            ),
            # Recomputing after an agreement or calendar edit walks an agreement's live clocks by id.
            models.Index(
                fields=["agreement", "id"],
                condition=models.Q(status__in=["running", "paused"]),
                name="slm_clock_live_idx",
            ),
        ]

    def __str__(self):
        # Not get_metric_display(): it rebuilds a dict of the choices on every call (a ticket list shows
        # two or three clocks a row).
        return f"{self.agreement} {METRIC_LABELS.get(self.metric, self.metric)}"

    @property
    def elapsed_percent(self) -> int:
        """Share of the target used when last computed, 0..(over 100 when breached)."""
        return int(100 * self.elapsed_seconds / self.target_seconds) if self.target_seconds else 0


class SLAThreshold(ItsmModel):
    """One warning percent (or 100: the breach) of a clock, with when it is reached; fires exactly once."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)  # not indexed: see SLAClock
    # Not indexed on its own: the unique (clock, percent) constraint serves lookups by clock.
    clock = models.ForeignKey(SLAClock, on_delete=models.CASCADE, related_name="thresholds", db_index=False)
    percent = models.PositiveSmallIntegerField(_("percent"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    fired_at = models.DateTimeField(_("fired at"), null=True, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)

    class Meta:
        ordering = ["clock", "percent"]
        verbose_name = _("SLA threshold")
        verbose_name_plural = _("SLA thresholds")
        constraints = [models.UniqueConstraint(fields=["clock", "percent"], name="slm_threshold_unique")]
        # The beat task's claim: unfired rows in (due time, id) order, read straight off the index even when
        # thousands share one due time (a burst), so each batch stops after its LIMIT.
        indexes = [
            models.Index(
                fields=["due_at", "id"], condition=models.Q(fired_at__isnull=True), name="slm_threshold_due_idx"
            )
        ]

    def __str__(self):
        return f"{self.clock} {self.percent}%"


class SLARecomputeJob(ItsmModel):
    """Recomputing the live clocks a calendar or agreement edit affects, in the background, with progress."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed = models.JSONField(_("changed fields"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RecomputeStatusChoices.choices, default=RecomputeStatusChoices.QUEUED
    )
    # Work items: live clocks, or tickets when the edit changed which tickets the agreement covers (they resync).
    total = models.PositiveIntegerField(_("items"), default=0)
    processed = models.PositiveIntegerField(_("items processed"), default=0)
    slices = models.PositiveIntegerField(_("slices"), default=0)  # id ranges recomputed by tasks of their own
    slices_done = models.PositiveIntegerField(_("slices done"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    # The edit that queued it is audited; progress ticks are not worth an event each.
    audited = False

    class Meta:
        ordering = ["-id"]
        verbose_name = _("SLA recompute job")
        verbose_name_plural = _("SLA recompute jobs")

    def __str__(self):
        return f"Recompute #{self.pk} ({self.calendar or self.agreement or '-'})"

    @property
    def percent(self) -> int:
        """How far along the job is, 0-100."""
        if self.status == RecomputeStatusChoices.DONE:
            return 100
        return min(100, int(100 * self.processed / self.total)) if self.total else 0


class SLADailyFigure(models.Model):
    """The compliance report's counts of one local day or ISO week (in `time_zone`) for one set of dimensions."""

    # Kept exact by slm.figures: writers record the instants they change, a beat task re-aggregates those days.
    time_zone = models.CharField(_("time zone"), max_length=64)
    day = models.DateField(_("day"))
    # 1: the counts of `day`; 7: of the ISO week starting on `day` (a Monday), summed from its seven day rows, so
    # a long period reads a row per week and combination instead of seven.
    span = models.PositiveSmallIntegerField(_("days"), default=1)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", db_index=False)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+", db_index=False)
    metric = models.CharField(_("metric"), max_length=10, choices=MetricChoices.choices)
    # The ticket's service, assignment group and priority (plain ids: the report reads them, nothing joins them);
    # an OLA/UC's own team replaces the ticket's team when the report reads the row.
    service_id = models.BigIntegerField(_("service"), null=True)
    ticket_team_id = models.BigIntegerField(_("ticket's team"), null=True)
    priority = models.PositiveSmallIntegerField(_("priority"), null=True)
    met = models.PositiveIntegerField(_("met"), default=0)
    breached = models.PositiveIntegerField(_("breached"), default=0)
    stopped = models.PositiveIntegerField(_("stopped"), default=0)  # met + breached that stopped: the mean times'
    stopped_seconds = models.BigIntegerField(_("elapsed seconds of the stopped"), default=0)

    class Meta:
        verbose_name = _("SLA daily figure")
        verbose_name_plural = _("SLA daily figures")
        indexes = [models.Index(fields=["time_zone", "span", "day"], name="slm_figure_day_idx")]

    def __str__(self):
        return f"{self.day} {self.agreement_id} {self.metric}"


class SLAFigureChange(models.Model):
    """A decision instant whose day's figures a write changed; the day is read live until re-aggregated."""

    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("SLA figure change")
        verbose_name_plural = _("SLA figure changes")

    def __str__(self):
        return self.at.isoformat()


class SLAFigureZone(models.Model):
    """A time zone whose local days the daily figures are kept for (set by `sla_figures_rebuild`)."""

    time_zone = models.CharField(_("time zone"), max_length=64, unique=True)
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("SLA figure time zone")
        verbose_name_plural = _("SLA figure time zones")

    def __str__(self):
        return self.time_zone
