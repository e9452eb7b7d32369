"""The append-only audit trail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from itsm.choices import AuditActionChoices, AuditSourceChoices
from itsm.models.base import RestrictedQuerySet


class AuditEventImmutable(Exception):
    """Raised on any attempt to edit or delete an audit event."""


class AuditEventQuerySet(RestrictedQuerySet):
    """Audit events are never updated nor deleted, not even in bulk."""

    def update(self, **kwargs):
        raise AuditEventImmutable("Audit events are append-only.")

    def delete(self):
        raise AuditEventImmutable("Audit events are append-only.")

    def scope(self, user, action):
        # Events are visible to whoever may view the object's model; requesters see journals instead.
        if not user.is_staff_member:
            return self.none()
        from django.apps import apps

        visible = []
        for model in apps.get_models():
            if getattr(model, "audited", False) and user.has_perm(
                f"{model._meta.app_label}.view_{model._meta.model_name}"
            ):
                visible.append(model._meta.label_lower)
        return self.filter(object_type__in=visible)


class AuditEvent(models.Model):
    """One create/update/delete/transition of a record, with field-level before/after, actor and source."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_repr = models.CharField(_("actor name"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=AuditSourceChoices.choices)
    action = models.CharField(_("action"), max_length=12, choices=AuditActionChoices.choices)
    transition = models.CharField(_("transition"), max_length=50, blank=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    correlation_id = models.CharField(_("correlation id"), max_length=32, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="itsm_audit_object_idx")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEventImmutable("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventImmutable("Audit events are append-only.")
