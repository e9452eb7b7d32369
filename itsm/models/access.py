"""A user's roles and permissions in one query: every request needs both, Django reads them in three."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


@dataclass(frozen=True)
class UserAccess:
    """Group (role) names, and permissions as "app_label.codename" (the user's own and its groups')."""

    group_names: frozenset[str]
    permissions: frozenset[str]


def _access_sql(user_model) -> str:
    memberships = user_model.groups.through._meta.db_table
    own = user_model.user_permissions.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    group, permission, content_type = Group._meta.db_table, Permission._meta.db_table, ContentType._meta.db_table
    return f"""
        SELECT g.name, ct.app_label, p.codename
          FROM {memberships} m
          JOIN {group} g ON g.id = m.group_id
          LEFT JOIN {group_permissions} gp ON gp.group_id = g.id
          LEFT JOIN {permission} p ON p.id = gp.permission_id
          LEFT JOIN {content_type} ct ON ct.id = p.content_type_id
         WHERE m.user_id = %s
        UNION ALL
        SELECT NULL, ct.app_label, p.codename
          FROM {own} up
          JOIN {permission} p ON p.id = up.permission_id
          JOIN {content_type} ct ON ct.id = p.content_type_id
         WHERE up.user_id = %s
    """


def user_access_load(user) -> UserAccess:
    """Read the user's groups and permissions (an unsaved user has none; the backend ignores inactive users')."""
    if user.pk is None:
        return UserAccess(frozenset(), frozenset())
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(type(user)), [user.pk, user.pk])
        rows = cursor.fetchall()
    return UserAccess(
        group_names=frozenset(name for name, _app, _code in rows if name is not None),
        permissions=frozenset(f"{app}.{code}" for _name, app, code in rows if code is not None),
    )
