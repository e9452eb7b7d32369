"""Choices of Incident Management."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKindChoices(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Service request")


class IncidentStatusChoices(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (IncidentStatusChoices.NEW, IncidentStatusChoices.IN_PROGRESS, IncidentStatusChoices.ON_HOLD)


class OnHoldReasonChoices(models.TextChoices):
    AWAITING_CALLER = "awaiting_caller", _("Awaiting caller")
    AWAITING_VENDOR = "awaiting_vendor", _("Awaiting vendor")
    AWAITING_CHANGE = "awaiting_change", _("Awaiting change")
    OTHER = "other", _("Other")


class ChannelChoices(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Self-service portal")
    CHAT = "chat", _("Chat")
    WALK_IN = "walk_in", _("Walk-in")
    MONITORING = "monitoring", _("Monitoring")
    API = "api", _("API")


class ResolutionCodeChoices(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    WORKAROUND = "workaround", _("Workaround")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_FAULT_FOUND = "no_fault_found", _("No fault found")
    USER_ERROR = "user_error", _("User error")
    OTHER = "other", _("Other")
