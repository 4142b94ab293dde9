"""Forms render the widgets; the rules live in services (and participants.registration.Validator)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kasb.orgs.countries import country_choices
from kasb.orgs.models import Area, Organisation, Programme
from kasb.participants.forms import BLANK
from kasb.participants.vocab import WG_DOMAINS, Connectivity, DeviceAccess, Displacement, Education, Sex, WGAnswer
from kasb.training.models import Cohort, Course, PlacementTest

from .models import Application, Call, Group, HeardVia
from .selection import DEFAULT_WEIGHTS, MAX_RATING
from .services import MAX_MOTIVATION, CallSpec

LANGUAGES = [(code, name) for code, name in settings.LANGUAGES]


def show_error(form: forms.Form, exc: Any) -> None:
    """Put a DomainError's messages beside the fields they name (or at the top of the form)."""
    details = exc.details if isinstance(getattr(exc, "details", None), dict) else {}
    placed = False
    for name, reason in details.items():
        if name in form.fields:
            form.add_error(name, str(reason))
            placed = True
    if getattr(exc, "field", None) in form.fields:
        form.add_error(exc.field, exc.message)
    elif not placed:
        form.add_error(None, exc.message)


# --- staff: calls --------------------------------------------------------------------------------

def _points_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100, required=False)


class CallForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    slug = forms.SlugField(label=_("Web address"), max_length=80,
                           help_text=_("The end of the public link, e.g. irbid-2027-spring."))
    opens_on = forms.DateField(label=_("Opens"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("Closes"), widget=forms.DateInput(attrs={"type": "date"}))
    places = forms.IntegerField(label=_("Places"), min_value=1)
    min_age = forms.IntegerField(label=_("Youngest age"), initial=15)
    max_age = forms.IntegerField(label=_("Oldest age"), initial=35,
                                 help_text=_("Ages are counted on the closing date."))
    courses = forms.ModelMultipleChoiceField(label=_("Courses offered"), queryset=Course.objects.none(),
                                             required=False, widget=forms.CheckboxSelectMultiple)
    centres = forms.ModelMultipleChoiceField(label=_("Centres"), queryset=Organisation.objects.none(),
                                             required=False, widget=forms.CheckboxSelectMultiple)
    areas = forms.ModelMultipleChoiceField(label=_("Applicants must live in"), queryset=Area.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple,
                                           help_text=_("Leave all unticked to accept applicants from anywhere."))
    channels = forms.MultipleChoiceField(label=_("Advertised on"), choices=HeardVia.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    placement_test = forms.ModelChoiceField(label=_("Placement test"), queryset=PlacementTest.objects.none(),
                                            required=False, empty_label=_("No test"))
    weight_motivation = forms.IntegerField(
        label=_("Points per motivation star (0–5 stars)"), min_value=0, max_value=100,
        initial=DEFAULT_WEIGHTS["motivation"])
    weight_test = forms.IntegerField(label=_("Points for a perfect placement test"), min_value=0, max_value=100,
                                     initial=DEFAULT_WEIGHTS["test"])

    def __init__(self, *args: Any, programmes: Any, partner: Organisation | None, call: Call | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in LANGUAGES:
            self.fields[f"title_{code}"] = forms.CharField(label=_("Title (%(language)s)") % {"language": name},
                                                           max_length=200, required=False)
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description (%(language)s)") % {"language": name}, required=False,
                widget=forms.Textarea(attrs={"rows": 3}))
        for value, label in Group.choices:
            self.fields[f"points_{value}"] = _points_field(label)
            self.fields[f"target_{value}"] = _points_field(label)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        if partner is not None:
            self.fields["courses"].queryset = Course.objects.filter(partner=partner, is_active=True)  # type: ignore[attr-defined]
            self.fields["centres"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
                parent=partner, kind=Organisation.Kind.CENTRE, is_active=True)
            self.fields["areas"].queryset = Area.objects.filter(country=partner.country)  # type: ignore[attr-defined]
            self.fields["placement_test"].queryset = PlacementTest.objects.filter(  # type: ignore[attr-defined]
                partner=partner, is_active=True)
        if call is not None and not self.is_bound:
            self.initial.update(self._initial(call))

    @staticmethod
    def _initial(call: Call) -> dict[str, Any]:
        values: dict[str, Any] = {
            "programme": call.programme_id, "slug": call.slug, "opens_on": call.opens_on,
            "closes_on": call.closes_on, "places": call.places, "min_age": call.min_age, "max_age": call.max_age,
            "courses": list(call.courses.all()), "centres": list(call.centres.all()), "areas": list(call.areas.all()),
            "channels": call.channels, "placement_test": call.placement_test_id,
            "weight_motivation": (call.weights or {}).get("motivation", DEFAULT_WEIGHTS["motivation"]),
            "weight_test": (call.weights or {}).get("test", DEFAULT_WEIGHTS["test"]),
        }
        for code, _name in LANGUAGES:
            values[f"title_{code}"] = (call.title or {}).get(code, "")
            values[f"description_{code}"] = (call.description or {}).get(code, "")
        for group in Group.values:
            values[f"points_{group}"] = (call.vulnerability_points or {}).get(group)
        for target in call.targets.all():
            values[f"target_{target.group}"] = target.percent
        return values

    def language_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"title_{code}"], self[f"description_{code}"]) for code, _name in LANGUAGES]

    def group_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(str(label), self[f"points_{value}"], self[f"target_{value}"]) for value, label in Group.choices]

    def spec(self) -> CallSpec:
        d = self.cleaned_data
        return CallSpec(
            programme=d["programme"], slug=d["slug"], opens_on=d["opens_on"], closes_on=d["closes_on"],
            places=d["places"], min_age=d["min_age"], max_age=d["max_age"], courses=d["courses"],
            centres=d["centres"], areas=d["areas"], channels=d["channels"], placement_test=d["placement_test"],
            title={code: d[f"title_{code}"] for code, _n in LANGUAGES},
            description={code: d[f"description_{code}"] for code, _n in LANGUAGES},
            weights={"motivation": d["weight_motivation"], "test": d["weight_test"]},
            vulnerability_points={g: d[f"points_{g}"] for g in Group.values},
            targets={g: d[f"target_{g}"] for g in Group.values})


# --- staff: applications and selection -----------------------------------------------------------

class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label=_("Status"), choices=BLANK + list(Application.Status.choices), required=False)
    group = forms.ChoiceField(label=_("Group"), choices=BLANK + list(Group.choices), required=False)
    heard_via = forms.ChoiceField(label=_("Heard about it from"), choices=BLANK + list(HeardVia.choices),
                                  required=False)
    duplicates = forms.BooleanField(label=_("Possible duplicates only"), required=False)


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Motivation"), coerce=int,
                                    choices=[(n, str(n)) for n in range(MAX_RATING + 1)])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("select", _("Select")), ("waitlist", _("Waiting list")),
                                          ("reject", _("Not selected")), ("withdraw", _("Withdrew or declined"))])
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class EnrolForm(forms.Form):
    cohort = forms.ModelChoiceField(label=_("Cohort"), queryset=Cohort.objects.none())

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts  # type: ignore[attr-defined]


# --- public: the application ---------------------------------------------------------------------

class ApplyForm(forms.Form):
    """The public application. Every field is optional here: services.submit_application decides what is
    missing, so its messages (the registry's own) are the ones shown."""

    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect, required=False)
    # Text, not a DateField: the registry's Validator reads the date and says what is wrong with it.
    date_of_birth = forms.CharField(label=_("Date of birth"), max_length=20, required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "dir": "ltr"}),
                            help_text=_("With the country code, e.g. +962 79 123 4567."))
    email = forms.CharField(label=_("E-mail (optional)"), max_length=254, required=False,
                            widget=forms.TextInput(attrs={"type": "email", "dir": "ltr", "autocomplete": "email"}))
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    displacement_status = forms.ChoiceField(label=_("Displacement status"), required=False,
                                            choices=BLANK + list(Displacement.choices))
    area = forms.ModelChoiceField(label=_("Where do you live?"), queryset=Area.objects.none(), required=False)
    education = forms.ChoiceField(label=_("Highest education"), required=False, choices=BLANK + list(Education.choices))
    neet = forms.BooleanField(label=_("I am not studying, working or in training now"), required=False)
    female_headed_household = forms.BooleanField(label=_("A woman heads my household"), required=False)
    device_access = forms.ChoiceField(label=_("Device"), required=False, choices=BLANK + list(DeviceAccess.choices))
    connectivity = forms.ChoiceField(label=_("Internet access"), required=False,
                                     choices=BLANK + list(Connectivity.choices))
    preferred_centre = forms.ModelChoiceField(label=_("Preferred centre"), queryset=Organisation.objects.none(),
                                              required=False, empty_label=_("Online or any centre"))
    preferred_course = forms.ModelChoiceField(label=_("Preferred course"), queryset=Course.objects.none(),
                                              required=False, empty_label=_("Any course"))
    motivation = forms.CharField(label=_("Why do you want to join?"), max_length=MAX_MOTIVATION, required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    heard_via = forms.ChoiceField(label=_("How did you hear about us?"), choices=BLANK + list(HeardVia.choices),
                                  required=False)
    consent_registration = forms.BooleanField(label=_("I agree: keep my answers to consider my application"),
                                              required=False)
    consent_contact = forms.BooleanField(label=_("You may contact me about this programme"), required=False)
    consent_monitoring = forms.BooleanField(label=_("You may use my answers anonymously in reports"),
                                            required=False)

    NEEDED = ("given_name", "family_name", "sex", "date_of_birth", "phone", "nationality", "displacement_status",
              "motivation", "heard_via", "consent_registration")

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = call.programme.country
        areas = call.areas.all()
        # Marked, not enforced here: the service checks them, with the registry's messages.
        for name in (*self.NEEDED, *(("area",) if areas.exists() else ())):
            self.fields[name].label = f"{self.fields[name].label} *"
        self.fields["area"].queryset = areas if areas.exists() else Area.objects.filter(country=country)  # type: ignore[attr-defined]
        choices = country_choices()
        home = [c for c in choices if c[0] == country]
        self.fields["nationality"].choices = BLANK + home + [c for c in choices if c[0] != country]  # type: ignore[attr-defined]
        self.fields["preferred_centre"].queryset = call.centres.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["preferred_course"].queryset = call.courses.filter(is_active=True)  # type: ignore[attr-defined]
        for domain, label in WG_DOMAINS:
            self.fields[f"disability_{domain}"] = forms.TypedChoiceField(
                label=str(label), choices=WGAnswer.choices, coerce=int, required=False, widget=forms.RadioSelect)

    def disability_fields(self) -> list[forms.BoundField]:
        return [self[f"disability_{d}"] for d, _label in WG_DOMAINS]
