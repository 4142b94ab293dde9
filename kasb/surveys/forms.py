"""Plain forms of the staff pages: a survey's details, a question, a template to install, whom to send to.

Texts are asked in each of Kasb's languages; the services check them (forms only shape the input)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasb.core.errors import DomainError
from kasb.orgs.models import Organisation, Programme
from kasb.participants.vocab import Displacement, Sex
from kasb.training.models import Cohort

from .models import FOLLOW_UP_CHOICES, Invitation, Question, Survey

LANGUAGES = list(settings.LANGUAGES)
BLANK: list[tuple[Any, Any]] = [("", "—")]
TEMPLATE_NAMES = {"employability": gettext_lazy("After the training: employability (anonymous)"),
                  "tracer": gettext_lazy("Tracer: work at 3, 6 or 12 months (linked)")}


def show_error(form: forms.Form, exc: DomainError) -> None:
    """Put a DomainError's message beside the field it names, else at the top of the form."""
    field = exc.field if exc.field in form.fields else None
    if exc.field and field is None:
        field = next((name for name in form.fields if name.startswith(f"{exc.field}_")), None)
    form.add_error(field, exc.message)


def _per_language(form: forms.Form, name: str, label: Any, *, textarea: bool = False, rows: int = 2) -> None:
    for code, language in LANGUAGES:
        widget = forms.Textarea(attrs={"rows": rows, "lang": code, "dir": "auto"}) if textarea else forms.TextInput(
            attrs={"lang": code, "dir": "auto"})
        form.fields[f"{name}_{code}"] = forms.CharField(label=f"{label} ({language})", required=False, widget=widget,
                                                        max_length=4000)


def _texts(data: dict[str, Any], name: str) -> dict[str, str]:
    return {code: data.get(f"{name}_{code}") or "" for code, _l in LANGUAGES}


def _initial(values: dict[str, Any], name: str, texts: dict[str, str] | None) -> None:
    for code, _l in LANGUAGES:
        values[f"{name}_{code}"] = (texts or {}).get(code, "")


class SurveyForm(forms.Form):
    programme = forms.ModelChoiceField(label=gettext_lazy("Programme"), queryset=Programme.objects.none())
    anonymous = forms.BooleanField(label=gettext_lazy("Anonymous: keep the answers without any link to the person"),
                                   required=False, initial=True)
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens (empty: when you open it)"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=gettext_lazy("Closes (empty: when you close it)"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    follow_up_months = forms.TypedChoiceField(label=gettext_lazy("Tracer survey: months after training"),
                                              choices=BLANK + FOLLOW_UP_CHOICES, coerce=int, empty_value=None,
                                              required=False)

    def __init__(self, *args: Any, programmes: QuerySet[Programme] | None = None, survey: Survey | None = None,
                 **kwargs: Any) -> None:
        if survey is not None:
            initial = {"anonymous": survey.anonymous, "opens_at": survey.opens_at, "closes_at": survey.closes_at,
                       "follow_up_months": survey.follow_up_months}
            _initial(initial, "title", survey.title)
            _initial(initial, "intro", survey.intro)
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if survey is not None:
            del self.fields["programme"]
        else:
            field: Any = self.fields["programme"]
            field.queryset = programmes if programmes is not None else Programme.objects.none()
        _per_language(self, "title", _("Title"))
        _per_language(self, "intro", _("Introduction"), textarea=True)

    def language_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"title_{code}"], self[f"intro_{code}"]) for code, _l in LANGUAGES]

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"title": _texts(d, "title"), "intro": _texts(d, "intro"), "anonymous": d["anonymous"],
                "opens_at": d["opens_at"], "closes_at": d["closes_at"], "follow_up_months": d["follow_up_months"]}


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of question"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=gettext_lazy("An answer is needed"), required=False, initial=True)
    min_value = forms.IntegerField(label=gettext_lazy("Lowest number (scale, number)"), required=False)
    max_value = forms.IntegerField(label=gettext_lazy("Highest number (scale, number)"), required=False)

    def __init__(self, *args: Any, question: Question | None = None, **kwargs: Any) -> None:
        self.question = question
        if question is not None:
            initial: dict[str, Any] = {"kind": question.kind, "required": question.required,
                                       "min_value": question.min_value, "max_value": question.max_value}
            _initial(initial, "text", question.text)
            _initial(initial, "help", question.help)
            _initial(initial, "min_label", question.min_label)
            _initial(initial, "max_label", question.max_label)
            for code, _l in LANGUAGES:
                initial[f"choices_{code}"] = "\n".join(str((c.get("text") or {}).get(code, ""))
                                                       for c in question.choices or [])
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        _per_language(self, "text", _("Question"), textarea=True)
        _per_language(self, "help", _("Help under the question"))
        _per_language(self, "choices", _("Choices, one a line"), textarea=True, rows=4)
        _per_language(self, "min_label", _("Label of the lowest number"))
        _per_language(self, "max_label", _("Label of the highest number"))

    def language_blocks(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(language), [self[f"{name}_{code}"] for name in ("text", "help", "choices", "min_label",
                                                                     "max_label")])
                for code, language in LANGUAGES]

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        per_language = {code: [line.strip() for line in (d.get(f"choices_{code}") or "").splitlines() if line.strip()]
                        for code, _l in LANGUAGES}
        count = max((len(lines) for lines in per_language.values()), default=0)
        uneven = [code for code, lines in per_language.items() if lines and len(lines) != count]
        if uneven and d["kind"] in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            raise forms.ValidationError(_("Give the same number of choices in every language you fill in."))
        keys = [c["key"] for c in (self.question.choices if self.question else [])]
        choices = [{"key": keys[i] if i < len(keys) else f"c{i + 1}",
                    "text": {code: lines[i] for code, lines in per_language.items() if i < len(lines)}}
                   for i in range(count)]
        return {"kind": d["kind"], "required": d["required"], "text": _texts(d, "text"), "help": _texts(d, "help"),
                "choices": choices, "min_value": d["min_value"], "max_value": d["max_value"],
                "min_label": _texts(d, "min_label"), "max_label": _texts(d, "max_label")}


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=gettext_lazy("Template"), choices=list(TEMPLATE_NAMES.items()))
    programme = forms.ModelChoiceField(label=gettext_lazy("Programme"), queryset=Programme.objects.none())
    follow_up_months = forms.TypedChoiceField(label=gettext_lazy("Tracer survey: months after training"),
                                              choices=BLANK + FOLLOW_UP_CHOICES, coerce=int, empty_value=None,
                                              required=False)

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


class SendForm(forms.Form):
    audience = forms.ChoiceField(label=gettext_lazy("Send to"), widget=forms.RadioSelect, initial="cohort",
                                 choices=[("cohort", gettext_lazy("The learners of a cohort")),
                                          ("group", gettext_lazy("A group of the programme's participants"))])
    channel = forms.ChoiceField(label=gettext_lazy("By"), choices=Invitation.Channel.choices, initial="sms",
                                widget=forms.RadioSelect)
    cohort = forms.ModelChoiceField(label=gettext_lazy("Cohort"), queryset=Cohort.objects.none(), required=False)
    completed_only = forms.BooleanField(label=gettext_lazy("Only those who completed the course"), required=False)
    centre = forms.ModelChoiceField(label=gettext_lazy("Centre"), queryset=Organisation.objects.none(),
                                    required=False)
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), choices=BLANK + list(Sex.choices), required=False)
    displacement = forms.ChoiceField(label=gettext_lazy("Displacement status"),
                                     choices=BLANK + list(Displacement.choices), required=False)
    in_programme = forms.BooleanField(label=gettext_lazy("Only those enrolled in a cohort of this programme"),
                                      required=False, initial=True)

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partner_id = survey.programme.partner_id
        self.fields["cohort"].queryset = (  # type: ignore[attr-defined]
            Cohort.objects.filter(course__partner_id=partner_id).select_related("course").order_by("-starts_on"))
        self.fields["centre"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=Organisation.Kind.CENTRE, parent_id=partner_id).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("audience") == "cohort" and not data.get("cohort"):
            self.add_error("cohort", _("Choose the cohort."))
        return data
