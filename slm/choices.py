"""Choices of Service Level Management."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceStatusChoices(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    LIVE = "live", _("Live")
    RETIRED = "retired", _("Retired")


class AgreementKindChoices(models.TextChoices):
    SLA = "sla", _("Service level agreement")
    OLA = "ola", _("Operational level agreement")
    UC = "uc", _("Underpinning contract")


class MetricChoices(models.TextChoices):
    RESPONSE = "response", _("Response")
    RESOLUTION = "resolution", _("Resolution")


class ClockStatusChoices(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class EscalationActionChoices(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", _("Notify the assignee")
    NOTIFY_TEAM = "notify_team", _("Notify the team")
    NOTIFY_TEAM_MANAGER = "notify_team_manager", _("Notify the team's manager")
    NOTIFY_ASSIGNEE_MANAGER = "notify_assignee_manager", _("Notify the assignee's manager")
    REASSIGN_ESCALATION_TEAM = "reassign_escalation_team", _("Reassign to the escalation team")


class RecomputeStatusChoices(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
