"""Change-management writes, by sub-domain; import them from here.

- changes: `change_create`, `change_update`, `change_from_template`, `change_risk_override`, `change_errors`
- approvals (the CAB vote): `approval_cast`, `change_policy_outcome`, `change_vote_counts`,
  `change_decision_apply`, `change_cab_for_authorization`
- scheduling checks: `change_blackout_windows`, `change_blackout_check`, `change_review_required`
- reference data: `cab_save`, `change_window_save`, `change_template_save`
- reminders: `change_reminders_send` (the beat task `changes.tasks.changes_remind_upcoming`)
Transitions (submit, request_authorization, schedule, reject, implement, complete, close, cancel) go through
`itsm.services.tickets.transition_apply`; their rules are in `changes.workflows`.
"""

from changes.services.approvals import (
    approval_cast,
    change_cab_for_authorization,
    change_decision_apply,
    change_policy_outcome,
    change_vote_counts,
)
from changes.services.changes import (
    change_create,
    change_errors,
    change_from_template,
    change_risk_override,
    change_update,
)
from changes.services.reference import cab_save, change_template_save, change_window_save
from changes.services.reminders import change_reminders_send
from changes.services.scheduling import change_blackout_check, change_blackout_windows, change_review_required

__all__ = [
    "approval_cast",
    "cab_save",
    "change_blackout_check",
    "change_blackout_windows",
    "change_cab_for_authorization",
    "change_create",
    "change_decision_apply",
    "change_errors",
    "change_from_template",
    "change_policy_outcome",
    "change_reminders_send",
    "change_review_required",
    "change_risk_override",
    "change_template_save",
    "change_update",
    "change_vote_counts",
    "change_window_save",
]
