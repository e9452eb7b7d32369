"""Service catalog API: permission matrix and the services a CI's failure touches."""

import pytest

from itsm.testing.api import ApiCrudMatrix
from slm.models import Service
from tests.cmdb.factories import CIFactory, RelationshipFactory


class TestServiceApi(ApiCrudMatrix):
    endpoint = "/api/v1/services/"
    model = Service
    viewer_role, writer_role = "requester", "manager"

    def make_object(self):
        return Service.objects.create(name=f"Service {Service.objects.count()}", ci=CIFactory())

    def create_payload(self):
        return {"name": "E-mail", "status": "live"}

    def update_payload(self, obj):
        return {"status": "retired"}

    def invalid_payload(self):
        return {"name": "Payroll", "status": "dead"}, "status"

    def test_role_without_permission_is_403(self, make_user):
        """Everyone reads the catalog; agents do not change it."""
        client = self.as_role(make_user, "agent")[0]
        assert client.post(self.endpoint, self.create_payload(), format="json").status_code == 403

    def test_writer_deletes_with_audit(self, make_user):
        """Managers keep the catalog but retire services rather than delete them; admins may delete."""
        service = self.make_object()
        assert self.as_role(make_user, "manager")[0].delete(self.detail(service)).status_code == 403
        assert self.as_role(make_user, "admin")[0].delete(self.detail(service)).status_code == 204


@pytest.mark.django_db
def test_services_impacted_by_a_ci(client_as):
    server, app, service_ci, other_ci = CIFactory(), CIFactory(), CIFactory(), CIFactory()
    RelationshipFactory(source=app, target=server, type="runs_on")
    RelationshipFactory(source=service_ci, target=app, type="depends_on")
    shop = Service.objects.create(name="Web shop", ci=service_ci)
    Service.objects.create(name="Payroll", ci=other_ci)
    agent = client_as("agent")
    names = [row["name"] for row in agent.get("/api/v1/services/", {"impacted_by": server.pk}).json()["results"]]
    assert names == [shop.name]
    assert agent.get("/api/v1/services/", {"impacted_by": 999999}).json()["results"] == []
    direct = [row["name"] for row in agent.get("/api/v1/services/", {"impacted_by": service_ci.pk}).json()["results"]]
    assert direct == [shop.name]
