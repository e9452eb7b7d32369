"""Service Level Management models: the service catalog (agreements and calendars arrive with SLM's own issue)."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from itsm.models import ItsmModel, Team
from itsm.models.users import validate_timezone
from slm.business_time import BusinessCalendar, calendar_from
from slm.choices import ServiceStatusChoices


class Calendar(ItsmModel):
    """Business hours in a time zone (several intervals a day, "24:00" and past-midnight ends) and holidays.

    `hours`: [{"weekday": 0..6, "start": "HH:MM", "end": "HH:MM"}]; `holidays`: [{"date": "YYYY-MM-DD", "name"}].
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    hours = models.JSONField(_("working hours"), default=list, blank=True)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self):
        return self.name

    def business_calendar(self) -> BusinessCalendar:
        """The calendar as the business-time functions take it."""
        return calendar_from(
            timezone=self.timezone,
            hours=self.hours,
            holidays=[datetime.date.fromisoformat(item["date"]) for item in self.holidays],
        )


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
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("service hours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name
