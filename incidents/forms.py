"""Incident forms: the agent's incident form, the queue's bulk assign, comments and the portal request form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from changes.models import Change
from cmdb.models import ConfigurationItem
from incidents.models import Incident
from itsm.choices import VisibilityChoices
from itsm.forms import BootstrapFormMixin
from itsm.models import Team, User

AGENT_FIELDS = [
    "requester",
    "kind",
    "channel",
    "service",
    "configuration_items",
    "impact",
    "urgency",
    "category",
    "title",
    "description",
    "assignment_group",
    "assignee",
    "major",
]


class IncidentForm(BootstrapFormMixin, forms.ModelForm):
    """The agent's form to log or edit an incident; caller and CIs are picked with typeaheads."""

    requester = forms.ModelChoiceField(
        queryset=User.objects.all(), required=False, widget=forms.HiddenInput, label=_("Caller")
    )
    configuration_items = forms.ModelMultipleChoiceField(
        queryset=ConfigurationItem.objects.all(),
        required=False,
        widget=forms.MultipleHiddenInput,
        label=_("Configuration items"),
    )
    parent_number = forms.CharField(
        label=_("Parent incident"), required=False, max_length=16, help_text=_("Its number, e.g. INC0001234.")
    )
    caused_by_change_number = forms.CharField(
        label=_("Caused by change"), required=False, max_length=16, help_text=_("Its number, e.g. CHG0000042.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        fields = AGENT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["parent_number"].initial = self.instance.parent.number if self.instance.parent_id else ""
            caused_by = self.instance.caused_by_change
            self.fields["caused_by_change_number"].initial = caused_by.number if caused_by else ""
        self.fields["assignee"].queryset = agents()

    def clean_parent_number(self):
        number = self.cleaned_data["parent_number"].strip().upper()
        if not number:
            return None
        parent = Incident.objects.filter(number=number).first()
        if parent is None:
            raise forms.ValidationError(_("No incident has this number."))
        return parent

    def clean_caused_by_change_number(self):
        number = self.cleaned_data["caused_by_change_number"].strip().upper()
        if not number:
            return None
        change = Change.objects.filter(number=number).first()
        if change is None:
            raise forms.ValidationError(_("No change has this number."))
        return change

    def service_arguments(self) -> dict:
        """The cleaned values as keyword arguments of incident_create / incident_update."""
        return {
            **{name: self.cleaned_data[name] for name in AGENT_FIELDS},
            "parent": self.cleaned_data["parent_number"],
            "caused_by_change": self.cleaned_data["caused_by_change_number"],
        }


AGENT_ROLES = ("agent", "manager")


def agents():
    """Whom tickets may be assigned to: agents and managers."""
    return User.objects.filter(groups__name__in=AGENT_ROLES).distinct()


class BulkAssignForm(forms.Form):
    """Assign the checked incidents to a team and/or an agent."""

    incidents = forms.ModelMultipleChoiceField(queryset=Incident.objects.none(), label=_("Incidents"))
    assignment_group = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label=_("Team"))
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Agent"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incidents"].queryset = Incident.objects.restrict(user, "change")
        self.fields["assignee"].queryset = agents()
        for name in ("assignment_group", "assignee"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if not data.get("assignment_group") and not data.get("assignee"):
            raise forms.ValidationError(_("Choose a team, an agent or both."))
        return data


class CommentForm(BootstrapFormMixin, forms.Form):
    """A public comment or an internal work note."""

    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=VisibilityChoices.choices,
        initial=VisibilityChoices.INTERNAL,
        widget=forms.RadioSelect,
    )


class PortalCommentForm(BootstrapFormMixin, forms.Form):
    """A requester's comment (always public)."""

    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)


class PortalRequestForm(BootstrapFormMixin, forms.ModelForm):
    """What a requester tells the desk: kind, title, description, service and urgency."""

    class Meta:
        model = Incident
        fields = ["kind", "title", "description", "service", "urgency"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
