"""Forms render the widgets; the rules live in registration.Validator so every entry point agrees."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kasb.orgs.countries import country_choices
from kasb.orgs.models import Area, Organisation

from .languages import LANGUAGE_CHOICES
from .vocab import (
    WG_DOMAINS,
    Channel,
    Connectivity,
    ConsentPurpose,
    DeviceAccess,
    Displacement,
    Education,
    IdKind,
    Sex,
    WGAnswer,
)

BLANK = [("", "—")]


def _select(choices: Any, label: Any, **kw: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=BLANK + list(choices), label=label, required=False, **kw)


class RegistrationForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    displacement_status = _select(Displacement.choices, _("Displacement status"))
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "dir": "ltr"}),
                            help_text=_("With the country code, e.g. +962 79 123 4567."))
    email = forms.CharField(label=_("E-mail (optional)"), max_length=254, required=False,
                            widget=forms.TextInput(attrs={"type": "email", "dir": "ltr"}))
    id_kind = _select(IdKind.choices, _("ID document"))
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Organisation.objects.none(), required=False,
                                    empty_label=_("Online (no centre)"))
    area = forms.ModelChoiceField(label=_("Governorate or region"), queryset=Area.objects.none(), required=False,
                                  help_text=_("Where they live. Left empty, the centre's is used."))
    admin2 = forms.CharField(label=_("District, town or camp"), max_length=100, required=False)
    education = _select(Education.choices, _("Highest education"))
    neet = forms.BooleanField(label=_("Not in education, employment or training"), required=False)
    female_headed_household = forms.BooleanField(label=_("Female-headed household"), required=False)
    migrant_household = forms.BooleanField(label=_("A household member works or worked abroad"), required=False)
    languages = forms.MultipleChoiceField(label=_("Languages"), choices=LANGUAGE_CHOICES, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    device_access = _select(DeviceAccess.choices, _("Device"))
    connectivity = _select(Connectivity.choices, _("Internet access"))
    contact_channels = forms.MultipleChoiceField(label=_("How to contact them"), choices=Channel.choices,
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    gender_identity = forms.CharField(label=_("Gender identity (optional)"), max_length=60, required=False)
    consent_registration = forms.BooleanField(
        label=_("Consents to registration: we keep this record to run the programme"), required=False)
    consent_contact = forms.BooleanField(label=ConsentPurpose.CONTACT.label, required=False)
    consent_monitoring = forms.BooleanField(label=ConsentPurpose.MONITORING.label, required=False)
    consent_share_employers = forms.BooleanField(label=ConsentPurpose.SHARE_EMPLOYERS.label, required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person, register anyway"), required=False)

    def __init__(self, *args: Any, centres: Any, country: str = "JO", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres  # type: ignore[attr-defined]
        self.fields["area"].queryset = Area.objects.filter(country=country)  # type: ignore[attr-defined]
        self.fields["nationality"].choices = BLANK + country_choices()  # type: ignore[attr-defined]
        for domain, label in WG_DOMAINS:
            self.fields[f"disability_{domain}"] = forms.TypedChoiceField(
                label=str(label), choices=WGAnswer.choices, coerce=int, required=False, widget=forms.RadioSelect)

    def disability_fields(self) -> list[forms.BoundField]:
        return [self[f"disability_{d}"] for d, _label in WG_DOMAINS]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))
    centre = forms.ModelChoiceField(label=_("Centre for rows with no centre"), queryset=Organisation.objects.none(),
                                    required=False, empty_label=_("Online (no centre)"))
    import_valid_rows = forms.BooleanField(
        label=_("If some rows have errors, import the valid rows and give me a file of the others"),
        required=False)

    def __init__(self, *args: Any, centres: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Organisation.objects.none(), required=False,
                                    empty_label=_("All centres"))
    sex = _select(Sex.choices, _("Sex"))

    def __init__(self, *args: Any, centres: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres  # type: ignore[attr-defined]
