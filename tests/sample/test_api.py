"""Ticket API core on the sample ticket: CRUD matrix, ETag/If-Match, transitions, journal, scope, numbering."""

import pytest

from itsm.models import AuditEvent, JournalEntry
from itsm.testing.api import ScopedApiMatrix
from tests.itsm.factories import UserFactory
from tests.sample.factories import sample_ticket
from tests.sample.models import SampleTicket

URL = "/api/v1/sample-tickets/"


class TestSampleTicketApi(ScopedApiMatrix):
    endpoint = URL
    model = SampleTicket
    viewer_role = "auditor"
    writer_role = "admin"
    denied_role = "cab_member"

    def make_object(self):
        ticket = sample_ticket(requester=UserFactory(), assignee=UserFactory())
        ticket.watchers.set([UserFactory()])
        return ticket

    def create_payload(self):
        return {"title": "VPN down", "impact": "high", "urgency": "medium"}

    def update_payload(self, obj):
        return {"title": "VPN down in Berlin"}

    def invalid_payload(self):
        return {"title": "x", "impact": "enormous"}, "impact"

    def make_out_of_scope(self, user):
        return sample_ticket(requester=UserFactory())


@pytest.mark.django_db
def test_create_sets_number_priority_creator_and_ignores_read_only_fields(client_as):
    agent = client_as("agent")
    response = agent.post(
        URL,
        {
            "title": "Mail",
            "impact": "high",
            "urgency": "high",
            "number": "SMP9999999",
            "status": "closed",
            "priority": 5,
            "created_by": 1,
            "version": 40,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("SMP") and len(body["number"]) == 10 and body["number"] != "SMP9999999"
    assert (body["status"], body["priority"], body["version"]) == ("new", 1, 1)
    assert body["created_by"]["id"] == agent.user.pk
    assert response["ETag"] == '"1"'


@pytest.mark.django_db
def test_if_match_detects_a_stale_edit(client_as):
    first, second = client_as("agent"), client_as("agent")
    ticket = sample_ticket()
    etag = first.get(f"{URL}{ticket.pk}/")["ETag"]
    ok = first.patch(f"{URL}{ticket.pk}/", {"title": "First writer"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] == '"2"'
    stale = second.patch(f"{URL}{ticket.pk}/", {"title": "Second writer"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version) == ("First writer", 2)
    stale_transition = second.post(f"{URL}{ticket.pk}/transition/", {"name": "start"}, HTTP_IF_MATCH=etag)
    assert stale_transition.status_code == 412
    assert first.patch(f"{URL}{ticket.pk}/", {"title": "x"}, HTTP_IF_MATCH="garbage").status_code == 412


@pytest.mark.django_db
def test_priority_follows_impact_and_urgency_on_update(client_as):
    agent = client_as("agent")
    ticket = sample_ticket(impact="low", urgency="low")
    assert ticket.priority == 5
    body = agent.patch(f"{URL}{ticket.pk}/", {"impact": "high"}).json()
    assert body["priority"] == 3


@pytest.mark.django_db
def test_status_cannot_be_patched(client_as):
    ticket = sample_ticket()
    response = client_as("agent").patch(f"{URL}{ticket.pk}/", {"status": "closed"})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "new"


@pytest.mark.django_db
def test_transitions_listing_and_applying(client_as):
    agent = client_as("agent")
    ticket = sample_ticket(assignee=agent.user)
    listed = agent.get(f"{URL}{ticket.pk}/transitions/").json()
    assert [t["name"] for t in listed] == ["start", "hold"]
    hold = next(t for t in listed if t["name"] == "hold")
    assert hold["inputs"] == [
        {
            "name": "hold_reason",
            "type": "choice",
            "required": True,
            "label": "Hold reason",
            "choices": ["caller", "vendor"],
        }
    ]
    missing = agent.post(f"{URL}{ticket.pk}/transition/", {"name": "hold"})
    assert missing.status_code == 400 and "hold_reason" in missing.json()
    wrong_state = agent.post(f"{URL}{ticket.pk}/transition/", {"name": "close"})
    assert wrong_state.status_code == 409
    assert "not possible" in wrong_state.json()["detail"] and wrong_state.json()["code"] == "transition_refused"
    done = agent.post(f"{URL}{ticket.pk}/transition/", {"name": "hold", "hold_reason": "caller"})
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["hold_reason"], done["ETag"]) == ("on_hold", "caller", '"2"')
    event = AuditEvent.objects.filter(object_type="sample.sampleticket", object_id=str(ticket.pk), action="transition")
    assert event.get().changes["status"] == ["new", "on_hold"]
    assert agent.post(f"{URL}{ticket.pk}/transition/", {}).status_code == 400
    assert agent.post(f"{URL}{ticket.pk}/transition/", ["start"]).status_code == 400


@pytest.mark.django_db
def test_requester_sees_own_and_watched_tickets_only(client_as):
    requester = client_as("requester")
    own = sample_ticket(requester=requester.user)
    watched = sample_ticket(requester=UserFactory())
    watched.watchers.add(requester.user)
    hidden = sample_ticket(requester=UserFactory())
    ids = {row["id"] for row in requester.get(URL).json()["results"]}
    assert ids == {own.pk, watched.pk}
    assert requester.get(f"{URL}{hidden.pk}/").status_code == 404
    assert requester.post(f"{URL}{hidden.pk}/comments/", {"body": "hi", "visibility": "public"}).status_code == 404
    assert requester.post(f"{URL}{hidden.pk}/transition/", {"name": "close"}).status_code == 404


@pytest.mark.django_db
def test_journal_public_and_internal(client_as):
    agent, requester = client_as("agent"), client_as("requester")
    ticket = sample_ticket(requester=requester.user)
    assert (
        agent.post(f"{URL}{ticket.pk}/comments/", {"body": "Checked logs", "visibility": "internal"}).status_code == 201
    )
    assert (
        agent.post(f"{URL}{ticket.pk}/comments/", {"body": "We are on it", "visibility": "public"}).status_code == 201
    )
    refused = requester.post(f"{URL}{ticket.pk}/comments/", {"body": "psst", "visibility": "internal"})
    assert refused.status_code == 403
    mine = requester.post(f"{URL}{ticket.pk}/comments/", {"body": "Thanks!"})
    assert mine.status_code == 201 and mine.json()["visibility"] == "public"
    assert [e["body"] for e in requester.get(f"{URL}{ticket.pk}/comments/").json()["results"]] == [
        "We are on it",
        "Thanks!",
    ]
    assert len(agent.get(f"{URL}{ticket.pk}/comments/").json()["results"]) == 3
    empty = agent.post(f"{URL}{ticket.pk}/comments/", {"body": "   "})
    assert empty.status_code == 400 and "body" in empty.json()
    assert JournalEntry.objects.count() == 3


@pytest.mark.django_db
def test_filters_multi_value_status_and_text(client_as):
    agent = client_as("agent")
    a = sample_ticket(title="Disk full", status="new")
    b = sample_ticket(title="Printer jam", status="on_hold")
    sample_ticket(title="Monitor flicker", status="closed")
    got = agent.get(URL, {"status": ["new", "on_hold"], "ordering": "number"}).json()["results"]
    assert [row["id"] for row in got] == [a.pk, b.pk]
    assert [row["id"] for row in agent.get(URL, {"q": "jam"}).json()["results"]] == [b.pk]
    bad = agent.get(URL, {"status": "sleeping"})
    assert bad.status_code == 400 and "status" in bad.json()


@pytest.mark.django_db
def test_audit_events_api_is_read_only_and_scoped(client_as):
    agent, requester = client_as("agent"), client_as("requester")
    ticket = sample_ticket(actor=agent.user, requester=requester.user)
    events = agent.get("/api/v1/audit-events/", {"object_type": "sample.sampleticket", "object_id": ticket.pk})
    assert events.status_code == 200
    (created,) = events.json()["results"]
    assert (created["action"], created["source"], created["actor"]["id"]) == ("create", "system", agent.user.pk)
    assert created["changes"]["title"] == [None, "Printer on fire"]
    event_url = f"/api/v1/audit-events/{created['id']}/"
    admin = client_as("admin")
    assert admin.delete(event_url).status_code in (403, 405)
    assert admin.patch(event_url, {"object_repr": "forged"}).status_code in (403, 405)
    assert admin.post("/api/v1/audit-events/", {"object_repr": "forged"}).status_code in (403, 405)
    assert AuditEvent.objects.get(pk=created["id"]).object_repr != "forged"
    assert requester.get("/api/v1/audit-events/").status_code == 403
