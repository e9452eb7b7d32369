"""Users and teams API: admin writes, staff read, requesters get 403; roles, teams, manager, time zone."""

import pytest

from itsm.models import AuditEvent, Team, User
from itsm.testing.api import ApiCrudMatrix
from tests.itsm.factories import TeamFactory, UserFactory


class TestUserApi(ApiCrudMatrix):
    endpoint = "/api/v1/users/"
    model = User

    def make_object(self):
        return UserFactory()

    def create_payload(self):
        return {"username": "newbie", "email": "newbie@example.test", "password": "a-long-enough-secret-9"}

    def update_payload(self, obj):
        return {"first_name": "Renamed"}

    def invalid_payload(self):
        return {"username": "x", "password": "123"}, "password"


class TestTeamApi(ApiCrudMatrix):
    endpoint = "/api/v1/teams/"
    model = Team

    def make_object(self):
        return TeamFactory(members=[UserFactory()])

    def create_payload(self):
        return {"name": "Network Operations"}

    def update_payload(self, obj):
        return {"vendor": "Acme"}

    def invalid_payload(self):
        return {"name": ""}, "name"


@pytest.mark.django_db
def test_user_roles_teams_manager_round_trip(client_as):
    admin = client_as("admin")
    team = TeamFactory()
    boss = UserFactory()
    response = admin.post(
        "/api/v1/users/",
        {
            "username": "ann",
            "password": "a-long-enough-secret-9",
            "roles": ["agent", "cab_member"],
            "teams": [team.pk],
            "manager": boss.pk,
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["roles"] == ["agent", "cab_member"]
    assert body["teams"] == [{"id": team.pk, "display": team.name, "url": f"http://testserver/api/v1/teams/{team.pk}/"}]
    assert body["manager"]["id"] == boss.pk
    assert "password" not in body
    ann = User.objects.get(username="ann")
    assert ann.check_password("a-long-enough-secret-9")
    assert ann.timezone == "Europe/Berlin"
    # roles changes are audited as a field of the user
    assert not ann.is_staff
    admin.patch(f"/api/v1/users/{ann.pk}/", {"roles": ["manager"]})
    admin.patch(f"/api/v1/users/{ann.pk}/", {"roles": ["admin"]})
    ann.refresh_from_db()
    assert ann.is_staff  # administrators may use the Django admin site too
    events = AuditEvent.objects.filter(object_type="itsm.user", object_id=str(ann.pk), changes__has_key="roles")
    assert [e.changes["roles"] for e in events.order_by("id")] == [
        [[], ["agent", "cab_member"]],
        [["agent", "cab_member"], ["manager"]],
        [["manager"], ["admin"]],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "bob", "timezone": "Mars/Olympus"}, "timezone"),
        ({"username": "bob", "roles": ["wizard"]}, "roles"),
        ({"username": "bob", "teams": [999999]}, "teams"),
        ({"username": "bob", "manager": "abc"}, "manager"),
        ({"username": "bob", "password": "bob"}, "password"),
        ({"username": ""}, "username"),
    ],
)
def test_user_bad_input_is_field_level(client_as, payload, field):
    response = client_as("admin").post("/api/v1/users/", payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(username="bob").exists()


@pytest.mark.django_db
def test_password_is_never_audited_in_clear(client_as):
    admin = client_as("admin")
    user = UserFactory()
    admin.patch(f"/api/v1/users/{user.pk}/", {"password": "another-long-secret-7"})
    events = AuditEvent.objects.filter(object_type="itsm.user", object_id=str(user.pk))
    assert "another-long-secret-7" not in str(list(events.values_list("changes", flat=True)))
    assert events.filter(changes__has_key="password").exists()


@pytest.mark.django_db
def test_requester_cannot_list_users_but_agent_can(client_as):
    assert client_as("requester").get("/api/v1/users/").status_code == 403
    assert client_as("agent").get("/api/v1/users/").status_code == 200


@pytest.mark.django_db
def test_user_filters_by_role_and_text(client_as):
    agent = client_as("agent")
    UserFactory(username="zelda", roles=["cab_member"])
    UserFactory(username="link", roles=["requester"])
    names = [row["username"] for row in agent.get("/api/v1/users/", {"role": "cab_member"}).json()["results"]]
    assert names == ["zelda"]
    names = [row["username"] for row in agent.get("/api/v1/users/", {"q": "lin"}).json()["results"]]
    assert names == ["link"]
    both = agent.get("/api/v1/users/", {"role": ["cab_member", "requester"], "ordering": "-username"}).json()
    assert [row["username"] for row in both["results"]] == ["zelda", "link"]


@pytest.mark.django_db
def test_team_manager_members_escalation(client_as):
    admin = client_as("admin")
    lead, member = UserFactory(), UserFactory()
    second_line = TeamFactory(name="Second line")
    response = admin.post(
        "/api/v1/teams/",
        {
            "name": "Service Desk",
            "manager": lead.pk,
            "members": [lead.pk, member.pk],
            "escalation_team": second_line.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["manager"]["id"] == lead.pk
    assert sorted(m["id"] for m in body["members"]) == sorted([lead.pk, member.pk])
    assert body["escalation_team"]["display"] == "Second line"
    desk = Team.objects.get(name="Service Desk")
    # an escalation loop is refused
    loop = admin.patch(f"/api/v1/teams/{second_line.pk}/", {"escalation_team": desk.pk})
    assert loop.status_code == 400 and "escalation_team" in loop.json()
    self_loop = admin.patch(f"/api/v1/teams/{desk.pk}/", {"escalation_team": desk.pk})
    assert self_loop.status_code == 400


@pytest.mark.django_db
def test_membership_changes_are_audited_on_the_team(client_as):
    admin = client_as("admin")
    team = TeamFactory()
    user = UserFactory()
    admin.patch(f"/api/v1/users/{user.pk}/", {"teams": [team.pk]})
    event = AuditEvent.objects.filter(object_type="itsm.team", object_id=str(team.pk), changes__has_key="members")
    assert event.get().changes["members"] == [[], [user.pk]]


@pytest.mark.django_db
def test_user_with_history_cannot_be_deleted_but_can_be_deactivated(client_as):
    admin = client_as("admin")
    user = UserFactory(roles=["admin"])
    other = client_as(user=user)
    other.post("/api/v1/teams/", {"name": "Made by user"})
    assert admin.delete(f"/api/v1/users/{user.pk}/").status_code == 409
    assert admin.patch(f"/api/v1/users/{user.pk}/", {"is_active": False}).status_code == 200
    assert admin.delete(f"/api/v1/users/{admin.user.pk}/").status_code == 409
