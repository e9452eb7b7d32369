"""What every SLM editor does on save: call the service, and turn its refusals into form errors and a status."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from itsm.exceptions import StaleVersion
from itsm.forms import apply_service_errors

CONFLICT, INVALID = 409, 422


def saved_message(request, saved, created: bool, *, created_text: str, saved_text: str) -> None:
    """The success message, and a note when running SLA clocks are being recomputed because of the edit."""
    messages.success(request, (created_text if created else saved_text) % {"name": saved})
    if getattr(saved, "recompute_job", None) is not None:
        messages.info(request, _("Running SLA clocks that count on it are being recomputed in the background."))


def save_with_form(form, save: Callable[[], object], *, keep: Callable[[dict], dict] | None = None):
    """(saved record, None) or (None, HTTP status) with the service's errors on the form.

    `keep` takes the service's {field: messages} and returns those the form should show; an editor uses it to
    place errors of fields it renders itself (a calendar's hours and holidays) next to them.
    """
    try:
        return save(), None
    except StaleVersion as error:
        form.add_error(None, f"{error.message} {_('Your changes are still in the form below.')}")
        return None, CONFLICT
    except ValidationError as error:
        if keep is not None and hasattr(error, "error_dict"):
            error = ValidationError(keep(error.message_dict))
        apply_service_errors(form, error)
        return None, INVALID
