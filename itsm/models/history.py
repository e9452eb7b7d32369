"""Every status a ticket has been in, with when: the history SLA clocks are computed from."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketStatusChange(models.Model):
    """The ticket entered `status` (with `reason`, e.g. an on-hold reason) at `at`; append-only."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(_("at"))
    status = models.CharField(_("status"), max_length=20)
    reason = models.CharField(_("reason"), max_length=30, blank=True)

    audited = False  # the transition itself is in the audit trail

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="itsm_status_history_idx")]
        verbose_name = _("ticket status change")
        verbose_name_plural = _("ticket status changes")

    def __str__(self):
        return f"{self.status} at {self.at:%Y-%m-%d %H:%M:%S}"


def status_history(ticket) -> list[tuple]:
    """[(at, status, reason)] of a ticket, oldest first."""
    return list(
        TicketStatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(ticket), object_id=ticket.pk
        ).values_list("at", "status", "reason")
    )


def status_record(ticket, *, at, reason: str = "") -> TicketStatusChange:
    """Append the ticket's current status to its history."""
    return TicketStatusChange.objects.create(
        content_type=ContentType.objects.get_for_model(ticket),
        object_id=ticket.pk,
        at=at,
        status=ticket.status,
        reason=reason or "",
    )
