"""The audit trail pages: the filtered list, and the history panel shown on every detail page."""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from itsm.filtersets import AuditEventFilterSet
from itsm.models import AuditEvent
from itsm.roles import ROLE_LABELS
from itsm.templatetags.itsm_ui import audited_model
from itsm.views.admin_ui import Column, ObjectListView

AUDIT_HISTORY_LIMIT = 25


@dataclass(frozen=True)
class ChangeRow:
    """One changed field of an audit event, ready to display."""

    label: str
    before: str
    after: str


def audit_history(user, obj, limit: int = AUDIT_HISTORY_LIMIT) -> list[AuditEvent]:
    """The latest audit events of `obj` that `user` may see, described for display."""
    events = AuditEvent.objects.restrict(user, "view")
    return describe_changes(events.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))[:limit], user)


def describe_changes(events, user) -> list[AuditEvent]:
    """The events with `change_rows`; related records are named with one query per related model, not per event."""
    events = list(events)
    references: dict[type, set] = defaultdict(set)
    parsed = []
    for event in events:
        model = audited_model(event.object_type)
        items = []
        for name, values in (event.changes or {}).items():
            before, after = values if isinstance(values, list) and len(values) == 2 else (None, values)
            field = _field(model, name)
            related = field.related_model if field is not None and field.is_relation else None
            if related is not None:
                references[related].update(_ids(before) + _ids(after))
            items.append((name, field, related, before, after))
        parsed.append(items)
    names = {model: _names(model, ids, user) for model, ids in references.items()}
    for event, items in zip(events, parsed, strict=True):
        event.change_rows = [
            ChangeRow(
                label=capfirst(field.verbose_name) if field is not None else capfirst(name.replace("_", " ")),
                before=_display(name, _as_time(field, before), names.get(related, {}), _choice_labels(field)),
                after=_display(name, _as_time(field, after), names.get(related, {}), _choice_labels(field)),
            )
            for name, field, related, before, after in items
        ]
    return events


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # "roles" and other derived names are not model fields
        return None


def _ids(value) -> list:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, int)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def _names(model, ids, user) -> dict:
    queryset = model._default_manager.all()
    if hasattr(queryset, "restrict"):
        queryset = queryset.restrict(user, "view")
    return {obj.pk: str(obj) for obj in queryset.filter(pk__in=ids)}


def _as_time(field, value):
    """Audit trails store instants as ISO text; show them as the user's local date and time."""
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return date_format(timezone.localtime(parsed), "SHORT_DATETIME_FORMAT")
    return value


def _choice_labels(field) -> dict:
    """value -> label of a choice field ("runs_on" -> "runs on"), empty for other fields."""
    return {value: str(label) for value, label in field.flatchoices} if field is not None and field.choices else {}


def _display(name: str, value, names: dict, labels: dict | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_display(name, item, names, labels) for item in value)
    if labels and isinstance(value, str) and value in labels:
        return labels[value]
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if name == "roles":
        return str(ROLE_LABELS.get(value, value))
    if names and isinstance(value, int):
        return names.get(value, f"#{value}")
    return str(value)


class AuditEventListView(ObjectListView):
    """The audit trail: who changed what, when and through which entry point."""

    model = AuditEvent
    filterset_class = AuditEventFilterSet
    template_name = "itsm/auditevent_list.html"
    results_template_name = "itsm/partials/_auditevent_results.html"
    columns = (
        Column(_("When"), "at"),
        Column(_("Actor"), "actor"),
        Column(_("Source")),
        Column(_("Action")),
        Column(_("Object"), "object"),
        Column(_("Changes")),
    )
    sort_orders = {"at": ("at",), "actor": ("actor_repr",), "object": ("object_type", "object_repr")}
    default_sort = "-at"
    filter_labels = {"object_id": _("Object ID"), "at_after": _("From"), "at_before": _("Until")}

    def customize_filter_form(self, form):
        # A list of the audited models instead of a free-text "itsm.user".
        audited = [model._meta for model in apps.get_models() if getattr(model, "audited", False) is True]
        choices = sorted(((opts.label_lower, capfirst(opts.verbose_name)) for opts in audited), key=lambda c: str(c[1]))
        form.fields["object_type"].widget = forms.Select(
            choices=[("", _("Any")), *choices], attrs={"class": "form-select form-select-sm"}
        )

    def rows(self, page):
        return describe_changes(page.object_list, self.request.user)


auditevent_list = AuditEventListView.as_view()
