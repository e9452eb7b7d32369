"""Choices of the CMDB."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CIStatusChoices(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_DEVELOPMENT = "in_development", _("In development")
    ACTIVE = "active", _("Active")
    MAINTENANCE = "maintenance", _("Maintenance")
    RETIRED = "retired", _("Retired")


class EnvironmentChoices(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging")
    TEST = "test", _("Test")
    DEVELOPMENT = "development", _("Development")


class CriticalityChoices(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class RelationshipTypeChoices(models.TextChoices):
    """ "A <type> B". For depends_on/runs_on/uses/contains a failure of B impacts A; connects_to goes both ways."""

    DEPENDS_ON = "depends_on", _("depends on")
    RUNS_ON = "runs_on", _("runs on")
    USES = "uses", _("uses")
    CONNECTS_TO = "connects_to", _("connects to")
    CONTAINS = "contains", _("contains")


class AttributeTypeChoices(models.TextChoices):
    STRING = "string", _("Text")
    INTEGER = "integer", _("Whole number")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Yes/no")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class ImportStatusChoices(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
