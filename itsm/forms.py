"""Forms of the core UI: users, teams, and Bootstrap styling for any form or filterset form.

Model forms here validate and render only; views hand `cleaned_data` to the services, never call `save()`.
"""

import datetime as dt
import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from itsm.models import Team, User
from itsm.roles import ROLE_LABELS
from itsm.services.users import TEAM_FIELDS, USER_FIELDS

CHECK_WIDGETS = (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)


def bootstrap_widget(widget: forms.Widget, *, small: bool = False) -> None:
    """Give a widget the Bootstrap class matching its kind (`small`: the compact size of filter bars)."""
    if isinstance(widget, CHECK_WIDGETS):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select form-select-sm" if small else "form-select"
    else:
        css = "form-control form-control-sm" if small else "form-control"
    widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class BootstrapFormMixin:
    """Bootstrap classes on every widget, and `is-invalid` on fields with errors (also errors added later)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bootstrap_widget(field.widget)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where the form has it, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def style_filter_form(form: forms.BaseForm) -> forms.BaseForm:
    """Prepare a filterset's form for the filter bar: checkboxes for multiple choices, "Any" for yes/no."""
    if "q" in form.fields:
        # The text search leads the bar: it is what people reach for first.
        form.fields = {"q": form.fields.pop("q"), **form.fields}
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
            field.empty_label = _("Any")
        if isinstance(field.widget, forms.SelectMultiple):
            field.widget = forms.CheckboxSelectMultiple(choices=field.widget.choices)
        elif isinstance(field.widget, forms.NullBooleanSelect):
            field.widget.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        elif isinstance(field, forms.DateTimeField):
            field.widget.input_type = "datetime-local"
        bootstrap_widget(field.widget, small=True)
    if "q" in form.fields:
        form.fields["q"].widget.input_type = "search"
        form.fields["q"].widget.attrs["placeholder"] = _("Search…")
    return form


class SignInForm(BootstrapFormMixin, AuthenticationForm):
    """Django's sign-in form (django-axes hooks into its authentication), styled."""


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone, sorted by name."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class UserForm(BootstrapFormMixin, forms.ModelForm):
    """Profile, roles, teams, manager, time zone and an optional new password (required when creating)."""

    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=list(ROLE_LABELS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to select several."),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices, initial="UTC")
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirmation = forms.CharField(
        label=_("Password confirmation"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "manager", "timezone", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        self.fields["password"].required = creating
        self.fields["password_confirmation"].required = creating
        if not creating:
            self.fields["password"].help_text = _("Leave empty to keep the current password.")
            self.fields["roles"].initial = self.instance.role_slugs
            self.fields["teams"].initial = list(self.instance.teams.all())
            self.fields["manager"].queryset = User.objects.exclude(pk=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        password, confirmation = cleaned.get("password"), cleaned.get("password_confirmation")
        if (password or confirmation) and password != confirmation:
            self.add_error("password_confirmation", _("The two passwords do not match."))
        return cleaned

    def service_arguments(self) -> dict:
        """Keyword arguments for `user_create`/`user_update`."""
        data = self.cleaned_data
        fields = {name: data[name] for name in USER_FIELDS if name in data}
        return {"password": data.get("password") or None, "roles": data["roles"], "teams": data["teams"], **fields}


class TeamForm(BootstrapFormMixin, forms.ModelForm):
    """Name, manager, members, escalation team, vendor, e-mail and description of a team."""

    class Meta:
        model = Team
        fields = ["name", "manager", "members", "escalation_team", "vendor", "email", "description"]
        widgets = {
            "members": forms.SelectMultiple(attrs={"size": 8}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"members": _("Hold Ctrl (⌘ on a Mac) to select several.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["escalation_team"].queryset = Team.objects.exclude(pk=self.instance.pk)

    def service_arguments(self) -> dict:
        """Keyword arguments for `team_save`."""
        data = self.cleaned_data
        return {"members": list(data["members"]), **{name: data[name] for name in TEAM_FIELDS if name in data}}


# ---- editors of reference records (stale-edit detection) ------------------------------------------------


class UpdatedAtField(forms.CharField):
    """The record's `updated_at` when the editor was loaded (hidden), cleaned to a datetime."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        return value.isoformat() if isinstance(value, dt.datetime) else value

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return parse_datetime(value) if value else None
        except ValueError:
            return None


class EditorFormMixin(BootstrapFormMixin):
    """`updated_at` for stale-edit detection, filled from the instance being edited."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["updated_at"] = UpdatedAtField()
        if self.instance.pk:
            self.fields["updated_at"].initial = self.instance.updated_at

    def clean(self):
        cleaned = super().clean()
        # Without the loaded version an edit could overwrite a newer one unnoticed: refuse it (hidden field, so
        # the message goes above the form).
        if self.instance.pk and cleaned.get("updated_at") is None:
            raise ValidationError(_("Reload the page: the form lacks the version it was loaded with."))
        return cleaned

    def fields_for_service(self) -> dict:
        """The model fields of the form as keyword arguments of the save service."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
