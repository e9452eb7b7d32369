"""The manager's SLA dashboard: compliance by service, team, priority and agreement, the weekly trend, breaches,
mean times to acknowledge and resolve, the clocks at risk now; CSV export and a printable report.

Every figure comes from `slm.reports` (the numbers the compliance API returns), over the tickets the user may
see. Dates are whole days in the user's time zone; the page links to the API with the exact instants, so the
API answers with the same rows.
"""

import csv
import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.csv_cells import defuse
from itsm.forms import bootstrap_widget
from itsm.views.admin_ui import require_permission
from slm.models import SLAClock
from slm.reports import AT_RISK_LIMIT, GROUP_BY_CHOICES, GROUP_KEYS, SLAReportForm, sla_dashboard

BODY_ID = "sla-dashboard"
DEFAULT_PRESET = "30d"
PRESETS = [
    ("7d", gettext_lazy("Last 7 days")),
    ("30d", gettext_lazy("Last 30 days")),
    ("90d", gettext_lazy("Last 90 days")),
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("this_quarter", gettext_lazy("This quarter")),
    ("last_quarter", gettext_lazy("Last quarter")),
    ("this_year", gettext_lazy("This year")),
    ("custom", gettext_lazy("Custom dates")),
]
CSV_COLUMNS = ("group_by", "key", "label", "total", "met", "breached", "compliance_percent")
FILTER_NAMES = ("service", "team", "priority", "kind")


class DashboardForm(SLAReportForm):
    """The report's parameters plus a period preset; a preset fills the dates, "custom" takes them as typed."""

    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PRESETS, required=False)
    field_order = ["period", "start", "end", "service", "team", "priority", "kind"]

    def __init__(self, data, *, today: dt.date):
        data = data.copy()
        preset = data.get("period") or (DEFAULT_PRESET if not (data.get("start") or data.get("end")) else "custom")
        if preset in dict(PRESETS) and preset != "custom":
            first, last = preset_dates(preset, today)
            data["start"], data["end"] = first.isoformat(), last.isoformat()
        data["period"] = preset
        super().__init__(data)
        del self.fields["group_by"]  # the dashboard shows every grouping
        self.fields["start"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["end"].widget = forms.DateInput(attrs={"type": "date"})
        for field in self.fields.values():
            bootstrap_widget(field.widget, small=True)


def _quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def preset_dates(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (both included) of a period preset, relative to `today`."""
    if preset.endswith("d") and preset[:-1].isdigit():
        return today - dt.timedelta(days=int(preset[:-1]) - 1), today
    month_start = today.replace(day=1)
    if preset == "this_month":
        return month_start, today
    if preset == "last_month":
        last = month_start - dt.timedelta(days=1)
        return last.replace(day=1), last
    quarter_start = _quarter_start(today)
    if preset == "this_quarter":
        return quarter_start, today
    if preset == "last_quarter":
        last = quarter_start - dt.timedelta(days=1)
        return _quarter_start(last), last
    return today.replace(month=1, day=1), today  # this_year


def period_label(start: dt.datetime, end: dt.datetime) -> str:
    """ "2026-10-27 – 2026-11-25" for whole local days, else the instants to the minute."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.time() == end.time() == dt.time.min:
        return f"{start.date().isoformat()} – {(end.date() - dt.timedelta(days=1)).isoformat()}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def duration_text(seconds: int | None) -> str:
    """A mean time as people read it: "3 d 4 h", "2 h 15 min", "12 min"; "—" without data."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def _filters_text(form: DashboardForm) -> list[tuple[str, str]]:
    """(label, chosen value) of each filter that is set, for headers and the print view."""
    chosen = []
    for name in FILTER_NAMES:
        value = form.cleaned_data.get(name)
        if value not in (None, ""):
            field = form.fields[name]
            text = (
                str(value) if isinstance(field, forms.ModelChoiceField) else str(dict(field.choices).get(value, value))
            )
            chosen.append((str(field.label), text))
    return chosen


def _api_query(form: DashboardForm) -> str:
    """The compliance API's query for the same period (exact instants) and filters."""
    data = form.cleaned_data
    params = {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
    params.update(form.report_filters())
    return urlencode(params)


def _chart(label: str, rows: list[dict], key: str = "label") -> dict:
    return {"label": label, "labels": [row[key] for row in rows], "values": [row["compliance_percent"] for row in rows]}


def dashboard_context(request) -> dict:
    """The form and, when it is valid, every figure of the dashboard."""
    require_permission(request.user, SLAClock, "view")
    form = DashboardForm(request.GET, today=timezone.localdate())
    context = {"form": form, "body_id": BODY_ID, "group_labels": dict(GROUP_BY_CHOICES)}
    if not form.is_valid():
        return context
    data = form.cleaned_data
    figures = sla_dashboard(user=request.user, start=data["start"], end=data["end"], filters=form.report_filters())
    at_risk = figures["at_risk"]
    charts = {key: _chart(str(dict(GROUP_BY_CHOICES)[key]), figures["by"][key]) for key in GROUP_KEYS}
    charts["trend"] = _chart(_("Compliance per week"), figures["trend"])
    context.update(
        figures=figures,
        groups=[(key, dict(GROUP_BY_CHOICES)[key], figures["by"][key]) for key in GROUP_KEYS],
        charts=charts,
        period=period_label(data["start"], data["end"]),
        filters_text=_filters_text(form),
        mean_acknowledge=duration_text(figures["acknowledge"]["seconds"]),
        mean_resolve=duration_text(figures["resolve"]["seconds"]),
        at_risk_more=len(at_risk) >= AT_RISK_LIMIT,
        query=request.GET.urlencode(),
        api_url=f"{reverse('api:sla-compliance')}?{_api_query(form)}",
        generated_at=timezone.localtime(),
    )
    return context


@login_required
def sla_dashboard_page(request):
    """The dashboard; htmx filter changes get the figures only (and the dates a preset period resolved to)."""
    context = dashboard_context(request)
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx and htmx.target == BODY_ID and not htmx.history_restore_request)
    context["swap_dates"] = partial and context["form"].data.get("period") != "custom"
    return render(request, "slm/dashboard_body.html" if partial else "slm/dashboard.html", context)


@login_required
def sla_dashboard_print(request):
    """The same figures as a printable report: period, filters and author in the header, every table."""
    return render(request, "slm/dashboard_print.html", dashboard_context(request))


@login_required
def sla_dashboard_export(request):
    """The dashboard's rows as CSV: one grouping (`group_by`) or all four and the weekly trend."""
    context = dashboard_context(request)
    form = context["form"]
    if "figures" not in context:
        return HttpResponse(
            "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    figures = context["figures"]
    wanted = request.GET.get("group_by")
    groups = [wanted] if wanted in GROUP_KEYS else [*GROUP_KEYS, "week"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        rows = figures["trend"] if group == "week" else figures["by"][group]
        for row in rows:
            key = row["week"].isoformat() if group == "week" else row["key"]
            percent = row["compliance_percent"]
            cells = (group, key, row["label"], row["total"], row["met"], row["breached"], percent)
            writer.writerow([defuse(cell) for cell in cells])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="sla-compliance-{stamp}.csv"'
    return response
