"""Template helpers of the change pages: the colours of status, risk, vote and window badges."""

from django import template

register = template.Library()

STATUS_CLASSES = {
    "draft": "light",
    "assessment": "info",
    "authorization": "warning",
    "scheduled": "primary",
    "implementation": "primary",
    "review": "info",
    "closed": "secondary",
    "rejected": "danger",
    "cancelled": "dark",
}
RISK_CLASSES = {"low": "success", "medium": "warning", "high": "danger", "very_high": "danger"}
DECISION_CLASSES = {"approve": "success", "reject": "danger", "abstain": "secondary"}
WINDOW_CLASSES = {"blackout": "dark", "maintenance": "success"}


@register.filter
def change_status_class(status) -> str:
    """The Bootstrap colour of a change status badge."""
    return STATUS_CLASSES.get(status, "secondary")


@register.filter
def risk_class(risk) -> str:
    """The Bootstrap colour of a risk badge."""
    return RISK_CLASSES.get(risk, "secondary")


@register.filter
def decision_class(decision) -> str:
    """The Bootstrap colour of a CAB vote."""
    return DECISION_CLASSES.get(decision, "secondary")


@register.filter
def window_class(kind) -> str:
    """The Bootstrap colour of a blackout or maintenance window."""
    return WINDOW_CLASSES.get(kind, "secondary")
