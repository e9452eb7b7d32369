"""Template helpers of the incident pages: safe markdown, priority and status badges."""

import threading

import markdown as markdown_lib
import nh3
from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from incidents.choices import IncidentStatusChoices

register = template.Library()

PRIORITY_CLASSES = {1: "danger", 2: "warning", 3: "info", 4: "secondary", 5: "light"}
STATUS_CLASSES = {
    "new": "primary",
    "in_progress": "info",
    "on_hold": "warning",
    "resolved": "success",
    "closed": "secondary",
    "cancelled": "dark",
}


_converters = threading.local()


def _converter() -> markdown_lib.Markdown:
    # Building a Markdown parser costs more than converting a comment; keep one per thread and reset it.
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(extensions=["fenced_code", "sane_lists"])
    return converter


@register.filter
def markdown(text: str) -> str:
    """Markdown to HTML; raw HTML and scripts are stripped by nh3, so user text is inert."""
    html = _converter().reset().convert(text or "")
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised by nh3 just above


@register.filter
def priority_class(priority) -> str:
    """The Bootstrap colour of a priority badge."""
    return PRIORITY_CLASSES.get(priority, "secondary")


@register.filter
def status_class(status) -> str:
    """The Bootstrap colour of a status badge."""
    return STATUS_CLASSES.get(status, "secondary")


@register.filter
def status_label(status) -> str:
    """The label of a status value (a dictionary lookup, unlike get_status_display on every row)."""
    try:
        return IncidentStatusChoices(status).label
    except ValueError:
        return status


@register.filter
def sla_time_left(due_at) -> str:
    """Wall time until a due instant, compact: "3h 05m left", "2d 4h left", "1h 10m overdue"."""
    seconds = int((due_at - timezone.now()).total_seconds())
    minutes = abs(seconds) // 60
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    span = f"{days}d {hours}h" if days else f"{hours}h {mins:02d}m" if hours else f"{mins}m"
    return _("%(span)s left") % {"span": span} if seconds >= 0 else _("%(span)s overdue") % {"span": span}
