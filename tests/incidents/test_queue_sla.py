"""SLA badges in the agent queues and the "breaching soon" queue."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from itsm.services.tickets import transition_apply
from itsm.testing.queries import assert_query_count_stable
from slm.badges import sla_badges
from slm.models import Service
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory
from tests.slm.test_sla import agreement

QUEUE = "/incidents/"


@pytest.fixture
def estate(db, make_user):
    """Priority 1 targets: response 1 h, resolution 4 h; priority 5: 5 h and 20 h (warnings at 50/75/90 %)."""
    service = Service.objects.create(name="E-mail")
    agreement(service)
    agent = make_user(roles=["agent"])
    team = TeamFactory()
    team.members.add(agent)
    now = timezone.now()

    def logged(minutes_ago, **fields):
        fields = {"impact": "high", "urgency": "high", **fields}  # priority 1 unless told
        return make_incident(
            service=service, assignment_group=team, reported_at=now - dt.timedelta(minutes=minutes_ago), **fields
        )

    incidents = {
        "at_risk": logged(35),  # response: 50 % warning passed, breach in 25 min
        "overdue": logged(70),  # response due 10 min ago
        "on_track": logged(1, impact="low", urgency="low"),  # priority 5: response due in ~5 h
        "paused": logged(5),
        "no_clock": make_incident(assignment_group=team),
    }
    transition_apply(ticket=incidents["paused"], name="hold", actor=agent, inputs={"on_hold_reason": "awaiting_caller"})
    return agent, team, incidents


def badge_states(html: str) -> dict[str, str]:
    """{incident number: data-sla state} from the queue table ("—" when the row has no badge)."""
    states = {}
    for row in html.split("<tr>")[2:]:
        number = re.search(r"(INC\d{7})</a>", row).group(1)
        state = re.search(r'data-sla="(\w+)"', row)
        states[number] = state.group(1) if state else "—"
    return states


def test_badges_show_each_incidents_most_urgent_clock(estate, client):
    agent, _team, incidents = estate
    badges = sla_badges(tickets=list(incidents.values()))
    assert {name: badges[i.pk].state for name, i in incidents.items() if i.pk in badges} == {
        "at_risk": "at_risk",
        "overdue": "breached",
        "on_track": "on_track",
        "paused": "paused",
    }
    assert badges[incidents["overdue"].pk].due_at < timezone.now() < badges[incidents["at_risk"].pk].due_at
    client.force_login(agent)
    states = badge_states(client.get(QUEUE, {"queue": "teams"}).content.decode())
    assert states == {
        incidents["at_risk"].number: "at_risk",
        incidents["overdue"].number: "breached",
        incidents["on_track"].number: "on_track",
        incidents["paused"].number: "paused",
        incidents["no_clock"].number: "—",
    }


def test_breaching_soon_queue_lists_overdue_and_at_risk_soonest_first(estate, client):
    agent, _team, incidents = estate
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "breaching"}).content.decode()
    numbers = re.findall(r"(INC\d{7})</a>", html)
    assert numbers == [incidents["overdue"].number, incidents["at_risk"].number]
    assert "overdue" in html and "left" in html


def test_breaching_soon_pages_by_due_time(estate, client, monkeypatch):
    agent, _team, incidents = estate
    monkeypatch.setattr("incidents.views.queues.PAGE_SIZE", 1)
    client.force_login(agent)
    first = client.get(QUEUE, {"queue": "breaching"}).content.decode()
    assert re.findall(r"(INC\d{7})</a>", first) == [incidents["overdue"].number]
    after = re.search(r"after=(\d+)", first).group(1)
    second = client.get(QUEUE, {"queue": "breaching", "after": after}).content.decode()
    assert re.findall(r"(INC\d{7})</a>", second) == [incidents["at_risk"].number]


def test_queue_query_count_does_not_grow_with_badges(estate, client):
    agent, team, _incidents = estate
    client.force_login(agent)
    service = _incidents["at_risk"].service

    def make_rows(count):
        for _ in range(count):
            make_incident(service=service, assignment_group=team, impact="high", urgency="high")

    def fetch():
        assert client.get(QUEUE, {"queue": "teams"}).status_code == 200

    assert_query_count_stable(make_rows, fetch)
