from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ItsmConfig(AppConfig):
    """Shared core: users, teams, audit, journal, numbering, outbox."""

    name = "itsm"
    verbose_name = _("ITSM core")
    default_auto_field = "django.db.models.BigAutoField"
    demo_loader = "itsm.demo.load_organisation"
    role_permissions = {
        "user": {
            "admin": "vacd",
            **dict.fromkeys(["agent", "manager", "change_manager", "cab_member", "security_officer", "auditor"], "v"),
        },
        "team": {
            "admin": "vacd",
            **dict.fromkeys(["agent", "manager", "change_manager", "cab_member", "security_officer", "auditor"], "v"),
        },
        "auditevent": dict.fromkeys(
            ["agent", "manager", "change_manager", "cab_member", "security_officer", "auditor", "admin"], "v"
        ),
    }

    def ready(self):
        from itsm import audit, roles

        audit.connect()
        post_migrate.connect(roles.roles_sync, dispatch_uid="itsm_roles_sync")
