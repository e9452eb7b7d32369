"""Writes an `AuditEvent` for every create/update/delete/transition of an audited model.

Connected once in `ItsmConfig.ready()`. Signals are the one place for this cross-cutting plumbing:
whatever the entry point (form, serializer, service, task, command, admin), the same record is made.
"""

import contextvars
import datetime
import decimal
import uuid

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from itsm.audit_context import current
from itsm.models.audit import AuditEvent

MASK = "********"
# Set while m2m_set() records one event itself for a whole set() (which Django signals as remove + add).
_m2m_suppressed = contextvars.ContextVar("itsm_audit_m2m_suppressed", default=False)


def is_audited(model) -> bool:
    """Models opt in with `audited = True` (every `ItsmModel`, and `User`)."""
    return getattr(model, "audited", False) is True


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "url"):  # files
        return value.name or None
    return value


def _audited_fields(model):
    exclude = getattr(model, "audit_exclude", frozenset())
    return [f for f in model._meta.concrete_fields if f.name not in exclude and not f.primary_key]


def snapshot(instance) -> dict:
    """Field name -> JSON-able value of the audited concrete fields (foreign keys as ids)."""
    masked = getattr(instance, "audit_masked", frozenset())
    data = {}
    for field in _audited_fields(type(instance)):
        value = field.value_from_object(instance)
        data[field.name] = MASK if field.name in masked and value else _jsonable(value)
    return data


def _record(instance, action: str, changes: dict) -> AuditEvent:
    ctx = current()
    actor = ctx.actor_user()
    return AuditEvent.objects.create(
        actor=actor,
        actor_repr=actor.get_username() if actor else "",
        source=ctx.source,
        action=ctx.action if ctx.action and action == "update" else action,
        transition=ctx.transition if action == "update" else "",
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        correlation_id=ctx.correlation_id,
    )


def record_many(entries) -> int:
    """Write audit events for bulk writes (bulk_create/bulk_update send no signals).

    Each entry is (instance, action, changes) or (instance, action, changes, object_repr): pass the repr when
    str(instance) would query related rows, as it would once per row.
    """
    from itsm.bulk import insert_rows

    ctx = current()
    actor = ctx.actor_user()
    # Plain rows, written by COPY on PostgreSQL: sweeps and imports audit thousands of rows at a time.
    events = [
        {
            "actor_id": actor.pk if actor else None,
            "actor_repr": actor.get_username() if actor else "",
            "source": ctx.source,
            "action": action,
            "transition": "",
            "object_type": instance._meta.label_lower,
            "object_id": str(instance.pk),
            "object_repr": (entry[3] if len(entry) > 3 else str(instance))[:200],
            "changes": changes,
            "correlation_id": ctx.correlation_id,
        }
        for entry in entries
        for instance, action, changes in [entry[:3]]
    ]
    insert_rows(AuditEvent, events)
    return len(events)


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or not is_audited(sender) or instance._state.adding or instance.pk is None:
        return
    previous = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous is not None else None


def _after_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not is_audited(sender):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before is None:
        _record(instance, "create", {name: [None, value] for name, value in after.items() if value not in (None, "")})
        return
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if changes:
        _record(instance, "update", changes)


def _after_delete(sender, instance, **kwargs):
    if is_audited(sender):
        _record(instance, "delete", {name: [value, None] for name, value in snapshot(instance).items()})


def _m2m_field(sender, instance, reverse):
    """The many-to-many field (on `instance`'s side) whose through model is `sender`."""
    if reverse:
        return None
    for field in type(instance)._meta.many_to_many:
        if field.remote_field.through is sender:
            return field
    return None


def _m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if _m2m_suppressed.get() or not is_audited(type(instance)):
        return
    field = _m2m_field(sender, instance, reverse)
    if field is None:
        # Written from the other side (team.members vs user.teams): audit the model that owns the field.
        return _m2m_changed_reverse(sender, instance, action, pk_set, **kwargs)
    name = "roles" if field.name == "groups" else field.name
    if action.startswith("pre_"):
        instance._audit_m2m_before = {**getattr(instance, "_audit_m2m_before", {}), name: _m2m_ids(instance, field)}
    elif action in {"post_add", "post_remove", "post_clear"}:
        before = getattr(instance, "_audit_m2m_before", {}).pop(name, [])
        after = _m2m_ids(instance, field)
        if before != after:
            _record(instance, "update", {name: [before, after]})


def _m2m_ids(instance, field):
    if field.name == "groups":
        return sorted(instance.groups.values_list("name", flat=True))
    return sorted(getattr(instance, field.name).values_list("pk", flat=True))


def _m2m_changed_reverse(sender, instance, action, pk_set, model, **kwargs):
    # e.g. user.teams.add(team): record the change on each team touched, as if team.members changed.
    if not is_audited(model) or not pk_set and action != "pre_clear":
        return
    field = next((f for f in model._meta.many_to_many if f.remote_field.through is sender), None)
    if field is None:
        return
    if action == "pre_clear":
        pk_set = set(
            field.remote_field.through.objects.filter(**{field.m2m_reverse_field_name(): instance.pk}).values_list(
                field.m2m_field_name() + "_id", flat=True
            )
        )
        instance._audit_reverse_clear = pk_set
        action = "pre_remove"
    if action == "post_clear":
        pk_set = getattr(instance, "_audit_reverse_clear", set())
        action = "post_remove"
    for owner in model._base_manager.filter(pk__in=pk_set or []):
        _m2m_changed(sender, owner, action, False, {instance.pk})


def m2m_set(instance, name: str, values) -> None:
    """`getattr(instance, name).set(values)` recorded as one [before, after] change per touched record.

    Works for a field declared on the instance (team.members) and for its reverse side (user.teams),
    where each team whose members change gets the event.
    """
    manager = getattr(instance, name)
    field = next((f for f in type(instance)._meta.many_to_many if f.name == name), None)
    token = _m2m_suppressed.set(True)
    try:
        if field is not None:
            before = _m2m_ids(instance, field)
            manager.set(values)
            after = _m2m_ids(instance, field)
            if before != after and is_audited(type(instance)):
                _record(instance, "update", {"roles" if name == "groups" else name: [before, after]})
            return
        old = set(manager.values_list("pk", flat=True))
        new = {getattr(v, "pk", v) for v in values}
        owners = list(manager.model._base_manager.filter(pk__in=old ^ new))
        owner_field = next(f for f in manager.model._meta.many_to_many if f.remote_field.through is manager.through)
        befores = {owner.pk: _m2m_ids(owner, owner_field) for owner in owners}
        manager.set(values)
        for owner in owners:
            after = _m2m_ids(owner, owner_field)
            if befores[owner.pk] != after and is_audited(type(owner)):
                _record(owner, "update", {owner_field.name: [befores[owner.pk], after]})
    finally:
        _m2m_suppressed.reset(token)


def connect() -> None:
    """Connect the audit receivers to every model (they filter on `audited`)."""
    pre_save.connect(_before_save, dispatch_uid="itsm_audit_pre_save")
    post_save.connect(_after_save, dispatch_uid="itsm_audit_post_save")
    post_delete.connect(_after_delete, dispatch_uid="itsm_audit_post_delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="itsm_audit_m2m")
