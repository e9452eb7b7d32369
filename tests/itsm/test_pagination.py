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
