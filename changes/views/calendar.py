"""The change calendar (forward schedule of change): a month or a week of planned changes and change windows,
filtered by service, team and CI, navigable and printable. Reads through `changes.selectors.change_calendar`."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from changes.forms import CalendarFilterForm
from changes.models import Change
from changes.selectors import change_calendar
from itsm.views.admin_ui import require_permission

# A month cell shows this many entries; the week view (one click away) shows them all.
MONTH_CELL_LIMIT = 6
BODY_ID = "calendar-body"


@dataclass
class Day:
    """One day of the grid and the windows and changes that touch it (local time)."""

    date: date
    in_range: bool
    today: bool
    windows: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    hidden: int = 0  # entries left out of a month cell

    def limit(self, count: int) -> None:
        """Keep the first `count` entries (windows first: a freeze matters more than any one change)."""
        total = len(self.windows) + len(self.changes)
        self.windows = self.windows[:count]
        self.changes = self.changes[: max(0, count - len(self.windows))]
        self.hidden = total - len(self.windows) - len(self.changes)


def calendar_range(view: str, anchor: date) -> tuple[date, date, date, date, date]:
    """(first day shown, day after the last shown, first and last day of the period, previous and next anchors).

    A month shows whole weeks (Monday first) around it; a week runs Monday to Sunday.
    """
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=7), first, first + timedelta(days=6), first - timedelta(days=7)
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    last = following - timedelta(days=1)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=7 - last.weekday())
    return grid_start, grid_end, first, last, (first - timedelta(days=1)).replace(day=1)


def _local_days(start: datetime, end: datetime, grid_start: date, grid_end: date):
    """The local dates an entry spans, clipped to the grid (an entry ending at midnight does not reach that day)."""
    first = max(timezone.localtime(start).date(), grid_start)
    last = min(timezone.localtime(end - timedelta(microseconds=1)).date(), grid_end - timedelta(days=1))
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
def calendar_page(request):
    """The change calendar; htmx filter and navigation requests get the calendar body only."""
    require_permission(request.user, Change, "view")
    form = CalendarFilterForm(request.GET, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or "month"
    today = timezone.localdate()
    anchor = data.get("date") or today
    grid_start, grid_end, period_first, period_last, previous = calendar_range(view, anchor)
    following = period_last + timedelta(days=1)
    schedule = change_calendar(
        user=request.user,
        start=_aware(grid_start),
        end=_aware(grid_end),
        service=data.get("service"),
        team=data.get("team"),
        ci=data.get("ci"),
    )
    days = {}
    day = grid_start
    while day < grid_end:
        days[day] = Day(date=day, in_range=period_first <= day <= period_last, today=day == today)
        day += timedelta(days=1)
    for window in schedule.windows:
        for day in _local_days(window.start, window.end, grid_start, grid_end):
            days[day].windows.append(window)
    for change in schedule.changes:
        for day in _local_days(change.planned_start, change.planned_end, grid_start, grid_end):
            days[day].changes.append(change)
    ordered = list(days.values())
    if view == "month":
        for day in ordered:
            day.limit(MONTH_CELL_LIMIT)
    filters = request.GET.copy()
    for name in ("view", "date"):
        filters.pop(name, None)
    context = {
        "form": form,
        "view": view,
        "anchor": anchor,
        "period_first": period_first,
        "period_last": period_last,
        "weeks": [ordered[i : i + 7] for i in range(0, len(ordered), 7)],
        "previous": previous,
        "following": following,
        "today": today,
        "filter_query": filters.urlencode(),
        "change_count": len(schedule.changes),
        "window_count": len(schedule.windows),
        "picked_cis": [data["ci"]] if data.get("ci") else [],
        "body_id": BODY_ID,
    }
    htmx = getattr(request, "htmx", None)
    partial = htmx and htmx.target == BODY_ID and not htmx.history_restore_request
    return render(request, "changes/partials/_calendar_body.html" if partial else "changes/calendar.html", context)
