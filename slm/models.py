"""Service Level Management models: the service catalog (agreements and calendars arrive with SLM's own issue)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from itsm.models import ItsmModel, Team
from slm.choices import ServiceStatusChoices


class Service(ItsmModel):
    """A service of the catalog, as users know it (E-mail, Payroll, VPN), represented in the CMDB by a CI."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatusChoices.choices, default=ServiceStatusChoices.LIVE
    )
    owner_team = models.ForeignKey(
        Team, verbose_name=_("owner team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    ci = models.ForeignKey(
        ConfigurationItem,
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        help_text=_("The CI that represents the service in the CMDB."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name
