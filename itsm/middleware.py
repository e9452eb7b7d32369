"""Request middleware: audit context per request, and the user's time zone for rendering."""

import zoneinfo

from django.utils import timezone

from itsm.audit_context import audit_context


class AuditContextMiddleware:
    """Every write during a request is audited with source `web` or `api` and the request's user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        with audit_context(source=source, request=request, actor=None, action=None, transition=""):
            return self.get_response(request)


class UserTimezoneMiddleware:
    """Render pages in the signed-in user's time zone; the API always speaks UTC (the contract)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if request.path.startswith("/api/"):
            timezone.deactivate()
        elif user is not None and user.is_authenticated and user.timezone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
