"""How SLM records read on a page: durations, targets per priority, working hours per weekday."""

from django.utils.translation import gettext as _

from slm.business_time import DAY_MINUTES, interval_from_hours
from slm.choices import EscalationActionChoices, MetricChoices
from slm.forms import BREACH_PERCENT, PRIORITIES, WEEKDAYS

ACTION_LABELS = dict(EscalationActionChoices.choices)


def format_duration(seconds: int | None) -> str:
    """4 h 30 min, 2 h, 45 min; "—" for no target."""
    if not seconds:
        return "—"
    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(h)d h") % {"h": hours} if hours else _("%(m)d min") % {"m": minutes}


def target_rows(agreement) -> list[dict]:
    """One row per priority: its response and resolution targets, formatted."""
    by_key = {(t.get("priority"), t.get("metric")): t.get("seconds") for t in agreement.targets or []}
    return [
        {
            "priority": priority,
            "response": format_duration(by_key.get((priority, MetricChoices.RESPONSE))),
            "resolution": format_duration(by_key.get((priority, MetricChoices.RESOLUTION))),
        }
        for priority in PRIORITIES
    ]


def escalation_rows(agreement) -> list[dict]:
    """Each warning percent and the breach with the actions taken there (labels)."""
    rules = agreement.escalation_rules or {}
    return [
        {"percent": percent, "actions": [str(ACTION_LABELS.get(a, a)) for a in rules.get(str(percent), [])]}
        for percent in [*agreement.warning_percents, BREACH_PERCENT]
    ]


def hours_by_day(hours: list[dict]) -> list[dict]:
    """Each weekday with its intervals ("08:00–12:00", past-midnight ends marked) for display."""
    days = [{"label": str(label), "intervals": []} for label in WEEKDAYS]
    for item in sorted(hours or [], key=lambda i: (i.get("weekday", 0), i.get("start", ""))):
        try:
            weekday, start, end = interval_from_hours(item)
        except ValueError:
            continue
        text = f"{item['start']}–{item['end']}"
        if end > DAY_MINUTES:
            text += " " + _("(next day)")
        days[weekday]["intervals"].append(text)
    return days


def weekly_hours(hours: list[dict]) -> float:
    """Working hours in a week (holidays aside)."""
    total = 0
    for item in hours or []:
        try:
            _weekday, start, end = interval_from_hours(item)
        except ValueError:
            continue
        total += end - start
    return round(total / 60, 2)
