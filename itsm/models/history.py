"""Every status and every team a ticket has been in, with when: the histories SLA clocks are computed from."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from itsm.models.users import Team


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


class TicketAssignmentChange(models.Model):
    """The ticket was assigned to `team` (None: to no team) at `at`; append-only. OLA/UC clocks run per stint."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(_("at"))
    # PROTECT: a team that ever held a ticket keeps its history (deleting it answers 409; deactivate instead).
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, on_delete=models.PROTECT, related_name="+")

    audited = False  # the ticket's own update is in the audit trail

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="itsm_assignment_history_idx")]
        verbose_name = _("ticket assignment change")
        verbose_name_plural = _("ticket assignment changes")

    def __str__(self):
        return f"team {self.team_id} at {self.at:%Y-%m-%d %H:%M:%S}"


def assignment_history(ticket) -> list[tuple]:
    """[(at, team id or None)] of a ticket, oldest first."""
    return list(
        TicketAssignmentChange.objects.filter(
            content_type=ContentType.objects.get_for_model(ticket), object_id=ticket.pk
        ).values_list("at", "team_id")
    )


def assignment_record(ticket, *, at, previous_team_id=None) -> TicketAssignmentChange:
    """Append the ticket's current team to its history.

    `previous_team_id`: the team it had before this change; written first (at the ticket's first status) when the
    ticket has no assignment history yet, so tickets from before this history was kept start complete.
    """
    content_type = ContentType.objects.get_for_model(ticket)
    rows = TicketAssignmentChange.objects.filter(content_type=content_type, object_id=ticket.pk)
    if previous_team_id is not None and not rows.exists():
        first = TicketStatusChange.objects.filter(content_type=content_type, object_id=ticket.pk).first()
        TicketAssignmentChange.objects.create(
            content_type=content_type, object_id=ticket.pk, at=first.at if first else at, team_id=previous_team_id
        )
    return TicketAssignmentChange.objects.create(
        content_type=content_type, object_id=ticket.pk, at=at, team_id=ticket.assignment_group_id
    )
