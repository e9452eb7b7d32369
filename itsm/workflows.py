"""Declarative ticket workflows: each ticket model lists its transitions as data.

A `Transition` names its source states, target state, the permission it needs, an optional guard
and the inputs it takes (Django form fields, so the API and the UI validate them the same way).
`itsm.services.transitions.transition_apply` is the only code that moves a ticket's status.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django import forms

# A guard returns None when the transition may proceed, or the reason it may not.
Guard = Callable[..., str | None]
# An effect runs inside the transition's transaction, after the status and inputs are set.
Effect = Callable[..., None]


@dataclass(frozen=True)
class Transition:
    """One named move of a ticket from any of `sources` to `target`."""

    name: str
    sources: Sequence[str]
    target: str
    label: str = ""
    permission: str = "change"  # a model action ("change") or a full "app.codename" permission
    inputs: dict[str, forms.Field] = field(default_factory=dict)
    guard: Guard | None = None
    allowed: Callable[..., bool] | None = None  # extra actor check (e.g. a requester on their own ticket)
    effects: Sequence[Effect] = ()
    on_commit: Sequence[Effect] = ()
    # Inputs copied onto model fields of the same name (e.g. on_hold_reason, resolution_code).
    sets_fields: bool = True
    # When the target depends on the ticket (a standard change skips straight to scheduled): ticket -> status.
    target_for: Callable[..., str] | None = None

    def target_of(self, ticket) -> str:
        """The status this transition moves `ticket` to (`target` unless `target_for` decides per ticket)."""
        return self.target_for(ticket) if self.target_for is not None else self.target

    def form_class(self) -> type[forms.Form]:
        """A form with this transition's inputs, for validation and for the UI dialog."""
        return type(f"{self.name.title().replace('_', '')}TransitionForm", (forms.Form,), dict(self.inputs))

    def describe_inputs(self) -> list[dict]:
        """The inputs as the API lists them: name, type, required, choices, label."""
        described = []
        for name, form_field in self.inputs.items():
            item = {
                "name": name,
                "type": _input_type(form_field),
                "required": form_field.required,
                "label": str(form_field.label or name.replace("_", " ").capitalize()),
            }
            choices = getattr(form_field, "choices", None)
            if choices:
                item["choices"] = [value for value, _label in choices if value != ""]
            described.append(item)
        return described


def _input_type(form_field: forms.Field) -> str:
    for klass, name in (
        (forms.ChoiceField, "choice"),
        (forms.BooleanField, "boolean"),
        (forms.IntegerField, "integer"),
        (forms.DateTimeField, "datetime"),
        (forms.DateField, "date"),
    ):
        if isinstance(form_field, klass):
            return name
    return "text" if isinstance(form_field.widget, forms.Textarea) else "string"


class Workflow:
    """The transitions of one ticket model, looked up by name."""

    def __init__(self, transitions: Sequence[Transition], *, after: Sequence[Effect] = ()):
        names = [t.name for t in transitions]
        if len(names) != len(set(names)):
            raise ValueError("transition names must be unique within a workflow")
        self.transitions = list(transitions)
        # Run after every transition of this workflow, in its transaction, once the status history has the move.
        self.after = list(after)
        self._by_name = {t.name: t for t in transitions}

    def __iter__(self):
        return iter(self.transitions)

    def get(self, name: str) -> Transition | None:
        """The transition called `name`, or None."""
        return self._by_name.get(name)
