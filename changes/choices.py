"""Choices of Change Management and the CAB."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeTypeChoices(models.TextChoices):
    STANDARD = "standard", _("Standard")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class ChangeStatusChoices(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSESSMENT = "assessment", _("Assessment")
    AUTHORIZATION = "authorization", _("Authorization")
    SCHEDULED = "scheduled", _("Scheduled")
    IMPLEMENTATION = "implementation", _("Implementation")
    REVIEW = "review", _("Review")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (
    ChangeStatusChoices.DRAFT,
    ChangeStatusChoices.ASSESSMENT,
    ChangeStatusChoices.AUTHORIZATION,
    ChangeStatusChoices.SCHEDULED,
    ChangeStatusChoices.IMPLEMENTATION,
    ChangeStatusChoices.REVIEW,
)
# Changes that still hold their planned window (they can collide with another change).
PLANNED_STATUSES = (
    ChangeStatusChoices.ASSESSMENT,
    ChangeStatusChoices.AUTHORIZATION,
    ChangeStatusChoices.SCHEDULED,
    ChangeStatusChoices.IMPLEMENTATION,
)


class RiskChoices(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


class OutcomeChoices(models.TextChoices):
    SUCCESSFUL = "successful", _("Successful")
    SUCCESSFUL_WITH_ISSUES = "successful_with_issues", _("Successful with issues")
    FAILED = "failed", _("Failed")
    BACKED_OUT = "backed_out", _("Backed out")


# Outcomes (and emergency changes) that need a post-implementation review before closure.
REVIEW_REQUIRED_OUTCOMES = (OutcomeChoices.FAILED, OutcomeChoices.BACKED_OUT)


class CABPolicyChoices(models.TextChoices):
    ALL = "all", _("All members approve")
    MAJORITY = "majority", _("A majority of members approves")
    ANY = "any", _("Any member approves")
    QUORUM = "quorum", _("A quorum (%) of members approves")


class DecisionChoices(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    ABSTAIN = "abstain", _("Abstain")


class WindowKindChoices(models.TextChoices):
    BLACKOUT = "blackout", _("Blackout (change freeze)")
    MAINTENANCE = "maintenance", _("Maintenance window")


class ConflictKindChoices(models.TextChoices):
    CI_OVERLAP = "ci_overlap", _("Overlapping change")
    BLACKOUT = "blackout", _("In a blackout window")
    OUTSIDE_MAINTENANCE = "outside_maintenance", _("Outside the maintenance windows")
