from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

STAFF_VIEW = dict.fromkeys(["agent", "manager", "change_manager", "cab_member", "security_officer", "auditor"], "v")


class CmdbConfig(AppConfig):
    """Configuration Management (CMDB)."""

    name = "cmdb"
    verbose_name = _("Configuration Management (CMDB)")
    demo_loader = "cmdb.demo.load_cmdb"
    # Change managers keep the CMDB correct (configuration management rides on change control);
    # admins define the class model; everyone else who works tickets reads it.
    role_permissions = {
        "ciclass": {**STAFF_VIEW, "admin": "vacd"},
        "configurationitem": {**STAFF_VIEW, "change_manager": "vacd", "admin": "vacd"},
        "cirelationship": {**STAFF_VIEW, "change_manager": "vacd", "admin": "vacd"},
        "cibaseline": {**STAFF_VIEW, "manager": "va", "change_manager": "vacd", "admin": "vacd"},
        "ciimportjob": {"change_manager": "va", "admin": "vacd"},
    }
