"""Forms for the cohort pages. They collect what a person typed; the services decide whether it stands."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kasb.core.errors import DomainError, ValidationFailed
from kasb.core.money import Money
from kasb.core.translated import pick
from kasb.orgs.models import Organisation, Programme

from .models import Course, Enrolment, Modality, Module

LTR = {"dir": "ltr", "autocomplete": "off"}
WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]


def show_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's error beside the field it names, or above the form when it names none."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return pick(obj.title) or obj.code


class ModuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.order}. {pick(obj.title)}"


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class CohortForm(forms.Form):
    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none())
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none(),
                                       help_text=_("Stipends are paid from this programme's fund, in its currency."))
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Organisation.objects.none(), required=False,
                                    empty_label=_("Online (no centre)"))
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("For example: Basic digital skills, Irbid, March–April."))
    starts_on = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends"), widget=forms.DateInput(attrs={"type": "date"}))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000, initial=25)
    transport = forms.CharField(label=_("Transport stipend per attended session"), max_length=20, required=False,
                                widget=forms.TextInput(attrs={"inputmode": "decimal", **LTR}),
                                help_text=_("In the programme's currency, e.g. 1.500. Leave empty for none."))
    trainers = StaffChoiceField(label=_("Trainers"), queryset=get_user_model().objects.none(), required=False,
                                widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, courses: QuerySet[Course], programmes: QuerySet[Programme],
                 centres: QuerySet[Organisation], staff: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.fields["centre"].queryset = centres  # type: ignore[attr-defined]
        self.fields["trainers"].queryset = staff  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        programme, text = data.get("programme"), (data.get("transport") or "").strip()
        data["transport_money"] = None
        if programme is not None and text:
            try:
                data["transport_money"] = Money.parse(text, programme.currency, field="transport")
            except ValidationFailed as exc:
                self.add_error("transport", exc.message)
        return data


class ScheduleForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(label=_("Days of the week"), choices=WEEKDAYS, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    starts_at = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    count = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=400)
    first_day = forms.DateField(label=_("First day"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("Leave empty to start on the cohort's first day."))
    modality = forms.ChoiceField(label=_("Where"), choices=[("", _("As the course is taught")), *Modality.choices],
                                 required=False)
    link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https",
                          widget=forms.URLInput(attrs=LTR))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "schedule")
        super().__init__(*args, **kwargs)


class SessionForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    modality = forms.ChoiceField(label=_("Where"), choices=[("", _("As the course is taught")), *Modality.choices],
                                 required=False)
    module = ModuleChoiceField(label=_("Module"), queryset=Module.objects.none(), required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https",
                          widget=forms.URLInput(attrs=LTR))

    def __init__(self, *args: Any, modules: QuerySet[Module], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "session")
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = modules  # type: ignore[attr-defined]


class EnrolForm(forms.Form):
    reference = forms.CharField(label=_("Participant's reference"), max_length=20, required=False,
                                widget=forms.TextInput(attrs=LTR),
                                help_text=_("As on their registration card, e.g. P7K3QX."))
    staff = forms.ModelChoiceField(label=_("Or a member of staff (training of trainers)"),
                                   queryset=get_user_model().objects.none(), required=False)
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, staff: QuerySet[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "enrol")
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["staff"].label_from_instance = lambda user: user.full_name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool((data.get("reference") or "").strip()) == bool(data.get("staff")):
            raise forms.ValidationError(_("Give a participant's reference or choose a member of staff, not both."))
        return data


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    dropout_reason = forms.ChoiceField(label=_("Why they left"), required=False,
                                       choices=[("", "—"), *Enrolment.DropoutReason.choices])
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, moves: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Enrolment.Status.choices)
        self.fields["to"].choices = [(m, labels[m]) for m in moves]  # type: ignore[attr-defined]


class GradesForm(forms.Form):
    """One score per learner, all out of the same maximum."""

    max_score = forms.IntegerField(label=_("Out of"), min_value=1, max_value=10_000, initial=100)

    def __init__(self, *args: Any, enrolments: list[Enrolment], initial_scores: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enrolments = enrolments
        for enrolment in enrolments:
            self.fields[f"score_{enrolment.pk}"] = forms.IntegerField(
                label=enrolment.learner_name, required=False, min_value=0,
                initial=initial_scores.get(enrolment.pk), widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def scores(self) -> dict[int, int | None]:
        return {e.pk: self.cleaned_data.get(f"score_{e.pk}") for e in self.enrolments}

    def rows(self) -> list[tuple[Enrolment, forms.BoundField]]:
        return [(e, self[f"score_{e.pk}"]) for e in self.enrolments]
