"""Users (with roles, manager and time zone) and teams (assignment groups)."""

import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from itsm import roles
from itsm.models.access import UserAccess, user_access_load
from itsm.models.base import ItsmModel, RestrictedQuerySet


def validate_timezone(value: str) -> None:
    """Accept IANA time zone names only."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not an IANA time zone."), params={"value": value})


class UserQuerySet(RestrictedQuerySet):
    """Users; anyone allowed to view users sees them all."""


class ItsmUserManager(UserManager.from_queryset(UserQuerySet)):
    """The auth manager with `restrict()`."""


# What str(user) reads: enough for lists that show users as {"id", "display", "url"}.
USER_DISPLAY_FIELDS = ("id", "username", "first_name", "last_name")


class User(AbstractUser):
    """A person who uses the service desk: requester, agent, manager, ... (roles are groups)."""

    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text=_("Notified by hierarchical escalations."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])

    objects = ItsmUserManager()

    audited = True
    audit_exclude = frozenset({"last_login", "date_joined"})
    audit_masked = frozenset({"password"})

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_absolute_url(self):
        return reverse("itsm:user", kwargs={"pk": self.pk})

    @cached_property
    def access(self) -> UserAccess:
        """Role (group) names and "app_label.codename" permissions, read together in one query per request."""
        return user_access_load(self)

    @cached_property
    def role_slugs(self) -> list[str]:
        """The user's roles, as slugs, in the canonical order."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
        # Lists of users prefetch their groups; the signed-in user reads them with its permissions.
        names = {group.name for group in prefetched} if prefetched is not None else self.access.group_names
        return [role for role in roles.ROLES if role in names]

    def has_role(self, *slugs: str) -> bool:
        """True when the user holds any of the roles (superusers hold them all)."""
        return self.is_superuser or any(slug in self.role_slugs for slug in slugs)

    @property
    def is_staff_member(self) -> bool:
        """Anyone who works service-support records (not only a requester)."""
        return self.has_role(*roles.STAFF_ROLES)


class Team(ItsmModel):
    """An assignment group: internal support team or an external vendor's team."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    manager = models.ForeignKey(
        User, verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    members = models.ManyToManyField(User, verbose_name=_("members"), blank=True, related_name="teams")
    escalation_team = models.ForeignKey(
        "self",
        verbose_name=_("escalation team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_from",
        help_text=_("Receives tickets on functional escalation."),
    )
    vendor = models.CharField(_("vendor"), max_length=100, blank=True, help_text=_("Set for external teams."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("itsm:team", kwargs={"pk": self.pk})

    def clean(self):
        if self.escalation_team_id and self.escalation_team_id == self.pk:
            raise ValidationError({"escalation_team": _("A team cannot escalate to itself.")})
