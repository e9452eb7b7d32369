"""Writes of CI classes, CIs and relationships; every write path validates attributes against the class schema."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cmdb.models import CIClass, CIRelationship, ConfigurationItem
from cmdb.schema import schema_errors, validate_attributes
from itsm.audit_context import audit_context

CI_FIELDS = ("name", "ci_class", "status", "environment", "criticality", "owner_team", "description", "attributes")
CLASS_FIELDS = ("name", "slug", "parent", "description", "attribute_schema")


def attribute_errors_as_messages(errors: dict[str, list[str]]) -> list[str]:
    """{"ram_gb": ["Expected a whole number."]} -> ["ram_gb: Expected a whole number."] (one field: attributes)."""
    return [f"{name}: {message}" for name, messages in errors.items() for message in messages]


def clean_attributes(ci_class: CIClass, attributes) -> dict:
    """The attributes, coerced to their types; ValidationError on the `attributes` field otherwise."""
    clean, errors = validate_attributes(ci_class.effective_schema(), attributes if attributes is not None else {})
    if errors:
        raise ValidationError({"attributes": attribute_errors_as_messages(errors)})
    return clean


def ci_class_save(*, actor, ci_class: CIClass | None = None, **fields) -> CIClass:
    """Create or change a CI class; its schema must be valid and not redeclare an ancestor's attribute."""
    with transaction.atomic(), audit_context(actor=actor):
        ci_class = CIClass() if ci_class is None else CIClass.objects.select_for_update().get(pk=ci_class.pk)
        for name, value in fields.items():
            if name in CLASS_FIELDS:
                setattr(ci_class, name, value)
        errors = {}
        if problems := schema_errors(ci_class.attribute_schema):
            errors["attribute_schema"] = problems
        if ci_class.parent_id and ci_class.pk and ci_class.parent_id == ci_class.pk:
            errors["parent"] = [_("A class cannot be its own parent.")]
        elif (
            ci_class.pk
            and ci_class.parent
            and any(a.pk == ci_class.pk for a in [ci_class.parent, *ci_class.parent.ancestors()])
        ):
            errors["parent"] = [_("This parent would make a loop in the class tree.")]
        if not errors and ci_class.parent:
            inherited = {item["name"] for item in ci_class.parent.effective_schema()}
            clashes = sorted(inherited & {item["name"] for item in ci_class.attribute_schema})
            if clashes:
                errors["attribute_schema"] = [
                    _("Already inherited from a parent class: %(names)s.") % {"names": ", ".join(clashes)}
                ]
        if errors:
            raise ValidationError(errors)
        ci_class.full_clean()
        ci_class.save()
        return ci_class


def _check_unique(ci: ConfigurationItem) -> None:
    clash = ConfigurationItem.objects.filter(ci_class=ci.ci_class_id, name=ci.name).exclude(pk=ci.pk).exists()
    if clash:
        raise ValidationError({"name": [_("A CI of this class with this name already exists.")]})


def ci_save(*, actor, ci: ConfigurationItem | None = None, **fields) -> ConfigurationItem:
    """Create (ci=None) or change a CI; attributes are validated against its class's schema."""
    with transaction.atomic(), audit_context(actor=actor):
        ci = ConfigurationItem() if ci is None else ConfigurationItem.objects.select_for_update().get(pk=ci.pk)
        for name, value in fields.items():
            if name in CI_FIELDS:
                setattr(ci, name, value)
        if ci.ci_class_id is None:
            raise ValidationError({"ci_class": [_("Choose a class.")]})
        ci.attributes = clean_attributes(ci.ci_class, ci.attributes)
        ci.full_clean(validate_unique=False, validate_constraints=False)
        _check_unique(ci)
        ci.save()
        return ci


def ci_delete(*, actor, ci: ConfigurationItem) -> None:
    """Delete a CI; its relationships go with it, each deletion audited (the audit receiver sees cascades)."""
    with transaction.atomic(), audit_context(actor=actor):
        ci.delete()


def relationship_create(*, actor, source: ConfigurationItem, target: ConfigurationItem, type: str) -> CIRelationship:
    """Link two CIs; refuses self-relationships and duplicates with a field-level error."""
    if source.pk == target.pk:
        raise ValidationError({"target": [_("A CI cannot have a relationship with itself.")]})
    relationship = CIRelationship(source=source, target=target, type=type)
    relationship.full_clean(validate_unique=False, validate_constraints=False)
    if CIRelationship.objects.filter(source=source, target=target, type=type).exists():
        raise ValidationError({"non_field_errors": [_("This relationship already exists.")]})
    try:
        with transaction.atomic(), audit_context(actor=actor):
            relationship.save()
    except IntegrityError:
        raise ValidationError({"non_field_errors": [_("This relationship already exists.")]}) from None
    return relationship


def relationship_update(*, actor, relationship: CIRelationship, **fields) -> CIRelationship:
    """Change a relationship's ends or type, with the same checks as creating one."""
    with transaction.atomic(), audit_context(actor=actor):
        relationship = CIRelationship.objects.select_for_update().get(pk=relationship.pk)
        for name in ("source", "target", "type"):
            if name in fields:
                setattr(relationship, name, fields[name])
        if relationship.source_id == relationship.target_id:
            raise ValidationError({"target": [_("A CI cannot have a relationship with itself.")]})
        duplicate = CIRelationship.objects.filter(
            source=relationship.source_id, target=relationship.target_id, type=relationship.type
        ).exclude(pk=relationship.pk)
        if duplicate.exists():
            raise ValidationError({"non_field_errors": [_("This relationship already exists.")]})
        relationship.full_clean(validate_unique=False, validate_constraints=False)
        relationship.save()
        return relationship


def relationship_delete(*, actor, relationship: CIRelationship) -> None:
    """Remove a relationship (audited)."""
    with transaction.atomic(), audit_context(actor=actor):
        relationship.delete()
