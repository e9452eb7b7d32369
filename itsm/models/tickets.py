"""`TicketModel`: the abstract base of incidents, problems, changes, releases and security incidents."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from itsm.choices import ImpactChoices
from itsm.models.base import ItsmModel, RestrictedQuerySet
from itsm.models.users import Team


class TicketQuerySet(RestrictedQuerySet):
    """Tickets; requesters see only the ones they requested or watch."""

    def scope(self, user, action):
        if user.is_staff_member:
            return self
        watchers = self.model.watchers.through
        watching = watchers.objects.filter(**{f"{self.model._meta.model_name}_id": OuterRef("pk"), "user_id": user.pk})
        return self.filter(Q(requester=user) | Exists(watching))


class TicketModel(ItsmModel):
    """Number, title, description, status, impact/urgency/priority, people, team, journal and a version.

    `status` only moves through the model's `workflow` (see `itsm.workflows`); `version` increments on
    every write and is the ticket's ETag, so a stale edit is detected instead of overwriting.
    Subclasses set `NUMBER_PREFIX`, `status` choices and `workflow`, and add their own CI relations.
    """

    NUMBER_PREFIX = ""
    workflow = None

    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, db_index=True)
    impact = models.CharField(_("impact"), max_length=10, choices=ImpactChoices.choices, default=ImpactChoices.MEDIUM)
    urgency = models.CharField(_("urgency"), max_length=10, choices=ImpactChoices.choices, default=ImpactChoices.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), default=3, editable=False, db_index=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_requested",
    )
    assignment_group = models.ForeignKey(
        Team,
        verbose_name=_("assignment group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_assigned",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_assigned",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_created",
        editable=False,
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("watchers"),
        blank=True,
        related_name="%(app_label)s_%(class)s_watching",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    journal = GenericRelation("itsm.JournalEntry")

    objects = TicketQuerySet.as_manager()

    audit_exclude = frozenset({"updated_at", "created_at", "version"})

    class Meta:
        abstract = True
        ordering = ["-id"]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def etag(self) -> str:
        """The entity tag the API sends and expects back in If-Match."""
        return f'"{self.version}"'
