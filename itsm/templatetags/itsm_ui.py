"""Template filters of the core UI: role labels and audit event objects."""

from django import template
from django.apps import apps
from django.urls import NoReverseMatch
from django.utils.text import capfirst

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
    return capfirst(model._meta.verbose_name) if model else object_type


@register.filter
def object_url(event) -> str:
    """The detail page of an audit event's object (the model's get_absolute_url), or "" (deleted, or no page)."""
    model = audited_model(event.object_type)
    if event.action == "delete" or model is None or not hasattr(model, "get_absolute_url"):
        return ""
    try:
        return model(pk=int(event.object_id)).get_absolute_url()
    except (NoReverseMatch, ValueError):
        return ""
