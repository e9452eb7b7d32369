"""OLA/UC clocks per team stint on incidents: reassignment, back and forth, priority, pause, cancel, escalation."""

import datetime as dt

import pytest
from django.utils import timezone

from incidents.services import incident_update
from itsm.models.history import TicketAssignmentChange, assignment_history
from itsm.services.tickets import transition_apply
from slm.models import SLAClock
from slm.sla import sla_sync
from tests.incidents.factories import make_incident as logged
from tests.itsm.factories import TeamFactory
from tests.slm.test_sla import agreement

HOUR = 3600
START = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)


@pytest.fixture
def now(monkeypatch):
    """The current time, moved by hand: `now.move(hours=2)`."""

    class Clock:
        value = START

        def move(self, **delta):
            self.value += dt.timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.value)
    return clock


def ola(team, **changes):
    return agreement(
        None, **{"name": f"OLA {team.name}", "kind": "ola", "team": team, "escalation_rules": {}, **changes}
    )


@pytest.fixture
def teams(db):
    desk, network = TeamFactory(name="Desk"), TeamFactory(name="Network")
    ola(desk)
    ola(network, kind="uc", name="UC Network")
    return desk, network


def make_incident(**fields):
    return logged(reported_at=START, **fields)


def clocks(incident, metric="resolution"):
    """{(team name, stint): clock} of the incident's stint clocks for a metric."""
    rows = SLAClock.objects.filter(object_id=incident.pk, metric=metric, stint__gt=0).select_related("agreement__team")
    return {(clock.agreement.team.name, clock.stint): clock for clock in rows}


@pytest.mark.django_db
def test_assignment_history_is_recorded_by_create_and_update(now, teams, make_user):
    desk, network = teams
    agent = make_user(roles=["agent"])
    incident = make_incident(assignment_group=desk)
    now.move(hours=1)
    incident = incident_update(actor=agent, incident=incident, data={"title": "renamed"})
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": network})
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": None})
    assert assignment_history(incident) == [
        (START, desk.pk),
        (START + dt.timedelta(hours=1), network.pk),
        (START + dt.timedelta(hours=1), None),
    ]


@pytest.mark.django_db
def test_a_ticket_without_history_gets_its_earlier_team_written_first(now, teams, make_user):
    desk, network = teams
    incident = make_incident(assignment_group=desk)
    TicketAssignmentChange.objects.all().delete()  # as for a ticket logged before the history was kept
    now.move(hours=2)
    incident = incident_update(actor=make_user(roles=["agent"]), incident=incident, data={"assignment_group": network})
    assert assignment_history(incident) == [(START, desk.pk), (START + dt.timedelta(hours=2), network.pk)]


@pytest.mark.django_db
def test_each_stint_with_a_team_has_its_own_clock(now, teams, make_user):
    desk, network = teams
    agent = make_user(roles=["agent"])
    incident = make_incident(assignment_group=desk, impact="high", urgency="high")  # priority 1: 4 h resolution
    first = clocks(incident)[("Desk", 1)]
    assert (first.status, first.started_at, first.due_at) == ("running", START, START + dt.timedelta(hours=4))
    now.move(hours=1)
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": network})
    now.move(hours=5)
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": desk})
    by_stint = clocks(incident)
    assert sorted(by_stint) == [("Desk", 1), ("Desk", 3), ("Network", 2)]
    desk_first, network_stint, desk_again = by_stint[("Desk", 1)], by_stint[("Network", 2)], by_stint[("Desk", 3)]
    # Desk handed it on after 1 h of 4: met. Network kept it 5 h of 4: breached when it left.
    assert (desk_first.status, desk_first.elapsed_seconds, desk_first.stopped_at) == (
        "met",
        HOUR,
        START + dt.timedelta(hours=1),
    )
    assert (network_stint.status, network_stint.breached, network_stint.elapsed_seconds) == ("breached", True, 5 * HOUR)
    assert network_stint.started_at == START + dt.timedelta(hours=1)
    # Back with the Desk: a new stint with a fresh target, not the rest of the first one.
    assert (desk_again.status, desk_again.started_at) == ("running", START + dt.timedelta(hours=6))
    assert desk_again.due_at == START + dt.timedelta(hours=10)
    # Thresholds of stopped stints can no longer fire; the running stint's can.
    assert not desk_first.thresholds.filter(due_at__isnull=False).exists()
    assert desk_again.thresholds.filter(due_at__isnull=False).count() == 4


@pytest.mark.django_db
def test_a_priority_change_retargets_the_current_stint_from_its_start_only(now, teams, make_user):
    desk, network = teams
    agent = make_user(roles=["agent"])
    incident = make_incident(assignment_group=desk, impact="low", urgency="low")  # priority 5: 20 h
    now.move(hours=2)
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": network})
    now.move(hours=1)
    incident = incident_update(actor=agent, incident=incident, data={"impact": "high", "urgency": "high"})  # p1: 4 h
    by_stint = clocks(incident)
    assert (by_stint[("Desk", 1)].target_seconds, by_stint[("Desk", 1)].status) == (20 * HOUR, "met")
    current = by_stint[("Network", 2)]
    assert current.target_seconds == 4 * HOUR
    assert current.due_at == START + dt.timedelta(hours=2 + 4)  # from the stint's start, not from now


@pytest.mark.django_db
def test_a_stint_clock_pauses_with_the_agreements_reasons(now, teams, make_user):
    desk, _network = teams
    agent = make_user(roles=["agent"])
    incident = make_incident(assignment_group=desk, impact="high", urgency="high")
    now.move(hours=1)
    incident = transition_apply(ticket=incident, name="hold", actor=agent, inputs={"on_hold_reason": "awaiting_caller"})
    assert (clocks(incident)[("Desk", 1)].status, clocks(incident)[("Desk", 1)].due_at) == ("paused", None)
    now.move(hours=3)
    incident = transition_apply(ticket=incident, name="resume", actor=agent)
    resumed = clocks(incident)[("Desk", 1)]
    assert (resumed.status, resumed.paused_seconds) == ("running", 3 * HOUR)
    assert resumed.due_at == START + dt.timedelta(hours=4 + 3)


@pytest.mark.django_db
def test_cancelling_cancels_the_current_stint_and_keeps_finished_ones(now, teams, make_user):
    desk, network = teams
    agent = make_user(roles=["agent"])
    incident = make_incident(assignment_group=desk, impact="high", urgency="high")
    now.move(hours=5)
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": network})
    now.move(hours=1)
    incident = transition_apply(ticket=incident, name="cancel", actor=agent, inputs={"reason": "duplicate"})
    by_stint = clocks(incident)
    assert (by_stint[("Desk", 1)].status, by_stint[("Network", 2)].status) == ("breached", "cancelled")
    # Recomputing from scratch gives the same answer.
    sla_sync(ticket=incident)
    assert {key: clock.status for key, clock in clocks(incident).items()} == {
        ("Desk", 1): "breached",
        ("Network", 2): "cancelled",
    }


@pytest.mark.django_db
def test_response_per_stint_and_agreements_that_do_not_apply(now, teams, make_user):
    desk, network = teams
    agent = make_user(roles=["agent"])
    field_team = TeamFactory(name="Field")
    ola(field_team, applies_to=["service_request"])
    incident = make_incident(assignment_group=desk, impact="high", urgency="high")  # 1 h response
    now.move(minutes=20)
    incident = transition_apply(ticket=incident, name="start", actor=agent)
    assert clocks(incident, "response")[("Desk", 1)].status == "met"
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": network})
    response = clocks(incident, "response")
    # Work had started when Network took it over: its response is met at once.
    assert (response[("Network", 2)].status, response[("Network", 2)].elapsed_seconds) == ("met", 0)
    incident = incident_update(actor=agent, incident=incident, data={"assignment_group": field_team})
    assert sorted(clocks(incident)) == [("Desk", 1), ("Network", 2)]  # Field's OLA is for service requests only


@pytest.mark.django_db
def test_clock_api_shows_the_stint_and_team(now, teams, client_as):
    desk, _network = teams
    incident = make_incident(assignment_group=desk)
    rows = client_as("agent").get("/api/v1/sla-clocks/", {"incident": incident.pk, "stint": 1}).json()["results"]
    assert {(row["metric"], row["stint"], row["team"]["display"]) for row in rows} == {
        ("response", 1, "Desk"),
        ("resolution", 1, "Desk"),
    }
