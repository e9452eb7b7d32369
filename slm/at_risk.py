"""What "at risk" means, once, for the queues' SLA badges, the "breaching soon" queue and the dashboard.

A clock is at risk while it runs, has not breached, and either has passed its first warning threshold or is
due within `SOON` (a clock on a short target may reach its breach before any warning would say so).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, Subquery

from slm.choices import ClockStatusChoices
from slm.clocks import BREACH_PERCENT
from slm.models import SLAThreshold

SOON = dt.timedelta(hours=2)


def warnings_reached(clock_ref: str, now: dt.datetime):
    """The warning thresholds (not the breach) of the clock `clock_ref` points at that are due by `now`."""
    return SLAThreshold.objects.filter(clock=OuterRef(clock_ref), percent__lt=BREACH_PERCENT, due_at__lte=now)


def warned_percent(clock_ref: str, now: dt.datetime) -> Subquery:
    """The highest warning percent the clock has reached by `now` (None before its first warning)."""
    return Subquery(warnings_reached(clock_ref, now).order_by("-percent").values("percent")[:1])


def at_risk_q(now: dt.datetime, *, prefix: str = "", clock_ref: str = "pk") -> Q:
    """The clocks at risk at `now`; `prefix` reaches the clock's fields from the queried model ("rel__")."""
    return Q(
        **{
            f"{prefix}status": ClockStatusChoices.RUNNING,
            f"{prefix}breached": False,
            f"{prefix}due_at__gt": now,
        }
    ) & (Q(**{f"{prefix}due_at__lte": now + SOON}) | Q(Exists(warnings_reached(clock_ref, now))))


def is_at_risk(*, due_at: dt.datetime | None, first_warning_at: dt.datetime | None, now: dt.datetime) -> bool:
    """The same rule for a running, unbreached clock already loaded (its due time and its first warning's)."""
    return (first_warning_at is not None and first_warning_at <= now) or (due_at is not None and due_at - now <= SOON)
