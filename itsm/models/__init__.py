"""Shared core models."""

from itsm.models.audit import AuditEvent, AuditEventImmutable
from itsm.models.base import ItsmModel, RestrictedQuerySet
from itsm.models.history import TicketAssignmentChange, TicketStatusChange
from itsm.models.journal import JournalEntry
from itsm.models.numbering import NumberSequence
from itsm.models.outbox import Notification, OutboxMessage
from itsm.models.tickets import TicketModel, TicketQuerySet
from itsm.models.users import Team, User

__all__ = [
    "AuditEvent",
    "AuditEventImmutable",
    "ItsmModel",
    "JournalEntry",
    "Notification",
    "NumberSequence",
    "OutboxMessage",
    "RestrictedQuerySet",
    "Team",
    "TicketAssignmentChange",
    "TicketModel",
    "TicketQuerySet",
    "TicketStatusChange",
    "User",
]
