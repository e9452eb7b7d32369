"""Who may do the change-management acts that model permissions alone do not express."""

from itsm import roles


def is_change_manager(user) -> bool:
    """Change managers (and admins) assess, request authorisation, schedule, override risk and blackouts."""
    return bool(user and user.is_authenticated and user.is_active and user.has_role(roles.CHANGE_MANAGER, roles.ADMIN))


def is_cab_member(user, cab) -> bool:
    """Whether `user` currently sits on `cab` (and so may vote on its changes)."""
    return bool(cab is not None and user is not None and cab.members.filter(pk=user.pk).exists())


def template_usable_by(template, user) -> bool:
    """A standard change template may be raised by holders of its `allowed_roles`; change managers always may."""
    if not user.has_perm("changes.add_change"):
        return False
    return is_change_manager(user) or (bool(template.allowed_roles) and user.has_role(*template.allowed_roles))
