"""Choices shared by every process app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImpactChoices(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


UrgencyChoices = ImpactChoices


class VisibilityChoices(models.TextChoices):
    PUBLIC = "public", _("Public comment")
    INTERNAL = "internal", _("Internal work note")


class AuditSourceChoices(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    TASK = "task", _("Background task")
    COMMAND = "command", _("Management command")
    SYSTEM = "system", _("System")


class AuditActionChoices(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    TRANSITION = "transition", _("Transition")


class OutboxChannelChoices(models.TextChoices):
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In-app notification")


class OutboxStatusChoices(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# impact x urgency -> priority (1 = critical ... 5 = planning), as in the API contract.
PRIORITY_MATRIX = {
    ("high", "high"): 1,
    ("high", "medium"): 2,
    ("medium", "high"): 2,
    ("high", "low"): 3,
    ("medium", "medium"): 3,
    ("low", "high"): 3,
    ("medium", "low"): 4,
    ("low", "medium"): 4,
    ("low", "low"): 5,
}


def priority_for(impact: str, urgency: str) -> int:
    """Priority from the impact x urgency matrix."""
    return PRIORITY_MATRIX[(impact, urgency)]
