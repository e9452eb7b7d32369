"""The CAB decision rule, as a pure function of the board's policy and the votes cast so far.

How each policy counts (the votes are those of the board's current members):
- `all`: unanimity of the members who take a position. Met once every member has voted, nobody rejected and at
  least one approved; an abstention stands aside (it does not block, as it would if it counted as a "no").
  Failed as soon as one member rejects, or when everybody abstained.
- `majority`: more than half of all members approve (members // 2 + 1 approvals). Abstentions and missing votes
  are not approvals, so they work against it.
- `any`: one approval is enough, whatever the others say. Failed only when everybody voted without approving.
- `quorum`: at least ceil(quorum_percent × members / 100) approvals (and at least one).

"failed" means the policy can no longer be met even if every member who has not voted yet approved;
until then the outcome is "pending". A board without members can neither meet nor fail a policy: "pending".
"""

from typing import Literal

from changes.choices import CABPolicyChoices

Outcome = Literal["met", "failed", "pending"]
MET: Outcome = "met"
FAILED: Outcome = "failed"
PENDING: Outcome = "pending"


def approvals_needed(*, policy: str, quorum_percent: int | None, member_count: int) -> int:
    """How many approvals meet a counting policy (majority, any, quorum) on a board of `member_count`."""
    if policy == CABPolicyChoices.MAJORITY:
        return member_count // 2 + 1
    if policy == CABPolicyChoices.ANY:
        return 1
    if policy == CABPolicyChoices.QUORUM:
        if not quorum_percent or not 1 <= quorum_percent <= 100:
            raise ValueError("the quorum policy needs a quorum_percent between 1 and 100")
        return max(1, -(-member_count * quorum_percent // 100))  # integer ceiling, no float rounding
    if policy == CABPolicyChoices.ALL:
        return member_count
    raise ValueError(f"unknown CAB policy {policy!r}")


def cab_policy_outcome(
    *, policy: str, quorum_percent: int | None, member_count: int, approvals: int, rejections: int, abstentions: int
) -> Outcome:
    """ "met", "failed" or "pending" for the votes cast so far (see the module docstring for each policy)."""
    if min(approvals, rejections, abstentions) < 0 or approvals + rejections + abstentions > member_count:
        raise ValueError("vote counts must be non-negative and at most one vote per member")
    if member_count <= 0:
        return PENDING
    not_voted = member_count - approvals - rejections - abstentions
    if policy == CABPolicyChoices.ALL:
        if rejections or (not_voted == 0 and approvals == 0):
            return FAILED
        return MET if not_voted == 0 else PENDING
    needed = approvals_needed(policy=policy, quorum_percent=quorum_percent, member_count=member_count)
    if approvals >= needed:
        return MET
    if approvals + not_voted < needed:
        return FAILED
    return PENDING
