from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlmConfig(AppConfig):
    """Service Level Management."""

    name = "slm"
    verbose_name = _("Service Level Management")
