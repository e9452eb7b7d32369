"""Small UI helpers: audit event links and labels, and the active menu section."""

import pytest

from itsm.models import AuditEvent
from itsm.navigation import navigation_for
from itsm.templatetags.itsm_ui import object_type_label, object_url
from tests.cmdb.factories import CIFactory, RelationshipFactory


@pytest.mark.django_db
def test_audit_events_link_to_their_objects_pages():
    ci = CIFactory()
    created = AuditEvent.objects.get(object_type="cmdb.configurationitem", object_id=str(ci.pk))
    assert object_url(created) == f"/cmdb/cis/{ci.pk}/"
    rel = RelationshipFactory()
    rel_event = AuditEvent.objects.get(object_type="cmdb.cirelationship", object_id=str(rel.pk))
    assert object_url(rel_event) == ""  # relationships have no page of their own
    ci.delete()
    deleted = AuditEvent.objects.get(
        object_type="cmdb.configurationitem", object_id=str(created.object_id), action="delete"
    )
    assert object_url(deleted) == ""
    assert object_type_label("cmdb.cirelationship") == "CI relationship"
    assert object_type_label("gone.model") == "gone.model"


@pytest.mark.django_db
def test_menu_marks_the_current_section(make_user):
    user = make_user(roles=["agent"])
    active = {str(item.label): on for item, on in navigation_for(user, "/cmdb/classes/4/")}
    assert active["CMDB"] is True and active["Home"] is False
    assert {str(item.label): on for item, on in navigation_for(user, "/")}["Home"] is True


@pytest.mark.django_db
def test_audit_change_rows_show_choice_labels(make_user):
    from itsm.views.audit import describe_changes

    rel = RelationshipFactory(type="runs_on")
    event = AuditEvent.objects.get(object_type="cmdb.cirelationship", object_id=str(rel.pk))
    (described,) = describe_changes([event], make_user(roles=["agent"]))
    rows = {str(row.label): row.after for row in described.change_rows}
    assert rows["Type"] == "runs on"
    assert rows["Source"] == rel.source.name


@pytest.mark.django_db
def test_audit_change_rows_format_instants(make_user):
    from itsm.views.audit import describe_changes
    from tests.incidents.factories import make_incident

    incident = make_incident()
    event = AuditEvent.objects.get(object_type="incidents.incident", object_id=str(incident.pk), action="create")
    (described,) = describe_changes([event], make_user(roles=["agent"]))
    reported = {str(row.label): row.after for row in described.change_rows}["Reported at"]
    assert "T" not in reported and "+00:00" not in reported
