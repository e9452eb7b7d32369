"""`ApiCrudMatrix`: a per-model class with a few attributes gets the CRUD + permission matrix as tests.

    class TestTeamApi(ApiCrudMatrix):
        endpoint = "/api/v1/teams/"
        model = Team
        viewer_role, writer_role, denied_role = "agent", "admin", "requester"
        def make_object(self): return TeamFactory()
        def create_payload(self): return {"name": "Net"}
        def update_payload(self, obj): return {"name": "Net 2"}
        def invalid_payload(self): return ({"name": ""}, "name")

Anonymous -> 401; a role without the permission -> 403; a viewer may read but not write (403);
the writer's create/update/delete work and write audit events with source `api`; bad payloads are
field-level 400s that write nothing; unknown ids are 404; objects out of the caller's scope are 404
and absent from lists (`ScopedApiMatrix`); the list's query count is stable.
"""

import pytest

from itsm.models import AuditEvent
from itsm.testing.queries import assert_query_count_stable


def client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
class ApiCrudMatrix:
    endpoint = ""
    model = None
    viewer_role = "agent"
    writer_role = "admin"
    denied_role = "requester"
    deletable = True

    def make_object(self):
        raise TypeError(f"{type(self).__name__} must define this method")

    def create_payload(self) -> dict:
        raise TypeError(f"{type(self).__name__} must define this method")

    def update_payload(self, obj) -> dict:
        raise TypeError(f"{type(self).__name__} must define this method")

    def invalid_payload(self) -> tuple[dict, str]:
        """A payload with one bad field, and that field's name."""
        raise TypeError(f"{type(self).__name__} must define this method")

    # ---- helpers --------------------------------------------------------------------------------
    def detail(self, obj) -> str:
        return f"{self.endpoint}{obj.pk}/"

    def as_role(self, make_user, role):
        user = make_user(roles=[role])
        return client_for(user), user

    def audit_events(self, obj, action):
        return AuditEvent.objects.filter(object_type=self.model._meta.label_lower, object_id=str(obj.pk), action=action)

    # ---- the matrix -----------------------------------------------------------------------------
    def test_anonymous_is_401(self, api_client):
        obj = self.make_object()
        assert api_client.get(self.endpoint).status_code == 401
        assert api_client.get(self.detail(obj)).status_code == 401
        assert api_client.post(self.endpoint, self.create_payload(), format="json").status_code == 401

    def test_role_without_permission_is_403(self, make_user):
        obj = self.make_object()
        client, _user = self.as_role(make_user, self.denied_role)
        assert client.get(self.endpoint).status_code == 403
        assert client.post(self.endpoint, self.create_payload(), format="json").status_code == 403
        assert client.patch(self.detail(obj), self.update_payload(obj), format="json").status_code in (403, 404)

    def test_viewer_reads(self, make_user):
        obj = self.make_object()
        client, _user = self.as_role(make_user, self.viewer_role)
        listing = client.get(self.endpoint)
        assert listing.status_code == 200, listing.content
        assert {"count", "next", "previous", "results"} <= set(listing.json())
        assert obj.pk in [row["id"] for row in listing.json()["results"]]
        detail = client.get(self.detail(obj))
        assert detail.status_code == 200
        assert detail.json()["id"] == obj.pk

    def test_viewer_cannot_write(self, make_user):
        obj = self.make_object()
        client, _user = self.as_role(make_user, self.viewer_role)
        before = self.model.objects.count()
        assert client.post(self.endpoint, self.create_payload(), format="json").status_code == 403
        assert client.patch(self.detail(obj), self.update_payload(obj), format="json").status_code == 403
        assert client.delete(self.detail(obj)).status_code == 403
        assert self.model.objects.count() == before

    def test_writer_creates_with_audit(self, make_user):
        client, user = self.as_role(make_user, self.writer_role)
        response = client.post(self.endpoint, self.create_payload(), format="json")
        assert response.status_code == 201, response.content
        obj = self.model.objects.get(pk=response.json()["id"])
        event = self.audit_events(obj, "create").get()
        assert (event.actor_id, event.source) == (user.pk, "api")

    def test_writer_updates_with_audit(self, make_user):
        obj = self.make_object()
        client, user = self.as_role(make_user, self.writer_role)
        response = client.patch(self.detail(obj), self.update_payload(obj), format="json")
        assert response.status_code == 200, response.content
        event = self.audit_events(obj, "update").latest("id")
        assert (event.actor_id, event.source) == (user.pk, "api")
        assert event.changes, "an update must record field changes"

    def test_writer_deletes_with_audit(self, make_user):
        obj = self.make_object()
        client, user = self.as_role(make_user, self.writer_role)
        response = client.delete(self.detail(obj))
        if not self.deletable:
            assert response.status_code in (403, 405, 409)
            assert self.model.objects.filter(pk=obj.pk).exists()
            return
        assert response.status_code == 204, response.content
        assert not self.model.objects.filter(pk=obj.pk).exists()
        assert self.audit_events(obj, "delete").get().actor_id == user.pk

    def test_invalid_payload_is_field_error_and_writes_nothing(self, make_user):
        client, _user = self.as_role(make_user, self.writer_role)
        payload, field = self.invalid_payload()
        before, events = self.model.objects.count(), AuditEvent.objects.count()
        response = client.post(self.endpoint, payload, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json(), response.json()
        assert isinstance(response.json()[field], list)
        assert (self.model.objects.count(), AuditEvent.objects.count()) == (before, events)

    def test_malformed_json_is_400(self, make_user):
        client, _user = self.as_role(make_user, self.writer_role)
        response = client.generic("POST", self.endpoint, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert set(response.json()) == {"detail", "code"}

    def test_unknown_id_is_404(self, make_user):
        client, _user = self.as_role(make_user, self.writer_role)
        response = client.get(f"{self.endpoint}987654321/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert client.get(f"{self.endpoint}not-a-number/").status_code == 404

    def test_bad_ordering_and_oversized_limit(self, make_user):
        self.make_object()
        client, _user = self.as_role(make_user, self.viewer_role)
        bad = client.get(self.endpoint, {"ordering": "no_such_field"})
        assert bad.status_code == 400 and "ordering" in bad.json()
        capped = client.get(self.endpoint, {"limit": 100000})
        assert capped.status_code == 200
        assert client.get(self.endpoint, {"limit": "abc"}).status_code == 200

    def test_list_query_count_is_stable(self, make_user):
        client, _user = self.as_role(make_user, self.viewer_role)

        def make_rows(n):
            for _ in range(n):
                self.make_object()

        assert_query_count_stable(make_rows, lambda: client.get(self.endpoint, {"limit": 100}))


class ScopedApiMatrix(ApiCrudMatrix):
    """For models with per-row visibility: `make_out_of_scope(user)` returns an object `scoped_role` must not see."""

    scoped_role = "requester"

    def make_out_of_scope(self, user):
        raise TypeError(f"{type(self).__name__} must define this method")

    def test_out_of_scope_is_404_and_not_listed(self, make_user):
        client, user = self.as_role(make_user, self.scoped_role)
        hidden = self.make_out_of_scope(user)
        assert client.get(self.detail(hidden)).status_code == 404
        assert hidden.pk not in [row["id"] for row in client.get(self.endpoint).json()["results"]]
