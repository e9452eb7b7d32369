"""Demo change management: idempotent, every status, CAB and ECAB with votes, windows, conflicts, linked incidents.

One test loads the whole demo (incidents take most of a minute) and checks everything on it."""

from io import StringIO

import pytest
from django.core.management import call_command

from changes.choices import ChangeStatusChoices, ChangeTypeChoices
from changes.demo import CABS, CHANGES, MARKER, TEMPLATES, WINDOWS
from changes.models import CAB, Approval, Change, ChangeTemplate, ChangeWindow
from changes.services import change_policy_outcome
from itsm.models.audit import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "changes": Change.objects.count(),
        "cabs": CAB.objects.count(),
        "templates": ChangeTemplate.objects.count(),
        "windows": ChangeWindow.objects.count(),
        "votes": Approval.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_demo_is_idempotent_and_covers_every_state_and_type():
    output = load()
    first = counts()
    assert "Changes:" in output
    assert first["changes"] == len(CHANGES) and first["cabs"] == len(CABS)
    assert (first["templates"], first["windows"]) == (len(TEMPLATES), len(WINDOWS))
    load()
    assert counts() == first
    assert set(Change.objects.values_list("status", flat=True)) == set(ChangeStatusChoices.values)
    assert set(Change.objects.values_list("type", flat=True)) == set(ChangeTypeChoices.values)
    for title, _type, status, *_rest in CHANGES:
        assert Change.objects.get(title=title).status == status, title
    check_shape()


def check_shape():
    """Votes, conflicts, the blackout override, linked incidents and reviews (one load: the demo is slow)."""
    from changes.conflicts import conflicts_for

    assert CAB.objects.get(emergency=True).changes.exists()
    # Authorised-and-waiting, still voting, and rejected-by-votes changes.
    statuses = {change_policy_outcome(change=c) for c in Change.objects.filter(status="authorization")}
    assert {"met", "pending"} <= statuses
    assert Change.objects.filter(status="rejected", approvals__decision="reject").exists()
    assert Approval.objects.values("voter").distinct().count() >= 4
    marker = Change.objects.get(title=MARKER)
    assert any(c.kind == "ci_overlap" for c in conflicts_for(marker))
    frozen = Change.objects.exclude(blackout_override_reason="").get()
    assert frozen.status == "scheduled" and any(c.kind == "blackout" for c in conflicts_for(frozen))
    assert Change.objects.filter(caused_incidents__isnull=False).distinct().count() == 1
    closed = Change.objects.filter(status="closed", outcome__in=["failed", "backed_out"])
    assert closed.exists() and not closed.filter(review_notes="").exists()
    assert not Change.objects.filter(type="standard", cab__isnull=False).exists()
    sources = set(AuditEvent.objects.filter(object_type="changes.change").values_list("source", flat=True))
    assert sources == {"command"}
    assert AuditEvent.objects.filter(object_type="changes.change", transition="schedule").exists()
