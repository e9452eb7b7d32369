"""The human journal of a ticket: public comments and internal work notes."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from itsm.choices import VisibilityChoices
from itsm.models.base import ItsmModel


class JournalEntry(ItsmModel):
    """A comment (public) or work note (internal) on any ticket-like record."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    ticket = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("body"))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=VisibilityChoices.choices, default=VisibilityChoices.INTERNAL
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"], name="itsm_journal_ticket_idx")]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self):
        return f"{self.get_visibility_display()} by {self.author}"
