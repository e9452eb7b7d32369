"""CMDB models: CI classes with attribute schemas, CIs, relationships, baselines and import jobs."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cmdb.choices import (
    CIStatusChoices,
    CriticalityChoices,
    EnvironmentChoices,
    ImportStatusChoices,
    RelationshipTypeChoices,
)
from itsm.models import ItsmModel, RestrictedQuerySet, Team


class CIClass(ItsmModel):
    """A kind of configuration item (Business Service, Application, Server, ...) in a tree of classes.

    `attribute_schema` lists this class's own attributes; a class also has every attribute of its ancestors.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent class"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(_("description"), blank=True)
    attribute_schema = models.JSONField(_("attribute schema"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("CI class")
        verbose_name_plural = _("CI classes")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cmdb:ciclass", kwargs={"pk": self.pk})

    def ancestors(self) -> list["CIClass"]:
        """Parent, grandparent, ... (nearest first); stops on a loop rather than spinning."""
        chain, seen, current = [], {self.pk}, self.parent
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.parent
        return chain

    def effective_schema(self) -> list[dict]:
        """The attributes a CI of this class has: the ancestors' (root first), then its own."""
        schema = []
        for klass in [*reversed(self.ancestors()), self]:
            schema.extend(klass.attribute_schema or [])
        return schema


class ConfigurationItem(ItsmModel):
    """A configuration item: anything IT manages whose failure or change matters (service, app, server, ...)."""

    name = models.CharField(_("name"), max_length=200)
    ci_class = models.ForeignKey(CIClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="cis")
    status = models.CharField(
        _("status"), max_length=20, choices=CIStatusChoices.choices, default=CIStatusChoices.ACTIVE
    )
    environment = models.CharField(
        _("environment"), max_length=20, choices=EnvironmentChoices.choices, default=EnvironmentChoices.PRODUCTION
    )
    criticality = models.CharField(
        _("criticality"), max_length=10, choices=CriticalityChoices.choices, default=CriticalityChoices.MEDIUM
    )
    owner_team = models.ForeignKey(
        Team, verbose_name=_("owner team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cis"
    )
    description = models.TextField(_("description"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        constraints = [models.UniqueConstraint(fields=["ci_class", "name"], name="cmdb_ci_unique_class_name")]
        indexes = [
            models.Index(fields=["name", "id"], name="cmdb_ci_name_idx"),
            models.Index(fields=["ci_class", "name"], name="cmdb_ci_class_name_idx"),
            models.Index(fields=["status", "name"], name="cmdb_ci_status_idx"),
            models.Index(fields=["environment", "name"], name="cmdb_ci_env_idx"),
            models.Index(fields=["owner_team", "name"], name="cmdb_ci_team_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cmdb:ci", kwargs={"pk": self.pk})


class CIRelationship(ItsmModel):
    """ "source <type> target": e.g. "Payroll app runs_on srv-042". Drives impact analysis."""

    source = models.ForeignKey(
        ConfigurationItem, verbose_name=_("source"), on_delete=models.CASCADE, related_name="outgoing"
    )
    target = models.ForeignKey(
        ConfigurationItem, verbose_name=_("target"), on_delete=models.CASCADE, related_name="incoming"
    )
    type = models.CharField(_("type"), max_length=20, choices=RelationshipTypeChoices.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("CI relationship")
        verbose_name_plural = _("CI relationships")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "type"], name="cmdb_rel_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="cmdb_rel_not_self"),
        ]
        # The unique constraint's index serves walks by source; impact walks need target first, and walks up
        # (what a CI depends on) follow `connects_to` links from their target too.
        indexes = [
            models.Index(fields=["target", "source"], name="cmdb_rel_target_idx"),
            models.Index(
                fields=["target", "source"], condition=Q(type="connects_to"), name="cmdb_rel_connects_target_idx"
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.get_type_display()} {self.target}"


class CIBaseline(ItsmModel):
    """A named snapshot of the CIs matching a filter, with their attributes and relationships."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    filter = models.JSONField(_("filter"), default=dict, blank=True, help_text=_("The CI filter it captured."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ci_count = models.PositiveIntegerField(_("CIs"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("CI baseline")
        verbose_name_plural = _("CI baselines")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cmdb:baseline", kwargs={"pk": self.pk})


class CIBaselineItem(models.Model):
    """One CI as it was when the baseline was taken (`data`: fields, attributes and outgoing relationships)."""

    baseline = models.ForeignKey(CIBaseline, on_delete=models.CASCADE, related_name="items")
    ci_id = models.BigIntegerField()
    data = models.JSONField()

    audited = False

    class Meta:
        constraints = [models.UniqueConstraint(fields=["baseline", "ci_id"], name="cmdb_baseline_item_unique")]

    def __str__(self):
        return f"{self.baseline_id}:{self.ci_id}"


class CIImportJobQuerySet(RestrictedQuerySet):
    """Import jobs; reports name rows of other people's files, so each user sees their own (admins all)."""

    def scope(self, user, action):
        return self if user.has_perm("cmdb.delete_ciimportjob") else self.filter(created_by=user)


class CIImportJob(ItsmModel):
    """A bulk import run in the background; its per-row report stays so the user can come back to it."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatusChoices.choices, default=ImportStatusChoices.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = CIImportJobQuerySet.as_manager()

    # The rows it writes are audited one by one; the job's own progress ticks are not worth an event each.
    audited = False

    class Meta:
        ordering = ["-id"]
        verbose_name = _("CI import")
        verbose_name_plural = _("CI imports")

    def __str__(self):
        return f"Import #{self.pk} ({self.file_name or 'API'})"

    @property
    def percent(self) -> int:
        """How far along the import is, 0-100."""
        if self.status == ImportStatusChoices.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0
