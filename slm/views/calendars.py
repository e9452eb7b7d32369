"""Business calendar pages: the list, a calendar's week and holidays, and the editor.

The editor is one form: a weekly grid of working intervals, the holiday rows, and two helpers that add rows
to the holiday list without saving (public holidays of a country, the all-day events of an .ics file). Nothing
is written until Save, which goes through `calendar_save` (validated, audited, stale edits refused).
"""

import copy

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from itsm.views.admin_ui import Column, ObjectListView, require_permission
from itsm.views.audit import audit_history
from itsm.views.editing import save_with_form
from slm.filtersets import CalendarFilterSet
from slm.forms import DEFAULT_HOURS, CalendarForm, HolidayFillForm, HolidayImportForm, HolidayRows, WeeklyHours
from slm.holidays import MAX_ICS_BYTES, merge_holidays, parse_ics, public_holidays, subdivision_choices
from slm.models import Agreement, Calendar
from slm.services import calendar_save
from slm.views.display import hours_by_day, weekly_hours
from slm.views.editing import saved_message


class CalendarListView(ObjectListView):
    """Calendars with time zone, working hours a week, holiday count and the services using them."""

    model = Calendar
    filterset_class = CalendarFilterSet
    template_name = "slm/calendar_list.html"
    results_template_name = "slm/partials/_calendar_results.html"
    columns = (
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Time zone"), "timezone"),
        Column(gettext_lazy("Hours a week")),
        Column(gettext_lazy("Holidays")),
        Column(gettext_lazy("Services"), "services"),
    )
    sort_orders = {"name": ("name",), "timezone": ("timezone",), "services": ("service_count",)}
    default_sort = "name"
    filter_labels = {"timezone": gettext_lazy("Time zone")}

    def get_queryset(self):
        return super().get_queryset().annotate(service_count=Count("services"))

    def rows(self, page) -> list:
        calendars = list(page.object_list)
        for calendar in calendars:
            calendar.weekly_hours = weekly_hours(calendar.hours)
        return calendars


calendar_list = CalendarListView.as_view()


@login_required
def calendar_detail(request, pk):
    """One calendar: its week, holidays, the services and agreements counting time on it, and its history."""
    require_permission(request.user, Calendar, "view")
    calendar = get_object_or_404(Calendar.objects.restrict(request.user, "view"), pk=pk)
    context = {
        "calendar": calendar,
        "days": hours_by_day(calendar.hours),
        "weekly_hours": weekly_hours(calendar.hours),
        "services": calendar.services.restrict(request.user, "view").order_by("name"),
        "agreements": Agreement.objects.restrict(request.user, "view").filter(calendar=calendar).order_by("name"),
        "audit_events": audit_history(request.user, calendar),
    }
    return render(request, "slm/calendar.html", context)


def _require_editor(user) -> None:
    # The holiday helpers serve the editor, for new calendars and existing ones alike.
    if not (user.has_perm("slm.add_calendar") or user.has_perm("slm.change_calendar")):
        raise PermissionDenied


def _editor_context(form, grid, rows, *, calendar, fill_form=None, import_form=None, notice="") -> dict:
    return {
        "form": form,
        "grid": grid,
        "holiday_rows": rows,
        "fill_form": fill_form or HolidayFillForm(),
        "import_form": import_form or HolidayImportForm(),
        "notice": notice,
        "calendar": calendar,
    }


def _route_errors(grid: WeeklyHours, rows: HolidayRows):
    def keep(errors: dict) -> dict:
        # Hours and holidays are drawn by the editor itself: their errors go next to the grid and the list.
        grid.errors = errors.pop("hours", [])
        rows.errors = errors.pop("holidays", [])
        return errors

    return keep


@login_required
def calendar_edit(request, pk=None):
    """Create (no pk) or change a calendar: name, time zone, the weekly grid and the holidays."""
    require_permission(request.user, Calendar, "add" if pk is None else "change")
    calendar = None if pk is None else get_object_or_404(Calendar.objects.restrict(request.user, "change"), pk=pk)
    if request.method != "POST":
        form = CalendarForm(instance=calendar)
        grid = WeeklyHours.from_hours(calendar.hours if calendar else DEFAULT_HOURS)
        rows = HolidayRows.from_holidays(calendar.holidays if calendar else [])
        return render(request, "slm/calendar_edit.html", _editor_context(form, grid, rows, calendar=calendar))
    form = CalendarForm(request.POST, instance=copy.copy(calendar))
    grid, rows = WeeklyHours.from_data(request.POST), HolidayRows.from_data(request.POST)
    status = 422
    if all([form.is_valid(), grid.is_valid(), rows.is_valid()]):
        saved, status = save_with_form(
            form,
            lambda: calendar_save(
                actor=request.user,
                calendar=calendar,
                expected_updated_at=form.cleaned_data["updated_at"],
                hours=grid.hours(),
                holidays=rows.holidays(),
                **form.fields_for_service(),
            ),
            keep=_route_errors(grid, rows),
        )
        if saved is not None:
            saved_message(
                request,
                saved,
                calendar is None,
                created_text=_("Calendar %(name)s created."),
                saved_text=_("Calendar %(name)s saved."),
            )
            return redirect("slm:calendar", pk=saved.pk)
    context = _editor_context(form, grid, rows, calendar=calendar)
    return render(request, "slm/calendar_edit.html", context, status=status)


def _holiday_editor(request, rows: HolidayRows, **forms):
    return render(request, "slm/partials/_holiday_editor.html", {"holiday_rows": rows, **forms})


@login_required
@require_POST
def holidays_fill(request):
    """Add a country's public holidays to the editor's holiday rows (htmx; nothing is saved)."""
    _require_editor(request.user)
    rows, fill_form = HolidayRows.from_data(request.POST), HolidayFillForm(request.POST)
    try:
        if not fill_form.is_valid():
            raise ValidationError({})
        data = fill_form.cleaned_data
        found = public_holidays(country=data["country"], subdivision=data["subdivision"], years=data["years"])
    except ValidationError as error:
        for name, texts in error.message_dict.items():
            fill_form.add_error(name if name in fill_form.fields else None, texts)
        return _holiday_editor(request, rows, fill_form=fill_form, import_form=HolidayImportForm())
    before = len(rows.holidays())
    merged = HolidayRows.from_holidays(merge_holidays(rows.holidays(), found))
    notice = _("%(added)d holidays added (%(found)d found, days already listed kept).") % {
        "added": len(merged.rows) - before,
        "found": len(found),
    }
    return _holiday_editor(request, merged, fill_form=fill_form, import_form=HolidayImportForm(), notice=notice)


@login_required
@require_POST
def holidays_import(request):
    """Add the all-day events of an uploaded .ics file to the editor's holiday rows (htmx; nothing is saved)."""
    _require_editor(request.user)
    rows, import_form = HolidayRows.from_data(request.POST), HolidayImportForm(request.POST, request.FILES)
    import_form.is_valid()
    upload = import_form.cleaned_data.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": [_("Choose an .ics file.")]})
        result = parse_ics(upload.read(MAX_ICS_BYTES + 1), years=import_form.cleaned_data.get("years"))
    except ValidationError as error:
        for name, texts in error.message_dict.items():
            import_form.add_error(name if name in import_form.fields else None, texts)
        return _holiday_editor(request, rows, fill_form=HolidayFillForm(), import_form=import_form)
    before = len(rows.holidays())
    merged = HolidayRows.from_holidays(merge_holidays(rows.holidays(), result.holidays))
    notice = _("%(added)d holidays added from the file; %(timed)d timed events skipped.") % {
        "added": len(merged.rows) - before,
        "timed": result.skipped_timed,
    }
    return _holiday_editor(request, merged, fill_form=HolidayFillForm(), import_form=HolidayImportForm(), notice=notice)


@login_required
@require_GET
def holiday_subdivisions(request):
    """The subdivision options of the country chosen in the fill form (htmx)."""
    _require_editor(request.user)
    choices = subdivision_choices(request.GET.get("fill-country", ""))
    return render(request, "slm/partials/_subdivision_options.html", {"choices": choices})
