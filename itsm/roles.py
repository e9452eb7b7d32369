"""Roles are Django groups named by their slug; what each role may do is declared per app.

Each app's AppConfig declares `role_permissions = {"<model>": {"<role>": "<actions>"}}` where actions
are letters: v(iew), a(dd), c(hange), d(elete). `roles_sync()` turns that into group permissions after
every migration, so a later app's models join the same roles without touching this module.
"""

from django.utils.translation import gettext_lazy as _

REQUESTER = "requester"
AGENT = "agent"
MANAGER = "manager"
CHANGE_MANAGER = "change_manager"
CAB_MEMBER = "cab_member"
SECURITY_OFFICER = "security_officer"
AUDITOR = "auditor"
ADMIN = "admin"

ROLE_LABELS = {
    REQUESTER: _("Requester"),
    AGENT: _("Service desk agent"),
    MANAGER: _("Manager"),
    CHANGE_MANAGER: _("Change manager"),
    CAB_MEMBER: _("CAB member"),
    SECURITY_OFFICER: _("Security officer"),
    AUDITOR: _("Auditor"),
    ADMIN: _("Administrator"),
}
ROLES = list(ROLE_LABELS)
# Roles that work service-support records (everyone but requesters).
STAFF_ROLES = [AGENT, MANAGER, CHANGE_MANAGER, CAB_MEMBER, SECURITY_OFFICER, AUDITOR, ADMIN]

ACTION_LETTERS = {"v": "view", "a": "add", "c": "change", "d": "delete"}
# Audit events are read-only for everybody, admins included: no role is ever granted these.
NEVER_GRANTED = {"itsm.add_auditevent", "itsm.change_auditevent", "itsm.delete_auditevent"}


def role_permission_codenames() -> dict[str, set[str]]:
    """Map each role to the set of 'app_label.codename' permissions that the apps declare for it."""
    from django.apps import apps

    granted: dict[str, set[str]] = {role: set() for role in ROLES}
    for config in apps.get_app_configs():
        for model_name, per_role in getattr(config, "role_permissions", {}).items():
            for role, letters in per_role.items():
                for letter in letters:
                    granted[role].add(f"{config.label}.{ACTION_LETTERS[letter]}_{model_name}")
    return granted


def roles_sync(**_kwargs) -> None:
    """Create the role groups and give each exactly the permissions the apps declare (post_migrate)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    local_apps = {config.label for config in apps.get_app_configs() if hasattr(config, "role_permissions")}
    every = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(content_type__app_label__in=local_apps)
    }
    declared = role_permission_codenames()
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = set(every) - NEVER_GRANTED if role == ADMIN else declared[role] & set(every)
        group.permissions.set([every[code] for code in sorted(wanted)])
