"""Forms of the microwork pages. They render widgets and read JSON; the rules live in the services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kasb.orgs.models import Area, Organisation, Programme
from kasb.participants.languages import LANGUAGE_CHOICES
from kasb.skills.queries import active_skills

# --- client: projects ----------------------------------------------------------------------------

# Service field names → form field names, so a DomainError lands beside the field it is about.
SERVICE_FIELDS = {"required_skill_codes": "required_skills", "area_codes": "areas"}


def _json(text: str, label: Any) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("%(label)s is not valid JSON: %(problem)s (line %(line)s, column %(column)s).")
                              % {"label": label, "problem": exc.msg, "line": exc.lineno, "column": exc.colno}
                              ) from None


class ProjectForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Organisation.objects.none())
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none(),
                                       help_text=_("The workers and the currency of the pay come from the programme."))
    name = forms.CharField(label=_("Project name"), max_length=200)
    instructions = forms.CharField(label=_("Instructions for the workers"), widget=forms.Textarea(attrs={"rows": 6}))
    pay_per_task = forms.CharField(label=_("Pay per task"), max_length=30,
                                   widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal"}),
                                   help_text=_("In the programme's currency, with a point for decimals, e.g. 0.450."))
    estimated_seconds = forms.IntegerField(label=_("Time a task takes (seconds)"), min_value=5, max_value=8 * 3600,
                                           help_text=_("Time yourself on a few tasks. The real median time replaces "
                                                       "this after the first submissions."))
    overlap = forms.IntegerField(label=_("Answers needed per task"), min_value=1, max_value=10, initial=1)
    gold_percent = forms.IntegerField(label=_("Check questions (gold), per cent of tasks"), min_value=0, max_value=50,
                                      initial=0)
    deadline = forms.DateTimeField(label=_("Deadline (optional)"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                              format="%Y-%m-%dT%H:%M"))
    required_skills = forms.MultipleChoiceField(label=_("Verified skills needed"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    languages = forms.MultipleChoiceField(label=_("Languages needed"), required=False, choices=LANGUAGE_CHOICES,
                                          widget=forms.CheckboxSelectMultiple)
    areas = forms.MultipleChoiceField(label=_("Only workers living in (optional)"), required=False,
                                      widget=forms.SelectMultiple(attrs={"size": 6}))
    input_fields = forms.CharField(label=_("Task data shown to the worker"), required=False, max_length=1000,
                                   widget=forms.TextInput(attrs={"dir": "ltr"}),
                                   help_text=_("Column names of your upload, separated by commas. “media” is the "
                                               "file uploaded with each task."))
    answer_fields = forms.CharField(
        label=_("Answer form (JSON)"), widget=forms.Textarea(attrs={"rows": 12, "dir": "ltr", "class": "key"}),
        help_text=_("A list of fields: name, label, type (text, long_text, number, single_choice, multiple_choice, "
                    "date, yes_no, file, audio), and optionally required, choices, min, max, max_length."))
    examples = forms.CharField(
        label=_("Worked examples (JSON, optional)"), required=False,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "ltr", "class": "key"}),
        help_text=_("A list of {\"input\": {...}, \"answer\": {...}, \"why\": \"...\"}. Each answer is checked "
                    "against the answer form."))
    lease_minutes = forms.IntegerField(label=_("Minutes a worker has for a task"), min_value=5, max_value=240,
                                       initial=15)
    review_window_hours = forms.IntegerField(label=_("Approve automatically after (hours)"), min_value=1,
                                             max_value=336, initial=72)
    appeal_days = forms.IntegerField(label=_("Days a worker has to appeal"), min_value=3, max_value=60, initial=7)
    content_warning = forms.CharField(label=_("Content warning"), required=False, max_length=300,
                                      help_text=_("Shown to workers before they accept a task."))
    distressing = forms.BooleanField(label=_("The content may be distressing"), required=False)
    pay_surplus = forms.BooleanField(label=_("Pay for work that arrives after a task is full"), required=False,
                                     initial=True)
    auto_reject_gold_missed = forms.BooleanField(
        label=_("Reject wrongly answered check questions automatically"), required=False,
        help_text=_("Otherwise a reviewer looks at them first. Either way the worker can appeal."))

    def __init__(self, *args: Any, clients: QuerySet[Organisation], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        partner_ids = {c.parent_id for c in clients}
        programmes = Programme.objects.filter(partner_id__in=partner_ids, is_active=True).order_by("name")
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.fields["required_skills"].choices = [(s.code, s.name) for s in active_skills()]  # type: ignore[attr-defined]
        countries = sorted({p.country for p in programmes})
        self.fields["areas"].choices = [  # type: ignore[attr-defined]
            (a.code, f"{a} ({a.code})") for a in Area.objects.filter(country__in=countries)]
        if editing:  # the client and programme of a project are fixed once it exists
            del self.fields["client"]
            del self.fields["programme"]
        elif len(clients) == 1:
            self.fields["client"].initial = clients[0]
            self.fields["client"].widget = forms.HiddenInput()
        if not editing and len(programmes) == 1:
            self.fields["programme"].initial = programmes[0]

    def clean_answer_fields(self) -> Any:
        value = _json(self.cleaned_data["answer_fields"], _("The answer form"))
        if not isinstance(value, list):
            raise ValidationError(_("The answer form is a list of fields: it starts with [ and ends with ]."))
        return value

    def clean_examples(self) -> Any:
        text = self.cleaned_data["examples"].strip()
        return _json(text, _("The worked examples")) if text else []

    def service_values(self) -> dict[str, Any]:
        """The cleaned values with the service's argument names."""
        data = dict(self.cleaned_data)
        data.pop("client", None)
        data.pop("programme", None)
        data["required_skill_codes"] = data.pop("required_skills")
        data["area_codes"] = data.pop("areas")
        return data

    def add_service_error(self, field: str | None, message: str) -> None:
        name = SERVICE_FIELDS.get(field or "", field or "")
        self.add_error(name if name in self.fields else None, message)


def initial_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


# --- client: tasks, publishing, pay --------------------------------------------------------------

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tasks file (.csv, .xlsx, .json) or a .zip with the tasks file and its media"))
    media_files = MultipleFileField(label=_("Media files named in the “media” column (optional)"), required=False,
                              help_text=_("Up to 100 files here. For more, put the tasks file and all the media "
                                          "files in one .zip."))


class RepriceForm(forms.Form):
    pay_per_task = forms.CharField(label=_("New pay per task"), max_length=30,
                                   widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)
