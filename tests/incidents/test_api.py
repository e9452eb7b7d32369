"""Incident API: permission matrix with requester isolation, contract fields, notifications, bulk assignment."""

import pytest
from django.core import mail
from django.db import transaction

from incidents.models import Category, Incident
from itsm.models import AuditEvent, Notification, OutboxMessage
from itsm.testing.api import ApiCrudMatrix, ScopedApiMatrix
from tests.cmdb.factories import CIFactory
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory

URL = "/api/v1/incidents/"


class TestIncidentApi(ScopedApiMatrix):
    endpoint = URL
    model = Incident
    viewer_role, writer_role, denied_role, scoped_role = "auditor", "admin", "cab_member", "requester"

    def make_object(self):
        incident = make_incident(requester=UserFactory(), configuration_items=[CIFactory()])
        incident.watchers.add(UserFactory())
        return incident

    def create_payload(self):
        return {"title": "VPN drops every hour", "impact": "medium", "urgency": "high", "channel": "phone"}

    def update_payload(self, obj):
        return {"urgency": "low"}

    def invalid_payload(self):
        return {"title": "x", "channel": "pigeon"}, "channel"

    def make_out_of_scope(self, user):
        return make_incident(requester=UserFactory())

    def test_role_without_permission_is_403(self, make_user):
        """cab_member may read incidents (they judge changes by them) but never write."""
        client = self.as_role(make_user, self.denied_role)[0]
        assert client.post(self.endpoint, self.create_payload(), format="json").status_code == 403


class TestCategoryApi(ApiCrudMatrix):
    endpoint = "/api/v1/incident-categories/"
    model = Category

    def make_object(self):
        return Category.objects.create(name=f"Hardware {Category.objects.count()}")

    def create_payload(self):
        return {"name": "Software"}

    def update_payload(self, obj):
        return {"active": False}

    def invalid_payload(self):
        return {"name": ""}, "name"

    def test_role_without_permission_is_403(self, make_user):
        """Every role reads categories (requesters pick one); only admins write them."""
        client = self.as_role(make_user, "requester")[0]
        assert client.post(self.endpoint, self.create_payload(), format="json").status_code == 403
        assert client.get(self.endpoint).status_code == 200


@pytest.mark.django_db
def test_contract_fields_priority_and_read_only_fields(client_as):
    agent = client_as("agent")
    team = TeamFactory()
    ci = CIFactory()
    response = agent.post(
        URL,
        {
            "title": "Printer",
            "impact": "high",
            "urgency": "medium",
            "kind": "service_request",
            "channel": "email",
            "assignment_group": team.pk,
            "configuration_items": [ci.pk],
            "status": "closed",
            "priority": 5,
            "number": "INC9999999",
            "resolution_code": "fixed",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("INC") and body["number"] != "INC9999999"
    assert (body["status"], body["priority"], body["kind"], body["resolution_code"]) == (
        "new",
        2,
        "service_request",
        None,
    )
    assert body["requester"]["id"] == agent.user.pk and body["reported_at"]
    assert body["configuration_items"][0]["id"] == ci.pk
    assert body["assignment_group"]["display"] == team.name


@pytest.mark.django_db
def test_requester_logs_with_limited_fields_and_cannot_edit(client_as):
    requester = client_as("requester")
    team = TeamFactory()
    refused = requester.post(URL, {"title": "Laptop slow", "assignment_group": team.pk, "requester": UserFactory().pk})
    assert refused.status_code == 400 and {"assignment_group", "requester"} <= set(refused.json())
    response = requester.post(URL, {"title": "Laptop slow", "urgency": "high", "impact": "high", "channel": "phone"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["impact"], body["urgency"], body["channel"], body["assignment_group"]) == (
        "medium",
        "high",
        "portal",
        None,
    )
    assert body["requester"]["id"] == requester.user.pk
    patched = requester.patch(f"{URL}{body['id']}/", {"impact": "high"})
    assert patched.status_code == 403
    internal = requester.post(f"{URL}{body['id']}/comments/", {"body": "psst", "visibility": "internal"})
    assert internal.status_code == 403
    assert requester.post(f"{URL}{body['id']}/transition/", {"name": "start"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_notifications_once_per_event_after_commit():
    from incidents.services import incident_comment_add, incident_create, incident_update

    requester = UserFactory(email="ann@example.test")
    agent = UserFactory(roles=["agent"], email="bob@example.test")
    mail.outbox.clear()
    incident = incident_create(actor=agent, requester=requester, title="Mail")
    assert [m.to for m in mail.outbox] == [["ann@example.test"]]
    incident = incident_update(actor=UserFactory(roles=["agent"]), incident=incident, data={"assignee": agent})
    assert mail.outbox[-1].to == ["bob@example.test"] and "Assigned to you" in mail.outbox[-1].subject
    assert Notification.objects.filter(user=agent).count() == 1
    incident_comment_add(actor=agent, incident=incident, body="Working on it", visibility="public")
    incident_comment_add(actor=agent, incident=incident, body="internal detail", visibility="internal")
    assert [m.body for m in mail.outbox if m.to == ["ann@example.test"]][-1].startswith("Working on it")
    assert len(mail.outbox) == 3
    with pytest.raises(RuntimeError), transaction.atomic():
        incident_create(actor=agent, requester=requester, title="Rolled back")
        raise RuntimeError
    assert len(mail.outbox) == 3 and OutboxMessage.objects.count() == 4  # 3 e-mails + 1 in-app


@pytest.mark.django_db
def test_bulk_assign(client_as):
    agent = client_as("agent")
    team, assignee = TeamFactory(), UserFactory(roles=["agent"])
    incidents = [make_incident() for _ in range(3)]
    ids = [i.pk for i in incidents]
    response = agent.post(f"{URL}bulk-assign/", {"ids": ids, "assignment_group": team.pk, "assignee": assignee.pk})
    assert response.status_code == 200 and response.json() == {"changed": 3}
    assert set(Incident.objects.filter(pk__in=ids).values_list("assignment_group", "assignee")) == {
        (team.pk, assignee.pk)
    }
    assert AuditEvent.objects.filter(object_type="incidents.incident", action="update").count() == 3
    again = agent.post(f"{URL}bulk-assign/", {"ids": ids, "assignment_group": team.pk})
    assert again.json() == {"changed": 0}
    missing = agent.post(f"{URL}bulk-assign/", {"ids": [*ids, 999999], "assignee": UserFactory().pk})
    assert missing.status_code == 400 and "ids" in missing.json()
    assert set(Incident.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {assignee.pk}
    assert agent.post(f"{URL}bulk-assign/", {"ids": ids}).status_code == 400
    assert client_as("auditor").post(f"{URL}bulk-assign/", {"ids": ids, "assignee": assignee.pk}).status_code == 403


@pytest.mark.django_db
def test_queue_filters(client_as):
    agent = client_as("agent")
    team = TeamFactory()
    mine = make_incident(assignee=agent.user, assignment_group=team, impact="high", urgency="high")
    unassigned = make_incident(assignment_group=team)
    major = make_incident(major=True, status="in_progress")
    make_incident(status="closed")

    def ids(**params):
        return {row["id"] for row in agent.get(URL, params).json()["results"]}

    assert ids(assignee=agent.user.pk) == {mine.pk}
    assert ids(assignment_group=team.pk, unassigned="true") == {unassigned.pk}
    assert ids(major="true") == {major.pk}
    assert ids(status=["new", "in_progress"]) == {mine.pk, unassigned.pk, major.pk}
    assert ids(priority=1) == {mine.pk}
    assert ids(q=mine.number) == {mine.pk}
    mail, vpn, other = CIFactory(), CIFactory(), CIFactory()
    both = make_incident(configuration_items=[mail, vpn])
    on_vpn = make_incident(configuration_items=[vpn])
    rows = agent.get(URL, {"configuration_items": [mail.pk, vpn.pk]}).json()["results"]
    assert sorted(row["id"] for row in rows) == sorted([both.pk, on_vpn.pk])  # each once, though `both` has two
    assert ids(configuration_items=mail.pk) == {both.pk}
    assert ids(configuration_items=other.pk) == set()


@pytest.mark.django_db
def test_parent_rules(client_as):
    agent = client_as("agent")
    parent = make_incident(major=True)
    child = make_incident(parent=parent)
    grandchild = agent.post(URL, {"title": "x", "parent": child.pk})
    assert grandchild.status_code == 400 and "parent" in grandchild.json()
    own = agent.patch(f"{URL}{parent.pk}/", {"parent": parent.pk})
    assert own.status_code == 400 and "parent" in own.json()


@pytest.mark.postgres
@pytest.mark.django_db
def test_keyword_search_has_trigram_indexes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'incidents_incident' AND indexname LIKE %s", ["%trgm"]
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {f"incidents_incident_{f}_upper_trgm" for f in ("number", "title", "description")}
    # ...and the planner can use them for what `?q=` generates (UPPER(col::text) LIKE UPPER(%word%)).
    from incidents.models import Incident

    with connection.cursor() as cursor:
        # On a near-empty test table the planner prefers scans; forbid them so only the question remains
        # whether the GIN index (a bitmap scan) matches the expression at all.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        query = Incident.objects.filter(title__icontains="printer").order_by().values("id").query
        sql, params = query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert "incidents_incident_title_upper_trgm" in plan, plan


@pytest.mark.django_db
def test_reported_at_may_be_backdated_but_not_in_the_future(client_as):
    agent = client_as("agent")
    past = agent.post(URL, {"title": "Called an hour ago", "reported_at": "2026-01-05T08:00:00Z"})
    assert past.status_code == 201 and past.json()["reported_at"] == "2026-01-05T08:00:00Z"
    future = agent.post(URL, {"title": "Time traveller", "reported_at": "2999-01-01T00:00:00Z"})
    assert future.status_code == 400 and "reported_at" in future.json()
    assert not Incident.objects.filter(title="Time traveller").exists()
