"""Notifications waiting to be delivered (e-mail, in-app), and delivered in-app notifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from itsm.choices import OutboxChannelChoices, OutboxStatusChoices
from itsm.models.base import RestrictedQuerySet


class OutboxMessage(models.Model):
    """A notification written in the same transaction as the event that caused it, delivered by a task."""

    event_key = models.CharField(
        _("event key"), max_length=200, unique=True, help_text=_("One message per event and recipient.")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=OutboxChannelChoices.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("body"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatusChoices.choices, default=OutboxStatusChoices.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    audited = False

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="itsm_outbox_due_idx")]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self):
        return f"{self.channel} to {self.to_address or self.recipient_id}: {self.subject}"


class NotificationQuerySet(RestrictedQuerySet):
    """In-app notifications; each user sees only their own."""

    def restrict(self, user, action="view"):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class Notification(models.Model):
    """An in-app notification shown to one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=250)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()
    audited = False

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="itsm_notification_unread_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.title
