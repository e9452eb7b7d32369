"""The incident list: rows exactly as the detail shows them, and a bounded query count with every relation set."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Category
from slm.models import Service
from tests.changes.factories import make_change
from tests.cmdb.factories import CIFactory
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory
from tests.slm.test_sla import agreement

URL = "/api/v1/incidents/"
# The budget of issue 4's agent queue: session, user, roles and permissions, page, count, users, categories,
# parent incidents, causing changes, CIs, watchers, SLA clocks.
MAX_QUERIES = 12


def fully_related_incident(team, service):
    parent_category = Category.objects.create(name="Hardware")
    category = Category.objects.create(name="Printer", parent=parent_category)
    parent = make_incident(title="Major outage", major=True, assignment_group=team)
    incident = make_incident(
        title="Printer prints blank pages",
        requester=UserFactory(first_name="Ann", last_name="Lee"),
        assignee=UserFactory(roles=["agent"]),
        assignment_group=team,
        service=service,
        category=category,
        parent=parent,
        configuration_items=[CIFactory(), CIFactory()],
        caused_by_change=make_change(title="Printer driver update"),
    )
    incident.watchers.add(UserFactory(), UserFactory())
    return incident


@pytest.mark.django_db
def test_list_rows_equal_the_detail(client_as):
    team, service = TeamFactory(), Service.objects.create(name="Printing")
    agreement(service)
    incident = fully_related_incident(team, service)
    agent = client_as("agent")
    rows = {row["id"]: row for row in agent.get(URL, {"assignment_group": team.pk}).json()["results"]}
    detail = agent.get(f"{URL}{incident.pk}/").json()
    assert rows[incident.pk] == detail
    assert len(detail["sla"]) == 2 and len(detail["watchers"]) == 2 and len(detail["configuration_items"]) == 2
    assert detail["category"]["display"] == "Hardware › Printer"
    assert detail["parent"]["display"].endswith("Major outage")
    assert detail["caused_by_change"]["display"].endswith("Printer driver update")
    assert detail["requester"]["display"] == "Ann Lee"
    assert detail["requester"]["url"].endswith(f"/api/v1/users/{incident.requester_id}/")


@pytest.mark.django_db
def test_list_query_count_has_a_ceiling_with_every_relation_set(client_as):
    team, service = TeamFactory(), Service.objects.create(name="Printing")
    agreement(service)
    for _ in range(3):
        fully_related_incident(team, service)
    agent = client_as("agent")
    path = f"{URL}?assignment_group={team.pk}&status=new&status=in_progress&status=on_hold&limit=50"
    with CaptureQueriesContext(connection) as captured:
        response = agent.get(path)
    assert response.status_code == 200 and len(response.json()["results"]) == 6
    assert len(captured) <= MAX_QUERIES, [query["sql"][:120] for query in captured]


@pytest.mark.django_db
def test_id_filters_check_syntax_not_existence(client_as):
    agent = client_as("agent")
    make_incident(assignment_group=TeamFactory())
    bad = agent.get(URL, {"assignment_group": "abc"})
    assert bad.status_code == 400 and "assignment_group" in bad.json()
    unknown = agent.get(URL, {"assignment_group": 987654})
    assert unknown.status_code == 200 and unknown.json()["results"] == []


@pytest.mark.django_db
def test_comment_pages_are_not_taken_for_incident_rows(client_as):
    incident = make_incident(requester=UserFactory())
    agent = client_as("agent")
    for number in range(3):
        assert agent.post(f"{URL}{incident.pk}/comments/", {"body": f"Note {number}"}).status_code == 201
    page = agent.get(f"{URL}{incident.pk}/comments/", {"limit": 2})
    assert page.status_code == 200 and len(page.json()["results"]) == 2 and page.json()["next"]


@pytest.mark.django_db
def test_a_transition_answers_with_the_record_as_the_detail_shows_it(client_as):
    team, service = TeamFactory(), Service.objects.create(name="Printing")
    agreement(service)
    incident = fully_related_incident(team, service)
    agent = client_as("agent")
    with CaptureQueriesContext(connection) as queries:
        moved = agent.post(f"{URL}{incident.pk}/transition/", {"name": "start"}, format="json")
    assert moved.status_code == 200
    with CaptureQueriesContext(connection) as read:
        detail = agent.get(f"{URL}{incident.pk}/").json()
    assert moved.json() == detail and detail["status"] == "in_progress" and len(detail["sla"]) == 2
    # The answer is loaded as the detail loads it (relations attached, one query each), not object by object:
    # after the transition's writes, no more queries than the detail read makes.
    sql = [query["sql"] for query in queries.captured_queries]
    written = max(index for index, text in enumerate(sql) if not text.startswith("SELECT"))
    assert len(sql) - written - 1 <= len(read.captured_queries), sql[written + 1 :]
