"""SLM forms: services, business calendars (weekly grid and holiday rows), agreements (targets grid, escalations).

They validate and render only; views hand the results to `service_save`, `calendar_save` and `agreement_save`,
whose errors come back onto the matching field. Each editor carries the record's `updated_at` as it was loaded,
so a save over someone else's newer one is refused rather than silently overwriting it.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from itsm.forms import EditorFormMixin, bootstrap_widget, timezone_choices
from itsm.models import Team
from slm.business_time import interval_from_hours
from slm.choices import EscalationActionChoices, MetricChoices
from slm.holidays import country_choices, subdivision_choices
from slm.models import Agreement, Calendar, Service

WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
PRIORITIES = range(1, 6)
BREACH_PERCENT = 100
SERVICE_CI_CLASS = "business-service"  # the CMDB class whose CIs stand for catalog services
# What agreements apply to; slm names ticket kinds as plain strings (it does not import the ticket apps).
APPLIES_TO_CHOICES = [("incident", _("Incidents")), ("service_request", _("Service requests"))]
METRIC_LABELS = dict(MetricChoices.choices)
DEFAULT_HOURS = [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)]


# ---- services ----------------------------------------------------------------------------------------------------


class ServiceForm(EditorFormMixin, forms.ModelForm):
    """A catalog service: name, description, status, owner team, its CI (a business service) and service hours."""

    class Meta:
        model = Service
        fields = ["name", "status", "owner_team", "ci", "calendar", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cis = ConfigurationItem.objects.restrict(user, "view").filter(ci_class__slug=SERVICE_CI_CLASS)
        if self.instance.ci_id:
            cis = cis | ConfigurationItem.objects.filter(pk=self.instance.ci_id)
        self.fields["ci"].queryset = cis.order_by("name")
        self.fields["ci"].help_text = _("The business-service CI that represents this service in the CMDB.")
        self.fields["ci"].empty_label = _("None")
        self.fields["owner_team"].empty_label = _("No team")
        self.fields["calendar"].queryset = Calendar.objects.order_by("name")
        self.fields["calendar"].empty_label = _("Around the clock")


# ---- business calendars -----------------------------------------------------------------------------------------


@dataclass
class IntervalRow:
    """One working interval as typed in the grid, with its problem if any."""

    start: str = ""
    end: str = ""
    error: str = ""

    @property
    def past_midnight(self) -> bool:
        return bool(self.start and self.end and self.end != "24:00" and self.end <= self.start and not self.error)


@dataclass
class DayRow:
    """A weekday of the grid and its intervals."""

    weekday: int
    label: str
    intervals: list[IntervalRow] = field(default_factory=list)


class WeeklyHours:
    """The calendar's working intervals as a weekly grid: fields `start_<weekday>` / `end_<weekday>`, paired."""

    def __init__(self, days: list[DayRow]):
        self.days = days
        self.errors: list[str] = []

    @classmethod
    def from_hours(cls, hours: list[dict]) -> "WeeklyHours":
        days = [DayRow(day, str(label)) for day, label in enumerate(WEEKDAYS)]
        for item in sorted(hours, key=lambda i: (i.get("weekday", 0), i.get("start", ""))):
            if isinstance(item.get("weekday"), int) and 0 <= item["weekday"] <= 6:
                days[item["weekday"]].intervals.append(IntervalRow(item.get("start", ""), item.get("end", "")))
        return cls(days)

    @classmethod
    def from_data(cls, data) -> "WeeklyHours":
        days = []
        for day, label in enumerate(WEEKDAYS):
            starts, ends = data.getlist(f"start_{day}"), data.getlist(f"end_{day}")
            rows = [IntervalRow(s.strip(), e.strip()) for s, e in zip(starts, ends, strict=False)]
            days.append(DayRow(day, str(label), [row for row in rows if row.start or row.end]))
        grid = cls(days)
        for day in grid.days:
            for row in day.intervals:
                try:
                    # The service's own parser: the grid marks the row, the service still checks the whole week.
                    interval_from_hours({"weekday": day.weekday, "start": row.start, "end": row.end})
                except ValueError as exc:
                    row.error = str(exc)
        return grid

    def is_valid(self) -> bool:
        return not self.errors and not any(row.error for day in self.days for row in day.intervals)

    def hours(self) -> list[dict]:
        """The API representation: [{"weekday", "start", "end"}]."""
        return [
            {"weekday": day.weekday, "start": row.start, "end": row.end} for day in self.days for row in day.intervals
        ]


@dataclass
class HolidayRow:
    """One holiday as typed in the list, with its problem if any."""

    date: str = ""
    name: str = ""
    error: str = ""


class HolidayRows:
    """The calendar's holidays as rows: fields `holiday_date` / `holiday_name`, paired; empty rows are ignored."""

    def __init__(self, rows: list[HolidayRow]):
        self.rows = rows
        self.errors: list[str] = []

    @classmethod
    def from_holidays(cls, holidays: list[dict]) -> "HolidayRows":
        return cls([HolidayRow(item.get("date", ""), item.get("name", "")) for item in holidays])

    @classmethod
    def from_data(cls, data) -> "HolidayRows":
        pairs = zip(data.getlist("holiday_date"), data.getlist("holiday_name"), strict=False)
        rows = [HolidayRow(d.strip(), n.strip()) for d, n in pairs if d.strip() or n.strip()]
        for row in rows:
            try:
                dt.date.fromisoformat(row.date)
            except ValueError:
                row.error = str(_("Enter a date.")) if not row.date else str(_("Enter a valid date."))
        return cls(sorted(rows, key=lambda row: row.date))

    def is_valid(self) -> bool:
        return not self.errors and not any(row.error for row in self.rows)

    def holidays(self) -> list[dict]:
        return [{"date": row.date, "name": row.name} for row in self.rows]


class CalendarForm(EditorFormMixin, forms.ModelForm):
    """Name and time zone of a calendar; its hours and holidays come from `WeeklyHours` and `HolidayRows`."""

    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices, initial="UTC")

    class Meta:
        model = Calendar
        fields = ["name", "timezone"]


class HolidayFillForm(forms.Form):
    """Which public holidays to add: country (ISO code), optional subdivision, years."""

    country = forms.ChoiceField(label=_("Country"), choices=lambda: [("", "—"), *country_choices()], required=False)
    subdivision = forms.ChoiceField(label=_("Subdivision"), choices=[("", _("Whole country"))], required=False)
    years = forms.CharField(
        label=_("Years"), required=False, max_length=100, help_text=_("One or more, e.g. 2026, 2027.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="fill", **kwargs)
        country = (self.data.get(self.add_prefix("country")) if self.is_bound else None) or ""
        self.fields["subdivision"].choices = [("", _("Whole country")), *subdivision_choices(country)]
        # Choosing a country reloads the subdivision options (htmx).
        self.fields["country"].widget.attrs.update(
            {
                "hx-get": reverse("slm:calendar_holiday_subdivisions"),
                "hx-target": f"#{self['subdivision'].auto_id}",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
            }
        )
        for name in self.fields:
            bootstrap_widget(self.fields[name].widget, small=True)


class HolidayImportForm(forms.Form):
    """An .ics file and the years its recurring events are expanded in."""

    file = forms.FileField(label=_("iCalendar file (.ics)"), required=False)
    years = forms.CharField(
        label=_("Years"),
        required=False,
        max_length=100,
        help_text=_("For recurring events; empty: this year and the next two."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="ics", **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".ics,text/calendar"
        for name in self.fields:
            bootstrap_widget(self.fields[name].widget, small=True)


# ---- agreements ---------------------------------------------------------------------------------------------------


def pause_reason_choices(extra=()) -> list[tuple[str, str]]:
    """On-hold reasons of every ticket model (their `on_hold_reason` field), looked up without importing them."""
    choices: dict[str, str] = {}
    for model in apps.get_models():
        try:
            reason_field = model._meta.get_field("on_hold_reason")
        except FieldDoesNotExist:
            continue
        for value, label in reason_field.choices or ():
            if value:
                choices.setdefault(value, label)
    for value in extra:
        choices.setdefault(value, value)  # kept when no ticket model knows it any more, so it is not dropped
    return list(choices.items())


def percents_from_text(text) -> list[int] | None:
    """ "50, 75, 90" -> [50, 75, 90]; None when it is not a list of whole numbers."""
    parts = [part for part in str(text or "").replace(";", ",").replace(" ", ",").split(",") if part]
    try:
        return sorted({int(part) for part in parts})
    except ValueError:
        return None


def target_field_name(metric: str, priority: int, unit: str) -> str:
    return f"target_{metric}_{priority}_{unit}"


class AgreementForm(EditorFormMixin, forms.ModelForm):
    """Kind, scope, calendar, targets per priority (hours and minutes), warnings, pause reasons and escalations."""

    applies_to = forms.MultipleChoiceField(
        label=_("Applies to"), choices=APPLIES_TO_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    warning_percents = forms.CharField(
        label=_("Warning thresholds (%)"),
        max_length=100,
        required=False,
        help_text=_("Percent of the target at which to warn, e.g. 50, 75, 90. The breach is 100%."),
    )
    pause_on = forms.MultipleChoiceField(
        label=_("Pause the clocks while on hold for"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Agreement
        fields = ["name", "kind", "service", "team", "calendar", "active"]

    def __init__(self, *args, refresh=None, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["service"].queryset = Service.objects.order_by("name")
        self.fields["service"].help_text = _("For an SLA: the service it is agreed for.")
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["team"].help_text = _("For an OLA (support team) or a UC (vendor team).")
        self.fields["service"].empty_label = self.fields["team"].empty_label = _("None")
        self.fields["calendar"].queryset = Calendar.objects.order_by("name")
        self.fields["calendar"].empty_label = _("Around the clock")
        self.fields["pause_on"].choices = pause_reason_choices(instance.pause_on if instance.pk else ())
        if instance.pk:
            self.fields["applies_to"].initial = instance.applies_to
            self.fields["pause_on"].initial = instance.pause_on
            self.fields["warning_percents"].initial = ", ".join(str(p) for p in instance.warning_percents)
        else:
            self.fields["applies_to"].initial = ["incident"]
            self.fields["warning_percents"].initial = "50, 75, 90"
        targets = {(t.get("metric"), t.get("priority")): t.get("seconds", 0) for t in instance.targets or []}
        for metric in MetricChoices.values:
            for priority in PRIORITIES:
                seconds = targets.get((metric, priority))
                hours_field = forms.IntegerField(min_value=0, max_value=24 * 366, required=False)
                minutes_field = forms.IntegerField(min_value=0, max_value=59, required=False)
                names = {"p": priority, "metric": METRIC_LABELS[metric]}
                hours_field.label = _("P%(p)d %(metric)s hours") % names
                minutes_field.label = _("P%(p)d %(metric)s minutes") % names
                if seconds:
                    hours_field.initial, minutes_field.initial = divmod(seconds // 60, 60)
                for unit, target_field in (("hours", hours_field), ("minutes", minutes_field)):
                    bootstrap_widget(target_field.widget, small=True)
                    self.fields[target_field_name(metric, priority, unit)] = target_field
        self._add_escalation_fields(refresh)

    # The escalation rows follow the warning thresholds typed in (an htmx refresh rebuilds them).
    def _add_escalation_fields(self, refresh) -> None:
        source = refresh if refresh is not None else (self.data if self.is_bound else None)
        rules = self.instance.escalation_rules or {}
        if source is not None:
            percents = percents_from_text(source.get("warning_percents")) or []
        else:
            percents = list(self.instance.warning_percents) if self.instance.pk else [50, 75, 90]
        self.escalation_percents = [p for p in percents if 0 < p < BREACH_PERCENT] + [BREACH_PERCENT]
        for percent in self.escalation_percents:
            name = f"escalate_{percent}"
            escalation_field = forms.MultipleChoiceField(
                label=_("At %(p)d%%") % {"p": percent} if percent != BREACH_PERCENT else _("At the breach (100%)"),
                choices=EscalationActionChoices.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            if refresh is not None:
                escalation_field.initial = refresh.getlist(name)
            else:
                escalation_field.initial = rules.get(str(percent), [])
            bootstrap_widget(escalation_field.widget)
            self.fields[name] = escalation_field

    def target_rows(self) -> list[dict]:
        """The targets grid: one row per priority with its response and resolution hour/minute fields."""
        return [
            {
                "priority": priority,
                "cells": [
                    (
                        self[target_field_name(metric, priority, "hours")],
                        self[target_field_name(metric, priority, "minutes")],
                    )
                    for metric in MetricChoices.values
                ],
            }
            for priority in PRIORITIES
        ]

    def escalation_fields(self) -> list:
        return [self[f"escalate_{percent}"] for percent in self.escalation_percents]

    def clean_warning_percents(self):
        percents = percents_from_text(self.cleaned_data["warning_percents"])
        if percents is None:
            raise ValidationError(_("Whole numbers separated by commas, e.g. 50, 75, 90."))
        return percents

    def targets(self) -> list[dict]:
        """[{"priority", "metric", "seconds"}] for every cell with a time; empty or zero cells set no target."""
        found = []
        for priority in PRIORITIES:
            for metric in MetricChoices.values:
                hours = self.cleaned_data.get(target_field_name(metric, priority, "hours")) or 0
                minutes = self.cleaned_data.get(target_field_name(metric, priority, "minutes")) or 0
                if hours or minutes:
                    found.append({"priority": priority, "metric": metric, "seconds": hours * 3600 + minutes * 60})
        return found

    def escalation_rules(self) -> dict[str, list[str]]:
        return {
            str(percent): self.cleaned_data[f"escalate_{percent}"]
            for percent in self.escalation_percents
            if self.cleaned_data.get(f"escalate_{percent}")
        }

    def service_arguments(self) -> dict:
        """Keyword arguments for `agreement_save`."""
        return {
            **self.fields_for_service(),
            "applies_to": self.cleaned_data["applies_to"],
            "warning_percents": self.cleaned_data["warning_percents"],
            "pause_on": self.cleaned_data["pause_on"],
            "targets": self.targets(),
            "escalation_rules": self.escalation_rules(),
        }
