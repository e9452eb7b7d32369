"""Change-management test data, built through the real services."""

from datetime import timedelta

from django.utils import timezone

from changes.models import CAB, Change, ChangeTemplate, ChangeWindow
from changes.services import cab_save, change_create, change_template_save, change_window_save
from tests.itsm.factories import UserFactory

_counter = iter(range(1, 10**9))


def _n() -> int:
    return next(_counter)


def cab_members(count: int = 3, role: str = "cab_member") -> list:
    """`count` fresh users who may sit on a CAB."""
    return [UserFactory(roles=[role]) for _ in range(count)]


def make_cab(*, members=None, policy="majority", quorum_percent=None, emergency=False, **fields) -> CAB:
    """A CAB (three fresh CAB members unless given), saved through `cab_save`."""
    fields.setdefault("name", f"{'ECAB' if emergency else 'CAB'} {_n()}")
    return cab_save(
        actor=None,
        members=cab_members() if members is None else members,
        policy=policy,
        quorum_percent=quorum_percent,
        emergency=emergency,
        **fields,
    )


def emergency_cab(**fields) -> CAB:
    """The emergency CAB (there is at most one): the existing one, or a new one."""
    return CAB.objects.filter(emergency=True).first() or make_cab(emergency=True, **fields)


def make_template(**fields) -> ChangeTemplate:
    """An active standard change template (only change managers may use it unless `allowed_roles` says more)."""
    fields.setdefault("name", f"Template {_n()}")
    fields.setdefault("title", "Patch a Linux server")
    fields.setdefault("implementation_plan", "apt upgrade; reboot")
    fields.setdefault("backout_plan", "Restore the snapshot")
    fields.setdefault("test_plan", "Health check green")
    return change_template_save(actor=None, **fields)


def make_window(*, kind="blackout", start=None, end=None, **fields) -> ChangeWindow:
    """A change window (covering everything unless services or CIs are given)."""
    start = start or timezone.now() + timedelta(days=1)
    return change_window_save(
        actor=None,
        name=fields.pop("name", f"Window {_n()}"),
        kind=kind,
        start=start,
        end=end or start + timedelta(hours=4),
        **fields,
    )


def window_from_now(*, days: float = 2, hours: float = 2) -> dict:
    """planned_start/planned_end `days` ahead, lasting `hours`."""
    start = (timezone.now() + timedelta(days=days)).replace(microsecond=0)
    return {"planned_start": start, "planned_end": start + timedelta(hours=hours)}


def make_change(*, actor=None, status="draft", **fields) -> Change:
    """A change raised by `actor` (an agent by default), then forced into `status` for test setup.

    Forcing skips the transitions' effects: pass `cab`, `authorized_at` etc. when the status needs them.
    """
    actor = actor or UserFactory(roles=["agent"])
    fields.setdefault("title", "Upgrade the mail relay")
    forced = {name: fields.pop(name) for name in ("authorized_at", "outcome") if name in fields}
    change = change_create(actor=actor, **fields)
    if status != "draft" or forced:
        Change.objects.filter(pk=change.pk).update(status=status, **forced)
        change.refresh_from_db()
    return change


def make_standard_change(*, actor=None, template=None, **data) -> Change:
    """A standard change raised from a template by a change manager (the template made if not given)."""
    from changes.services import change_from_template

    actor = actor or UserFactory(roles=["change_manager"])
    return change_from_template(actor=actor, template=template or make_template(), data=data)
