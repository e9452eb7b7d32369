"""Domain errors raised by services; the API and the UI turn them into 409/412 responses or messages."""

from django.utils.translation import gettext_lazy as _


class ItsmError(Exception):
    """Base of domain errors; `message` is shown to the user."""

    code = "error"

    def __init__(self, message=None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)

    default_message = _("The request could not be completed.")


class TransitionRefused(ItsmError):
    """The transition is not possible now (wrong state or a failing guard)."""

    code = "transition_refused"
    default_message = _("This transition is not possible now.")


class ConflictError(ItsmError):
    """The record changed (or is in a state) that makes the write conflict."""

    code = "conflict"
    default_message = _("The record was changed by someone else. Reload it and try again.")


class StaleVersion(ItsmError):
    """The version the writer started from is not the current one (If-Match mismatch)."""

    code = "precondition_failed"
    default_message = _("The record was changed by someone else since you loaded it. Reload it and try again.")
