"""Change Management forms: the RFC, its risk preview and risk override, a standard change raised from a template,
CAB votes, the reference data (CABs, change windows, standard change templates) and the calendar's filters.

They validate and render only; views hand `service_arguments()` to the services in `changes.services`, whose
rule violations come back onto the matching field.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from changes.choices import ChangeStatusChoices, ChangeTypeChoices, DecisionChoices, RiskChoices
from changes.models import CAB, Change, ChangeTemplate, ChangeWindow
from changes.services.approvals import MAX_COMMENT
from changes.services.changes import CAB_EDITABLE, TEMPLATE_FIXED, WINDOW_EDITABLE
from cmdb.models import ConfigurationItem
from itsm.forms import BootstrapFormMixin, EditorFormMixin
from itsm.models import Team, User
from itsm.roles import AGENT, CHANGE_MANAGER, MANAGER, ROLE_LABELS, STAFF_ROLES
from slm.models import Service

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
IMPLEMENTER_ROLES = (AGENT, MANAGER, CHANGE_MANAGER)


def datetime_widget() -> forms.DateTimeInput:
    """A native date-and-time picker (minutes; the user's time zone)."""
    return forms.DateTimeInput(format=DATETIME_FORMAT, attrs={"type": "datetime-local"})


def plan_widgets() -> dict:
    """The text boxes of the implementation, back-out and test plans (RFCs and standard change templates)."""
    return {
        "implementation_plan": forms.Textarea(attrs={"rows": 4}),
        "backout_plan": forms.Textarea(attrs={"rows": 3}),
        "test_plan": forms.Textarea(attrs={"rows": 3}),
    }


def people(roles):
    """Active users holding one of `roles`, for the people pickers."""
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by("first_name", "username")


class CIPickerField(forms.ModelMultipleChoiceField):
    """Configuration items picked with the CMDB typeahead: hidden inputs, one per CI (the CMDB is too big to list)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Configuration items"))
        super().__init__(queryset=ConfigurationItem.objects.all(), required=False, **kwargs)


class ServiceValidatedMixin:
    """Model forms whose uniqueness and constraints the services check, with field-level messages (a database
    constraint alone would only say "Constraint … is violated" above the form): the form checks the fields only."""

    def _post_clean(self):
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
            exclude = self._get_validation_exclusions()
            self.instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            self._update_errors(error)


class ChangeForm(ServiceValidatedMixin, BootstrapFormMixin, forms.ModelForm):
    """The RFC: what, why, on which CIs, when, how (plans), by whom, and which CAB decides.

    Fields the rules freeze in the change's current state (see `changes.services.changes`) are shown disabled.
    """

    configuration_items = CIPickerField()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Change
        fields = [
            "type",
            "title",
            "description",
            "justification",
            "impact",
            "configuration_items",
            "planned_start",
            "planned_end",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "assignment_group",
            "assignee",
            "cab",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "justification": forms.Textarea(attrs={"rows": 3}),
            **plan_widgets(),
            "planned_start": datetime_widget(),
            "planned_end": datetime_widget(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        change = self.instance
        self.fields["assignee"].queryset = people(IMPLEMENTER_ROLES)
        self.fields["assignment_group"].label = _("Team")
        self.fields["cab"].help_text = _("Emergency changes go to the emergency CAB; standard changes to none.")
        if change.type != ChangeTypeChoices.STANDARD:
            # Standard changes are raised from the template catalog, not typed in.
            self.fields["type"].choices = [c for c in ChangeTypeChoices.choices if c[0] != ChangeTypeChoices.STANDARD]
        if change.pk is None:
            return
        self.fields["version"].initial = change.version
        self.fields["version"].required = True
        frozen = set()
        if change.status != ChangeStatusChoices.DRAFT or change.type == ChangeTypeChoices.STANDARD:
            frozen.add("type")
        if change.status not in CAB_EDITABLE or change.type == ChangeTypeChoices.STANDARD:
            frozen.add("cab")
        if change.status not in WINDOW_EDITABLE:
            frozen.update({"planned_start", "planned_end"})
        if change.template_id is not None:
            frozen.update(TEMPLATE_FIXED)
        for name in frozen:
            self.fields[name].disabled = True

    def _same_minute(self, name: str):
        # The picker has minutes only: a stored time with seconds, re-posted unchanged, must not count as a move.
        value = self.cleaned_data.get(name)
        stored = getattr(self.instance, name, None) if self.instance.pk else None
        if value and stored and timezone.localtime(stored).replace(second=0, microsecond=0) == value:
            return stored
        return value

    def clean_planned_start(self):
        return self._same_minute("planned_start")

    def clean_planned_end(self):
        return self._same_minute("planned_end")

    def service_arguments(self, *, changed_only: bool = False) -> dict:
        """The values for `change_create` (all) or `change_update` (`changed_only`: what the user changed)."""
        names = [name for name in self.Meta.fields if not self.fields[name].disabled]
        if changed_only:
            stored = {name: getattr(self.instance, name, None) for name in ("planned_start", "planned_end")}
            names = [
                name
                for name in names
                if name in self.changed_data and not (name in stored and self.cleaned_data[name] == stored[name])
            ]
        return {name: self.cleaned_data[name] for name in names}


class StandardChangeForm(BootstrapFormMixin, forms.Form):
    """What a standard change raised from a template may set; its plans and risk are the template's."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    justification = forms.CharField(label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    configuration_items = CIPickerField()
    planned_start = forms.DateTimeField(label=_("Planned start"), required=False, widget=datetime_widget())
    planned_end = forms.DateTimeField(label=_("Planned end"), required=False, widget=datetime_widget())
    assignment_group = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, template, **kwargs):
        initial = {
            "title": template.title,
            "description": template.description,
            "assignment_group": template.assignment_group_id,
            "configuration_items": [ci.pk for ci in template.configuration_items.all()],
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["assignee"].queryset = people(IMPLEMENTER_ROLES)

    def service_arguments(self) -> dict:
        """The `data` of `change_from_template`."""
        return dict(self.cleaned_data)


class ChangePreviewForm(forms.Form):
    """The RFC form's values the preview needs: type, CIs and window (and the change being edited, if any)."""

    type = forms.ChoiceField(choices=ChangeTypeChoices.choices)
    configuration_items = forms.ModelMultipleChoiceField(queryset=ConfigurationItem.objects.none(), required=False)
    planned_start = forms.DateTimeField(required=False)
    planned_end = forms.DateTimeField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["configuration_items"].queryset = ConfigurationItem.objects.restrict(user, "view")


class RiskOverrideForm(BootstrapFormMixin, forms.Form):
    """The change manager's risk, with why it differs from the computed one ("computed": drop the override)."""

    COMPUTED = "computed"

    risk = forms.ChoiceField(label=_("Risk"))
    risk_override_reason = forms.CharField(
        label=_("Justification"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, change, **kwargs):
        super().__init__(*args, **kwargs)
        computed = _("The computed risk (%(risk)s)") % {"risk": change.get_risk_computed_display()}
        self.fields["risk"].choices = [(self.COMPUTED, computed), *RiskChoices.choices]
        overridden = bool((change.risk_override_reason or "").strip())
        self.fields["risk"].initial = change.risk if overridden else self.COMPUTED
        self.fields["risk_override_reason"].initial = change.risk_override_reason

    def service_arguments(self) -> dict:
        """The `risk` and `reason` of `change_risk_override`."""
        risk = self.cleaned_data["risk"]
        return {
            "risk": None if risk == self.COMPUTED else risk,
            "reason": self.cleaned_data["risk_override_reason"],
        }


class VoteForm(forms.Form):
    """A CAB member's decision on a change, with a comment."""

    decision = forms.ChoiceField(label=_("Decision"), choices=DecisionChoices.choices)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferenceForm(ServiceValidatedMixin, EditorFormMixin, forms.ModelForm):
    """An editor of reference data (CABs, windows, standard change templates): the service's rule violations on
    the fields, and the record's `updated_at` as loaded, so a save over someone else's newer one is refused."""

    def service_arguments(self) -> dict:
        """The keyword arguments of the save service: the fields (picked records as lists) and the loaded version."""
        fields = {
            name: list(value) if isinstance(value, QuerySet) else value
            for name, value in self.fields_for_service().items()
        }
        return {**fields, "expected_updated_at": self.cleaned_data["updated_at"]}


class CABForm(ReferenceForm):
    """A CAB: its members (staff), chair, deciding policy and whether it is the emergency CAB."""

    class Meta:
        model = CAB
        fields = ["name", "description", "members", "chair", "policy", "quorum_percent", "emergency"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "members": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {"members": _("Hold Ctrl (⌘ on a Mac) to select several.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = people(STAFF_ROLES)
        if self.instance.pk:
            # Keep current members listed even if they lost their role, so saving does not drop them silently.
            staff = User.objects.filter(Q(pk__in=staff.values("pk")) | Q(cabs=self.instance)).distinct()
        self.fields["members"].queryset = staff
        self.fields["chair"].queryset = staff


class ChangeWindowForm(ReferenceForm):
    """A blackout or maintenance window over services and CIs (none of either: everything)."""

    configuration_items = CIPickerField()

    class Meta:
        model = ChangeWindow
        fields = ["name", "kind", "description", "start", "end", "services", "configuration_items"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "start": datetime_widget(),
            "end": datetime_widget(),
            "services": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {"services": _("Hold Ctrl (⌘ on a Mac) to select several. No services and no CIs: everything.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.order_by("name")


class ChangeTemplateForm(ReferenceForm):
    """A standard change template: the fixed plans and risk of the changes raised from it, what it prefills, and
    the roles that may raise it."""

    configuration_items = CIPickerField()
    allowed_roles = forms.MultipleChoiceField(
        label=_("Roles that may raise it"),
        choices=[(role, label) for role, label in ROLE_LABELS.items() if role in STAFF_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: change managers only (they may always raise it)."),
    )

    class Meta:
        model = ChangeTemplate
        fields = [
            "name",
            "description",
            "title",
            "risk",
            "impact",
            "assignment_group",
            "configuration_items",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "allowed_roles",
            "active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            **plan_widgets(),
        }
        labels = {"assignment_group": _("Team")}
        help_texts = {
            "title": _("The title of each change raised from it (the requester may adjust it)."),
            "active": _("Only active templates are in the catalog."),
        }


class CalendarFilterForm(forms.Form):
    """The change calendar's view (month or week), the day it shows, and its filters."""

    view = forms.ChoiceField(
        label=_("View"), choices=[("month", _("Month")), ("week", _("Week"))], required=False, initial="month"
    )
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    ci = forms.ModelChoiceField(
        label=_("Configuration item"), queryset=ConfigurationItem.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.restrict(user, "view").order_by("name")
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["ci"].queryset = ConfigurationItem.objects.restrict(user, "view")
        self.fields["ci"].widget = forms.HiddenInput()
        for name in ("service", "team"):
            self.fields[name].empty_label = _("Any")
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if name in ("view", "service", "team")
                else ("form-control form-control-sm")
            )
