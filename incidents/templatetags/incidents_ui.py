"""Template helpers of the incident pages: safe markdown, priority and status badges."""

import threading

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

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
