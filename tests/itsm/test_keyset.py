"""Cursor (keyset) paging of API lists: next/previous links walk every row once, in order, without OFFSET."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory

URL = "/api/v1/incidents/"


@pytest.fixture
def team_incidents(db):
    team = TeamFactory()
    levels = ["high", "medium", "low"]
    for number in range(11):
        impact, urgency = levels[number % 3], levels[number % 2]
        make_incident(title=f"Paged {number}", assignment_group=team, impact=impact, urgency=urgency)
    return team


def walk(client, url, params, link="next"):
    """Every page's ids, following `link` from the first page."""
    pages = []
    body = client.get(url, params).json()
    while True:
        pages.append([row["id"] for row in body["results"]])
        if not body[link]:
            return pages, body
        body = client.get(body[link]).json()


@pytest.mark.parametrize("ordering", ["-id", "-priority", "priority,number", "-updated_at"])
def test_next_links_walk_every_row_once_in_order_and_previous_links_walk_back(client_as, team_incidents, ordering):
    agent = client_as("agent")
    params = {"assignment_group": team_incidents.pk, "limit": 4, "ordering": ordering}
    expected = [row["id"] for row in agent.get(URL, {**params, "limit": 100}).json()["results"]]
    assert len(expected) == 11
    pages, last = walk(agent, URL, params)
    assert [len(page) for page in pages] == [4, 4, 3]
    assert [pk for page in pages for pk in page] == expected
    assert "cursor=" in last["previous"] and "offset" not in last["previous"]
    assert last["count"] == 11
    back = [pages[-1]]
    body = last
    while body["previous"]:
        body = agent.get(body["previous"]).json()
        back.append([row["id"] for row in body["results"]])
    assert back[::-1] == pages


def test_cursor_pages_do_not_skip_rows_with_offset(client_as, team_incidents):
    agent = client_as("agent")
    first = agent.get(URL, {"assignment_group": team_incidents.pk, "limit": 4, "ordering": "-priority"}).json()
    assert "cursor=" in first["next"] and "offset" not in first["next"]
    with CaptureQueriesContext(connection) as queries:
        second = agent.get(first["next"]).json()
    page_sql = [
        q["sql"] for q in queries.captured_queries if "incidents_incident" in q["sql"] and "LIMIT 5" in q["sql"]
    ]
    assert page_sql and all("OFFSET" not in sql for sql in page_sql)
    assert second["previous"] and len(second["results"]) == 4


def test_a_row_changed_between_pages_is_neither_repeated_nor_lost(client_as, team_incidents):
    agent = client_as("agent")
    params = {"assignment_group": team_incidents.pk, "limit": 4}
    first = agent.get(URL, params).json()
    newest = make_incident(title="Logged meanwhile", assignment_group=team_incidents)  # lands on page one
    seen = [row["id"] for row in first["results"]]
    body = agent.get(first["next"]).json()
    while True:
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        body = agent.get(body["next"]).json()
    assert newest.pk not in seen and sorted(seen) == sorted(
        Incident.objects.filter(assignment_group=team_incidents).exclude(pk=newest.pk).values_list("pk", flat=True)
    )
    assert len(seen) == len(set(seen)) == 11


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjpbMV0sImIiOmZhbHNlfQ", "eyJ2IjpbIngiXSwiYiI6ZmFsc2V9", ""])
def test_a_cursor_that_is_not_ours_is_a_field_error(client_as, team_incidents, cursor):
    agent = client_as("agent")
    response = agent.get(URL, {"assignment_group": team_incidents.pk, "ordering": "-priority", "cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()


def test_offset_paging_still_works(client_as, team_incidents):
    agent = client_as("agent")
    page = agent.get(URL, {"assignment_group": team_incidents.pk, "limit": 4, "offset": 8}).json()
    assert len(page["results"]) == 3 and page["next"] is None and "offset=4" in page["previous"]
    assert page["count"] == 11
