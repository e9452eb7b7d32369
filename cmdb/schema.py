"""CI class attribute schemas: validating a schema definition, and validating CI attributes against one."""

import datetime
import math

from django.utils.translation import gettext as _

from cmdb.choices import AttributeTypeChoices

NAME_MAX = 64


def schema_errors(schema) -> list[str]:
    """Problems with an attribute schema definition (a list of {"name","type","required","choices"})."""
    if not isinstance(schema, list):
        return [_("The attribute schema must be a list of attribute definitions.")]
    errors, seen = [], set()
    for index, item in enumerate(schema):
        where = _("Attribute %(n)d") % {"n": index + 1}
        if not isinstance(item, dict):
            errors.append(_("%(where)s must be an object.") % {"where": where})
            continue
        unknown = set(item) - {"name", "type", "required", "choices", "label", "help"}
        if unknown:
            errors.append(
                _("%(where)s has unknown keys: %(keys)s.") % {"where": where, "keys": ", ".join(sorted(unknown))}
            )
        name = item.get("name")
        if not isinstance(name, str) or not name.isidentifier() or len(name) > NAME_MAX:
            errors.append(_("%(where)s needs a name made of letters, digits and underscores.") % {"where": where})
        elif name in seen:
            errors.append(_("Attribute “%(name)s” is declared twice.") % {"name": name})
        else:
            seen.add(name)
        kind = item.get("type")
        if kind not in AttributeTypeChoices.values:
            errors.append(
                _("%(where)s has type “%(type)s”; use one of %(types)s.")
                % {"where": where, "type": kind, "types": ", ".join(AttributeTypeChoices.values)}
            )
        if not isinstance(item.get("required", False), bool):
            errors.append(_("%(where)s: “required” must be true or false.") % {"where": where})
        choices = item.get("choices")
        if kind == AttributeTypeChoices.CHOICE:
            if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
                errors.append(_("%(where)s is a choice and needs a list of text choices.") % {"where": where})
        elif choices not in (None, []):
            errors.append(_("%(where)s: only choice attributes take choices.") % {"where": where})
    return errors


def _coerce(definition: dict, value):
    """The value in its canonical JSON form, or raise ValueError with a message."""
    kind = definition["type"]
    if kind == AttributeTypeChoices.STRING:
        if not isinstance(value, str):
            raise ValueError(_("Expected text."))
        return value
    if kind == AttributeTypeChoices.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value)
            raise ValueError(_("Expected a whole number."))
        return value
    if kind == AttributeTypeChoices.NUMBER:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        try:
            if isinstance(value, str) and math.isfinite(number := float(value)):
                return number
        except ValueError:
            pass
        raise ValueError(_("Expected a number."))
    if kind == AttributeTypeChoices.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no", "1", "0"}:
            return value.strip().lower() in {"true", "yes", "1"}
        raise ValueError(_("Expected true or false."))
    if kind == AttributeTypeChoices.DATE:
        try:
            if isinstance(value, str):
                return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        raise ValueError(_("Expected a date (YYYY-MM-DD)."))
    if kind == AttributeTypeChoices.CHOICE:
        if value not in definition.get("choices", []):
            raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(definition["choices"])})
        return value
    raise ValueError(_("Unknown attribute type."))


def validate_attributes(schema: list[dict], attributes) -> tuple[dict, dict[str, list[str]]]:
    """Check `attributes` against an (effective) class schema; returns (clean values, errors per attribute)."""
    if not isinstance(attributes, dict):
        return {}, {"attributes": [_("Attributes must be an object of name: value.")]}
    by_name = {item["name"]: item for item in schema}
    clean, errors = {}, {}
    for name in sorted(set(attributes) - set(by_name)):
        errors[name] = [_("Unknown attribute for this class.")]
    for name, definition in by_name.items():
        value = attributes.get(name)
        if value is None or value == "":
            if definition.get("required"):
                errors[name] = [_("This attribute is required.")]
            continue
        try:
            clean[name] = _coerce(definition, value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    return clean, errors
