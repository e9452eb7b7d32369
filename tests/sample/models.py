"""SampleTicket: the smallest real ticket, with the workflow shape the process apps use."""

from django import forms
from django.db import models

from itsm.models import TicketModel
from itsm.workflows import Transition, Workflow


class SampleStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


def _requester_owns(*, ticket, actor):
    return actor.has_perm("sample.change_sampleticket") or ticket.requester_id == actor.pk


def _needs_assignee(*, ticket):
    return None if ticket.assignee_id else "Assign the ticket before resolving it."


class SampleTicket(TicketModel):
    """A ticket used only by the core's tests."""

    NUMBER_PREFIX = "SMP"
    INITIAL_STATUS = SampleStatus.NEW

    status = models.CharField(max_length=20, choices=SampleStatus.choices, default=SampleStatus.NEW, db_index=True)
    hold_reason = models.CharField(max_length=30, blank=True)
    resolution_notes = models.TextField(blank=True)

    workflow = Workflow(
        [
            Transition("start", [SampleStatus.NEW], SampleStatus.IN_PROGRESS, label="Start work"),
            Transition(
                "hold",
                [SampleStatus.NEW, SampleStatus.IN_PROGRESS],
                SampleStatus.ON_HOLD,
                inputs={"hold_reason": forms.ChoiceField(choices=[("caller", "Caller"), ("vendor", "Vendor")])},
            ),
            Transition("resume", [SampleStatus.ON_HOLD], SampleStatus.IN_PROGRESS),
            Transition(
                "resolve",
                [SampleStatus.IN_PROGRESS, SampleStatus.ON_HOLD],
                SampleStatus.RESOLVED,
                inputs={"resolution_notes": forms.CharField(widget=forms.Textarea)},
                guard=_needs_assignee,
            ),
            Transition("close", [SampleStatus.RESOLVED], SampleStatus.CLOSED, allowed=_requester_owns),
        ]
    )

    class Meta(TicketModel.Meta):
        app_label = "sample"
