"""CAB authorisation: opening the vote, casting votes, and applying the board's decision exactly once.

Every vote locks the change's row first (SELECT ... FOR UPDATE), so votes on one change are applied one after
the other: the vote that meets the policy sets `authorized_at`, the vote that makes it impossible rejects the
change, and any later vote finds the decision made (409). The change stays in `authorization` once authorised,
until a change manager schedules it. Votes count only while their voter is still a member of the board.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from changes.cab import FAILED, MET, Outcome, cab_policy_outcome
from changes.choices import ChangeStatusChoices, ChangeTypeChoices, DecisionChoices
from changes.models import CAB, Approval, Change
from changes.notifications import notify_authorization_requested, notify_decided
from itsm.audit_context import audit_context
from itsm.choices import VisibilityChoices
from itsm.exceptions import ConflictError, TransitionRefused
from itsm.services.journal import journal_add
from itsm.services.tickets import transition_apply

MAX_COMMENT = 5000


def change_cab_for_authorization(*, change: Change) -> tuple[CAB | None, str | None]:
    """(the CAB that will vote, None), or (None, why authorisation cannot be requested).

    An emergency change without a CAB goes to the emergency CAB (there is at most one).
    """
    cab = change.cab if change.cab_id else None
    if cab is None and change.type == ChangeTypeChoices.EMERGENCY:
        cab = CAB.objects.filter(emergency=True).first()
        if cab is None:
            return None, _("There is no emergency CAB: mark a CAB as the emergency CAB first.")
    if cab is None:
        return None, _("Assign a CAB before requesting authorisation.")
    if change.type == ChangeTypeChoices.EMERGENCY and not cab.emergency:
        return None, _("An emergency change goes to the emergency CAB.")
    if change.type != ChangeTypeChoices.EMERGENCY and cab.emergency:
        return None, _("The emergency CAB decides emergency changes only.")
    if not cab.members.exists():
        return None, _("The CAB “%(cab)s” has no members to vote.") % {"cab": cab}
    return cab, None


def change_authorization_open(*, change: Change, actor) -> None:
    """Effect of `request_authorization`: fix the voting CAB and ask each member for their vote."""
    cab, problem = change_cab_for_authorization(change=change)
    if problem:
        raise TransitionRefused(problem)
    change.cab = cab
    change.authorized_at = None
    notify_authorization_requested(change=change, actor=actor)


def change_vote_counts(*, change: Change) -> dict[str, int]:
    """Votes per decision on the change, counting only voters who still sit on its CAB."""
    counts = dict.fromkeys(DecisionChoices.values, 0)
    if not change.cab_id:
        return counts
    rows = (
        Approval.objects.filter(change=change, voter__cabs=change.cab_id)
        .values("decision")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update({row["decision"]: row["n"] for row in rows})
    return counts


def change_policy_outcome(*, change: Change) -> Outcome:
    """ "met", "failed" or "pending": the CAB's policy applied to the votes cast on the change so far."""
    if not change.cab_id:
        return "pending"
    cab = change.cab
    counts = change_vote_counts(change=change)
    return cab_policy_outcome(
        policy=cab.policy,
        quorum_percent=cab.quorum_percent,
        member_count=cab.members.count(),
        approvals=counts[DecisionChoices.APPROVE],
        rejections=counts[DecisionChoices.REJECT],
        abstentions=counts[DecisionChoices.ABSTAIN],
    )


def _summary(change: Change) -> str:
    counts = change_vote_counts(change=change)
    return _(
        "CAB “%(cab)s” (%(policy)s): %(approve)d approved, %(reject)d rejected, %(abstain)d abstained, "
        "of %(members)d members."
    ) % {
        "cab": change.cab,
        "policy": change.cab.get_policy_display(),
        "approve": counts[DecisionChoices.APPROVE],
        "reject": counts[DecisionChoices.REJECT],
        "abstain": counts[DecisionChoices.ABSTAIN],
        "members": change.cab.members.count(),
    }


def change_decision_apply(*, change: Change, actor) -> Outcome | None:
    """Apply the CAB's decision to a change awaiting it, once: authorise (policy met) or reject (can no longer
    be met). The caller holds the change's row lock. Returns the outcome, or None when it was decided already."""
    if change.status != ChangeStatusChoices.AUTHORIZATION or change.authorized_at is not None:
        return None
    outcome = change_policy_outcome(change=change)
    if outcome == MET:
        summary = _summary(change)
        with audit_context(actor=actor):
            change.authorized_at = timezone.now()
            change.version += 1
            change.save(update_fields=["authorized_at", "version", "updated_at"])
        journal_add(
            ticket=change,
            actor=actor,
            body=_("Authorised. %(summary)s") % {"summary": summary},
            visibility=VisibilityChoices.PUBLIC,
        )
        notify_decided(change=change, authorised=True, detail=summary)
    elif outcome == FAILED:
        reason = _("The CAB's policy can no longer be met. %(summary)s") % {"summary": _summary(change)}
        transition_apply(ticket=change, name="reject", actor=actor, inputs={"reason": reason})
    return outcome


def approval_cast(*, actor, change: Change, decision: str, comment: str = "") -> tuple[Approval, bool]:
    """Record `actor`'s vote on a change awaiting authorisation and apply the CAB's decision if it is reached.

    Only members of the change's CAB (PermissionDenied), only while the change is in `authorization` and not
    yet decided (ConflictError, 409). A member's second vote replaces the first (audited as an update).
    Returns (the vote, whether it was new).
    """
    comment = (comment or "").strip()
    errors = {}
    if decision not in DecisionChoices.values:
        errors["decision"] = [_("Choose approve, reject or abstain.")]
    if len(comment) > MAX_COMMENT:
        errors["comment"] = [_("At most %(max)d characters.") % {"max": MAX_COMMENT}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit_context(actor=actor):
        # The row lock serialises the votes on this change: the decision below is taken by exactly one of them.
        locked = Change.objects.select_for_update().get(pk=change.pk)
        if not locked.cab_id or not locked.cab.members.filter(pk=actor.pk).exists():
            raise PermissionDenied(_("Only members of the change's CAB may vote on it."))
        if locked.status != ChangeStatusChoices.AUTHORIZATION:
            raise ConflictError(
                _("Votes are taken only while the change awaits authorisation; it is “%(status)s”.")
                % {"status": locked.get_status_display()}
            )
        if locked.authorized_at is not None:
            raise ConflictError(_("The CAB has already authorised this change; the vote is closed."))
        vote = Approval.objects.filter(change=locked, voter=actor).first()
        created = vote is None
        if created:
            vote = Approval(change=locked, voter=actor)
        vote.decision, vote.comment = decision, comment
        vote.full_clean(validate_unique=False)
        vote.save()
        journal_add(
            ticket=locked,
            actor=actor,
            body=f"{vote.get_decision_display()}: {comment}" if comment else vote.get_decision_display(),
            visibility=VisibilityChoices.INTERNAL,
        )
        change_decision_apply(change=locked, actor=actor)
    return vote, created


def cab_decisions_refresh(*, cab: CAB, actor) -> int:
    """Re-apply the policy to the board's undecided changes (after its members or policy changed); returns how
    many were decided."""
    decided = 0
    pending = Change.objects.filter(cab=cab, status=ChangeStatusChoices.AUTHORIZATION, authorized_at__isnull=True)
    for pk in pending.order_by("pk").values_list("pk", flat=True):
        locked = Change.objects.select_for_update().get(pk=pk)
        decided += change_decision_apply(change=locked, actor=actor) in (MET, FAILED)
    return decided
