from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

STAFF_READERS = ["agent", "change_manager", "cab_member", "security_officer", "auditor"]


class SlmConfig(AppConfig):
    """Service Level Management."""

    name = "slm"
    verbose_name = _("Service Level Management")
    demo_loader = "slm.demo.load_demo"
    # Requesters pick the service their request is about, so they may read the catalog.
    role_permissions = {
        "calendar": {
            **dict.fromkeys(["agent", "change_manager", "cab_member", "security_officer", "auditor"], "v"),
            "manager": "vac",
            "admin": "vacd",
        },
        "agreement": {**dict.fromkeys(STAFF_READERS, "v"), "manager": "vac", "admin": "vacd"},
        "slaclock": {**dict.fromkeys(STAFF_READERS, "v"), "manager": "v", "admin": "v"},
        "slathreshold": {**dict.fromkeys(STAFF_READERS, "v"), "manager": "v", "admin": "v"},
        "slarecomputejob": {**dict.fromkeys(STAFF_READERS, "v"), "manager": "v", "admin": "v"},
        "service": {
            **dict.fromkeys(["requester", "agent", "change_manager", "cab_member", "security_officer", "auditor"], "v"),
            "manager": "vac",
            "admin": "vacd",
        },
    }
