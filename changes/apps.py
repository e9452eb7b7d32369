from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    """Change Management and the CAB."""

    name = "changes"
    verbose_name = _("Change Management and the CAB")
