from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlmConfig(AppConfig):
    """Service Level Management."""

    name = "slm"
    verbose_name = _("Service Level Management")
    # Requesters pick the service their request is about, so they may read the catalog.
    role_permissions = {
        "calendar": {
            **dict.fromkeys(["agent", "change_manager", "cab_member", "security_officer", "auditor"], "v"),
            "manager": "vac",
            "admin": "vacd",
        },
        "service": {
            **dict.fromkeys(["requester", "agent", "change_manager", "cab_member", "security_officer", "auditor"], "v"),
            "manager": "vac",
            "admin": "vacd",
        },
    }
