"""The change workflow, as in the API contract: submit, request_authorization, schedule, implement, complete,
close, cancel — plus `reject`, the CAB's "no".

Who may do what: `request_authorization`, `schedule` and `reject` are the change manager's (and admin's) acts;
everything else needs the `change` permission on changes (agents). `reject` is applied by the system, as the
member whose vote made the CAB's policy impossible to meet (see changes.services.approvals); a change manager
may also reject a change awaiting authorisation, with a reason (e.g. recording a decision the CAB took in a
meeting). A standard change is pre-approved: `submit` takes it from draft straight to scheduled.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from changes.choices import ChangeStatusChoices as S
from changes.choices import ChangeTypeChoices, OutcomeChoices
from changes.permissions import is_change_manager
from itsm.workflows import Transition, Workflow

OPEN = [S.DRAFT, S.ASSESSMENT, S.AUTHORIZATION, S.SCHEDULED, S.IMPLEMENTATION, S.REVIEW]


def _override_input():
    return forms.CharField(
        label=_("Blackout override justification"),
        widget=forms.Textarea,
        max_length=5000,
        required=False,
        help_text=_("Change managers only: why the change may run inside a blackout window."),
    )


# ---- who ----------------------------------------------------------------------------------------------------
def _change_manager(*, ticket, actor) -> bool:
    return is_change_manager(actor) and actor.has_perm("changes.change_change")


def _change_manager_or_deciding_member(*, ticket, actor) -> bool:
    if _change_manager(ticket=ticket, actor=actor):
        return True
    from changes.services.approvals import change_policy_outcome

    # The CAB member whose vote made the policy impossible applies the rejection (attributed to them).
    return (
        ticket.cab_id is not None
        and ticket.cab.members.filter(pk=actor.pk).exists()
        and change_policy_outcome(change=ticket) == "failed"
    )


# ---- guards (no actor, no inputs: also decide what GET .../transitions/ offers) -----------------------------
def _submit_target(ticket) -> str:
    return S.SCHEDULED if ticket.type == ChangeTypeChoices.STANDARD else S.ASSESSMENT


def _submit_guard(*, ticket) -> str | None:
    if ticket.type == ChangeTypeChoices.STANDARD and not (ticket.planned_start and ticket.planned_end):
        return str(_("A standard change goes straight to the schedule: give its planned start and end first."))
    return None


def _authorization_guard(*, ticket) -> str | None:
    from changes.services.approvals import change_cab_for_authorization

    cab, problem = change_cab_for_authorization(change=ticket)
    return problem


def _schedule_guard(*, ticket) -> str | None:
    if ticket.authorized_at is None:
        return str(_("The CAB has not authorised this change yet: its policy is not met."))
    if not (ticket.planned_start and ticket.planned_end):
        return str(_("Give the planned start and end before scheduling the change."))
    return None


# ---- effects (inside the transition's transaction; raising refuses the whole transition) --------------------
def _submitted(*, ticket, actor, inputs):
    if ticket.status == S.SCHEDULED:
        from changes.services.scheduling import change_blackout_check

        ticket.authorized_at = timezone.now()  # pre-authorised by its standard change template
        change_blackout_check(change=ticket, actor=actor, reason=inputs.get("blackout_override_reason", ""))


def _authorization_requested(*, ticket, actor, inputs):
    from changes.services.approvals import change_authorization_open

    change_authorization_open(change=ticket, actor=actor)


def _scheduled(*, ticket, actor, inputs):
    from changes.services.scheduling import change_blackout_check

    change_blackout_check(change=ticket, actor=actor, reason=inputs.get("blackout_override_reason", ""))


def _implementation_started(*, ticket, actor, inputs):
    ticket.actual_start = timezone.now()


def _completed(*, ticket, actor, inputs):
    ticket.actual_end = timezone.now()


def _closing(*, ticket, actor, inputs):
    from changes.services.scheduling import change_review_check

    change_review_check(change=ticket, review_notes=inputs.get("review_notes", ""))


def _journal_reason(prefix):
    def effect(*, ticket, actor, inputs):
        from itsm.services.journal import journal_add

        journal_add(ticket=ticket, actor=actor, body=f"{prefix}: {inputs['reason']}", visibility="public")

    return effect


def _rejected(*, ticket, actor, inputs):
    from changes.notifications import notify_decided

    _journal_reason(_("Rejected"))(ticket=ticket, actor=actor, inputs=inputs)
    notify_decided(change=ticket, authorised=False, detail=inputs["reason"])


def _reason_input():
    return forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=2000)


ChangeWorkflow = Workflow(
    [
        Transition(
            "submit",
            [S.DRAFT],
            S.ASSESSMENT,
            label=_("Submit"),
            target_for=_submit_target,
            guard=_submit_guard,
            inputs={"blackout_override_reason": _override_input()},
            effects=[_submitted],
            sets_fields=False,
        ),
        Transition(
            "request_authorization",
            [S.ASSESSMENT],
            S.AUTHORIZATION,
            label=_("Request authorisation"),
            allowed=_change_manager,
            guard=_authorization_guard,
            effects=[_authorization_requested],
        ),
        Transition(
            "schedule",
            [S.AUTHORIZATION],
            S.SCHEDULED,
            label=_("Schedule"),
            allowed=_change_manager,
            guard=_schedule_guard,
            inputs={"blackout_override_reason": _override_input()},
            effects=[_scheduled],
            sets_fields=False,
        ),
        Transition(
            "reject",
            [S.AUTHORIZATION],
            S.REJECTED,
            label=_("Reject"),
            allowed=_change_manager_or_deciding_member,
            inputs={"reason": _reason_input()},
            effects=[_rejected],
            sets_fields=False,
        ),
        Transition(
            "implement",
            [S.SCHEDULED],
            S.IMPLEMENTATION,
            label=_("Start implementation"),
            effects=[_implementation_started],
        ),
        Transition(
            "complete",
            [S.IMPLEMENTATION],
            S.REVIEW,
            label=_("Complete"),
            inputs={"outcome": forms.ChoiceField(label=_("Outcome"), choices=OutcomeChoices.choices)},
            effects=[_completed],
        ),
        Transition(
            "close",
            [S.REVIEW],
            S.CLOSED,
            label=_("Close"),
            # Required for failed, backed-out and emergency changes (the post-implementation review), else optional.
            inputs={
                "review_notes": forms.CharField(
                    label=_("Review notes"), widget=forms.Textarea, max_length=20000, required=False
                )
            },
            effects=[_closing],
            sets_fields=False,
        ),
        Transition(
            "cancel",
            OPEN,
            S.CANCELLED,
            label=_("Cancel"),
            inputs={"reason": _reason_input()},
            effects=[_journal_reason(_("Cancelled"))],
            sets_fields=False,
        ),
    ]
)
