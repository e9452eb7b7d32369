"""User and team writes (admin only, enforced by the callers' permission checks)."""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from itsm.audit import m2m_set
from itsm.audit_context import audit_context
from itsm.models import Team, User
from itsm.roles import ADMIN

USER_FIELDS = ("username", "email", "first_name", "last_name", "manager", "is_active", "timezone")
TEAM_FIELDS = ("name", "description", "email", "manager", "escalation_team", "vendor")


def _set_password(user: User, password: str | None) -> None:
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)


def _save_user(user: User, *, password, roles, teams) -> User:
    _set_password(user, password)
    if user.manager_id and user.manager_id == user.pk:
        raise ValidationError({"manager": ["A user cannot be their own manager."]})
    if roles is not None:
        user.is_staff = ADMIN in roles  # administrators also use Django's admin site
    user.full_clean(exclude=["password"])
    user.save()
    if roles is not None:
        m2m_set(user, "groups", Group.objects.filter(name__in=roles))
    if teams is not None:
        m2m_set(user, "teams", teams)
    return user


def user_create(*, actor, password: str | None = None, roles=None, teams=None, **fields) -> User:
    """Create a user with roles and teams; without a password the account cannot sign in until one is set."""
    with transaction.atomic(), audit_context(actor=actor):
        user = User(**{k: v for k, v in fields.items() if k in USER_FIELDS})
        if not password:
            user.set_unusable_password()
        return _save_user(user, password=password, roles=roles or [], teams=teams or [])


def user_update(*, actor, user: User, password: str | None = None, roles=None, teams=None, **fields) -> User:
    """Change a user's profile, password, roles or teams."""
    with transaction.atomic(), audit_context(actor=actor):
        user = User.objects.select_for_update().get(pk=user.pk)
        for name, value in fields.items():
            if name in USER_FIELDS:
                setattr(user, name, value)
        return _save_user(user, password=password, roles=roles, teams=teams)


def team_save(*, actor, team: Team | None = None, members=None, **fields) -> Team:
    """Create (team=None) or change a team and its members."""
    with transaction.atomic(), audit_context(actor=actor):
        team = Team() if team is None else Team.objects.select_for_update().get(pk=team.pk)
        for name, value in fields.items():
            if name in TEAM_FIELDS:
                setattr(team, name, value)
        team.full_clean()
        if team.pk and _escalation_loop(team):
            raise ValidationError({"escalation_team": ["Escalating to this team would make a loop."]})
        team.save()
        if members is not None:
            m2m_set(team, "members", members)
        return team


def _escalation_loop(team: Team) -> bool:
    seen, current = {team.pk}, team.escalation_team
    while current is not None:
        if current.pk in seen:
            return True
        seen.add(current.pk)
        current = current.escalation_team
    return False
