"""Change-management API: permission matrices for Change, CAB, ChangeWindow, ChangeTemplate and Approval, the
contract's fields, votes, risk override, templates, filters, If-Match, and incidents' caused_by_change."""

from datetime import timedelta

import pytest
from django.utils import timezone

from changes.models import CAB, Approval, Change, ChangeTemplate, ChangeWindow
from changes.services import approval_cast
from incidents.models import Incident
from itsm.models import AuditEvent, JournalEntry
from itsm.testing.api import ApiCrudMatrix, ScopedApiMatrix, client_for
from tests.changes.factories import cab_members, make_cab, make_change, make_template, make_window, window_from_now
from tests.cmdb.factories import CIFactory
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory

URL = "/api/v1/changes/"


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


class TestChangeApi(ScopedApiMatrix):
    endpoint = URL
    model = Change
    viewer_role, writer_role, denied_role, scoped_role = "auditor", "change_manager", "requester", "requester"

    def make_object(self):
        change = make_change(requester=UserFactory(), configuration_items=[CIFactory()], cab=make_cab())
        change.watchers.add(UserFactory())
        make_incident(caused_by_change=change)
        return change

    def create_payload(self):
        return {"title": "Upgrade PostgreSQL to 16", "type": "normal", "justification": "End of support"}

    def update_payload(self, obj):
        return {"backout_plan": "Restore from the nightly backup"}

    def invalid_payload(self):
        start = timezone.now() + timedelta(days=2)
        return {
            "title": "x",
            "planned_start": iso(start),
            "planned_end": iso(start - timedelta(hours=1)),
        }, "planned_end"

    def make_out_of_scope(self, user):
        return make_change(requester=UserFactory())

    def test_role_without_permission_is_403(self, make_user):
        """Requesters read the changes they requested, but never raise or edit one."""
        client, user = self.as_role(make_user, "requester")
        own = make_change(requester=user)
        assert [row["id"] for row in client.get(self.endpoint).json()["results"]] == [own.pk]
        assert client.post(self.endpoint, self.create_payload(), format="json").status_code == 403
        assert client.patch(self.detail(own), self.update_payload(own), format="json").status_code == 403
        assert client.post(f"{self.detail(own)}transition/", {"name": "submit"}, format="json").status_code == 403
        assert client.get(f"{self.detail(own)}approvals/").status_code == 403


class TestCABApi(ApiCrudMatrix):
    endpoint = "/api/v1/cabs/"
    model = CAB
    viewer_role, writer_role, denied_role = "agent", "change_manager", "requester"

    def make_object(self):
        return make_cab()

    def create_payload(self):
        members = cab_members(3)
        return {
            "name": f"Infrastructure CAB {UserFactory().pk}",
            "members": [m.pk for m in members],
            "chair": members[0].pk,
            "policy": "quorum",
            "quorum_percent": 60,
        }

    def update_payload(self, obj):
        return {"policy": "any"}

    def invalid_payload(self):
        return {"name": "Quorum without a share", "members": [m.pk for m in cab_members(2)], "policy": "quorum"}, (
            "quorum_percent"
        )


class TestChangeWindowApi(ApiCrudMatrix):
    endpoint = "/api/v1/change-windows/"
    model = ChangeWindow
    viewer_role, writer_role, denied_role = "cab_member", "change_manager", "requester"

    def make_object(self):
        window = make_window(kind="maintenance")
        window.configuration_items.add(CIFactory())
        return window

    def create_payload(self):
        start = timezone.now() + timedelta(days=30)
        return {
            "name": "Year-end freeze",
            "kind": "blackout",
            "start": iso(start),
            "end": iso(start + timedelta(days=7)),
            "configuration_items": [CIFactory().pk],
        }

    def update_payload(self, obj):
        return {"name": "Sunday maintenance"}

    def invalid_payload(self):
        start = timezone.now()
        return {"name": "Backwards", "kind": "blackout", "start": iso(start), "end": iso(start)}, "end"


class TestChangeTemplateApi(ApiCrudMatrix):
    endpoint = "/api/v1/change-templates/"
    model = ChangeTemplate
    viewer_role, writer_role, denied_role = "agent", "change_manager", "requester"

    def make_object(self):
        return make_template(configuration_items=[CIFactory()], assignment_group=TeamFactory())

    def create_payload(self):
        return {
            "name": "Renew a TLS certificate",
            "title": "Renew the TLS certificate",
            "implementation_plan": "certbot renew",
            "allowed_roles": ["agent"],
        }

    def update_payload(self, obj):
        return {"active": False}

    def invalid_payload(self):
        return {"name": "Pilot only", "title": "x", "allowed_roles": ["pilot"]}, "allowed_roles"


class TestApprovalApi(ApiCrudMatrix):
    """Votes through /change-approvals/: POST casts, PATCH replaces one's own, nothing deletes them. The writer
    must sit on the change's CAB, so the CAB is built around whoever `as_role` hands out."""

    endpoint = "/api/v1/change-approvals/"
    model = Approval
    viewer_role, writer_role, denied_role = "auditor", "cab_member", "requester"
    deletable = False
    _voter = None

    def as_role(self, make_user, role):
        if role == self.writer_role:
            return client_for(self._voter_user()), self._voter_user()
        return super().as_role(make_user, role)

    def _awaiting(self):
        cab = make_cab(members=[self._voter_user(), *cab_members(2)])
        return make_change(status="authorization", cab=cab, **window_from_now())

    def make_object(self):
        vote, _created = approval_cast(actor=self._voter_user(), change=self._awaiting(), decision="abstain")
        return vote

    def _voter_user(self):
        self._voter = self._voter or UserFactory(roles=[self.writer_role])
        return self._voter

    def create_payload(self):
        return {"change": self._awaiting().pk, "decision": "approve", "comment": "Plan is sound"}

    def update_payload(self, obj):
        return {"decision": "reject", "comment": "Back-out plan is missing"}

    def invalid_payload(self):
        return {"change": self._awaiting().pk, "decision": "maybe"}, "decision"

    def test_someone_elses_vote_cannot_be_changed(self, make_user):
        vote = self.make_object()
        other = vote.change.cab.members.exclude(pk=vote.voter_id).first()
        response = client_for(other).patch(f"{self.endpoint}{vote.pk}/", {"decision": "approve"}, format="json")
        assert response.status_code == 403
        vote.refresh_from_db()
        assert vote.decision == "abstain"


# ---- changes: contract fields, rules, votes ----------------------------------------------------------------


@pytest.mark.django_db
def test_contract_fields_and_read_only_fields(client_as):
    agent = client_as("agent")
    requester, team, ci = UserFactory(roles=["requester"]), TeamFactory(), CIFactory()
    cab = make_cab()
    planned = window_from_now()
    response = agent.post(
        URL,
        {
            "title": "Move the mail relay",
            "type": "normal",
            "requested_by": requester.pk,
            "assignment_group": team.pk,
            "configuration_items": [ci.pk],
            "cab": cab.pk,
            "planned_start": iso(planned["planned_start"]),
            "planned_end": iso(planned["planned_end"]),
            "implementation_plan": "Switch MX",
            "status": "closed",
            "outcome": "failed",
            "number": "CHG9999999",
            "impacted_services": [1],
            "authorized_at": iso(timezone.now()),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CHG") and body["number"] != "CHG9999999"
    assert (body["status"], body["outcome"], body["authorized_at"], body["type"]) == ("draft", None, None, "normal")
    assert body["requested_by"]["id"] == requester.pk and body["created_by"]["id"] == agent.user.pk
    assert body["configuration_items"][0]["id"] == ci.pk and body["cab"]["display"] == cab.name
    assert body["impacted_services"] == [] and body["incident_count"] == 0
    assert body["planned_start"] == iso(planned["planned_start"])
    assert response["ETag"] == '"1"'
    for name in ("risk", "risk_computed", "risk_reasons", "justification", "backout_plan", "test_plan", "review_notes"):
        assert name in body
    defaulted = agent.post(URL, {"title": "Mine"}, format="json").json()
    assert defaulted["requested_by"]["id"] == agent.user.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"planned_start": "2030-01-02T10:00:00Z", "planned_end": "2030-01-02T09:00:00Z"}, "planned_end"),
        ({"planned_start": "2030-01-02T10:00:00Z", "planned_end": "2030-01-02T10:00:00Z"}, "planned_end"),
        ({"planned_start": "2030-01-02T10:00:00Z"}, "planned_end"),
        ({"type": "standard"}, "type"),
        ({"type": "emergency", "cab": "normal-cab"}, "cab"),
        ({"type": "normal", "cab": "ecab"}, "cab"),
        ({"type": "sideways"}, "type"),
        ({"description": "no title"}, "title"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(client_as, payload, field):
    agent = client_as("agent")
    cabs = {"normal-cab": make_cab().pk, "ecab": make_cab(emergency=True).pk}
    payload = {"title": "Bad", **{k: cabs.get(v, v) if k == "cab" else v for k, v in payload.items()}}
    if "title" in payload and field == "title":
        payload.pop("title")
    before = (Change.objects.count(), AuditEvent.objects.count())
    response = agent.post(URL, payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert (Change.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_edits_follow_the_lifecycle_and_if_match(client_as):
    manager = client_as("change_manager")
    change = make_change(status="authorization", cab=make_cab(), **window_from_now())
    url = f"{URL}{change.pk}/"
    assert manager.patch(url, {"cab": make_cab().pk}, format="json").json().keys() == {"cab"}
    assert "type" in manager.patch(url, {"type": "emergency"}, format="json").json()
    stale = manager.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    fresh = manager.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"1"')
    assert fresh.status_code == 200 and fresh["ETag"] == '"2"'
    running = make_change(status="implementation", **window_from_now())
    moved = manager.patch(f"{URL}{running.pk}/", window_from_now(days=5), format="json")
    assert moved.status_code == 400 and "planned_start" in moved.json()


@pytest.mark.django_db
def test_risk_override_is_for_change_managers_with_a_reason(client_as):
    change = make_change()
    url = f"{URL}{change.pk}/"
    agent = client_as("agent")
    assert agent.patch(url, {"risk": "high", "risk_override_reason": "Gut feeling"}, format="json").status_code == 403
    manager = client_as("change_manager")
    missing = manager.patch(url, {"risk": "high"}, format="json")
    assert missing.status_code == 400 and "risk_override_reason" in missing.json()
    alone = manager.patch(url, {"risk_override_reason": "Because"}, format="json")
    assert alone.status_code == 400 and "risk" in alone.json()
    done = manager.patch(url, {"risk": "very_high", "risk_override_reason": "Payroll run that night"}, format="json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["risk"], body["risk_override_reason"]) == ("very_high", "Payroll run that night")
    event = AuditEvent.objects.filter(object_type="changes.change", object_id=str(change.pk), action="update").latest(
        "id"
    )
    assert event.changes["risk"][1] == "very_high" and event.actor_id == manager.user.pk
    assert JournalEntry.objects.filter(object_id=change.pk, body__contains="Payroll run that night").exists()
    cleared = manager.patch(url, {"risk": None}, format="json").json()
    assert (cleared["risk"], cleared["risk_override_reason"]) == (cleared["risk_computed"], "")


@pytest.mark.django_db
def test_standard_change_from_a_template_only_for_permitted_roles(client_as):
    ci = CIFactory()
    template = make_template(configuration_items=[ci], risk="low")
    agent = client_as("agent")
    refused = agent.post(URL, {"template": template.pk}, format="json")
    assert refused.status_code == 403
    refused = agent.post(f"/api/v1/change-templates/{template.pk}/raise/", {}, format="json")
    assert refused.status_code == 403 and not Change.objects.exists()
    template.allowed_roles = ["agent"]
    template.save()
    raised = agent.post(f"/api/v1/change-templates/{template.pk}/raise/", window_from_now(), format="json")
    assert raised.status_code == 201, raised.content
    body = raised.json()
    assert (body["type"], body["template"]["id"], body["title"], body["status"]) == (
        "standard",
        template.pk,
        template.title,
        "draft",
    )
    assert body["implementation_plan"] == template.implementation_plan and body["risk"] == "low"
    assert body["configuration_items"][0]["id"] == ci.pk and "template" in body["risk_override_reason"]
    via_changes = agent.post(URL, {"template": template.pk, "title": "Patch web-01"}, format="json")
    assert via_changes.status_code == 201 and via_changes.json()["title"] == "Patch web-01"
    altered = agent.post(URL, {"template": template.pk, "backout_plan": "Pray"}, format="json")
    assert altered.status_code == 400 and "backout_plan" in altered.json()
    edited = agent.patch(f"{URL}{body['id']}/", {"backout_plan": "Pray", "title": "Patch web-02"}, format="json")
    assert edited.status_code == 400 and "backout_plan" in edited.json()
    assert Change.objects.get(pk=body["id"]).backout_plan == template.backout_plan  # nothing written
    template.active = False
    template.save()
    retired = agent.post(URL, {"template": template.pk}, format="json")
    assert retired.status_code == 400 and "template" in retired.json()
    manager = client_as("change_manager")
    restricted = make_template()  # no roles: change managers only
    assert manager.post(URL, {"template": restricted.pk}, format="json").status_code == 201


@pytest.mark.django_db
def test_votes_through_the_change(client_as):
    change = make_change(status="authorization", cab=make_cab(members=cab_members(3)), **window_from_now())
    url = f"{URL}{change.pk}/approvals/"
    members = list(change.cab.members.all())
    first = client_as(user=members[0])
    created = first.post(url, {"decision": "approve", "comment": "OK"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["voter"]["id"] == members[0].pk
    replaced = first.post(url, {"decision": "abstain"}, format="json")
    assert replaced.status_code == 200 and replaced.json()["id"] == created.json()["id"]
    outsider = client_as("cab_member")
    assert outsider.post(url, {"decision": "approve"}, format="json").status_code == 403
    assert first.post(url, {"decision": "perhaps"}, format="json").status_code == 400
    listing = client_as("auditor").get(url).json()
    assert [v["decision"] for v in listing["results"]] == ["abstain"]
    draft = make_change(cab=change.cab)
    closed = first.post(f"{URL}{draft.pk}/approvals/", {"decision": "approve"}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "conflict"
    client_as(user=members[1]).post(url, {"decision": "approve"}, format="json")
    client_as(user=members[2]).post(url, {"decision": "approve"}, format="json")
    body = client_as("auditor").get(f"{URL}{change.pk}/").json()
    assert body["status"] == "authorization" and body["authorized_at"]
    manager = client_as("change_manager")
    offered = [t["name"] for t in manager.get(f"{URL}{change.pk}/transitions/").json()]
    assert offered == ["schedule", "reject", "cancel"]
    scheduled = manager.post(f"{URL}{change.pk}/transition/", {"name": "schedule"}, format="json")
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"


@pytest.mark.django_db
def test_transition_errors_over_the_api(client_as):
    manager = client_as("change_manager")
    change = make_change(status="authorization", cab=make_cab(), **window_from_now())
    refused = manager.post(f"{URL}{change.pk}/transition/", {"name": "schedule"}, format="json")
    assert refused.status_code == 409 and "not authorised" in refused.json()["detail"]
    wrong_state = manager.post(f"{URL}{change.pk}/transition/", {"name": "implement"}, format="json")
    assert wrong_state.status_code == 409
    missing = manager.post(f"{URL}{change.pk}/transition/", {"name": "reject"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    change.refresh_from_db()
    assert (change.status, change.version) == ("authorization", 1)
    review = make_change(status="review", outcome="backed_out")
    unreviewed = manager.post(f"{URL}{review.pk}/transition/", {"name": "close"}, format="json")
    assert unreviewed.status_code == 400 and "review_notes" in unreviewed.json()


@pytest.mark.django_db
def test_filters(client_as):
    agent = client_as("agent")
    ci, cab, team = CIFactory(), make_cab(), TeamFactory()
    start = timezone.now() + timedelta(days=10)
    early = make_change(configuration_items=[ci], cab=cab, planned_start=start, planned_end=start + timedelta(hours=1))
    late = make_change(
        status="assessment",
        type="emergency",
        assignment_group=team,
        planned_start=start + timedelta(days=5),
        planned_end=start + timedelta(days=5, hours=2),
    )
    other = make_change(status="closed", title="Decommission the fax server")

    def ids(**params):
        response = agent.get(URL, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status=["draft", "assessment"]) == {early.pk, late.pk}
    assert ids(type="emergency") == {late.pk}
    assert ids(cab=cab.pk) == {early.pk}
    assert ids(assignment_group=team.pk) == {late.pk}
    assert ids(configuration_items=ci.pk) == {early.pk}
    assert ids(planned_start_after=iso(start + timedelta(days=1))) == {late.pk}
    assert ids(planned_end_before=iso(start + timedelta(days=1))) == {early.pk}
    assert ids(q="fax") == {other.pk}
    risks = dict(Change.objects.values_list("pk", "risk"))
    for level in ("low", "medium", "high", "very_high"):
        assert ids(risk=level) == {pk for pk, risk in risks.items() if risk == level}
    assert ids(requested_by=other.requester_id) == {other.pk}
    planned = {"ordering": "-planned_start", "planned_start_after": iso(start - timedelta(days=1))}
    assert [row["id"] for row in agent.get(URL, planned).json()["results"]] == [late.pk, early.pk]


@pytest.mark.django_db
def test_awaiting_my_vote(client_as):
    members = cab_members(3)
    waiting = make_change(status="authorization", cab=make_cab(members=members), **window_from_now())
    voted = make_change(status="authorization", cab=waiting.cab, **window_from_now())
    approval_cast(actor=members[0], change=voted, decision="approve")
    make_change(status="authorization", cab=make_cab(), **window_from_now())  # another board's
    mine = client_as(user=members[0])
    assert [row["id"] for row in mine.get(URL, {"awaiting_my_vote": "true"}).json()["results"]] == [waiting.pk]


@pytest.mark.django_db
def test_incidents_link_the_change_that_caused_them(client_as):
    agent = client_as("agent")
    change = make_change(title="Firewall rule update")
    incident = make_incident()
    linked = agent.patch(f"/api/v1/incidents/{incident.pk}/", {"caused_by_change": change.pk}, format="json")
    assert linked.status_code == 200, linked.content
    assert linked.json()["caused_by_change"] == {
        "id": change.pk,
        "display": str(change),
        "url": f"http://testserver{URL}{change.pk}/",
    }
    make_incident()
    filtered = agent.get("/api/v1/incidents/", {"caused_by_change": change.pk}).json()["results"]
    assert [row["id"] for row in filtered] == [incident.pk]
    assert agent.get(f"{URL}{change.pk}/").json()["incident_count"] == 1
    assert Incident.objects.get(pk=incident.pk).caused_by_change_id == change.pk
    bad = agent.patch(f"/api/v1/incidents/{incident.pk}/", {"caused_by_change": 987654}, format="json")
    assert bad.status_code == 400 and "caused_by_change" in bad.json()
