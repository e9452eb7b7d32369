"""What SLM editors add to saving (itsm.views.editing): a note when the edit recomputes running SLA clocks."""

from django.contrib import messages
from django.utils.translation import gettext as _


def saved_message(request, saved, created: bool, *, created_text: str, saved_text: str) -> None:
    """The success message, and a note when running SLA clocks are being recomputed because of the edit."""
    messages.success(request, (created_text if created else saved_text) % {"name": saved})
    if getattr(saved, "recompute_job", None) is not None:
        messages.info(request, _("Running SLA clocks that count on it are being recomputed in the background."))
