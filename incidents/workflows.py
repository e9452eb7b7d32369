"""The incident workflow, as in the API contract: start, hold, resume, resolve, reopen, close, cancel."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import IncidentStatusChoices as S
from incidents.choices import OnHoldReasonChoices, ResolutionCodeChoices
from itsm.workflows import Transition, Workflow


def _staff_or_own_requester(*, ticket, actor) -> bool:
    """Agents (change permission) may; a requester may on their own incident (reopen/close only)."""
    return actor.has_perm("incidents.change_incident") or (
        ticket.requester_id is not None and ticket.requester_id == actor.pk
    )


def _set_resolved(*, ticket, actor, inputs):
    ticket.resolved_at = timezone.now()
    ticket.on_hold_reason = None


def _resolve_children(*, ticket, actor, inputs):
    # A parent's resolution resolves its open children with the same resolution (major incident handling).
    from incidents.services import incident_children_resolve

    incident_children_resolve(parent=ticket, actor=actor, inputs=inputs)


def _clear_hold(*, ticket, actor, inputs):
    ticket.on_hold_reason = None


def _reopen(*, ticket, actor, inputs):
    ticket.resolved_at = None


def _close(*, ticket, actor, inputs):
    ticket.closed_at = timezone.now()


def _cancel(*, ticket, actor, inputs):
    from itsm.services.journal import journal_add

    ticket.on_hold_reason = None
    journal_add(
        ticket=ticket, actor=actor, body=_("Cancelled: %(reason)s") % {"reason": inputs["reason"]}, visibility="public"
    )


def _notify_resolved(*, ticket, actor, inputs):
    from incidents.notifications import notify_resolved

    notify_resolved(incident=ticket)


def _sla_sync(*, ticket, actor, inputs):
    from slm.sla import sla_sync

    sla_sync(ticket=ticket)


OPEN = [S.NEW, S.IN_PROGRESS, S.ON_HOLD]

IncidentWorkflow = Workflow(
    [
        Transition("start", [S.NEW], S.IN_PROGRESS, label=_("Start work")),
        Transition(
            "hold",
            [S.NEW, S.IN_PROGRESS],
            S.ON_HOLD,
            label=_("Put on hold"),
            inputs={"on_hold_reason": forms.ChoiceField(label=_("Reason"), choices=OnHoldReasonChoices.choices)},
        ),
        Transition("resume", [S.ON_HOLD], S.IN_PROGRESS, label=_("Resume"), effects=[_clear_hold]),
        Transition(
            "resolve",
            OPEN,
            S.RESOLVED,
            label=_("Resolve"),
            inputs={
                "resolution_code": forms.ChoiceField(label=_("Resolution code"), choices=ResolutionCodeChoices.choices),
                "resolution_notes": forms.CharField(
                    label=_("Resolution notes"), widget=forms.Textarea, max_length=20000
                ),
            },
            effects=[_set_resolved, _resolve_children, _notify_resolved],
        ),
        Transition(
            "reopen", [S.RESOLVED], S.IN_PROGRESS, label=_("Reopen"), allowed=_staff_or_own_requester, effects=[_reopen]
        ),
        Transition(
            "close", [S.RESOLVED], S.CLOSED, label=_("Close"), allowed=_staff_or_own_requester, effects=[_close]
        ),
        Transition(
            "cancel",
            OPEN,
            S.CANCELLED,
            label=_("Cancel"),
            inputs={"reason": forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=2000)},
            effects=[_cancel],
        ),
    ],
    after=[_sla_sync],
)
