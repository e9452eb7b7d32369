from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incident Management and the Service Desk."""

    name = "incidents"
    verbose_name = _("Incident Management and the Service Desk")
