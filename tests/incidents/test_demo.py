"""Demo incidents: idempotent, every status and both kinds, priorities from the matrix, audited as a command."""

from io import StringIO

import pytest
from django.core.management import call_command

from incidents.choices import IncidentKindChoices, IncidentStatusChoices
from incidents.demo import CATEGORIES, MARKER
from incidents.models import Category, Incident
from itsm.choices import priority_for
from itsm.models import JournalEntry
from itsm.models.audit import AuditEvent
from slm.demo import DEMO_SERVICES
from slm.models import Service

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "incidents": Incident.objects.count(),
        "categories": Category.objects.count(),
        "services": Service.objects.count(),
        "journal": JournalEntry.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_demo_is_idempotent_and_varied(loaded_demo):
    first = counts()
    assert "Incidents:" in loaded_demo
    assert 200 <= first["incidents"] <= 400
    assert first["services"] == len(DEMO_SERVICES)
    assert first["categories"] == len(CATEGORIES) + sum(len(c) for c in CATEGORIES.values())

    load()
    assert counts() == first

    assert set(Incident.objects.values_list("status", flat=True)) == set(IncidentStatusChoices.values)
    assert set(Incident.objects.values_list("kind", flat=True)) == set(IncidentKindChoices.values)
    for impact, urgency, priority in Incident.objects.values_list("impact", "urgency", "priority"):
        assert priority == priority_for(impact, urgency)


def test_demo_shape_and_audit(loaded_demo):
    incidents = Incident.objects.all()
    resolved = incidents.filter(status__in=["resolved", "closed"])
    assert not resolved.filter(resolution_code__isnull=True).exists()
    assert not resolved.filter(resolved_at__isnull=True).exists()
    assert incidents.filter(major=True, title=MARKER).exists()
    assert incidents.filter(parent__major=True).count() >= 6
    assert incidents.filter(service__isnull=False, configuration_items__isnull=False).exists()
    assert len(set(incidents.values_list("channel", flat=True))) >= 4
    assert len(set(incidents.values_list("assignment_group", flat=True))) >= 5
    assert set(JournalEntry.objects.values_list("visibility", flat=True)) == {"public", "internal"}
    sources = set(AuditEvent.objects.filter(object_type="incidents.incident").values_list("source", flat=True))
    assert sources == {"command"}
    # Every status change went through a transition.
    assert AuditEvent.objects.filter(object_type="incidents.incident", action="transition").exists()
