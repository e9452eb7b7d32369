"""Who hears about what happens to an incident; every message goes through the outbox, once per event."""

from django.utils.translation import gettext as _

from itsm.choices import OutboxChannelChoices
from itsm.services.outbox import outbox_enqueue

EMAIL_AND_APP = (OutboxChannelChoices.EMAIL, OutboxChannelChoices.IN_APP)


def _subject(incident, what: str) -> str:
    return f"[{incident.number}] {what}: {incident.title}"


def notify_created(*, incident) -> None:
    """Acknowledge a new incident to its requester."""
    if incident.requester is None:
        return
    outbox_enqueue(
        event_key=f"incident:{incident.pk}:created",
        recipient=incident.requester,
        subject=_subject(incident, _("We have logged your request")),
        body=_("Your request %(number)s has been logged. We will keep you informed.") % {"number": incident.number},
    )


def notify_assigned(*, incident, actor) -> None:
    """Tell the new assignee (e-mail and in-app), or the team's members when only the team changed."""
    recipients = [incident.assignee] if incident.assignee else list(incident.assignment_group.members.all())
    for user in recipients:
        if actor is not None and user.pk == actor.pk:
            continue  # nobody needs a message about what they just did themselves
        outbox_enqueue(
            event_key=f"incident:{incident.pk}:assigned:v{incident.version}",
            recipient=user,
            subject=_subject(incident, _("Assigned to you") if incident.assignee else _("Assigned to your team")),
            body=incident.description[:2000],
            channels=EMAIL_AND_APP if user.is_staff_member else (OutboxChannelChoices.EMAIL,),
        )


def notify_public_comment(*, incident, entry) -> None:
    """Send a public comment to the requester (unless they wrote it)."""
    if incident.requester is None or entry.author_id == incident.requester_id:
        return
    outbox_enqueue(
        event_key=f"journal:{entry.pk}:public",
        recipient=incident.requester,
        subject=_subject(incident, _("New comment")),
        body=entry.body,
    )


def notify_resolved(*, incident) -> None:
    """Tell the requester their incident is resolved and how."""
    if incident.requester is None:
        return
    outbox_enqueue(
        event_key=f"incident:{incident.pk}:resolved:v{incident.version}",
        recipient=incident.requester,
        subject=_subject(incident, _("Resolved")),
        body=incident.resolution_notes,
    )
