"""Per-prefix ticket number sequences."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    """The last number handed out for a prefix (INC, PRB, CHG, ...); locked while a number is taken."""

    prefix = models.CharField(_("prefix"), max_length=8, primary_key=True)
    last_value = models.PositiveBigIntegerField(_("last value"), default=0)

    audited = False

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self):
        return f"{self.prefix}{self.last_value:07d}"
