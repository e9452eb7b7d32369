"""`load_demo`: idempotent, audited as a command, every role and team covered, logins printed."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from itsm import demo, roles
from itsm.models import Team, User
from itsm.models.audit import AuditEvent

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "memberships": Team.members.through.objects.count(),
        "creates": AuditEvent.objects.filter(action="create").count(),
        "events": AuditEvent.objects.count(),
    }


def test_second_run_changes_nothing_and_audits_nothing(loaded_demo):
    first = counts()
    load()
    assert counts() == first
    assert first["users"] == len(demo.DEMO_USERS)
    assert first["teams"] == len(demo.DEMO_TEAMS)


def test_creation_is_audited_with_source_command(loaded_demo):
    created = AuditEvent.objects.filter(action="create", object_type__in=["itsm.user", "itsm.team"])
    assert created.count() == len(demo.DEMO_USERS) + len(demo.DEMO_TEAMS)
    assert set(created.values_list("source", flat=True)) == {"command"}


def test_changed_demo_user_is_restored(loaded_demo):
    user = User.objects.get(username="liam.oconnor")
    user.timezone = "UTC"
    user.set_password("something-else-2026")
    user.save()
    load()
    user.refresh_from_db()
    assert user.timezone == "Europe/Dublin"
    assert user.check_password(demo.DEMO_PASSWORD)


def test_every_role_has_a_user(loaded_demo):
    for role in roles.ROLES:
        assert User.objects.filter(groups__name=role).exists(), role


def test_teams_have_managers_and_escalation_paths(loaded_demo):
    teams = {team.name: team for team in Team.objects.all()}
    assert {name for name, *_ in demo.DEMO_TEAMS} <= set(teams)
    assert all(team.manager_id for team in teams.values())
    assert teams["Service Desk"].escalation_team == teams["Infrastructure"]
    assert teams["Acme Hosting (vendor)"].vendor
    assert teams["Service Desk"].members.count() >= 2


def test_users_have_names_emails_managers_and_time_zones(loaded_demo):
    users = User.objects.filter(username__in=demo.demo_usernames())
    assert all(u.email.endswith("@example.org") and u.first_name and u.last_name for u in users)
    assert users.exclude(manager=None).count() >= len(demo.DEMO_USERS) // 2
    assert users.values("timezone").distinct().count() >= 3


def test_output_lists_every_login_and_the_password(loaded_demo):
    output = loaded_demo
    assert demo.DEMO_PASSWORD in output
    for username in demo.demo_usernames():
        assert username in output
    assert "Administrator" in output


def test_demo_password_signs_in(loaded_demo):
    request = RequestFactory().post("/accounts/login/")  # django-axes needs the request to check lockouts
    assert authenticate(request, username="admin", password=demo.DEMO_PASSWORD) is not None
