"""Who is acting, and through which entry point: carried to every audit event written meanwhile.

Web and API requests set it in middleware, Celery tasks in the base task, management commands in
`manage.py`. A write made with no context at all is still recorded, with source `system`.
"""

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    """The actor (a user, or a request whose user is resolved lazily) and the source of a change."""

    source: str = "system"
    actor: Any = None
    request: Any = None
    action: str | None = None  # overrides create/update, e.g. "transition"
    transition: str = ""
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def actor_user(self):
        """The acting user, or None for the system. Request users are read late: DRF authenticates in the view."""
        user = self.actor
        if user is None and self.request is not None:
            user = getattr(self.request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user


_default = AuditContext()
_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("itsm_audit_context", default=None)


def current() -> AuditContext:
    """The context in force for this thread or task."""
    return _current.get() or _default


def set_process_default(*, source: str) -> None:
    """Set the source used when nothing more specific is in force (manage.py sets `command`)."""
    global _default
    _default = AuditContext(source=source)


@contextlib.contextmanager
def audit_context(**changes) -> Iterator[AuditContext]:
    """Run a block with some context fields replaced (actor, source, action, transition, request)."""
    ctx = replace(current(), **changes)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
