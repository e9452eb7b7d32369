"""Service catalog API: permission matrix and the services a CI's failure touches."""

import pytest

from itsm.testing.api import ApiCrudMatrix
from slm.models import Calendar, Service
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


BERLIN_OFFICE = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "hours": [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(5)],
    "holidays": [{"date": "2026-12-25", "name": "Christmas Day"}],
}


class TestCalendarApi(ApiCrudMatrix):
    endpoint = "/api/v1/calendars/"
    model = Calendar
    viewer_role, writer_role, denied_role = "agent", "manager", "requester"

    def make_object(self):
        from slm.services import calendar_save

        return calendar_save(actor=None, **{**BERLIN_OFFICE, "name": f"Cal {Calendar.objects.count()}"})

    def create_payload(self):
        return BERLIN_OFFICE

    def update_payload(self, obj):
        return {"holidays": []}

    def invalid_payload(self):
        return {**BERLIN_OFFICE, "hours": [{"weekday": 9, "start": "08:00", "end": "07:00"}]}, "hours"

    def test_writer_deletes_with_audit(self, make_user):
        """Only admins delete calendars."""
        calendar = self.make_object()
        assert self.as_role(make_user, "manager")[0].delete(self.detail(calendar)).status_code == 403
        assert self.as_role(make_user, "admin")[0].delete(self.detail(calendar)).status_code == 204


@pytest.mark.django_db
def test_calculators_answer_in_utc_whatever_the_callers_zone(client_as, make_user):
    manager = client_as("manager")
    calendar = manager.post("/api/v1/calendars/", BERLIN_OFFICE).json()
    berliner = client_as(user=make_user(roles=["agent"], timezone="Asia/Tokyo"))
    due = berliner.post(
        f"/api/v1/calendars/{calendar['id']}/add-business-time/", {"start": "2026-12-24T15:00:00Z", "seconds": 3600}
    )
    # 16:00 Berlin on the 24th leaves one hour; the 25th is a holiday; the 26th/27th are a weekend; Monday 28th.
    assert due.json() == {"due": "2026-12-24T16:00:00Z"}
    later = berliner.post(
        f"/api/v1/calendars/{calendar['id']}/add-business-time/", {"start": "2026-12-24T15:00:00Z", "seconds": 7200}
    )
    assert later.json() == {"due": "2026-12-28T08:00:00Z"}
    seconds = berliner.post(
        f"/api/v1/calendars/{calendar['id']}/business-seconds/",
        {"start": "2026-12-24T15:00:00Z", "end": "2026-12-28T08:00:00Z"},
    )
    assert seconds.json() == {"seconds": 7200}
    assert berliner.get(f"/api/v1/calendars/{calendar['id']}/").json()["created_at"].endswith("Z")
    bad = berliner.post(f"/api/v1/calendars/{calendar['id']}/add-business-time/", {"start": "soon", "seconds": -1})
    assert bad.status_code == 400 and {"start", "seconds"} <= set(bad.json())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        (
            {
                "hours": [
                    {"weekday": 0, "start": "08:00", "end": "12:00"},
                    {"weekday": 0, "start": "11:00", "end": "13:00"},
                ]
            },
            "hours",
        ),
        (
            {
                "hours": [
                    {"weekday": 6, "start": "22:00", "end": "02:00"},
                    {"weekday": 0, "start": "01:00", "end": "03:00"},
                ]
            },
            "hours",
        ),
        ({"holidays": [{"date": "2026-02-30", "name": "x"}]}, "holidays"),
        ({"holidays": [{"date": "2026-12-25"}, {"date": "2026-12-25"}]}, "holidays"),
        ({"hours": "always"}, "hours"),
    ],
)
def test_calendar_validation(client_as, change, field):
    response = client_as("manager").post("/api/v1/calendars/", {**BERLIN_OFFICE, **change})
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Calendar.objects.exists()
