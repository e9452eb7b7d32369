"""Change workflow: every transition from every state for each type (standard, normal, emergency), the guards
(authorisation, planned window, blackout override, post-implementation review) and who may do what."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from changes.models import Change
from itsm.exceptions import TransitionRefused
from itsm.models import JournalEntry
from itsm.services.tickets import transition_apply, transitions_available
from itsm.testing.workflows import WorkflowMatrix
from tests.changes.factories import (
    emergency_cab,
    make_cab,
    make_change,
    make_standard_change,
    make_template,
    make_window,
    window_from_now,
)

INPUTS = {
    "complete": {"outcome": "successful"},
    "close": {"review_notes": "Went as planned; no incidents in the following week."},
    "cancel": {"reason": "Superseded by CHG0000099"},
    "reject": {"reason": "The CAB met and refused it"},
}


class _ChangeMatrix(WorkflowMatrix):
    model = Change
    actor_role = "change_manager"  # every transition is theirs; agents' share is tested below
    denied_role = "auditor"
    change_type = "normal"

    def setup_fields(self, status) -> dict:
        fields = {"type": self.change_type, **window_from_now()}
        if status in ("authorization", "scheduled", "implementation", "review", "closed"):
            fields["authorized_at"] = timezone.now()
        if status in ("review", "closed"):
            fields["outcome"] = "successful"
        return fields

    def make_ticket(self, status):
        return make_change(status=status, cab=make_cab(), **self.setup_fields(status))

    def inputs_for(self, transition):
        return INPUTS.get(transition.name, {})


class TestNormalChangeWorkflow(_ChangeMatrix):
    change_type = "normal"


class TestEmergencyChangeWorkflow(_ChangeMatrix):
    change_type = "emergency"

    def make_ticket(self, status):
        # No CAB given: request_authorization must pick the emergency CAB by itself.
        emergency_cab()
        return make_change(status=status, **self.setup_fields(status))


class TestStandardChangeWorkflow(_ChangeMatrix):
    """Standard changes skip assessment and the CAB (submit: draft -> scheduled). The matrix still forces them into
    every state to exercise each declared transition; a real standard change never is in assessment/authorization."""

    change_type = "standard"

    def make_ticket(self, status):
        change = make_standard_change(**window_from_now())
        fields = {"status": status, **self.setup_fields(status)}
        fields.pop("type")
        fields.pop("planned_start"), fields.pop("planned_end")
        if status in ("assessment", "authorization"):
            fields["cab"] = make_cab()
        Change.objects.filter(pk=change.pk).update(**fields)
        change.refresh_from_db()
        return change


@pytest.mark.django_db
def test_standard_change_goes_from_draft_straight_to_scheduled(make_user):
    agent = make_user(roles=["agent"])
    template = make_template(allowed_roles=["agent"])
    change = make_standard_change(actor=agent, template=template, **window_from_now())
    offered = {t.name: t.target_of(change) for t in transitions_available(ticket=change, actor=agent)}
    assert offered == {"submit": "scheduled", "cancel": "cancelled"}
    done = transition_apply(ticket=change, name="submit", actor=agent)
    assert (done.status, done.cab_id) == ("scheduled", None)
    assert done.authorized_at is not None  # pre-authorised by its template
    unplanned = make_standard_change(actor=agent, template=template)
    with pytest.raises(TransitionRefused, match="planned start and end"):
        transition_apply(ticket=unplanned, name="submit", actor=agent)


@pytest.mark.django_db
def test_normal_change_full_path_sets_its_fields(make_user):
    agent, manager = make_user(roles=["agent"]), make_user(roles=["change_manager"])
    cab = make_cab(policy="any")
    change = make_change(actor=agent, cab=cab, **window_from_now())
    change = transition_apply(ticket=change, name="submit", actor=agent)
    assert change.status == "assessment"
    change = transition_apply(ticket=change, name="request_authorization", actor=manager)
    from changes.services import approval_cast

    approval_cast(actor=cab.members.first(), change=change, decision="approve")
    change = transition_apply(ticket=Change.objects.get(pk=change.pk), name="schedule", actor=manager)
    assert change.status == "scheduled" and change.blackout_override_reason == ""
    change = transition_apply(ticket=change, name="implement", actor=agent)
    assert change.actual_start is not None
    change = transition_apply(ticket=change, name="complete", actor=agent, inputs={"outcome": "successful_with_issues"})
    assert (change.status, change.outcome) == ("review", "successful_with_issues") and change.actual_end
    change = transition_apply(ticket=change, name="close", actor=agent)  # a successful normal change: no review
    assert change.status == "closed"


@pytest.mark.django_db
def test_agents_work_changes_but_only_change_managers_authorise_schedule_and_reject(make_user):
    agent = make_user(roles=["agent"])
    assessment = make_change(status="assessment", cab=make_cab())
    with pytest.raises(PermissionDenied):
        transition_apply(ticket=assessment, name="request_authorization", actor=agent)
    authorised = make_change(status="authorization", cab=make_cab(), authorized_at=timezone.now(), **window_from_now())
    assert {t.name for t in transitions_available(ticket=authorised, actor=agent)} == {"cancel"}
    manager = make_user(roles=["change_manager"])
    assert {t.name for t in transitions_available(ticket=authorised, actor=manager)} == {"schedule", "reject", "cancel"}
    for name, inputs in (("schedule", {}), ("reject", INPUTS["reject"])):
        with pytest.raises(PermissionDenied):
            transition_apply(ticket=authorised, name=name, actor=agent, inputs=inputs)
    cab_member = make_user(roles=["cab_member"])
    with pytest.raises(PermissionDenied):
        transition_apply(ticket=authorised, name="cancel", actor=cab_member, inputs=INPUTS["cancel"])


@pytest.mark.django_db
def test_schedule_needs_authorisation_and_a_window(make_user):
    manager = make_user(roles=["change_manager"])
    unauthorised = make_change(status="authorization", cab=make_cab(), **window_from_now())
    with pytest.raises(TransitionRefused, match="not authorised"):
        transition_apply(ticket=unauthorised, name="schedule", actor=manager)
    unplanned = make_change(status="authorization", cab=make_cab(), authorized_at=timezone.now())
    assert "schedule" not in {t.name for t in transitions_available(ticket=unplanned, actor=manager)}
    with pytest.raises(TransitionRefused, match="planned start and end"):
        transition_apply(ticket=unplanned, name="schedule", actor=manager)
    for change in (unauthorised, unplanned):
        change.refresh_from_db()
        assert (change.status, change.version) == ("authorization", 1)


@pytest.mark.django_db
def test_scheduling_into_a_blackout_needs_a_change_managers_justification(make_user):
    manager, agent = make_user(roles=["change_manager"]), make_user(roles=["agent"])
    planned = window_from_now(days=3)
    freeze = make_window(
        name="Year-end freeze", start=planned["planned_start"] - timedelta(hours=1), end=planned["planned_end"]
    )
    change = make_change(status="authorization", cab=make_cab(), authorized_at=timezone.now(), **planned)
    with pytest.raises(ValidationError) as caught:
        transition_apply(ticket=change, name="schedule", actor=manager)
    assert "Year-end freeze" in caught.value.message_dict["blackout_override_reason"][0]
    change.refresh_from_db()
    assert change.status == "authorization"
    done = transition_apply(
        ticket=change, name="schedule", actor=manager, inputs={"blackout_override_reason": "Legal deadline"}
    )
    assert (done.status, done.blackout_override_reason) == ("scheduled", "Legal deadline")
    # A standard change heading for the freeze: the agent is refused, a change manager may override.
    template = make_template(allowed_roles=["agent"])
    standard = make_standard_change(actor=agent, template=template, **planned)
    with pytest.raises(TransitionRefused, match="only a change manager"):
        transition_apply(ticket=standard, name="submit", actor=agent, inputs={"blackout_override_reason": "Please"})
    done = transition_apply(ticket=standard, name="submit", actor=manager, inputs={"blackout_override_reason": "Fix"})
    assert done.status == "scheduled"
    # Outside the freeze nothing is needed, and a stale justification is not kept.
    later = make_change(status="authorization", cab=make_cab(), authorized_at=timezone.now(), **window_from_now(days=9))
    done = transition_apply(ticket=later, name="schedule", actor=manager, inputs={"blackout_override_reason": "x"})
    assert done.blackout_override_reason == ""
    assert freeze.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change_type", "outcome", "review_needed"),
    [
        ("normal", "successful", False),
        ("normal", "successful_with_issues", False),
        ("normal", "failed", True),
        ("normal", "backed_out", True),
        ("emergency", "successful", True),
    ],
)
def test_post_implementation_review_before_closure(make_user, change_type, outcome, review_needed):
    agent = make_user(roles=["agent"])
    if change_type == "emergency":
        emergency_cab()
    change = make_change(status="review", type=change_type, outcome=outcome)
    if review_needed:
        with pytest.raises(ValidationError) as caught:
            transition_apply(ticket=change, name="close", actor=agent, inputs={"review_notes": "   "})
        assert "review_notes" in caught.value.message_dict
        change.refresh_from_db()
        assert change.status == "review"
    closed = transition_apply(ticket=change, name="close", actor=agent, inputs=INPUTS["close"] if review_needed else {})
    assert closed.status == "closed"
    assert closed.review_notes == (INPUTS["close"]["review_notes"] if review_needed else "")


@pytest.mark.django_db
def test_review_notes_written_during_review_count_for_closure(make_user):
    from changes.services import change_update

    agent = make_user(roles=["agent"])
    change = make_change(status="review", outcome="failed")
    change = change_update(actor=agent, change=change, data={"review_notes": "Rolled back after 10 minutes."})
    closed = transition_apply(ticket=change, name="close", actor=agent)
    assert (closed.status, closed.review_notes) == ("closed", "Rolled back after 10 minutes.")


@pytest.mark.django_db
def test_cancel_journals_the_reason_and_terminal_states_refuse_everything(make_user):
    agent = make_user(roles=["agent"])
    change = make_change(status="scheduled", **window_from_now())
    cancelled = transition_apply(ticket=change, name="cancel", actor=agent, inputs=INPUTS["cancel"])
    assert JournalEntry.objects.filter(object_id=cancelled.pk, body="Cancelled: Superseded by CHG0000099").exists()
    manager = make_user(roles=["change_manager"])
    for status in ("closed", "rejected", "cancelled"):
        assert transitions_available(ticket=make_change(status=status), actor=manager) == []
