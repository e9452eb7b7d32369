from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmdbConfig(AppConfig):
    """Configuration Management (CMDB)."""

    name = "cmdb"
    verbose_name = _("Configuration Management (CMDB)")
