"""The response django-axes sends once an account is locked: JSON for the API, a page for the browser."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_STATUS = 429


def lockout_response(request, original_response=None, credentials=None):
    """429 with a clear message; the API gets the contract's {"detail", "code"} shape."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-in attempts: this account is locked for %(minutes)d minutes. "
        "Try again later or ask an administrator to unlock it."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=LOCKED_STATUS)
    return render(
        request, "registration/locked_out.html", {"message": message, "cooloff_minutes": minutes}, status=LOCKED_STATUS
    )
