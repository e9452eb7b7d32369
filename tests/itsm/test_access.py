"""A user's roles and permissions come from one query, and match what Django's model backend would say."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from itsm.models import User
from tests.itsm.factories import UserFactory


@pytest.mark.django_db
def test_roles_and_permissions_in_one_query():
    user = UserFactory(roles=["agent", "cab_member"])
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    fresh = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        assert fresh.role_slugs == ["agent", "cab_member"]
        assert fresh.has_perm("incidents.change_incident")
        assert fresh.has_perm("itsm.view_auditevent")  # a permission of the user's own
        assert not fresh.has_perm("itsm.delete_user")
    assert len(captured) == 1
    assert fresh.get_all_permissions() == ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))


@pytest.mark.django_db
def test_inactive_users_keep_their_roles_but_have_no_permissions():
    user = UserFactory(roles=["agent"], is_active=False)
    fresh = User.objects.get(pk=user.pk)
    assert not fresh.has_perm("incidents.view_incident")
    assert fresh.role_slugs == ["agent"]  # shown and kept when an admin edits the disabled account
