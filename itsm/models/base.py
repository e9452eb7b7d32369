"""Abstract model bases shared by every process app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a user may see or do: `restrict(user, action)`.

    The model permission decides whether the user may perform the action on the model at all;
    `scope()` narrows further to the rows in the user's visibility (override per model).
    """

    def restrict(self, user, action: str = "view"):
        """Rows of this queryset on which `user` may perform `action` (view/add/change/delete)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        opts = self.model._meta
        if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return self.none()
        if user.is_superuser:
            return self
        return self.scope(user, action)

    def scope(self, user, action: str):
        """Rows in the user's visibility for an action they hold the permission for; everything by default."""
        return self


class ItsmModel(models.Model):
    """Base of every domain model: timestamps, audit trail, and `objects.restrict(user, action)`."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    audited = True
    # Fields whose changes are noise in the audit trail.
    audit_exclude = frozenset({"updated_at", "created_at"})

    class Meta:
        abstract = True
