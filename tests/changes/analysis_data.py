"""Small builders for the analysis tests (risk, conflicts, calendar): CIs, links, services, changes, windows.

Changes are written straight with the ORM (status, outcome and planned window as given): these tests are about
what the analysis reads, not about the workflow that normally gets a change there.
"""

import itertools
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import Permission

from changes.models import Change, ChangeWindow
from cmdb.models import CIRelationship
from slm.models import Service
from tests.cmdb.factories import CIClassFactory, CIFactory

BASE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def at(hours: float) -> datetime:
    """BASE plus `hours`."""
    return BASE + timedelta(hours=hours)


def make_ci(name: str, *, environment: str = "production", criticality: str = "medium", ci_class=None):
    return CIFactory(name=name, environment=environment, criticality=criticality, ci_class=ci_class or CIClassFactory())


def depends(source, target, kind: str = "depends_on") -> None:
    """ "source <kind> target": a failure of target impacts source."""
    CIRelationship.objects.create(source=source, target=target, type=kind)


def make_service(ci, name: str | None = None, **fields) -> Service:
    return Service.objects.create(name=name or f"Service of {ci.name}", ci=ci, **fields)


def make_change(
    *cis,
    start: float | None = 0,
    end: float | None = 2,
    status: str = "scheduled",
    type: str = "normal",
    outcome: str | None = None,
    **fields,
) -> Change:
    """A change on `cis` planned from at(start) to at(end) (hours after BASE)."""
    number = next(_numbers)
    change = Change.objects.create(
        number=f"CHG9{number:06d}",
        title=fields.pop("title", f"Change {number}"),
        status=status,
        type=type,
        outcome=outcome,
        planned_start=at(start) if start is not None else None,
        planned_end=at(end) if end is not None else None,
        **fields,
    )
    change.configuration_items.set(cis)
    return change


def make_window(kind: str, start: float, end: float, *, cis=(), services=(), name: str | None = None) -> ChangeWindow:
    window = ChangeWindow.objects.create(name=name or f"{kind} {start}-{end}", kind=kind, start=at(start), end=at(end))
    window.configuration_items.set(cis)
    window.services.set(services)
    return window


def grant(user, *codenames: str):
    """Give `user` model permissions directly ("changes.view_change"), independent of the role table."""
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))
    return type(user).objects.get(pk=user.pk)  # a fresh instance: permission caches are per instance
