"""Forms render the widgets and check the shape of input; the rules live in orgs.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kasb.core.permissions import Role

from .countries import country_choices, country_name
from .models import ROLES_BY_KIND, Area, Organisation

BLANK = [("", "—")]


def area_choices(country: str | None = None) -> list[Any]:
    """Every governorate or region, grouped by country; only one country's when `country` is given."""
    areas = Area.objects.order_by("country", "name")
    if country:
        return BLANK + [(str(a.pk), str(a)) for a in areas.filter(country=country.upper())]
    groups: dict[str, list[tuple[str, str]]] = {}
    for a in areas:
        groups.setdefault(a.country, []).append((str(a.pk), str(a)))
    return BLANK + sorted(((country_name(code), options) for code, options in groups.items()),
                          key=lambda group: group[0])


class OrganisationForm(forms.Form):
    """Name, place and contact details: what both adding and editing an organisation ask for."""

    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"))
    area = forms.ChoiceField(label=_("Governorate or region"), required=False,
                             help_text=_("Choose one in the country above."))
    locality = forms.CharField(label=_("Town, village or camp"), max_length=120, required=False)
    in_camp = forms.BooleanField(label=_("In a refugee camp"), required=False)
    email = forms.EmailField(label=_("E-mail (optional)"), required=False,
                             widget=forms.EmailInput(attrs={"dir": "ltr"}))
    phone = forms.CharField(label=_("Phone (optional)"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr"}))

    def __init__(self, *args: Any, areas_in: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = BLANK + country_choices()  # type: ignore[attr-defined]
        # Without JavaScript every area is offered, grouped by country, and the service rejects one
        # outside the country chosen. With htmx, choosing a country narrows the list to it (areas_in).
        self.fields["area"].choices = area_choices(areas_in)  # type: ignore[attr-defined]
        self.fields["country"].widget.attrs.update({
            "hx-get": reverse("orgs:areas"), "hx-target": f"#{self['area'].auto_id}", "hx-swap": "outerHTML"})

    def clean_area(self) -> Area | None:
        value = self.cleaned_data.get("area")
        return Area.objects.filter(pk=value).first() if value else None

    def place(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments for the services."""
        data = self.cleaned_data
        return {"name": data["name"], "country": data["country"], "area": data["area"],
                "locality": data["locality"], "in_camp": data["in_camp"], "email": data["email"],
                "phone": data["phone"]}


class NewOrganisationForm(OrganisationForm):
    kind = forms.ChoiceField(label=_("Kind"))
    parent = forms.ModelChoiceField(label=_("Implementing partner"), queryset=Organisation.objects.none(),
                                    required=False, empty_label="—",
                                    help_text=_("The partner that runs this centre or works with this "
                                                "organisation."))

    field_order = ["kind", "parent", "name", "country", "area", "locality", "in_camp", "email", "phone"]

    def __init__(self, *args: Any, partners: QuerySet[Organisation], may_add_partner: bool,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(value, label) for value, label in Organisation.Kind.choices
                 if may_add_partner or value != Organisation.Kind.PARTNER]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["parent"].queryset = partners  # type: ignore[attr-defined]
        if may_add_partner:
            self.fields["parent"].help_text = _("Leave empty when adding an implementing partner.")


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"dir": "ltr"}),
                             help_text=_("They sign in with this. Give an e-mail address or a phone number."))
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr"}),
                            help_text=_("With the country code, e.g. +992 90 123 4567. Used when there is "
                                        "no e-mail address: the invitation comes by SMS."))
    role = forms.ChoiceField(label=_("Role"))
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"language": (get_language() or "en").split("-")[0]})
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_KIND.get(organisation.kind, frozenset())
        self.fields["role"].choices = [(v, label) for v, label in Role.choices  # type: ignore[attr-defined]
                                       if v in allowed]


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name of the key"), max_length=100,
                           help_text=_("Say where it is used, e.g. “upload script on the data server”."))


class ProgrammeForm(forms.Form):
    """A programme's name, place and money rules; amounts are typed as people write them ("5.000")."""

    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"))
    currency = forms.ChoiceField(label=_("Currency"),
                                 help_text=_("Stipends and workers' earnings are kept in this currency."))
    platform_fee = forms.DecimalField(label=_("Platform fee (%)"), min_value=0, max_value=50, decimal_places=2,
                                      initial=0, help_text=_("Added to what clients pay for each approved task."))
    payout_minimum = forms.CharField(label=_("Minimum payout"), max_length=20, initial="0",
                                     help_text=_("Balances below this wait for the next payout."))
    daily_work_hours = forms.DecimalField(
        label=_("Daily work cap (hours)"), required=False, min_value=0.5, max_value=16, decimal_places=1,
        help_text=_("Optional: the most time a worker may spend on this programme's tasks in one day."))
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from kasb.core.money import currency_choices

        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]
        common = ["JOD", "TJS", "TND", "USD", "EUR"]
        others = [(code, label) for code, label in currency_choices() if code not in common]
        labels = dict(currency_choices())
        self.fields["currency"].choices = [(code, labels[code]) for code in common] + others  # type: ignore[attr-defined]
