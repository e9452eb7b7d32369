from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    """Problem Management and the known error database."""

    name = "problems"
    verbose_name = _("Problem Management and the known error database")
