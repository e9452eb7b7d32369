"""Agent UI: queues, bulk assign, the incident form, stale edits, transition dialogs, comments and escaping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from incidents.services import incident_comment_add, incident_create
from itsm.models import AuditEvent, JournalEntry
from itsm.services.tickets import transition_apply
from tests.itsm.factories import TeamFactory

pytestmark = pytest.mark.django_db

LIST = reverse("incidents:incident_list")


def numbers(response) -> set[str]:
    return {incident.number for incident in response.context["rows"]}


def test_each_queue_tab_shows_its_incidents(client, sign_in, make_user):
    agent = sign_in("agent")
    other = make_user(roles=["agent"])
    team, foreign_team = TeamFactory(members=[agent]), TeamFactory()
    mine = incident_create(actor=agent, title="Mine", assignee=agent, assignment_group=team)
    unassigned = incident_create(actor=agent, title="Unassigned", assignment_group=team)
    teammate = incident_create(actor=agent, title="Other agent", assignment_group=team, assignee=other)
    foreign = incident_create(actor=agent, title="Foreign", assignment_group=foreign_team)
    major = incident_create(actor=agent, title="Major", major=True)
    done = incident_create(actor=agent, title="Done", assignee=agent)
    transition_apply(ticket=done, name="cancel", actor=agent, inputs={"reason": "dup"})

    assert numbers(client.get(LIST, {"queue": "mine"})) == {mine.number}
    assert numbers(client.get(LIST, {"queue": "teams"})) == {mine.number, unassigned.number, teammate.number}
    assert numbers(client.get(LIST, {"queue": "unassigned"})) == {unassigned.number}
    assert numbers(client.get(LIST, {"queue": "open"})) == {
        i.number for i in (mine, unassigned, teammate, foreign, major)
    }
    assert numbers(client.get(LIST, {"queue": "major"})) == {major.number}


def test_filters_apply_within_a_tab_and_htmx_gets_results_only(client, sign_in):
    agent = sign_in("agent")
    printer = incident_create(actor=agent, title="Printer jammed", impact="high", urgency="high")
    incident_create(actor=agent, title="Mail slow")
    response = client.get(
        LIST, {"queue": "open", "q": "printer"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results"
    )
    assert numbers(response) == {printer.number}
    assert b"<html" not in response.content
    assert numbers(client.get(LIST, {"queue": "open", "priority": "1"})) == {printer.number}


@pytest.mark.parametrize("sort", ["-number", "number", "title", "-priority", "updated"])
def test_queue_pages_by_keyset_without_count(client, sign_in, monkeypatch, sort):
    import incidents.views.queues as queues

    agent = sign_in("agent")
    for n in range(5):
        incident_create(actor=agent, title=f"Incident {n % 2}", impact=["low", "high"][n % 2])
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    seen, after = [], ""
    for _page in range(3):
        response = client.get(LIST, {"queue": "open", "sort": sort, "after": after})
        seen += [incident.pk for incident in response.context["rows"]]
        after = response.context["next_after"] or ""
    assert after == "" and len(seen) == 5 == len(set(seen))
    expected = client.get(LIST, {"queue": "open", "sort": sort}).context["rows"]
    assert seen[:2] == [incident.pk for incident in expected]


def _queue_queries(client, count: int, agent, team) -> int:
    Incident.objects.all().delete()
    for n in range(count):
        incident_create(actor=agent, title=f"Incident {n}", assignment_group=team, assignee=agent)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"queue": "teams"})
    assert len(response.context["rows"]) == count
    return len(queries)


def test_queue_query_count_does_not_grow_with_rows(client, sign_in):
    agent = sign_in("agent")
    team = TeamFactory(members=[agent])
    few, many = _queue_queries(client, 3, agent, team), _queue_queries(client, 30, agent, team)
    assert few == many <= 12


def test_bulk_assign_changes_and_audits(client, sign_in, make_user):
    agent = sign_in("agent")
    colleague = make_user(roles=["agent"])
    team = TeamFactory()
    first, second = (incident_create(actor=agent, title=f"Bulk {n}") for n in range(2))
    response = client.post(
        reverse("incidents:incident_bulk_assign"),
        {"incidents": [first.pk, second.pk], "assignment_group": team.pk, "assignee": colleague.pk},
    )
    assert response.status_code == 302
    for incident in (first, second):
        incident.refresh_from_db()
        assert (incident.assignment_group, incident.assignee) == (team, colleague)
        event = AuditEvent.objects.filter(object_type="incidents.incident", object_id=str(incident.pk)).latest("at")
        assert event.actor == agent and "assignee" in event.changes


def test_bulk_assign_requires_a_team_or_agent(client, sign_in):
    agent = sign_in("agent")
    incident = incident_create(actor=agent, title="Untouched")
    client.post(reverse("incidents:incident_bulk_assign"), {"incidents": [incident.pk]})
    incident.refresh_from_db()
    assert incident.version == 1


def test_create_form_errors_are_field_level_and_nothing_is_saved(client, sign_in):
    sign_in("agent")
    response = client.post(reverse("incidents:incident_add"), {"title": "", "impact": "bogus", "urgency": "high"})
    assert response.status_code == 422
    form = response.context["form"]
    assert "title" in form.errors and "impact" in form.errors
    assert not form.non_field_errors()
    assert Incident.objects.count() == 0


def test_create_form_saves_and_redirects(client, sign_in, make_user):
    sign_in("agent")
    caller = make_user()
    data = {"requester": caller.pk, "kind": "incident", "channel": "phone", "impact": "high", "urgency": "high"}
    response = client.post(reverse("incidents:incident_add"), {**data, "title": "VPN down", "description": "x"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == reverse("incidents:incident", args=[incident.pk])
    assert (incident.requester, incident.priority) == (caller, 1)


def test_caller_typeahead_finds_users(client, sign_in, make_user):
    sign_in("agent")
    make_user(first_name="Zelda", last_name="Caller")
    response = client.get(reverse("incidents:caller_search"), {"q": "zeld"})
    assert b"Zelda Caller" in response.content


def _edit_data(incident, **changes):
    data = {"kind": incident.kind, "channel": incident.channel, "impact": incident.impact, "urgency": incident.urgency}
    return {**data, "title": incident.title, "description": "", "version": incident.version, **changes}


def test_stale_edit_shows_the_conflict_and_saves_nothing(client, sign_in):
    agent = sign_in("agent")
    incident = incident_create(actor=agent, title="Original")
    stale = _edit_data(incident, title="Mine")
    client.post(reverse("incidents:incident_edit", args=[incident.pk]), _edit_data(incident, title="Theirs"))
    response = client.post(reverse("incidents:incident_edit", args=[incident.pk]), stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Theirs" and incident.version == 2


def test_transition_dialog_applies_a_transition(client, sign_in):
    agent = sign_in("agent")
    incident = incident_create(actor=agent, title="Hold me")
    url = reverse("incidents:incident_transition", args=[incident.pk, "hold"])
    dialog = client.get(url, HTTP_HX_REQUEST="true")
    assert 'name="on_hold_reason"' in dialog.content.decode()
    missing = client.post(url, {"version": incident.version}, HTTP_HX_REQUEST="true")
    assert missing.status_code == 422 and "on_hold_reason" in missing.context["form"].errors
    response = client.post(
        url, {"on_hold_reason": "awaiting_caller", "version": incident.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#incident-main"
    incident.refresh_from_db()
    assert (incident.status, incident.on_hold_reason) == ("on_hold", "awaiting_caller")


def test_refused_transition_shows_the_409_reason(client, sign_in):
    agent = sign_in("agent")
    incident = incident_create(actor=agent, title="New one")
    url = reverse("incidents:incident_transition", args=[incident.pk, "resume"])
    response = client.post(url, {"version": incident.version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "is not possible from status" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "new"


def test_comment_is_added_with_htmx(client, sign_in):
    agent = sign_in("agent")
    incident = incident_create(actor=agent, title="Comment me")
    url = reverse("incidents:incident_comment", args=[incident.pk])
    response = client.post(url, {"body": "Checked the **logs**", "visibility": "internal"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<strong>logs</strong>" in response.content.decode()
    assert JournalEntry.objects.get().visibility == "internal"


def test_script_in_title_description_and_comment_is_inert(client, sign_in):
    agent = sign_in("agent")
    payload = "<script>alert('x')</script>"
    incident = incident_create(actor=agent, title=f"T {payload}", description=f"D {payload}")
    incident_comment_add(actor=agent, incident=incident, body=f"C {payload}", visibility="public")
    content = client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content  # the title, escaped


def test_notifications_list_and_mark_read(client, sign_in, make_user):
    from itsm.models.outbox import Notification

    agent = sign_in("agent")
    mine = Notification.objects.create(user=agent, title="Assigned INC1")
    Notification.objects.create(user=make_user(), title="Someone else's")
    response = client.get(reverse("incidents:notification_list"))
    assert [n.title for n in response.context["notifications"]] == ["Assigned INC1"]
    client.post(reverse("incidents:notification_read"), {"id": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_ci_typeahead_and_related_ci_impact_link(client, sign_in):
    from tests.cmdb.factories import CIFactory

    agent = sign_in("agent")
    server = CIFactory(name="srv-mail-01")
    CIFactory(name="srv-web-01")
    response = client.get(reverse("incidents:ci_search"), {"q": "mail"})
    assert b"srv-mail-01" in response.content and b"srv-web-01" not in response.content
    incident = incident_create(actor=agent, title="Mail down", configuration_items=[server])
    content = client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert f'href="/cmdb/cis/{server.pk}/impact/"' in content


def test_timeline_merges_journal_and_audited_changes(client, sign_in):
    agent = sign_in("agent")
    incident = incident_create(actor=agent, title="Timeline")
    incident_comment_add(actor=agent, incident=incident, body="First note", visibility="internal")
    transition_apply(ticket=incident, name="start", actor=agent, inputs={})
    response = client.get(reverse("incidents:incident", args=[incident.pk]))
    kinds = [item["kind"] for item in response.context["timeline"]]
    assert "journal" in kinds and "audit" in kinds
    stamps = [item["at"] for item in response.context["timeline"]]
    assert stamps == sorted(stamps)
    assert 'data-visibility="internal"' in response.content.decode()


def test_requester_cannot_use_the_agent_comment_or_transition_endpoints(client, sign_in):
    requester = sign_in("requester")
    incident = incident_create(actor=requester, title="Mine")
    comment = client.post(
        reverse("incidents:incident_comment", args=[incident.pk]), {"body": "x", "visibility": "internal"}
    )
    start = client.post(reverse("incidents:incident_transition", args=[incident.pk, "start"]), {})
    assert (comment.status_code, start.status_code) == (403, 403)
    assert JournalEntry.objects.count() == 0


def test_team_lead_declares_a_major_incident_and_links_a_child(client, sign_in):
    agent = sign_in("manager")
    parent = incident_create(actor=agent, title="Mail outage")
    child = incident_create(actor=agent, title="Cannot send mail")
    client.post(reverse("incidents:incident_edit", args=[parent.pk]), _edit_data(parent, major="on"))
    client.post(reverse("incidents:incident_edit", args=[child.pk]), _edit_data(child, parent_number=parent.number))
    parent.refresh_from_db()
    child.refresh_from_db()
    assert parent.major and child.parent == parent
    content = client.get(reverse("incidents:incident", args=[parent.pk])).content.decode()
    assert child.number in content
    missing = client.post(reverse("incidents:incident_edit", args=[child.pk]), _edit_data(child, parent_number="INC9"))
    assert "parent_number" in missing.context["form"].errors
