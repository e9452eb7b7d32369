"""Who hears about a change: CAB members when it awaits their vote, the people on it when the CAB decides and
before it starts. Every message goes through the outbox, once per event key."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from itsm.choices import OutboxChannelChoices
from itsm.services.outbox import outbox_enqueue

EMAIL_AND_APP = (OutboxChannelChoices.EMAIL, OutboxChannelChoices.IN_APP)


def _subject(change, what: str) -> str:
    return f"[{change.number}] {what}: {change.title}"


def _ui_url(change) -> str:
    try:
        return reverse("changes:change", kwargs={"pk": change.pk})
    except NoReverseMatch:  # the browser UI is optional for the API and the tasks
        return ""


def _send(*, change, event_key: str, recipients, subject: str, body: str, skip=None) -> int:
    sent = 0
    seen = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active or (skip is not None and user.pk == skip.pk):
            continue
        seen.add(user.pk)
        sent += bool(
            outbox_enqueue(
                event_key=event_key,
                recipient=user,
                subject=subject,
                body=body,
                url=_ui_url(change),
                channels=EMAIL_AND_APP,
            )
        )
    return sent


def notify_authorization_requested(*, change, actor) -> int:
    """Ask each CAB member to vote; once per member per authorisation round (the round is the change's version)."""
    body = _(
        "Change %(number)s awaits your vote in %(cab)s.\n\nRisk: %(risk)s\nPlanned: %(start)s – %(end)s\n\n"
        "%(justification)s"
    ) % {
        "number": change.number,
        "cab": change.cab.name,
        "risk": change.get_risk_display(),
        "start": change.planned_start or "—",
        "end": change.planned_end or "—",
        "justification": change.justification,
    }
    return _send(
        change=change,
        event_key=f"change:{change.pk}:authorization:v{change.version}",
        recipients=change.cab.members.all(),
        subject=_subject(change, _("Your CAB vote is requested")),
        body=body,
        skip=actor,
    )


def notify_decided(*, change, authorised: bool, detail: str) -> int:
    """Tell the requester and the assignee that the CAB authorised or rejected their change."""
    what = _("Authorised by the CAB") if authorised else _("Rejected by the CAB")
    return _send(
        change=change,
        event_key=f"change:{change.pk}:decided:v{change.version}",
        recipients=[change.requester, change.assignee],
        subject=_subject(change, what),
        body=detail,
    )


def notify_upcoming(*, change) -> int:
    """Remind the implementers (assignee, else the assignment group) and the CAB that the change starts soon."""
    if change.assignee is not None:
        implementers = [change.assignee]
    elif change.assignment_group is not None:
        implementers = list(change.assignment_group.members.all())
    else:
        implementers = []
    board = list(change.cab.members.all()) if change.cab_id else []
    start = change.planned_start.isoformat() if change.planned_start else ""
    return _send(
        change=change,
        event_key=f"change:{change.pk}:reminder:{start}",
        recipients=[*implementers, *board],
        subject=_subject(change, _("Starts soon")),
        body=_("Change %(number)s is scheduled to start at %(start)s (UTC).\n\n%(plan)s")
        % {"number": change.number, "start": start, "plan": change.implementation_plan[:4000]},
    )
