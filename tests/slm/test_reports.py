"""SLA compliance report: hand-built clocks (met, breached, running, cancelled) counted once, at their decision,
grouped by every key, within period boundaries, restricted to visible tickets; the API's params and permissions."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from slm.models import Agreement, Service, SLAClock, SLAThreshold
from slm.reports import compliance_percent, sla_at_risk, sla_compliance, sla_dashboard
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 16, 12, tzinfo=UTC)  # a Monday
START, END = dt.datetime(2026, 3, 2, tzinfo=UTC), dt.datetime(2026, 3, 16, tzinfo=UTC)  # 2026-03-02 .. 03-15
URL = "/api/v1/reports/sla-compliance/"


def at(day: int, hour: int = 12, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


def add_clock(incident, agreement, *, status, metric="resolution", due=None, stopped=None, breached=False, elapsed=0):
    return SLAClock.objects.create(
        content_type=ContentType.objects.get_for_model(incident),
        object_id=incident.pk,
        agreement=agreement,
        metric=metric,
        target_seconds=4 * 3600,
        started_at=incident.reported_at,
        due_at=due,
        stopped_at=stopped,
        status=status,
        breached=breached or status == "breached",
        elapsed_seconds=elapsed,
        computed_at=NOW,
    )


class World:
    """Two services, two teams, an SLA per service and an OLA per team, and incidents to hang clocks on."""

    def __init__(self):
        self.email, self.vpn = Service.objects.create(name="E-mail"), Service.objects.create(name="VPN")
        self.desk, self.net = TeamFactory(name="Desk"), TeamFactory(name="Network")
        self.requester = UserFactory(roles=["requester"])
        # Incidents first: no agreement applies yet, so no clock is created for them; the test adds its own.
        self.a = make_incident(service=self.email, impact="high", urgency="high", assignment_group=self.desk)  # P1
        self.b = make_incident(service=self.vpn, impact="medium", urgency="medium", assignment_group=self.net)  # P3
        self.c = make_incident(
            service=self.email, impact="low", urgency="high", assignment_group=self.net, requester=self.requester
        )  # P3
        self.d = make_incident(service=None, impact="low", urgency="low")  # P5, no service, no team
        self.e = make_incident(service=self.email, impact="medium", urgency="low")  # P4, no team
        self.sla_email = Agreement.objects.create(name="E-mail SLA", kind="sla", service=self.email)
        self.sla_vpn = Agreement.objects.create(name="VPN SLA", kind="sla", service=self.vpn)
        self.ola_net = Agreement.objects.create(name="Network OLA", kind="ola", team=self.net)
        self.ola_desk = Agreement.objects.create(name="Desk OLA", kind="ola", team=self.desk)

    def build(self):
        """The clocks every test below reasons about (see each comment for how it counts in START..END)."""
        met, breached, running = "met", "breached", "running"
        self.counted = [
            add_clock(self.a, self.sla_email, status=met, stopped=at(5), elapsed=3000),  # met: E-mail, Desk, P1
            # Met at the very start of the period.
            add_clock(self.a, self.sla_email, status=met, metric="response", stopped=START, elapsed=600),
            add_clock(self.b, self.sla_vpn, status=breached, due=at(9), stopped=at(10), elapsed=20000),  # breached
            add_clock(self.b, self.ola_net, status=met, stopped=at(10), elapsed=9000),  # met: team = the OLA's team
            add_clock(self.c, self.sla_email, status=running, due=at(12)),  # past due, not yet flagged: breached
            add_clock(self.d, self.ola_desk, status="paused", due=at(8), breached=True),  # paused after breaching
            add_clock(self.e, self.sla_email, status=met, stopped=at(6), elapsed=5000),  # met: no team
        ]
        self.uncounted = [
            add_clock(self.a, self.ola_net, status=met, stopped=END, elapsed=100),  # stops at the (exclusive) end
            add_clock(self.c, self.sla_email, status=met, metric="response", stopped=at(1), elapsed=50),  # before
            # Breached before the period (counts then, mean time included), stopped inside it.
            add_clock(self.d, self.sla_vpn, status=breached, due=at(27, month=2), stopped=at(3), elapsed=40000),
            add_clock(self.b, self.ola_desk, status=running, due=at(20)),  # within target
            add_clock(self.b, self.sla_vpn, status="cancelled", metric="response", stopped=at(5)),
            add_clock(self.d, self.ola_net, status=running, due=at(16, 13)),  # due after now: not breached yet
        ]
        return self


@pytest.fixture
def world(db):
    return World().build()


def report(user, group_by, **filters):
    return sla_compliance(user=user, start=START, end=END, group_by=group_by, filters=filters, now=NOW)


def summary(rows):
    return {row["label"]: (row["total"], row["met"], row["breached"], row["compliance_percent"]) for row in rows}


def test_compliance_by_service(world, make_user):
    rows = report(make_user(roles=["manager"]), "service")
    assert summary(rows) == {
        "E-mail": (4, 3, 1, 75.0),
        "VPN": (2, 1, 1, 50.0),
        "No service": (1, 0, 1, 0.0),
    }
    assert [row["key"] for row in rows] == [world.email.pk, world.vpn.pk, None]


def test_compliance_by_team_uses_the_ola_team_else_the_ticket_team(world, make_user):
    rows = report(make_user(roles=["manager"]), "team")
    assert summary(rows) == {"Desk": (3, 2, 1, 66.7), "Network": (3, 1, 2, 33.3), "No team": (1, 1, 0, 100.0)}


def test_compliance_by_priority_and_agreement(world, make_user):
    manager = make_user(roles=["manager"])
    assert summary(report(manager, "priority")) == {
        "P1": (2, 2, 0, 100.0),
        "P3": (3, 1, 2, 33.3),
        "P4": (1, 1, 0, 100.0),
        "P5": (1, 0, 1, 0.0),
    }
    assert [row["key"] for row in report(manager, "priority")] == [1, 3, 4, 5]
    assert summary(report(manager, "agreement")) == {
        "Desk OLA": (1, 0, 1, 0.0),
        "E-mail SLA": (4, 3, 1, 75.0),
        "Network OLA": (1, 1, 0, 100.0),
        "VPN SLA": (1, 0, 1, 0.0),
    }


def test_filters_narrow_the_clocks(world, make_user):
    manager = make_user(roles=["manager"])
    assert summary(report(manager, "service", kind="ola")) == {"VPN": (1, 1, 0, 100.0), "No service": (1, 0, 1, 0.0)}
    assert summary(report(manager, "agreement", team=world.net.pk)) == {
        "E-mail SLA": (1, 0, 1, 0.0),
        "Network OLA": (1, 1, 0, 100.0),
        "VPN SLA": (1, 0, 1, 0.0),
    }
    assert summary(report(manager, "team", service=world.email.pk, priority=3)) == {"Network": (1, 0, 1, 0.0)}
    assert report(manager, "team", priority=2) == []


def test_period_boundaries_are_start_inclusive_end_exclusive(world, make_user):
    manager = make_user(roles=["manager"])
    assert (world.counted[1].stopped_at, world.uncounted[0].stopped_at) == (START, END)
    second = dt.timedelta(seconds=1)
    later = sla_compliance(user=manager, start=START + second, end=END + second, group_by="agreement", now=NOW)
    # One second later: the E-mail SLA clock met at the start drops out, the Network OLA one met at the end comes in.
    assert summary(later)["E-mail SLA"] == (3, 2, 1, 66.7)
    assert summary(later)["Network OLA"] == (2, 2, 0, 100.0)


def test_a_breach_counts_once_in_the_period_it_happened(world, make_user):
    manager = make_user(roles=["manager"])
    february = sla_compliance(user=manager, start=at(1, 0, 2), end=START, group_by="agreement", now=NOW)
    assert summary(february) == {"E-mail SLA": (1, 1, 0, 100.0), "VPN SLA": (1, 0, 1, 0.0)}
    # Still running and past due at `now`: breached from its due time on, not before it.
    before_due = sla_compliance(user=manager, start=START, end=END, group_by="service", now=at(11))
    assert summary(before_due)["E-mail"] == (3, 3, 0, 100.0)


def test_clocks_of_tickets_the_user_may_not_see_do_not_count(world, make_user):
    assert report(world.requester, "service") == []  # requesters may not read clocks at all
    world.requester.user_permissions.add(Permission.objects.get(codename="view_slaclock"))
    world.requester = type(world.requester).objects.get(pk=world.requester.pk)  # drop the permission cache
    # With the permission, only the clocks of the incident they requested.
    assert summary(report(world.requester, "service")) == {"E-mail": (1, 0, 1, 0.0)}
    assert sum(row["total"] for row in report(make_user(roles=["auditor"]), "service")) == 7


def test_compliance_percent_rounds_half_up_and_is_null_without_clocks():
    assert compliance_percent(0, 0) is None
    assert compliance_percent(1, 16) == 6.3  # 6.25
    assert compliance_percent(2, 3) == 66.7
    assert compliance_percent(5, 5) == 100.0


def test_dashboard_figures_agree_with_the_report(world, make_user):
    manager = make_user(roles=["manager"])
    figures = sla_dashboard(user=manager, start=START, end=END, now=NOW)
    for group_by in ("service", "team", "priority", "agreement"):
        assert figures["by"][group_by] == report(manager, group_by)
    assert figures["summary"] == {"total": 7, "met": 4, "breached": 3, "compliance_percent": 57.1}
    # Mar 2-8: met at the start, the 5th and 6th, breached the 8th; Mar 9-15: breached the 9th and 12th, met the 10th.
    weeks = {w["label"]: (w["total"], w["met"], w["breached"]) for w in figures["trend"]}
    assert weeks == {"2026-W10": (4, 3, 1), "2026-W11": (3, 1, 2)}
    # Counted response clocks: 600 s (met at the start); the one met on the 1st counts in February.
    assert figures["acknowledge"] == {"count": 1, "seconds": 600}
    # Counted resolution clocks that stopped: 3000, 20000, 9000, 5000 s; the February breach stopped on the 3rd
    # counts in February, with its time; the running one has no time yet.
    assert figures["resolve"] == {"count": 4, "seconds": (3000 + 20000 + 9000 + 5000) // 4}
    breached_numbers = [row["number"] for row in figures["recent_breaches"]]
    assert breached_numbers == [world.c.number, world.b.number, world.d.number]  # 12th, 9th, 8th


def test_at_risk_lists_running_clocks_past_their_first_warning_or_due_soon(world, make_user):
    manager = make_user(roles=["manager"])
    warned = world.uncounted[3]  # running, due on the 20th
    soon = world.uncounted[5]  # running, due at 13:00 today: within SOON (2 h) of NOW, no warning reached yet
    SLAThreshold.objects.create(clock=warned, percent=50, due_at=at(14))
    SLAThreshold.objects.create(clock=warned, percent=75, due_at=at(16, 11))
    SLAThreshold.objects.create(clock=warned, percent=90, due_at=at(18))
    SLAThreshold.objects.create(clock=soon, percent=50, due_at=at(16, 12, month=4))  # first warning still ahead
    breached = world.counted[4]  # running but past due: a breach, not a risk
    SLAThreshold.objects.create(clock=breached, percent=50, due_at=at(10))
    rows = sla_at_risk(user=manager, now=NOW)
    assert [(row["number"], row["warned_percent"], row["metric"]) for row in rows] == [
        (world.d.number, None, "resolution"),
        (world.b.number, 75, "resolution"),
    ]
    assert rows[1]["url"] == f"/incidents/{world.b.pk}/"
    # A second more than an hour earlier the due-soon clock is more than 2 h away, with no warning: not at risk.
    earlier = sla_at_risk(user=manager, now=NOW - dt.timedelta(hours=1, seconds=1))
    assert [row["number"] for row in earlier] == [world.b.number]
    assert sla_at_risk(user=manager, now=NOW, filters={"priority": 1}) == []
    assert sla_at_risk(user=world.requester, now=NOW) == []


def test_at_risk_means_the_same_on_the_dashboard_and_in_the_queue_badges(world, make_user):
    from slm.badges import sla_badges

    manager = make_user(roles=["manager"])
    SLAThreshold.objects.create(clock=world.uncounted[3], percent=75, due_at=at(16, 11))
    on_dashboard = {row["ticket_id"] for row in sla_at_risk(user=manager, now=NOW)}
    tickets = [world.a, world.b, world.c, world.d, world.e]
    badged = {pk for pk, badge in sla_badges(tickets=tickets, now=NOW).items() if badge.state == "at_risk"}
    # b by its warned OLA clock, d by its OLA clock due within 2 h (its breached SLA clock is paused).
    assert on_dashboard == {world.b.pk, world.d.pk}
    assert badged == on_dashboard


# --- API -----------------------------------------------------------------------------------------------


def test_api_rows_match_the_contract(world, client_as):
    response = client_as("manager").get(URL, {"start": "2026-03-02", "end": "2026-03-15", "group_by": "team"})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert set(rows[0]) == {"key", "label", "total", "met", "breached", "compliance_percent"}
    # The API's now is the real now: the running clock due on the 12th is breached either way.
    assert summary(rows) == {"Desk": (3, 2, 1, 66.7), "Network": (3, 1, 2, 33.3), "No team": (1, 1, 0, 100.0)}
    with_time = client_as("auditor").get(
        URL, {"start": "2026-03-02T01:00:00+01:00", "end": "2026-03-16T00:00:00Z", "group_by": "priority"}
    )
    assert summary(with_time.json()["rows"])["P1"] == (2, 2, 0, 100.0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-02-30"}, "start"),
        ({"end": "2026-13-01T00:00:00Z"}, "end"),
        ({"start": "2026-03-10", "end": "2026-03-09"}, "end"),
        ({"start": "2026-03-10T10:00:00Z", "end": "2026-03-10T10:00:00Z"}, "end"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "end"),
        ({"group_by": "week"}, "group_by"),
        ({"service": "999999"}, "service"),
        ({"team": "abc"}, "team"),
        ({"priority": "9"}, "priority"),
        ({"kind": "xla"}, "kind"),
    ],
)
def test_api_bad_params_are_field_errors(client_as, params, field):
    response = client_as("manager").get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_api_two_years_is_the_limit(client_as):
    ok = client_as("manager").get(URL, {"start": "2024-01-01", "end": "2025-12-31"})
    assert ok.status_code == 200 and ok.json() == {"rows": []}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("requester", 403), ("agent", 200), ("manager", 200), ("auditor", 200), ("admin", 200), ("change_manager", 200)],
)
def test_api_permissions(client_as, role, status):
    assert client_as(role).get(URL).status_code == status


@pytest.mark.django_db
def test_api_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
