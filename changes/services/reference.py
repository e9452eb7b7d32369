"""Writes of change-management reference data: CABs, change windows, standard change templates.

Each save takes `expected_updated_at`, the record's `updated_at` as the editor loaded it: a save over someone
else's newer one is refused (StaleVersion) instead of silently overwriting it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from changes.choices import CABPolicyChoices
from changes.models import CAB, ChangeTemplate, ChangeWindow
from changes.services.approvals import cab_decisions_refresh
from itsm.audit import m2m_set
from itsm.audit_context import audit_context
from itsm.exceptions import StaleVersion
from itsm.roles import ROLES

CAB_FIELDS = ("name", "description", "chair", "policy", "quorum_percent", "emergency")
WINDOW_FIELDS = ("name", "kind", "description", "start", "end")
TEMPLATE_FIELDS = (
    "name",
    "description",
    "title",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "risk",
    "impact",
    "assignment_group",
    "allowed_roles",
    "active",
)


def _locked(model, instance, expected_updated_at):
    """A new record (`instance` None), or the stored one locked for the write; StaleVersion when it changed after
    the editor loaded it."""
    if instance is None:
        return model()
    stored = model.objects.select_for_update().get(pk=instance.pk)
    if expected_updated_at is not None and stored.updated_at != expected_updated_at:
        raise StaleVersion()
    return stored


def _apply(instance, names, fields: dict) -> None:
    unknown = set(fields) - set(names)
    if unknown:
        raise TypeError(f"not writable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


def _save(instance, errors: dict) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    instance.save()


def cab_save(*, actor, cab: CAB | None = None, members=None, expected_updated_at=None, **fields) -> CAB:
    """Create (cab=None) or change a CAB. The chair is a member; members are staff who can see changes; the quorum
    policy needs its percentage (other policies drop it); there is at most one emergency CAB. When members or
    policy change, changes awaiting this board's decision are re-evaluated (a smaller board may now decide)."""
    with transaction.atomic(), audit_context(actor=actor):
        cab = _locked(CAB, cab, expected_updated_at)
        rule_before = (cab.policy, cab.quorum_percent)
        _apply(cab, CAB_FIELDS, fields)
        if cab.policy != CABPolicyChoices.QUORUM:
            cab.quorum_percent = None
        member_list = list(members) if members is not None else (list(cab.members.all()) if cab.pk else [])
        errors: dict[str, list[str]] = {}
        if cab.policy == CABPolicyChoices.QUORUM and not 1 <= (cab.quorum_percent or 0) <= 100:
            errors["quorum_percent"] = [_("The quorum policy needs the share of members that must approve (1–100).")]
        if cab.chair_id and cab.chair_id not in {m.pk for m in member_list}:
            errors["chair"] = [_("The chair must be one of the members.")]
        outsiders = [
            m for m in member_list if not (m.is_active and m.is_staff_member and m.has_perm("changes.view_change"))
        ]
        if outsiders:
            errors["members"] = [
                _("%(names)s cannot see changes: give them the CAB member role first.")
                % {"names": ", ".join(str(m) for m in outsiders)}
            ]
        if cab.emergency and CAB.objects.filter(emergency=True).exclude(pk=cab.pk).exists():
            errors["emergency"] = [_("There is already an emergency CAB; only one board decides emergency changes.")]
        _save(cab, errors)
        members_before = set(cab.members.values_list("pk", flat=True))
        if members is not None:
            m2m_set(cab, "members", member_list)
        if members_before != {m.pk for m in member_list} or rule_before != (cab.policy, cab.quorum_percent):
            cab_decisions_refresh(cab=cab, actor=actor)
    return cab


def change_window_save(
    *,
    actor,
    window: ChangeWindow | None = None,
    services=None,
    configuration_items=None,
    expected_updated_at=None,
    **fields,
) -> ChangeWindow:
    """Create (window=None) or change a blackout or maintenance window; no services and CIs: it covers everything."""
    with transaction.atomic(), audit_context(actor=actor):
        window = _locked(ChangeWindow, window, expected_updated_at)
        _apply(window, WINDOW_FIELDS, fields)
        errors = {}
        if window.start and window.end and window.end <= window.start:
            errors["end"] = [_("The end must be after the start.")]
        _save(window, errors)
        if services is not None:
            m2m_set(window, "services", list(services))
        if configuration_items is not None:
            m2m_set(window, "configuration_items", list(configuration_items))
    return window


def change_template_save(
    *,
    actor,
    template: ChangeTemplate | None = None,
    configuration_items=None,
    expected_updated_at=None,
    **fields,
) -> ChangeTemplate:
    """Create (template=None) or change a standard change template; `allowed_roles` are role slugs. Deactivating
    (`active=False`) takes it out of the catalog; changes raised from it keep it."""
    with transaction.atomic(), audit_context(actor=actor):
        template = _locked(ChangeTemplate, template, expected_updated_at)
        _apply(template, TEMPLATE_FIELDS, fields)
        errors = {}
        roles = template.allowed_roles
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            errors["allowed_roles"] = [_("A list of role slugs.")]
        elif unknown := sorted(set(roles) - set(ROLES)):
            errors["allowed_roles"] = [_("Unknown role(s): %(roles)s.") % {"roles": ", ".join(unknown)}]
        else:
            template.allowed_roles = [r for r in ROLES if r in roles]  # canonical order, no duplicates
        _save(template, errors)
        if configuration_items is not None:
            m2m_set(template, "configuration_items", list(configuration_items))
    return template
