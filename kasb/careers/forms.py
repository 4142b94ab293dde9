"""Forms of the careers pages. They only shape input: every rule is checked again by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kasb.orgs.models import Area, Organisation
from kasb.participants.languages import LANGUAGE_CHOICES
from kasb.skills.models import Skill

from .models import (
    Event,
    LanguageLevel,
    OpportunityKind,
    PayPeriod,
    Referral,
    ServiceKind,
    ShareableField,
    TargetGroup,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CVForm(forms.Form):
    display_name = forms.CharField(label=_("Your name, as it should be printed"), max_length=200,
                                   help_text=_("Write it in the script of your CV's language, e.g. in Arabic."))
    language = forms.ChoiceField(label=_("Language of the CV"), choices=settings.LANGUAGES)
    headline = forms.CharField(label=_("Headline"), max_length=120, required=False,
                               help_text=_("One line, e.g. “Data entry clerk, accurate and fast”."))
    profile = forms.CharField(label=_("About me"), max_length=1200, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(label=_("Contact details to print"), max_length=200, required=False,
                              help_text=_("Only what you want employers to see, e.g. an e-mail address."))
    include_skills = forms.BooleanField(label=_("Show my verified skills"), required=False)
    include_certificates = forms.BooleanField(label=_("Show my certificates"), required=False)
    include_microwork = forms.BooleanField(
        label=_("Show my microwork record (projects, task types, accuracy, hours)"), required=False,
        help_text=_("Only if you agree: it is shown to the employers you apply to."))


class LanguageForm(forms.Form):
    code = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    level = forms.ChoiceField(label=_("How well"), choices=LanguageLevel.choices)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("education", _("Education")),
                                                       ("experience", _("Experience"))])
    title = forms.CharField(label=_("Title"), max_length=150,
                            help_text=_("A diploma or course, or a job title."))
    organisation = forms.CharField(label=_("School or employer"), max_length=150, required=False)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    started_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ended_on = forms.DateField(label=_("To"), required=False, widget=DATE, help_text=_("Leave empty if ongoing."))
    description = forms.CharField(label=_("What you did or learnt"), max_length=600, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class PreferencesForm(forms.Form):
    kinds = forms.MultipleChoiceField(label=_("Kinds of work I want"), choices=OpportunityKind.choices,
                                      required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("None ticked: any kind."))
    areas = forms.ModelMultipleChoiceField(label=_("Other places I can work in"), queryset=Area.objects.none(),
                                           required=False, to_field_name="code",
                                           widget=forms.CheckboxSelectMultiple)
    remote = forms.BooleanField(label=_("I can work remotely"), required=False)

    def __init__(self, *args: Any, country: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = Area.objects.filter(country=country).order_by("name")  # type: ignore[attr-defined]


class ApplyForm(forms.Form):
    message = forms.CharField(label=_("A message to the employer (optional)"), max_length=1500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class OpportunityForm(forms.Form):
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=Organisation.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=OpportunityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    skills = forms.ModelMultipleChoiceField(label=_("Skills needed"), queryset=Skill.objects.filter(is_active=True),
                                            to_field_name="code", required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 8}))
    area = forms.ModelChoiceField(label=_("Governorate or region"), queryset=Area.objects.all(), required=False,
                                  to_field_name="code")
    remote = forms.BooleanField(label=_("Remote"), required=False)
    pay = forms.CharField(label=_("Pay"), max_length=20, required=False, help_text=_("e.g. 250.000"))
    pay_currency = forms.CharField(label=_("Currency"), max_length=3, required=False, help_text=_("e.g. JOD"))
    pay_period = forms.ChoiceField(label=_("Pay period"), choices=[("", "—"), *PayPeriod.choices], required=False)
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=DATE)
    apply_by = forms.DateField(label=_("Apply by"), required=False, widget=DATE)
    how_to_apply = forms.CharField(label=_("How to apply"), max_length=1000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, employers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    """The details a "placed" move records; the other moves need only a reason."""

    reason = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=DATE)
    wage = forms.CharField(label=_("Wage"), max_length=20, required=False)
    wage_currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    wage_period = forms.ChoiceField(label=_("Wage period"), choices=[("", "—"), *PayPeriod.choices], required=False)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Organisation.objects.none(), required=False)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    link = forms.CharField(label=_("Online link"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Places"), min_value=0, initial=0, help_text=_("0 means no limit"))
    target_groups = forms.MultipleChoiceField(label=_("For"), choices=TargetGroup.choices, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    employers = forms.ModelMultipleChoiceField(label=_("Employers attending"), queryset=Organisation.objects.none(),
                                               required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, partner: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            parent=partner, kind=Organisation.Kind.CENTRE)
        self.fields["employers"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            parent=partner, kind=Organisation.Kind.EMPLOYER, is_active=True)


class WalkInForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    check_in_now = forms.BooleanField(label=_("They are here now: check them in"), required=False, initial=True)


class ReferralForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Organisation.objects.none())
    service = forms.ChoiceField(label=_("Service"), choices=ServiceKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1500, widget=forms.Textarea(attrs={"rows": 3}))
    consented_fields = forms.MultipleChoiceField(
        label=_("The participant agrees to share"), choices=ShareableField.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Ask them, field by field. Nothing else is shared."))

    def __init__(self, *args: Any, providers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


YES_NO_UNKNOWN = [("", _("Not known")), ("true", _("Yes")), ("false", _("No"))]


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=1500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    loan_amount = forms.CharField(label=_("Loan amount"), max_length=20, required=False)
    loan_currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    loan_status = forms.ChoiceField(label=_("Loan status"), choices=[("", "—"), *Referral.LoanStatus.choices],
                                    required=False)
    business_started = forms.ChoiceField(label=_("Business started"), choices=YES_NO_UNKNOWN, required=False)
    business_started_on = forms.DateField(label=_("Business started on"), required=False, widget=DATE)
    business_running_6_months = forms.ChoiceField(label=_("Business still running after 6 months"),
                                                  choices=YES_NO_UNKNOWN, required=False)


class InfoPageForm(forms.Form):
    slug = forms.SlugField(label=_("Short address"), max_length=80, help_text=_("e.g. mobile-wallets"))
    is_published = forms.BooleanField(label=_("Published"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"title_{code}"] = forms.CharField(label=_("Title (%(language)s)") % {"language": name},
                                                           max_length=200, required=False)
            self.fields[f"body_{code}"] = forms.CharField(label=_("Text (%(language)s)") % {"language": name},
                                                          required=False, widget=forms.Textarea(attrs={"rows": 6}))


class MentorForm(forms.Form):
    occupation = forms.CharField(label=_("What I do now"), max_length=150)
    story = forms.CharField(label=_("My story"), max_length=1500, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    helps_with = forms.CharField(label=_("I can help with"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Taking mentees"), required=False, initial=True)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    notes = forms.CharField(label=_("Notes (only the two of you and career staff see them)"), max_length=3000,
                            required=False, widget=forms.Textarea(attrs={"rows": 3}))
