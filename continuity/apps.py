from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContinuityConfig(AppConfig):
    """IT Service Continuity Management."""

    name = "continuity"
    verbose_name = _("IT Service Continuity Management")
