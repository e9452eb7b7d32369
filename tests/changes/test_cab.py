"""CAB decisions: the policy function for every policy (incl. failure detection), voting rules, the decision
applied exactly once — also when two members vote at the same instant (PostgreSQL)."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied

from changes.cab import cab_policy_outcome
from changes.models import Approval, Change
from changes.services import approval_cast, cab_save, change_policy_outcome
from itsm.exceptions import ConflictError, TransitionRefused
from itsm.models import AuditEvent, JournalEntry, OutboxMessage
from itsm.services.tickets import transition_apply
from itsm.testing.concurrency import run_concurrently
from tests.changes.factories import cab_members, make_cab, make_change, window_from_now
from tests.itsm.factories import UserFactory


def outcome(policy, members, approvals=0, rejections=0, abstentions=0, quorum=None):
    return cab_policy_outcome(
        policy=policy,
        quorum_percent=quorum,
        member_count=members,
        approvals=approvals,
        rejections=rejections,
        abstentions=abstentions,
    )


# (policy, quorum %, members, approvals, rejections, abstentions, expected)
CASES = [
    # all: unanimity of those taking a position; an abstention stands aside, one rejection fails it.
    ("all", None, 3, 0, 0, 0, "pending"),
    ("all", None, 3, 2, 0, 0, "pending"),
    ("all", None, 3, 3, 0, 0, "met"),
    ("all", None, 3, 2, 0, 1, "met"),
    ("all", None, 3, 1, 0, 1, "pending"),
    ("all", None, 3, 2, 1, 0, "failed"),
    ("all", None, 3, 0, 1, 0, "failed"),
    ("all", None, 3, 0, 0, 3, "failed"),
    # majority: more than half of all members approve.
    ("majority", None, 4, 2, 0, 0, "pending"),
    ("majority", None, 4, 3, 0, 0, "met"),
    ("majority", None, 4, 2, 1, 0, "pending"),
    ("majority", None, 4, 2, 2, 0, "failed"),
    ("majority", None, 4, 2, 0, 2, "failed"),
    ("majority", None, 5, 3, 2, 0, "met"),
    ("majority", None, 5, 2, 3, 0, "failed"),
    ("majority", None, 2, 1, 1, 0, "failed"),
    ("majority", None, 1, 1, 0, 0, "met"),
    # any: one approval, whatever the others say.
    ("any", None, 3, 1, 2, 0, "met"),
    ("any", None, 3, 0, 2, 0, "pending"),
    ("any", None, 3, 0, 2, 1, "failed"),
    ("any", None, 3, 0, 0, 0, "pending"),
    # quorum: ceil(percent x members) approvals.
    ("quorum", 60, 5, 3, 0, 0, "met"),
    ("quorum", 60, 5, 2, 0, 0, "pending"),
    ("quorum", 60, 5, 2, 2, 0, "pending"),
    ("quorum", 60, 5, 2, 3, 0, "failed"),
    ("quorum", 50, 4, 2, 2, 0, "met"),
    ("quorum", 34, 3, 1, 0, 0, "pending"),  # 34 % of 3 = 1.02 -> 2 approvals
    ("quorum", 33, 3, 1, 0, 0, "met"),  # 33 % of 3 = 0.99 -> 1 approval
    ("quorum", 1, 3, 1, 2, 0, "met"),
    ("quorum", 100, 3, 2, 0, 1, "failed"),  # unlike `all`, an abstention counts against a 100 % quorum
    # a board without members decides nothing
    ("all", None, 0, 0, 0, 0, "pending"),
    ("majority", None, 0, 0, 0, 0, "pending"),
]


@pytest.mark.parametrize(("policy", "quorum", "members", "approve", "reject", "abstain", "expected"), CASES)
def test_policy_outcome_table(policy, quorum, members, approve, reject, abstain, expected):
    assert outcome(policy, members, approve, reject, abstain, quorum=quorum) == expected


def _completions(members, approve, reject, abstain):
    remaining = members - approve - reject - abstain
    for extra_approve in range(remaining + 1):
        for extra_reject in range(remaining - extra_approve + 1):
            yield approve + extra_approve, reject + extra_reject, abstain + remaining - extra_approve - extra_reject


@pytest.mark.parametrize(("policy", "quorum"), [("all", None), ("majority", None), ("any", None), ("quorum", 60)])
def test_failed_exactly_when_no_remaining_votes_can_meet_the_policy(policy, quorum):
    """Exhaustively, for boards of 1..6: "failed" iff no way of casting the missing votes meets the policy,
    "met" never turns into anything else when more members approve."""
    for members in range(1, 7):
        for approve, reject, abstain in itertools.product(range(members + 1), repeat=3):
            if approve + reject + abstain > members:
                continue
            now = outcome(policy, members, approve, reject, abstain, quorum=quorum)
            reachable = any(
                outcome(policy, members, *final, quorum=quorum) == "met"
                for final in _completions(members, approve, reject, abstain)
            )
            assert (now == "failed") == (not reachable), (policy, members, approve, reject, abstain, now)
            if now == "met" and approve + reject + abstain < members:
                assert outcome(policy, members, approve + 1, reject, abstain, quorum=quorum) == "met"


def test_impossible_inputs_are_refused():
    with pytest.raises(ValueError):
        outcome("majority", 2, approvals=2, rejections=1)
    with pytest.raises(ValueError):
        outcome("quorum", 3, approvals=1)
    with pytest.raises(ValueError):
        outcome("quorum", 3, approvals=1, quorum=150)
    with pytest.raises(ValueError):
        outcome("unanimous-ish", 3)


# ---- the vote service ---------------------------------------------------------------------------------------


def awaiting(*, policy="majority", members=None, quorum_percent=None, requester=None):
    """A normal change awaiting authorisation by a fresh CAB."""
    cab = make_cab(policy=policy, members=members, quorum_percent=quorum_percent)
    fields = {"requester": requester} if requester else {}
    return make_change(status="authorization", cab=cab, **window_from_now(), **fields), list(cab.members.all())


@pytest.mark.django_db
def test_only_members_vote_and_only_in_authorization():
    change, members = awaiting()
    with pytest.raises(PermissionDenied):
        approval_cast(actor=UserFactory(roles=["cab_member"]), change=change, decision="approve")
    manager = UserFactory(roles=["change_manager"])
    with pytest.raises(PermissionDenied):
        approval_cast(actor=manager, change=change, decision="approve")
    draft = make_change(status="assessment", cab=change.cab)
    with pytest.raises(ConflictError):
        approval_cast(actor=members[0], change=draft, decision="approve")
    assert not Approval.objects.exists()


@pytest.mark.django_db
def test_second_vote_replaces_the_first_and_is_audited():
    change, members = awaiting()
    first, created = approval_cast(actor=members[0], change=change, decision="reject", comment="Too risky")
    assert created
    second, created = approval_cast(actor=members[0], change=change, decision="approve", comment="Plan fixed")
    assert not created and second.pk == first.pk
    assert Approval.objects.filter(change=change).count() == 1
    update = AuditEvent.objects.filter(object_type="changes.approval", object_id=str(first.pk), action="update").get()
    assert update.changes["decision"] == ["reject", "approve"] and update.actor_id == members[0].pk
    change.refresh_from_db()
    assert (change.status, change.authorized_at) == ("authorization", None)  # 1 of 3: majority pending


@pytest.mark.django_db
def test_majority_met_authorises_once_and_closes_the_vote():
    requester = UserFactory(roles=["agent"])
    change, members = awaiting(requester=requester)
    approval_cast(actor=members[0], change=change, decision="approve")
    approval_cast(actor=members[1], change=change, decision="approve", comment="Fine")
    change.refresh_from_db()
    assert change.status == "authorization" and change.authorized_at is not None
    assert change_policy_outcome(change=change) == "met"
    events = AuditEvent.objects.filter(object_type="changes.change", object_id=str(change.pk), action="update")
    assert [e.actor_id for e in events if "authorized_at" in e.changes] == [members[1].pk]
    assert JournalEntry.objects.filter(object_id=change.pk, body__startswith="Authorised").count() == 1
    assert OutboxMessage.objects.filter(event_key__startswith=f"change:{change.pk}:decided", recipient=requester)
    with pytest.raises(ConflictError):
        approval_cast(actor=members[2], change=change, decision="reject")
    # ...and now a change manager may schedule it.
    scheduled = transition_apply(ticket=change, name="schedule", actor=UserFactory(roles=["change_manager"]))
    assert scheduled.status == "scheduled"


@pytest.mark.django_db
def test_policy_that_can_no_longer_be_met_rejects_the_change_as_the_deciding_voter():
    change, members = awaiting(policy="all")
    approval_cast(actor=members[0], change=change, decision="approve")
    approval_cast(actor=members[1], change=change, decision="reject", comment="Clashes with the audit")
    change.refresh_from_db()
    assert (change.status, change.authorized_at) == ("rejected", None)
    event = AuditEvent.objects.get(object_type="changes.change", object_id=str(change.pk), transition="reject")
    assert event.actor_id == members[1].pk and event.changes["status"] == ["authorization", "rejected"]
    assert JournalEntry.objects.filter(object_id=change.pk, body__contains="can no longer be met").exists()
    with pytest.raises(ConflictError):
        approval_cast(actor=members[2], change=change, decision="approve")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("policy", "quorum", "votes", "status", "authorised"),
    [
        ("all", None, ["approve", "abstain", "approve"], "authorization", True),
        ("all", None, ["abstain", "abstain", "abstain"], "rejected", False),
        ("majority", None, ["approve", "reject", "approve"], "authorization", True),
        ("majority", None, ["reject", "abstain"], "rejected", False),
        ("any", None, ["reject", "approve"], "authorization", True),
        ("any", None, ["reject", "reject", "abstain"], "rejected", False),
        ("quorum", 60, ["approve", "approve"], "authorization", True),
        ("quorum", 60, ["reject", "approve", "abstain"], "rejected", False),
    ],
)
def test_every_policy_decides_through_votes(policy, quorum, votes, status, authorised):
    change, members = awaiting(policy=policy, quorum_percent=quorum)
    for member, decision in zip(members, votes, strict=False):
        approval_cast(actor=member, change=change, decision=decision)
    change.refresh_from_db()
    assert change.status == status
    assert (change.authorized_at is not None) == authorised


@pytest.mark.django_db
def test_vote_of_a_former_member_no_longer_counts_and_a_smaller_board_may_decide():
    change, members = awaiting(policy="all")
    approval_cast(actor=members[0], change=change, decision="approve")
    approval_cast(actor=members[1], change=change, decision="approve")
    manager = UserFactory(roles=["change_manager"])
    # The third member leaves: the two remaining approvals are now unanimous, the board decides on the spot.
    cab_save(actor=manager, cab=change.cab, members=members[:2])
    change.refresh_from_db()
    assert change.authorized_at is not None
    other, board = awaiting(policy="any")
    approval_cast(actor=board[0], change=other, decision="approve")  # met at once
    second, board2 = awaiting(policy="majority")
    approval_cast(actor=board2[0], change=second, decision="approve")
    cab_save(actor=manager, cab=second.cab, members=board2[1:])  # the approver leaves: 0 of 2, still pending
    second.refresh_from_db()
    assert second.authorized_at is None and change_policy_outcome(change=second) == "pending"


@pytest.mark.django_db
def test_schedule_needs_the_policy_met():
    change, members = awaiting()
    manager = UserFactory(roles=["change_manager"])
    with pytest.raises(TransitionRefused, match="not authorised"):
        transition_apply(ticket=change, name="schedule", actor=manager)
    change.refresh_from_db()
    assert change.status == "authorization"


@pytest.mark.django_db
def test_request_authorization_notifies_each_member_once_and_emergency_goes_to_the_ecab():
    manager = UserFactory(roles=["change_manager"])
    cab = make_cab(members=[*cab_members(2), manager])
    change = make_change(status="assessment", cab=cab)
    transition_apply(ticket=change, name="request_authorization", actor=manager)
    asked = OutboxMessage.objects.filter(event_key__startswith=f"change:{change.pk}:authorization")
    assert {m.recipient_id for m in asked} == {m.pk for m in cab.members.all()} - {manager.pk}
    assert asked.count() == 4  # e-mail and in-app for each of the two other members
    ecab = make_cab(emergency=True)
    emergency = make_change(status="assessment", type="emergency")
    done = transition_apply(ticket=emergency, name="request_authorization", actor=manager)
    assert done.cab_id == ecab.pk
    no_cab = make_change(status="assessment")
    with pytest.raises(TransitionRefused, match="Assign a CAB"):
        transition_apply(ticket=no_cab, name="request_authorization", actor=manager)


# ---- concurrency (PostgreSQL row locks) ---------------------------------------------------------------------


def _authorisations(change) -> int:
    return sum(
        "authorized_at" in e.changes
        for e in AuditEvent.objects.filter(object_type="changes.change", object_id=str(change.pk), action="update")
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_last_votes_at_the_same_instant_authorise_exactly_once():
    for _round in range(3):
        change, members = awaiting(policy="all", members=cab_members(2))
        voters = iter(members)

        def vote(voters=voters, change=change):
            return approval_cast(actor=next(voters), change=change, decision="approve")

        results, errors = run_concurrently(vote, threads=2)
        assert errors == [] and len(results) == 2
        change.refresh_from_db()
        assert change.authorized_at is not None and change.status == "authorization"
        assert _authorisations(change) == 1
        assert JournalEntry.objects.filter(object_id=change.pk, body__startswith="Authorised").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_deciding_votes_apply_the_policy_once():
    for decision, status in (("approve", "authorization"), ("reject", "rejected")):
        change, members = awaiting(policy="majority", members=cab_members(3))
        approval_cast(actor=members[0], change=change, decision=decision)
        voters = iter(members[1:])

        def vote(voters=voters, change=change, decision=decision):
            return approval_cast(actor=next(voters), change=change, decision=decision)

        results, errors = run_concurrently(vote, threads=2)
        # The first of the two decides; the second finds the vote closed (409) and writes nothing.
        assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], ConflictError)
        change = Change.objects.get(pk=change.pk)
        assert change.status == status
        assert Approval.objects.filter(change=change).count() == 2
        transitions = AuditEvent.objects.filter(object_id=str(change.pk), object_type="changes.change")
        assert transitions.filter(transition="reject").count() == (1 if status == "rejected" else 0)
        assert _authorisations(change) == (1 if status == "authorization" else 0)
