"""CMDB forms: CIs with fields generated from the class schema, classes with attribute rows, relationships,
baselines and the import upload. They validate and render only; views hand the results to the services.
"""

import datetime
import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy as _

from cmdb.choices import AttributeTypeChoices, RelationshipTypeChoices
from cmdb.models import CIClass, ConfigurationItem
from cmdb.parsers import MAX_IMPORT_BYTES, parse_import_file
from itsm.forms import BootstrapFormMixin, bootstrap_widget

ATTRIBUTE_PREFIX = "attr_"
YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


# Short words in attribute names that read as initialisms ("ip_address" -> "IP address", "ram_gb" -> "RAM GB").
INITIALISMS = {"ip", "os", "cpu", "ram", "gb", "tb", "mb", "id", "url", "dns", "sla", "bgp", "asn", "ha", "vpn", "vm"}


def attribute_label(definition: dict) -> str:
    """What people read for an attribute: its label, else its name made readable ("cpu_cores" -> "CPU cores")."""
    if definition.get("label"):
        return definition["label"]
    words = [word.upper() if word in INITIALISMS else word for word in definition["name"].split("_") if word]
    return capfirst(" ".join(words))


def attribute_field(definition: dict) -> forms.Field:
    """The form field of one schema attribute, required as the schema says."""
    kind, required = definition["type"], bool(definition.get("required"))
    options = {"label": attribute_label(definition), "required": required, "help_text": definition.get("help", "")}
    if kind == AttributeTypeChoices.INTEGER:
        return forms.IntegerField(**options)
    if kind == AttributeTypeChoices.NUMBER:
        return forms.FloatField(**options)
    if kind == AttributeTypeChoices.BOOLEAN:
        # Yes/no/unset rather than a checkbox: an unticked box would silently turn "unknown" into "no".
        return forms.TypedChoiceField(choices=YES_NO, coerce=lambda value: value == "true", empty_value=None, **options)
    if kind == AttributeTypeChoices.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **options)
    if kind == AttributeTypeChoices.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in definition.get("choices", [])]], **options)
    return forms.CharField(max_length=1000, **options)


def _initial(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CIForm(BootstrapFormMixin, forms.ModelForm):
    """Name, class and lifecycle fields, plus one `attr_<name>` field per attribute of the chosen class.

    `refresh` (the GET of an htmx class change) rebuilds the attribute fields for another class while
    keeping what was typed into attributes of the same name.
    """

    class Meta:
        model = ConfigurationItem
        fields = ["name", "ci_class", "status", "environment", "criticality", "owner_team", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, refresh=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ci_class"].queryset = CIClass.objects.order_by("name")
        self.fields["ci_class"].help_text = _("Changing the class shows its attributes.")
        self.fields["owner_team"].empty_label = _("No team")
        source = refresh if refresh is not None else (self.data if self.is_bound else None)
        class_id = source.get("ci_class") if source is not None else self.initial.get("ci_class")
        self.chosen_class = CIClass.objects.filter(pk=class_id).first() if str(class_id or "").isdigit() else None
        self.schema = self.chosen_class.effective_schema() if self.chosen_class else []
        if refresh is not None:
            values = {key.removeprefix(ATTRIBUTE_PREFIX): v for key, v in refresh.items() if key.startswith("attr_")}
        elif self.instance.pk and self.chosen_class and self.instance.ci_class_id == self.chosen_class.pk:
            values = self.instance.attributes or {}
        else:
            values = {}
        for definition in self.schema:
            field = attribute_field(definition)
            field.initial = _initial(values.get(definition["name"]))
            bootstrap_widget(field.widget)
            self.fields[ATTRIBUTE_PREFIX + definition["name"]] = field

    def attribute_fields(self) -> list:
        """The bound attribute fields, in schema order."""
        return [self[ATTRIBUTE_PREFIX + definition["name"]] for definition in self.schema]

    def attributes(self) -> dict:
        """The attribute values typed in, as JSON values (empty ones left out)."""
        values = {}
        for definition in self.schema:
            value = self.cleaned_data.get(ATTRIBUTE_PREFIX + definition["name"])
            if value is None or value == "":
                continue
            values[definition["name"]] = value.isoformat() if isinstance(value, datetime.date) else value
        return values

    def service_arguments(self) -> dict:
        """Keyword arguments for `ci_save`."""
        return {**{name: self.cleaned_data[name] for name in self.Meta.fields}, "attributes": self.attributes()}

    def apply_service_errors(self, error: ValidationError) -> None:
        """Show `ci_save`'s errors; "ram_gb: Expected a whole number." on `attributes` goes to `attr_ram_gb`."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            if key != "attributes":
                self.add_error(key if key in self.fields else None, messages)
                continue
            for message in messages:
                name, separator, text = message.partition(": ")
                field = ATTRIBUTE_PREFIX + name
                self.add_error(field if separator and field in self.fields else None, text if separator else message)


class AttributeRowForm(forms.Form):
    """One attribute of a class schema, as a table row."""

    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=AttributeTypeChoices.choices, initial="string")
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(label=_("Choices"), max_length=2000, required=False)
    help = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            bootstrap_widget(field.widget, small=True)

    def clean(self):
        data = super().clean()
        name, kind, choices = data.get("name", "").strip(), data.get("type"), self._choices()
        if name and not name.isidentifier():
            self.add_error("name", _("Use letters, digits and underscores, not starting with a digit."))
        if name and kind == AttributeTypeChoices.CHOICE and not choices:
            self.add_error("choices", _("List the choices, separated by commas."))
        if kind != AttributeTypeChoices.CHOICE and choices:
            self.add_error("choices", _("Only choice attributes take choices."))
        return data

    def _choices(self) -> list[str]:
        return [choice.strip() for choice in self.cleaned_data.get("choices", "").split(",") if choice.strip()]

    def definition(self) -> dict | None:
        """The schema entry of this row, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("name", "").strip() or data.get("DELETE"):
            return None
        definition = {"name": data["name"].strip(), "type": data["type"], "required": data["required"]}
        for key in ("label", "help"):
            if data.get(key, "").strip():
                definition[key] = data[key].strip()
        if data["type"] == AttributeTypeChoices.CHOICE:
            definition["choices"] = self._choices()
        return definition


class BaseAttributeRowFormSet(forms.BaseFormSet):
    """Rows with a styled "remove" checkbox."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        bootstrap_widget(form.fields["DELETE"].widget)


AttributeRowFormSet = forms.formset_factory(AttributeRowForm, formset=BaseAttributeRowFormSet, extra=2, can_delete=True)


def attribute_rows_initial(schema: list[dict]) -> list[dict]:
    """Formset initial data of a class's own schema."""
    return [{**item, "choices": ", ".join(item.get("choices") or [])} for item in schema]


class CIClassForm(BootstrapFormMixin, forms.ModelForm):
    """Name, slug (from the name when empty), parent and description; the attributes are the row formset."""

    class Meta:
        model = CIClass
        fields = ["name", "slug", "parent", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Used by imports and the API. Left empty, it is made from the name.")
        parents = CIClass.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk__in=self._self_and_descendants())
        self.fields["parent"].queryset = parents

    def _self_and_descendants(self) -> set[int]:
        children: dict = {}
        for pk, parent_id in CIClass.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, stack = set(), [self.instance.pk]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        return found

    def clean_slug(self):
        return self.cleaned_data.get("slug") or slugify(self.data.get("name", ""))[:100]


class RelationshipForm(BootstrapFormMixin, forms.Form):
    """A relationship from this CI to another one (or from another one to this CI)."""

    OUTGOING, INCOMING = "outgoing", "incoming"

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[(OUTGOING, _("This CI … other CI")), (INCOMING, _("Other CI … this CI"))],
    )
    type = forms.ChoiceField(label=_("Type"), choices=RelationshipTypeChoices.choices)
    other = forms.ModelChoiceField(label=_("Other CI"), queryset=ConfigurationItem.objects.none())

    def __init__(self, *args, ci: ConfigurationItem, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.ci = ci
        queryset = ConfigurationItem.objects.restrict(user, "view").exclude(pk=ci.pk).select_related("ci_class")
        self.fields["other"].queryset = queryset
        # Only the chosen CI becomes an option here; the search fills in up to 50 matches, never the whole CMDB.
        chosen = self.data.get("other") if self.is_bound else None
        selected = queryset.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
        self.fields["other"].widget.choices = [("", _("Search for a CI first"))] + (
            [(selected.pk, ci_option_label(selected))] if selected else []
        )

    def ends(self) -> tuple[ConfigurationItem, ConfigurationItem]:
        """(source, target) in the chosen direction."""
        other = self.cleaned_data["other"]
        return (self.ci, other) if self.cleaned_data["direction"] == self.OUTGOING else (other, self.ci)


def ci_option_label(ci: ConfigurationItem) -> str:
    """How a CI is named in a select: "srv-042 (Server)"."""
    return f"{ci.name} ({ci.ci_class.name})"


class BaselineForm(BootstrapFormMixin, forms.Form):
    """Name and description of a baseline; `filter` carries the CI list's filter it will capture."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    filter = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_filter(self):
        try:
            value = json.loads(self.cleaned_data.get("filter") or "{}")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ValidationError(_("The captured filter is not valid; start again from the CI list."))
        return value


class ImportForm(BootstrapFormMixin, forms.Form):
    """A .csv or .json file of CIs, checked for size, encoding and shape; `payload` is the import payload."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, comma-separated) or JSON in the API's import format; at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json,text/csv,application/json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused before reading it into memory; the parser checks the size again for other callers.
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is %(size)d MB; the limit is 50 MB. Split it, or send it through the API.")
                % {"size": upload.size // (1024 * 1024)}
            )
        try:
            self.payload = parse_import_file(upload.name, upload.read())
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("file") or error.messages) from None
        self.file_kind = "json" if upload.name.lower().endswith(".json") else "csv"
        return upload
