from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Everyone who works service-support records reads changes and the CAB set-up (CAB members judge changes,
# auditors and managers follow them). Requesters (end users) only see changes they requested (TicketQuerySet).
READERS = ["manager", "cab_member", "security_officer", "auditor"]


class ChangesConfig(AppConfig):
    """Change Management and the CAB."""

    name = "changes"
    verbose_name = _("Change Management and the CAB")
    demo_loader = "changes.demo.load_changes"
    # Agents raise and work RFCs; change managers own the process and its reference data; CAB members vote
    # (add/change on their own approvals; membership is checked by the vote service).
    role_permissions = {
        "change": {"requester": "v", "agent": "vac", **dict.fromkeys(READERS, "v"), "change_manager": "vacd"},
        "cab": {"agent": "v", **dict.fromkeys(READERS, "v"), "change_manager": "vacd"},
        "changewindow": {"agent": "v", **dict.fromkeys(READERS, "v"), "change_manager": "vacd"},
        "changetemplate": {"agent": "v", **dict.fromkeys(READERS, "v"), "change_manager": "vacd"},
        "approval": {
            "agent": "v",
            **dict.fromkeys(READERS, "v"),
            "cab_member": "vac",
            "change_manager": "vac",
        },
    }
