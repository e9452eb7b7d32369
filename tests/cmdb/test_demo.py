"""Demo CMDB: idempotent, audited as a command, attributes valid for their classes, impact reaches services."""

from io import StringIO

import pytest
from django.core.management import call_command

from cmdb import demo
from cmdb.models import CIClass, CIRelationship, ConfigurationItem
from cmdb.schema import schema_errors, validate_attributes
from cmdb.selectors import ci_impact
from itsm.models.audit import AuditEvent

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "classes": CIClass.objects.count(),
        "cis": ConfigurationItem.objects.count(),
        "relationships": CIRelationship.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_second_run_changes_nothing_and_audits_nothing(loaded_demo):
    first = counts()
    assert "CMDB:" in loaded_demo
    load()
    assert counts() == first
    assert first["classes"] == len(demo.DEMO_CLASSES)
    assert 80 <= first["cis"] <= 120


def test_loading_is_audited_as_command(loaded_demo):
    created = AuditEvent.objects.filter(action="create", object_type__startswith="cmdb.")
    assert created.filter(object_type="cmdb.configurationitem").count() == ConfigurationItem.objects.count()
    assert created.filter(object_type="cmdb.cirelationship").count() == CIRelationship.objects.count()
    assert set(created.values_list("source", flat=True)) == {"command"}


def test_changed_demo_ci_is_restored(loaded_demo):
    ci = ConfigurationItem.objects.get(name="esx-lon-01")
    ci.attributes = {**ci.attributes, "ram_gb": 8}
    ci.status = "retired"
    ci.save()
    load()
    ci.refresh_from_db()
    assert ci.attributes["ram_gb"] == 1024
    assert ci.status == "active"


def test_class_schemas_are_valid_and_every_ci_matches_its_class(loaded_demo):
    for ci_class in CIClass.objects.all():
        assert schema_errors(ci_class.attribute_schema) == [], ci_class.slug
    for ci in ConfigurationItem.objects.select_related("ci_class__parent"):
        _clean, errors = validate_attributes(ci.ci_class.effective_schema(), ci.attributes)
        assert errors == {}, (ci.name, errors)


def test_estate_is_varied_and_owned(loaded_demo):
    cis = ConfigurationItem.objects.all()
    assert not cis.filter(owner_team=None).exists()
    assert {"retired", "maintenance"} <= set(cis.values_list("status", flat=True))
    assert "staging" in set(cis.values_list("environment", flat=True))
    assert set(CIRelationship.objects.values_list("type", flat=True)) == {
        "depends_on",
        "runs_on",
        "uses",
        "connects_to",
        "contains",
    }
    assert cis.values("owner_team").distinct().count() >= 5


def test_server_failure_impacts_a_business_service(loaded_demo):
    host = ConfigurationItem.objects.get(name="esx-lon-01", ci_class__slug="physical-server")
    impacted, truncated = ci_impact(ci=host, depth=10, limit=10_000)
    services = {item.ci.name for item in impacted if item.ci.ci_class.slug == "business-service"}
    assert not truncated
    assert services


def test_network_mesh_has_cycles_and_impact_still_ends(loaded_demo):
    router = ConfigurationItem.objects.get(name="rtr-lon-01")
    impacted, _truncated = ci_impact(ci=router, depth=10, limit=10_000)
    names = [item.ci.name for item in impacted]
    assert len(names) == len(set(names))
    assert "rtr-fra-01" in names and "Web Shop" in names
