"""Template filters of the core UI: role labels and audit event objects."""

from django import template
from django.apps import apps
from django.urls import NoReverseMatch, reverse

from itsm.roles import ROLE_LABELS

register = template.Library()


@register.filter
def role_label(slug: str) -> str:
    """The translated label of a role slug."""
    return ROLE_LABELS.get(slug, slug)


def audited_model(object_type: str):
    """The model class of an audit event's `object_type`, or None when it no longer exists."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def object_type_label(object_type: str) -> str:
    """The model's verbose name of an audit object type ("itsm.user" -> "User"), or the raw type if unknown."""
    model = audited_model(object_type)
    return str(model._meta.verbose_name).capitalize() if model else object_type


@register.filter
def object_url(event) -> str:
    """The detail page of an audit event's object, by the `<app>:<model>` URL naming convention, or ""."""
    if event.action == "delete":
        return ""
    app_label, _dot, model_name = event.object_type.partition(".")
    try:
        return reverse(f"{app_label}:{model_name}", kwargs={"pk": event.object_id})
    except NoReverseMatch:
        return ""
