"""Checks made when a change is scheduled and closed: blackout windows (change-manager override) and the
post-implementation review. They run inside the transition's (or edit's) transaction and raise to refuse it."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from changes.choices import REVIEW_REQUIRED_OUTCOMES, ChangeTypeChoices, WindowKindChoices
from changes.models import Change, ChangeWindow
from changes.permissions import is_change_manager
from changes.services.hooks import optional_hook
from itsm.exceptions import TransitionRefused


def _value(conflict, name):
    return conflict.get(name) if isinstance(conflict, dict) else getattr(conflict, name, None)


def change_blackout_windows(*, change: Change) -> list[ChangeWindow]:
    """The blackout windows the change's planned window falls in (for its CIs and what they impact).

    Uses the conflict check (`changes.conflicts.conflicts_for`) when present, which follows CMDB impact;
    without it, the windows covering everything, one of the change's CIs or one of its impacted services.
    """
    if not (change.planned_start and change.planned_end):
        return []
    conflicts_for = optional_hook("changes.conflicts", "conflicts_for")
    if conflicts_for is not None:
        ids = [_value(c, "window") for c in conflicts_for(change) if _value(c, "kind") == WindowKindChoices.BLACKOUT]
        return list(ChangeWindow.objects.filter(pk__in=[pk for pk in ids if pk]).order_by("start", "pk"))
    covering = Q(configuration_items__isnull=True, services__isnull=True)
    covering |= Q(configuration_items__in=change.configuration_items.all())
    covering |= Q(services__in=change.impacted_services.all())
    windows = ChangeWindow.objects.filter(
        covering, kind=WindowKindChoices.BLACKOUT, start__lt=change.planned_end, end__gt=change.planned_start
    )
    return list(windows.distinct().order_by("start", "pk"))


def change_blackout_check(*, change: Change, actor, reason: str) -> None:
    """Let the change onto the schedule, or refuse: inside a blackout only a change manager may put it, and only
    with a justification (stored in `blackout_override_reason`; cleared when no blackout applies).

    A non-manager gets TransitionRefused (409); a change manager without a reason a field error (400).
    """
    windows = change_blackout_windows(change=change)
    reason = (reason or "").strip()
    if not windows:
        change.blackout_override_reason = ""
        return
    names = ", ".join(f"“{w.name}”" for w in windows)
    if actor is None or not is_change_manager(actor):
        raise TransitionRefused(
            _("The planned window falls in the blackout %(names)s: only a change manager may schedule it there.")
            % {"names": names}
        )
    if not reason:
        raise ValidationError(
            {
                "blackout_override_reason": [
                    _("The planned window falls in the blackout %(names)s: say why it may run there anyway.")
                    % {"names": names}
                ]
            }
        )
    change.blackout_override_reason = reason


def change_review_required(change: Change) -> bool:
    """Failed, backed-out and emergency changes need a post-implementation review before closure."""
    return change.type == ChangeTypeChoices.EMERGENCY or change.outcome in REVIEW_REQUIRED_OUTCOMES


def change_review_check(*, change: Change, review_notes: str) -> None:
    """On closure: take the review notes given (else keep those written during review); refuse without a review
    when one is required."""
    notes = (review_notes or "").strip()
    if notes:
        change.review_notes = notes
    if change_review_required(change) and not (change.review_notes or "").strip():
        raise ValidationError(
            {
                "review_notes": [
                    _("Failed, backed-out and emergency changes need a post-implementation review before closure.")
                ]
            }
        )
