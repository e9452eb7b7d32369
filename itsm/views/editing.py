"""What every editor of a reference record does on save: call the service, and turn its refusals (a newer
version saved meanwhile, or field errors) into form errors and an HTTP status."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from itsm.exceptions import StaleVersion
from itsm.forms import apply_service_errors

CONFLICT, INVALID = 409, 422


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
