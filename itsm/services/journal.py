"""Journal writes: public comments and internal work notes on tickets."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from itsm.audit_context import audit_context
from itsm.choices import VisibilityChoices
from itsm.models import JournalEntry

MAX_BODY = 20_000


def journal_entries_visible(*, ticket, user):
    """The ticket's journal as `user` may read it: requesters see public entries only."""
    entries = JournalEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ticket), object_id=ticket.pk
    ).select_related("author")
    if not user.is_staff_member:
        entries = entries.filter(visibility=VisibilityChoices.PUBLIC)
    return entries


def journal_add(*, ticket, actor, body: str, visibility: str = VisibilityChoices.INTERNAL) -> JournalEntry:
    """Add a comment or work note to `ticket` (actor None: the system); requesters may only write public comments."""
    body = (body or "").strip()
    errors = {}
    if not body:
        errors["body"] = [_("Write something.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("At most %(max)d characters.") % {"max": MAX_BODY}]
    if visibility not in VisibilityChoices.values:
        errors["visibility"] = [_("Choose public or internal.")]
    if errors:
        raise ValidationError(errors)
    if visibility == VisibilityChoices.INTERNAL and actor is not None and not actor.is_staff_member:
        raise PermissionDenied(_("Requesters can only write public comments."))
    with transaction.atomic(), audit_context(actor=actor):
        return JournalEntry.objects.create(
            content_type=ContentType.objects.get_for_model(ticket),
            object_id=ticket.pk,
            author=actor,
            body=body,
            visibility=visibility,
        )
