"""Browser views of the core through the Django test client: home per role, users, teams, audit trail, sign-in."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from itsm.models import AuditEvent, Team, User
from itsm.services.users import team_save
from tests.itsm.factories import DEFAULT_PASSWORD, TeamFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-enough-passphrase-77"


def templates_used(response) -> list[str]:
    return [template.name for template in response.templates]


# --- Home per role ---------------------------------------------------------------------------------


def test_home_of_requester_shows_profile_and_portal_explanation(client, sign_in, make_user):
    boss = make_user("boss", first_name="Berta", last_name="Boss")
    user = sign_in("requester", first_name="Rita", last_name="Requester", timezone="Europe/Paris", manager=boss)
    TeamFactory(name="Finance users", members=[user])

    response = client.get(reverse("home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Rita Requester" in content
    assert "Europe/Paris" in content
    assert "Berta Boss" in content
    assert "Finance users" in content
    assert "Requester" in content
    assert "self-service portal" in content
    assert "My teams" not in content
    assert "Administration overview" not in content


def test_home_of_agent_shows_their_teams_and_their_own_changes(client, sign_in, make_user):
    agent = sign_in("agent", first_name="Ann", last_name="Agent")
    lead = make_user("lead", first_name="Lena", last_name="Lead")
    colleague = make_user("colleague", first_name="Carl", last_name="Colleague")
    network = team_save(actor=agent, name="Network", manager=lead, members=[agent, colleague])
    team_save(actor=lead, name="Databases", members=[lead])

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert list(response.context["team_details"]) == [network]
    mine = list(response.context["my_events"])
    assert mine and all(event.actor_id == agent.pk for event in mine)
    assert {event.object_repr for event in mine} == {"Network"}
    content = response.content.decode()
    assert "Carl Colleague" in content
    assert "Lena Lead" in content
    assert "Databases" not in content
    assert "Administration overview" not in content


def test_home_of_admin_shows_real_counts_lockouts_and_latest_events(client, sign_in, make_user):
    admin = sign_in("admin")
    make_user(roles=["agent"])
    make_user(roles=["agent", "manager"])
    make_user(roles=["requester"], is_active=False)
    AccessAttempt.objects.create(
        username="mallory", failures_since_start=5, ip_address="10.0.0.1", user_agent="test", http_accept="",
        path_info="/accounts/login/", get_data="", post_data="", attempt_time=timezone.now(),
    )  # fmt: skip
    AccessAttempt.objects.create(
        username="typo-tom", failures_since_start=2, ip_address="10.0.0.2", user_agent="test", http_accept="",
        path_info="/accounts/login/", get_data="", post_data="", attempt_time=timezone.now(),
    )  # fmt: skip
    for number in range(12):
        team_save(actor=admin, name=f"Team {number:02d}")

    response = client.get(reverse("home"))

    assert response.status_code == 200
    counts = {slug: count for slug, _label, count in response.context["role_counts"]}
    assert counts["agent"] == 2
    assert counts["manager"] == 1
    assert counts["requester"] == 1
    assert counts["admin"] == 1
    assert counts["auditor"] == 0
    assert response.context["active_users"] == User.objects.filter(is_active=True).count() == 3
    assert response.context["inactive_users"] == 1
    assert response.context["locked_usernames"] == ["mallory"]
    latest = list(response.context["latest_events"])
    assert len(latest) == 10
    assert latest[0] == AuditEvent.objects.order_by("-at", "-id").first()
    assert "mallory" in response.content.decode()
    assert "typo-tom" not in response.content.decode()


def test_home_requires_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Users -----------------------------------------------------------------------------------------


def user_form_data(**overrides) -> dict:
    data = {
        "username": "nina",
        "first_name": "Nina",
        "last_name": "New",
        "email": "nina@example.test",
        "timezone": "Europe/Berlin",
        "is_active": "on",
        "roles": ["agent"],
        "password": NEW_PASSWORD,
        "password_confirmation": NEW_PASSWORD,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_creates_user_through_the_form_and_it_is_audited_as_web(client, sign_in):
    admin = sign_in("admin")
    team = TeamFactory(name="Service desk")

    response = client.post(reverse("itsm:user_add"), user_form_data(teams=[team.pk]))

    nina = User.objects.get(username="nina")
    assert response.status_code == 302
    assert response["Location"] == reverse("itsm:user", kwargs={"pk": nina.pk})
    assert nina.role_slugs == ["agent"]
    assert list(nina.teams.all()) == [team]
    assert nina.timezone == "Europe/Berlin"
    assert nina.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(object_type="itsm.user", object_id=str(nina.pk), action="create")
    assert event.source == "web"
    assert event.actor == admin
    assert "created" in client.get(response["Location"]).content.decode()


def test_admin_edits_user_and_an_empty_password_keeps_the_old_one(client, sign_in, make_user):
    admin = sign_in("admin")
    subject = make_user("sam", roles=["requester"], first_name="Sam")

    response = client.post(
        reverse("itsm:user_edit", kwargs={"pk": subject.pk}),
        user_form_data(
            username="sam", first_name="Samuel", roles=["agent", "manager"], password="", password_confirmation=""
        ),
    )

    assert response.status_code == 302
    subject = User.objects.get(pk=subject.pk)
    assert subject.first_name == "Samuel"
    assert subject.role_slugs == ["agent", "manager"]
    assert subject.check_password(DEFAULT_PASSWORD)
    update = AuditEvent.objects.filter(object_type="itsm.user", object_id=str(subject.pk), action="update")
    assert update.filter(source="web", actor=admin, changes__has_key="first_name").exists()


def test_user_detail_shows_profile_and_audit_history(client, sign_in, make_user):
    sign_in("agent")
    lead = make_user("lead", first_name="Lena", last_name="Lead")
    subject = make_user("sam", first_name="Sam", last_name="Subject", manager=lead, timezone="Asia/Tokyo")
    team_save(actor=lead, name="Printers", members=[subject])

    response = client.get(reverse("itsm:user", kwargs={"pk": subject.pk}))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Sam Subject" in content and "Lena Lead" in content and "Asia/Tokyo" in content and "Printers" in content
    history = list(response.context["audit_events"])
    assert history and all(e.object_type == "itsm.user" and e.object_id == str(subject.pk) for e in history)


def test_short_password_is_a_field_error_and_nothing_is_saved(client, sign_in):
    sign_in("admin")
    users_before, events_before = User.objects.count(), AuditEvent.objects.count()

    response = client.post(reverse("itsm:user_add"), user_form_data(password="short1", password_confirmation="short1"))

    assert response.status_code == 200
    form = response.context["form"]
    assert "password" in form.errors
    assert not form.non_field_errors()
    assert User.objects.count() == users_before
    assert AuditEvent.objects.count() == events_before
    assert 'aria-invalid="true"' in response.content.decode()


def test_duplicate_username_and_password_mismatch_are_field_errors(client, sign_in, make_user):
    sign_in("admin")
    make_user("nina")
    users_before = User.objects.count()

    response = client.post(reverse("itsm:user_add"), user_form_data(password_confirmation="something-else-entirely"))

    form = response.context["form"]
    assert "username" in form.errors
    assert "password_confirmation" in form.errors
    assert User.objects.count() == users_before


def test_password_is_required_when_creating(client, sign_in):
    sign_in("admin")

    response = client.post(reverse("itsm:user_add"), user_form_data(password="", password_confirmation=""))

    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="nina").exists()


def test_agent_views_users_but_cannot_add_or_edit(client, sign_in, make_user):
    sign_in("agent")
    subject = make_user("sam", first_name="Sam")

    assert client.get(reverse("itsm:user_list")).status_code == 200
    assert client.get(reverse("itsm:user", kwargs={"pk": subject.pk})).status_code == 200
    assert client.get(reverse("itsm:user_add")).status_code == 403
    assert client.post(reverse("itsm:user_add"), user_form_data()).status_code == 403
    response = client.post(reverse("itsm:user_edit", kwargs={"pk": subject.pk}), user_form_data(username="sam"))
    assert response.status_code == 403
    assert "errors/403.html" in templates_used(response)
    assert not User.objects.filter(username="nina").exists()
    assert User.objects.get(pk=subject.pk).first_name == "Sam"


@pytest.mark.parametrize("url_name", ["itsm:user_list", "itsm:team_list", "itsm:auditevent_list"])
def test_requester_gets_403_on_lists(client, sign_in, url_name):
    sign_in("requester")

    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize(
    "url", ["/users/", "/users/add/", "/users/1/", "/users/1/edit/", "/teams/", "/teams/add/", "/teams/1/", "/audit/"]
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_missing_user_is_a_404_with_our_template(client, sign_in):
    sign_in("admin")

    response = client.get(reverse("itsm:user", kwargs={"pk": 999999}))

    assert response.status_code == 404
    assert "errors/404.html" in templates_used(response)
    assert "Page not found" in response.content.decode()


def test_user_list_filters_sorts_and_answers_htmx_with_the_results_only(client, sign_in, make_user):
    sign_in("admin", username="zed")
    make_user("alice", roles=["agent"])
    make_user("bruno", roles=["requester"])
    make_user("carla", roles=["agent"])

    response = client.get(reverse("itsm:user_list"), {"role": "agent", "sort": "-username"})
    assert [user.username for user in response.context["rows"]] == ["carla", "alice"]
    assert b"<html" in response.content

    partial = client.get(
        reverse("itsm:user_list"), {"q": "bru"}, headers={"HX-Request": "true", "HX-Target": "list-results"}
    )
    assert [user.username for user in partial.context["rows"]] == ["bruno"]
    assert b"<html" not in partial.content
    assert b'id="list-results"' in partial.content


def test_user_list_paginates_by_50(client, sign_in, make_user):
    sign_in("admin")
    for number in range(55):
        make_user(f"user{number:03d}")

    first = client.get(reverse("itsm:user_list"))
    second = client.get(reverse("itsm:user_list"), {"page": 2})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 6
    assert not {u.pk for u in first.context["rows"]} & {u.pk for u in second.context["rows"]}


def _user_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("itsm:user_list"))
    assert response.status_code == 200
    return len(queries)


def _users_with_relations(make_user, count: int, team, manager) -> None:
    for _ in range(count):
        user = make_user(roles=["agent", "manager"], manager=manager)
        user.teams.add(team)


def test_user_list_query_count_does_not_grow_with_rows(client, sign_in, make_user):
    admin = sign_in("admin")
    team = TeamFactory(name="Desk")
    _users_with_relations(make_user, 3, team, admin)
    with_3 = _user_list_queries(client)

    _users_with_relations(make_user, 27, team, admin)
    with_30 = _user_list_queries(client)

    assert User.objects.count() == 31
    assert with_30 == with_3


def test_team_list_query_count_does_not_grow_with_rows(client, sign_in, make_user):
    admin = sign_in("admin")
    for number in range(3):
        team_save(actor=admin, name=f"Team A{number}", manager=admin, members=[admin])
    with CaptureQueriesContext(connection) as with_3:
        client.get(reverse("itsm:team_list"))
    for number in range(27):
        team_save(actor=admin, name=f"Team B{number}", manager=admin, members=[admin])
    with CaptureQueriesContext(connection) as with_30:
        client.get(reverse("itsm:team_list"))

    assert len(with_30) == len(with_3)


# --- Teams -----------------------------------------------------------------------------------------


def test_admin_creates_and_edits_team_through_the_form(client, sign_in, make_user):
    admin = sign_in("admin")
    member = make_user("mia", first_name="Mia")
    second_line = TeamFactory(name="Second line")

    form = {"name": "First line", "manager": admin.pk, "members": [member.pk, admin.pk]}
    created = client.post(reverse("itsm:team_add"), {**form, "escalation_team": second_line.pk})
    team = Team.objects.get(name="First line")
    assert created.status_code == 302
    assert created["Location"] == reverse("itsm:team", kwargs={"pk": team.pk})
    assert set(team.members.all()) == {member, admin}
    assert team.escalation_team == second_line

    edited = client.post(
        reverse("itsm:team_edit", kwargs={"pk": team.pk}),
        {"name": "First line", "vendor": "Acme", "email": "desk@example.test", "members": [member.pk]},
    )
    assert edited.status_code == 302
    team.refresh_from_db()
    assert team.vendor == "Acme"
    assert list(team.members.all()) == [member]
    events = AuditEvent.objects.filter(object_type="itsm.team", object_id=str(team.pk))
    assert events.filter(action="create", source="web", actor=admin).exists()
    assert events.filter(action="update", source="web", actor=admin, changes__has_key="vendor").exists()


def test_team_escalation_loop_from_the_service_is_shown_on_the_field(client, sign_in):
    admin = sign_in("admin")
    first = team_save(actor=admin, name="First")
    second = team_save(actor=admin, name="Second", escalation_team=first)

    response = client.post(
        reverse("itsm:team_edit", kwargs={"pk": first.pk}), {"name": "First", "escalation_team": second.pk}
    )

    assert response.status_code == 200
    assert "escalation_team" in response.context["form"].errors
    first.refresh_from_db()
    assert first.escalation_team is None


def test_duplicate_team_name_is_a_field_error(client, sign_in):
    sign_in("admin")
    TeamFactory(name="Network")

    response = client.post(reverse("itsm:team_add"), {"name": "Network"})

    assert "name" in response.context["form"].errors
    assert Team.objects.filter(name="Network").count() == 1


def test_agent_views_teams_but_cannot_add_or_edit(client, sign_in, make_user):
    sign_in("agent")
    member = make_user("mia", first_name="Mia", last_name="Member")
    team = TeamFactory(name="Network", members=[member])

    assert client.get(reverse("itsm:team_list")).status_code == 200
    detail = client.get(reverse("itsm:team", kwargs={"pk": team.pk}))
    assert detail.status_code == 200
    assert "Mia Member" in detail.content.decode()
    assert client.get(reverse("itsm:team_add")).status_code == 403
    assert client.post(reverse("itsm:team_add"), {"name": "Rogue"}).status_code == 403
    assert client.post(reverse("itsm:team_edit", kwargs={"pk": team.pk}), {"name": "Renamed"}).status_code == 403
    assert not Team.objects.filter(name__in=["Rogue", "Renamed"]).exists()


def test_team_detail_shows_the_teams_audit_history(client, sign_in):
    admin = sign_in("admin")
    team = team_save(actor=admin, name="Network")
    team_save(actor=admin, team=team, name="Network", vendor="Acme")

    response = client.get(reverse("itsm:team", kwargs={"pk": team.pk}))

    history = list(response.context["audit_events"])
    assert [event.action for event in history] == ["update", "create"]
    assert "Acme" in response.content.decode()


# --- Audit trail -----------------------------------------------------------------------------------


def test_audit_list_renders_and_filters_by_object(client, sign_in):
    admin = sign_in("auditor")
    network = team_save(actor=admin, name="Network")
    team_save(actor=admin, name="Storage")

    response = client.get(reverse("itsm:auditevent_list"))
    assert response.status_code == 200
    assert "Network" in response.content.decode() and "Storage" in response.content.decode()

    filtered = client.get(reverse("itsm:auditevent_list"), {"object_type": "itsm.team", "object_id": network.pk})
    assert [event.object_repr for event in filtered.context["rows"]] == ["Network"]
    assert reverse("itsm:team", kwargs={"pk": network.pk}) in filtered.content.decode()


def test_audit_changes_name_related_records_instead_of_ids(client, sign_in, make_user):
    admin = sign_in("admin")
    lead = make_user("lead", first_name="Lena", last_name="Lead")
    team_save(actor=admin, name="Network", manager=lead, members=[lead])

    response = client.get(reverse("itsm:auditevent_list"), {"object_type": "itsm.team"})

    rows = {row.label: row.after for event in response.context["rows"] for row in event.change_rows}
    assert rows["Manager"] == "Lena Lead"
    assert rows["Members"] == "Lena Lead"


def test_audit_list_query_count_does_not_grow_with_rows(client, sign_in, make_user):
    admin = sign_in("admin")
    lead = make_user("lead")
    for number in range(3):
        team_save(actor=admin, name=f"Team A{number}", manager=lead, members=[lead, admin])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("itsm:auditevent_list"))
    for number in range(27):
        team_save(actor=admin, name=f"Team B{number}", manager=lead, members=[lead, admin])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("itsm:auditevent_list"))

    assert len(many) == len(few)


# --- Sign-in and sign-out --------------------------------------------------------------------------


def test_login_rotates_the_session_key_and_greets_the_user(client, make_user):
    make_user("ann", roles=["agent"], first_name="Ann", last_name="Agent")
    session = client.session
    session["visited"] = True
    session.save()
    key_before = client.session.session_key

    response = client.post(reverse("login"), {"username": "ann", "password": DEFAULT_PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert client.session.session_key != key_before
    assert "Signed in as Ann Agent." in response.content.decode()


def test_wrong_password_shows_an_alert_and_stays_signed_out(client, make_user):
    make_user("ann")

    response = client.post(reverse("login"), {"username": "ann", "password": "wrong-password"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_signs_out_with_a_message(client, sign_in):
    sign_in("agent")

    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have been signed out." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_five_failures_lock_the_account_even_for_the_right_password(client, make_user, settings):
    user = make_user("ann")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ann", "password": "wrong-password"})

    response = client.post(reverse("login"), {"username": "ann", "password": DEFAULT_PASSWORD})

    assert response.status_code == 429
    assert "registration/locked_out.html" in templates_used(response)
    assert "too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert check_password(DEFAULT_PASSWORD, User.objects.get(pk=user.pk).password)


def test_server_error_page_renders_without_database(client, db):
    from django.template import loader

    with CaptureQueriesContext(connection) as queries:
        html = loader.get_template("errors/500.html").render({})

    assert "Something went wrong" in html
    assert len(queries) == 0
