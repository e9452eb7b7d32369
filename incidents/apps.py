from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

READERS = ["cab_member", "security_officer", "auditor"]


class IncidentsConfig(AppConfig):
    """Incident Management and the Service Desk."""

    name = "incidents"
    verbose_name = _("Incident Management and the Service Desk")
    demo_loader = "incidents.demo.load_incidents"
    # Requesters log and follow their own incidents (scoped in TicketQuerySet); they never change one directly.
    role_permissions = {
        "incident": {
            "requester": "va",
            **dict.fromkeys(["agent", "manager", "change_manager"], "vac"),
            **dict.fromkeys(READERS, "v"),
            "admin": "vacd",
        },
        "category": {
            **dict.fromkeys(["requester", "agent", "manager", "change_manager", *READERS], "v"),
            "admin": "vacd",
        },
    }
