"""The audit trail: every entry point is attributed, field-level changes, and events cannot be altered."""

import pytest
from django.db import DatabaseError, connection, transaction

from itsm.audit_context import audit_context
from itsm.models import AuditEvent, AuditEventImmutable, Team
from itsm.services.users import team_save
from tests.itsm.factories import TeamFactory, UserFactory


def events_for(obj):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")


@pytest.mark.django_db
def test_change_without_context_is_recorded_as_system():
    team = Team.objects.create(name="Orphans")
    (event,) = events_for(team)
    assert (event.source, event.actor, event.action) == ("system", None, "create")
    assert event.changes["name"] == [None, "Orphans"]


@pytest.mark.django_db
def test_field_level_before_and_after_on_update_and_delete():
    team = TeamFactory(name="Before", vendor="")
    with audit_context(source="command"):
        team.name, team.vendor = "After", "Acme"
        team.save()
        team_id = team.pk
        team.delete()
    events = AuditEvent.objects.filter(object_type="itsm.team", object_id=str(team_id)).order_by("id")
    update, delete = events.filter(action__in=["update", "delete"])
    assert update.changes == {"name": ["Before", "After"], "vendor": ["", "Acme"]}
    assert update.source == delete.source == "command"
    assert delete.object_id == str(team_id) and delete.changes["name"] == ["After", None]


@pytest.mark.django_db
def test_saving_without_changes_writes_no_event():
    team = TeamFactory()
    team.save()
    assert events_for(team).count() == 1


@pytest.mark.django_db
def test_web_request_is_attributed_to_the_signed_in_user(client):
    admin = UserFactory(roles=["admin"], is_staff=True)
    client.force_login(admin)
    response = client.post("/admin/itsm/team/add/", {"name": "Via admin", "members": [], "vendor": ""})
    assert response.status_code in (200, 302)
    team = Team.objects.get(name="Via admin")
    event = events_for(team).get(action="create")
    assert (event.source, event.actor_id, event.actor_repr) == ("web", admin.pk, admin.username)


@pytest.mark.django_db
def test_token_authenticated_api_call_is_attributed(api_client):
    from rest_framework.authtoken.models import Token

    admin = UserFactory(roles=["admin"])
    token = Token.objects.create(user=admin)
    response = api_client.post("/api/v1/teams/", {"name": "By token"}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201
    event = events_for(Team.objects.get(name="By token")).get()
    assert (event.source, event.actor_id) == ("api", admin.pk)


@pytest.mark.django_db
def test_eager_task_is_attributed_to_the_user_who_queued_it():
    from itsm.celery import app

    actor = UserFactory()

    @app.task(name="tests.rename_team", bind=False)
    def rename_team(team_id):
        team = Team.objects.get(pk=team_id)
        team.name = "Renamed by task"
        team.save()

    team = TeamFactory()
    with audit_context(source="web", actor=actor):
        rename_team.delay(team.pk)
    event = events_for(team).get(action="update")
    assert (event.source, event.actor_id) == ("task", actor.pk)


@pytest.mark.django_db
def test_management_command_source():
    from io import StringIO

    from django.core.management import call_command

    call_command("audit_probe", stdout=StringIO())
    event = AuditEvent.objects.get(object_repr="Made by a command")
    assert event.source == "command"


@pytest.mark.django_db
def test_audit_event_cannot_be_changed_or_deleted_through_the_orm():
    team_save(actor=None, name="Immutable")
    event = AuditEvent.objects.latest("id")
    event.object_repr = "forged"
    with pytest.raises(AuditEventImmutable):
        event.save()
    with pytest.raises(AuditEventImmutable):
        event.delete()
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="forged")
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "Immutable"


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_refuses_raw_update_and_delete_of_audit_events():
    team_save(actor=None, name="Raw")
    event_id = AuditEvent.objects.latest("id").pk
    for sql in (
        "UPDATE itsm_auditevent SET object_repr = 'forged' WHERE id = %s",
        "DELETE FROM itsm_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event_id])
    assert AuditEvent.objects.get(pk=event_id).object_repr == "Raw"


@pytest.mark.django_db
def test_audit_event_admin_is_read_only(client):
    admin = UserFactory(roles=["admin"], is_staff=True, is_superuser=True)
    client.force_login(admin)
    team_save(actor=None, name="Seen in admin")
    event = AuditEvent.objects.latest("id")
    assert client.get(f"/admin/itsm/auditevent/{event.pk}/delete/").status_code == 403
    client.post(f"/admin/itsm/auditevent/{event.pk}/change/", {"object_repr": "forged"})
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "Seen in admin"
