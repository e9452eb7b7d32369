from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    """Release Management, the definitive media library and licences."""

    name = "releases"
    verbose_name = _("Release Management, the definitive media library and licences")
