"""List pagination: exact counts up to the cap, null above it, next/previous links from the rows themselves."""

import pytest

from itsm.api import pagination
from tests.itsm.factories import TeamFactory


@pytest.mark.django_db
def test_counts_pages_and_links(client_as, monkeypatch):
    agent = client_as("agent")
    for number in range(7):
        TeamFactory(name=f"Paging team {number}")  # fixed names: the search below must match one, whatever ran before
    first = agent.get("/api/v1/teams/", {"limit": 3}).json()
    assert first["count"] == 7 and len(first["results"]) == 3 and first["previous"] is None
    assert "offset=3" in first["next"]
    last = agent.get("/api/v1/teams/", {"limit": 3, "offset": 6}).json()
    assert len(last["results"]) == 1 and last["next"] is None and "offset=3" in last["previous"]
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    huge = agent.get("/api/v1/teams/", {"limit": 3}).json()
    assert huge["count"] is None and huge["next"] is not None
    small = agent.get("/api/v1/teams/", {"limit": 3, "q": "Paging team 1"}).json()
    assert small["count"] is not None
    # Past the end: no row to count from, so counted (still capped).
    beyond = agent.get("/api/v1/teams/", {"limit": 3, "offset": 50}).json()
    assert beyond["count"] is None and beyond["results"] == []


@pytest.mark.django_db
def test_the_last_page_is_counted_from_its_rows_without_a_count_query(client_as, monkeypatch):
    agent = client_as("agent")
    for number in range(7):
        TeamFactory(name=f"Counted team {number}")
    counted = []
    original = pagination.bounded_count
    monkeypatch.setattr(pagination, "bounded_count", lambda queryset, cap=None: counted.append(1) or original(queryset))
    last = agent.get("/api/v1/teams/", {"limit": 3, "offset": 6, "q": "Counted team"}).json()
    assert last["count"] == 7 and len(last["results"]) == 1 and counted == []
    full = agent.get("/api/v1/teams/", {"limit": 3, "q": "Counted team"}).json()
    assert full["count"] == 7 and counted == [1]
    empty = agent.get("/api/v1/teams/", {"q": "no such team"}).json()
    assert empty["count"] == 0 and counted == [1]
