"""Requester portal: isolation, public conversation only, logging, commenting, reopen and confirm closure."""

import pytest
from django.urls import reverse

from incidents.models import Incident
from incidents.services import incident_comment_add, incident_create
from itsm.models import JournalEntry
from itsm.services.tickets import transition_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user):
    return make_user(roles=["agent"])


def resolved(incident, agent):
    transition_apply(
        ticket=incident, name="resolve", actor=agent, inputs={"resolution_code": "fixed", "resolution_notes": "Done"}
    )
    incident.refresh_from_db()
    return incident


def test_requester_sees_only_own_and_watched(client, sign_in, make_user, agent):
    requester = sign_in("requester")
    own = incident_create(actor=requester, title="My laptop")
    watched = incident_create(actor=agent, title="Team printer", requester=make_user(), watchers=[requester])
    other = incident_create(actor=agent, title="Someone else's", requester=make_user())
    response = client.get(reverse("portal:request_list"))
    assert {i.pk for i in response.context["requests"]} == {own.pk, watched.pk}
    assert other.title not in response.content.decode()


def test_requester_cannot_reach_another_request(client, sign_in, make_user, agent):
    sign_in("requester")
    other = incident_create(actor=agent, title="Private", requester=make_user())
    assert client.get(reverse("portal:request", args=[other.pk])).status_code == 404
    assert client.post(reverse("portal:request_comment", args=[other.pk]), {"body": "hi"}).status_code == 404
    assert JournalEntry.objects.count() == 0


def test_requester_never_sees_internal_notes(client, sign_in, agent):
    requester = sign_in("requester")
    incident = incident_create(actor=requester, title="Mail")
    incident_comment_add(actor=agent, incident=incident, body="Secret work note", visibility="internal")
    incident_comment_add(actor=agent, incident=incident, body="We are on it", visibility="public")
    content = client.get(reverse("portal:request", args=[incident.pk])).content.decode()
    assert "We are on it" in content and "Secret work note" not in content


def test_requester_is_sent_from_the_agent_pages_to_the_portal(client, sign_in):
    requester = sign_in("requester")
    incident = incident_create(actor=requester, title="Mine")
    assert client.get(reverse("incidents:incident_list")).url == reverse("portal:request_list")
    assert client.get(reverse("incidents:incident", args=[incident.pk])).url == reverse(
        "portal:request", args=[incident.pk]
    )


def test_requester_logs_a_request_and_comments(client, sign_in):
    requester = sign_in("requester")
    response = client.post(
        reverse("portal:request_add"),
        {"kind": "service_request", "title": "New monitor", "description": "27 inch", "urgency": "low"},
    )
    incident = Incident.objects.get()
    assert response.url == reverse("portal:request", args=[incident.pk])
    assert (incident.requester, incident.channel, incident.kind) == (requester, "portal", "service_request")
    client.post(reverse("portal:request_comment", args=[incident.pk]), {"body": "Any news?"})
    entry = JournalEntry.objects.get()
    assert (entry.body, entry.visibility, entry.author) == ("Any news?", "public", requester)


def test_requester_reopens_own_resolved_request(client, sign_in, agent):
    requester = sign_in("requester")
    incident = resolved(incident_create(actor=requester, title="Wifi"), agent)
    assert "Confirm closure" in client.get(reverse("portal:request", args=[incident.pk])).content.decode()
    client.post(reverse("portal:request_transition", args=[incident.pk, "reopen"]))
    incident.refresh_from_db()
    assert incident.status == "in_progress"


def test_requester_confirms_closure_of_own_resolved_request(client, sign_in, agent):
    requester = sign_in("requester")
    incident = resolved(incident_create(actor=requester, title="Wifi"), agent)
    client.post(reverse("portal:request_transition", args=[incident.pk, "close"]))
    incident.refresh_from_db()
    assert incident.status == "closed"


def test_requester_cannot_take_other_transitions(client, sign_in):
    requester = sign_in("requester")
    incident = incident_create(actor=requester, title="Wifi")
    response = client.post(reverse("portal:request_transition", args=[incident.pk, "resolve"]))
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == "new"
