"""Clients' projects: a template per task type, creating a project and changing it while it is a draft.

Who may: a client member for their own client organisation (a signed-in member, or the organisation's
API key), and a programme manager for every client of their partner. A project runs in a programme
of the client's own partner, and its pay is in that programme's currency.
Publishing, pausing, repricing and cancelling are in `fairpay`; uploading tasks in `uploads`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kasb.core import audit
from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money
from kasb.core.permissions import Cap, Principal, Role
from kasb.orgs.models import Area, Organisation, Programme
from kasb.skills.models import Skill

from ..answers import check_answers, check_form
from ..models import Project, Submission, Task, TaskType

# A key of a task's data (a column of an upload). "media" names the file uploaded with the task.
INPUT_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MEDIA = "media"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

LIMITS = {
    "overlap": (1, 10), "gold_percent": (0, 50), "estimated_seconds": (5, 8 * 3600), "lease_minutes": (5, 240),
    "review_window_hours": (1, 14 * 24), "appeal_days": (3, 60),
}
MAX_INSTRUCTIONS, MAX_EXAMPLES, MAX_INPUT_FIELDS = 20_000, 10, 20


# --- templates -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProjectTemplate:
    """What a new project of one task type starts with; every part can be changed before publishing."""

    task_type: str
    description: Promise
    instructions: Promise
    input_fields: tuple[str, ...]
    answer_fields: tuple[dict[str, Any], ...]
    estimated_seconds: int
    skill_codes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    example_input: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(TaskType(self.task_type).label)

    def answer_form(self) -> list[dict[str, Any]]:
        """The answer form with its labels in the active language (the form is stored as plain data)."""
        return [{key: (str(value) if isinstance(value, Promise) else value) for key, value in spec.items()}
                for spec in self.answer_fields]


def _f(name: str, label: Promise, kind: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": kind, **extra}


TEMPLATES: dict[str, ProjectTemplate] = {t.task_type: t for t in (
    ProjectTemplate(
        TaskType.DATA_ENTRY, gettext_lazy("Type the key facts of a scanned receipt, invoice or form."),
        gettext_lazy("Open the image or PDF. Type each value exactly as printed. If a value cannot be read, "
                     "leave it empty and answer “No” to “Readable”."),
        (MEDIA,), (
            _f("document_date", gettext_lazy("Date on the document"), "date", required=False),
            _f("supplier", gettext_lazy("Name of the shop or company"), "text", required=False, max_length=200),
            _f("total", gettext_lazy("Total amount"), "number", required=False, min=0),
            _f("readable", gettext_lazy("Readable"), "yes_no"),
        ), 90, ("data-entry",), example_input={MEDIA: "receipt-0001.jpg"}),
    ProjectTemplate(
        TaskType.TRANSCRIPTION, gettext_lazy("Write down what is said in a short audio recording."),
        gettext_lazy("Listen to the whole recording. Write every word as spoken, without correcting grammar. "
                     "Write [inaudible] where a word cannot be understood."),
        (MEDIA,), (
            _f("transcript", gettext_lazy("What is said"), "long_text"),
            _f("audio_quality", gettext_lazy("Sound quality"), "single_choice",
               choices=["clear", "noisy", "unusable"]),
        ), 180, ("transcription",), example_input={MEDIA: "call-0001.mp3"}),
    ProjectTemplate(
        TaskType.TRANSLATION, gettext_lazy("Translate a short text from one language into another."),
        gettext_lazy("Translate the meaning, not word by word. Keep names, numbers and dates as they are. "
                     "Tick “Unsure” if part of the text was unclear."),
        ("text",), (
            _f("translation", gettext_lazy("Translation"), "long_text"),
            _f("unsure", gettext_lazy("Unsure about part of it"), "yes_no", required=False),
        ), 120, ("translation-ar-en",), ("ar", "en"), example_input={"text": "مرحبا بكم"}),
    ProjectTemplate(
        TaskType.CLASSIFICATION, gettext_lazy("Choose the label that fits a short text or image."),
        gettext_lazy("Read the text and choose the one label that fits best. Choose “neutral” when neither "
                     "positive nor negative fits."),
        ("text",), (
            _f("label", gettext_lazy("Label"), "single_choice", choices=["positive", "neutral", "negative"]),
        ), 20, ("labelling",), example_input={"text": "The delivery was fast and the staff were kind."}),
    ProjectTemplate(
        TaskType.SURVEY, gettext_lazy("Collect a few facts at a place or from a person, with their consent."),
        gettext_lazy("Visit the place named in the task. Ask for consent before any question. Answer every "
                     "question from what you see or are told, never from a guess."),
        ("site",), (
            _f("visited_on", gettext_lazy("Date of the visit"), "date"),
            _f("open", gettext_lazy("The place was open"), "yes_no"),
            _f("services", gettext_lazy("Services offered"), "multiple_choice",
               choices=["food", "water", "health", "education", "other"], required=False),
            _f("notes", gettext_lazy("Notes"), "long_text", required=False, max_length=2000),
        ), 300, ("data-collection",), example_input={"site": "Community centre, Irbid"}),
    ProjectTemplate(
        TaskType.DATA_CLEANING, gettext_lazy("Correct and standardise one record of a client's list."),
        gettext_lazy("Correct spelling and format: names with capitals, phone numbers with the country code, "
                     "the town as on the official list. Mark records that repeat another one."),
        ("name", "phone", "town"), (
            _f("name", gettext_lazy("Name"), "text", max_length=200),
            _f("phone", gettext_lazy("Phone number"), "text", required=False, max_length=30),
            _f("town", gettext_lazy("Town"), "text", required=False, max_length=100),
            _f("duplicate", gettext_lazy("Repeats another record"), "yes_no"),
        ), 45, ("spreadsheets",),
        example_input={"name": "amal HADDAD", "phone": "0791234567", "town": "irbid"}),
)}


def template_for(task_type: str) -> ProjectTemplate:
    if task_type not in TEMPLATES:
        raise ValidationFailed(_("Choose one of the task types."), field="task_type")
    return TEMPLATES[task_type]


# --- who may -------------------------------------------------------------------------------------

def _manager_scope(actor: Principal) -> tuple[set[int], set[int]]:
    """(client organisations the actor acts for as a member, partners whose clients they manage)."""
    own: set[int] = set()
    partners: set[int] = set()
    for grant in actor.grants_with(Cap.MANAGE_PROJECTS):
        if grant.role == Role.CLIENT_MEMBER:
            own.add(grant.organisation_id)
        elif grant.in_programme and not grant.is_centre and grant.partner_id:
            partners.add(grant.partner_id)
    return own, partners


def may_manage_client(actor: Principal, client: Organisation) -> bool:
    if client.kind != Organisation.Kind.CLIENT:
        return False
    if actor.is_superuser:
        return True
    own, partners = _manager_scope(actor)
    return client.pk in own or (client.parent_id is not None and client.parent_id in partners)


def clients_managed_by(actor: Principal) -> QuerySet[Organisation]:
    """Active client organisations the actor may post projects for."""
    qs = Organisation.objects.filter(kind=Organisation.Kind.CLIENT, is_active=True).select_related("parent")
    if actor.is_superuser:
        return qs.order_by("name")
    own, partners = _manager_scope(actor)
    return qs.filter(Q(pk__in=own) | Q(parent_id__in=partners)).order_by("name")


def projects_managed_by(actor: Principal) -> QuerySet[Project]:
    """Projects of the clients the actor may manage; anything else is, to them, not there."""
    qs = Project.objects.select_related("client", "programme")
    if actor.is_superuser:
        return qs
    own, partners = _manager_scope(actor)
    return qs.filter(Q(client_id__in=own) | Q(client__parent_id__in=partners))


def with_progress(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate task_count (not cancelled), complete_count and submission_count with one subquery each."""
    def count(model_qs: QuerySet[Any]) -> Coalesce:
        return Coalesce(Subquery(model_qs.values("project").annotate(n=Count("pk")).values("n")[:1],
                                 output_field=IntegerField()), 0)
    tasks = Task.objects.filter(project=OuterRef("pk"))
    return qs.annotate(task_count=count(tasks.exclude(status=Task.Status.CANCELLED)),
                       complete_count=count(tasks.filter(status=Task.Status.COMPLETE)),
                       submission_count=count(Submission.objects.filter(project=OuterRef("pk"))))


def project_for(actor: Principal, pk: int, *, lock: bool = False) -> Project:
    """The project if the actor may manage it; NotFound otherwise, so its existence is not revealed."""
    qs = projects_managed_by(actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    project = qs.filter(pk=pk).first()
    if project is None:
        raise NotFound(_("No such project."))
    return project


def require_manager(actor: Principal, project: Project) -> None:
    if not may_manage_client(actor, project.client):
        raise NotFound(_("No such project."))


def programmes_for(client: Organisation) -> QuerySet[Programme]:
    """Active programmes of the client's partner: where its projects may run."""
    return Programme.objects.filter(partner_id=client.parent_id, is_active=True).order_by("name")


# --- checking what the client wrote --------------------------------------------------------------

def parse_pay(value: Money | str | Decimal | int, currency: str) -> Money:
    """Pay per task in the programme's currency, from the text the client typed ("0.450")."""
    if isinstance(value, Money):
        if value.currency != currency:
            raise ValidationFailed(_("This programme pays in %(currency)s.") % {"currency": currency},
                                   code="currency_mismatch", field="pay_per_task")
        pay = value
    else:
        pay = Money.parse(value if isinstance(value, Decimal) else str(value), currency, field="pay_per_task")
    if pay.minor <= 0:
        raise ValidationFailed(_("The pay per task must be more than zero."), field="pay_per_task")
    return pay


def _whole(value: Any, name: str, label: str) -> int:
    low, high = LIMITS[name]
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or not low <= number <= high or str(value).strip() != str(number):
        raise ValidationFailed(_("%(label)s must be a whole number from %(low)s to %(high)s.")
                               % {"label": label, "low": low, "high": high}, field=name)
    return number


def _input_fields(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValidationFailed(_("List the task data fields by name."), field="input_fields")
    names = [str(v).strip() for v in value]
    bad = [n for n in names if not INPUT_NAME.fullmatch(n)]
    if bad:
        raise ValidationFailed(_("Task data field names are lower-case letters, digits and _ (e.g. receipt_image); "
                                 "check: %(names)s") % {"names": ", ".join(bad[:5])}, field="input_fields")
    if len(set(names)) != len(names):
        raise ValidationFailed(_("A task data field is listed twice."), field="input_fields")
    if len(names) > MAX_INPUT_FIELDS:
        raise ValidationFailed(_("A task shows at most %(n)s data fields.") % {"n": MAX_INPUT_FIELDS},
                               field="input_fields")
    return names


def _examples(value: Any, form: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_EXAMPLES:
        raise ValidationFailed(_("Worked examples are a list of at most %(n)s examples.") % {"n": MAX_EXAMPLES},
                               field="examples")
    cleaned = []
    for n, example in enumerate(value, start=1):
        if not isinstance(example, Mapping) or not isinstance(example.get("answer"), Mapping) \
                or not isinstance(example.get("input", {}), Mapping):
            raise ValidationFailed(_("Example %(n)s: give an object with “input”, “answer” and “why”.") % {"n": n},
                                   field="examples")
        try:
            answer = check_answers(form, dict(example["answer"]))
        except ValidationFailed as exc:
            problems = "; ".join(f"{k}: {v}" for k, v in (exc.details or {}).items())
            raise ValidationFailed(_("Example %(n)s does not fit the answer form: %(problems)s")
                                   % {"n": n, "problems": problems}, field="examples") from None
        why = str(example.get("why") or "").strip()[:1000]
        cleaned.append({"input": dict(example.get("input") or {}), "answer": answer, "why": why})
    return cleaned


def _skills(codes: Iterable[str]) -> list[Skill]:
    wanted = sorted({str(c).strip() for c in codes if str(c).strip()})
    found = list(Skill.objects.filter(code__in=wanted, is_active=True))
    unknown = sorted(set(wanted) - {s.code for s in found})
    if unknown:
        raise ValidationFailed(_("Unknown skills: %(codes)s.") % {"codes": ", ".join(unknown)},
                               field="required_skill_codes")
    return found


def _languages(codes: Iterable[str]) -> list[str]:
    cleaned = []
    for code in codes:
        text = str(code).strip().lower()
        if not LANGUAGE_CODE.fullmatch(text):
            raise ValidationFailed(_("“%(code)s” is not a language code (e.g. ar, en, tg).") % {"code": code},
                                   field="languages")
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


def _areas(codes: Iterable[str], country: str) -> list[Area]:
    wanted = sorted({str(c).strip().upper() for c in codes if str(c).strip()})
    found = list(Area.objects.filter(code__in=wanted, country=country))
    unknown = sorted(set(wanted) - {a.code for a in found})
    if unknown:
        raise ValidationFailed(_("These areas are not in the programme's country: %(codes)s.")
                               % {"codes": ", ".join(unknown)}, field="area_codes")
    return found


def _text(value: Any, name: str, *, limit: int, required: bool, message: str = "") -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(message or _("This is required."), field=name)
    if len(text) > limit:
        raise ValidationFailed(_("Keep this under %(limit)s characters.") % {"limit": limit}, field=name)
    return text


def _deadline(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= timezone.now():
        raise ValidationFailed(_("The deadline must be in the future."), field="deadline")
    return value


def _clean(values: dict[str, Any], programme: Programme) -> dict[str, Any]:
    """Every field of a project checked together; raises ValidationFailed naming the field."""
    task_type = values["task_type"]
    template_for(task_type)
    form = check_form(values["answer_fields"])
    cleaned = {
        "task_type": task_type,
        "name": _text(values["name"], "name", limit=200, required=True, message=_("Give the project a name.")),
        "instructions": _text(values["instructions"], "instructions", limit=MAX_INSTRUCTIONS, required=True,
                              message=_("Write the instructions the workers will follow.")),
        "answer_fields": form,
        "input_fields": _input_fields(values["input_fields"]),
        "examples": _examples(values["examples"], form),
        "languages": _languages(values["languages"]),
        "pay": parse_pay(values["pay_per_task"], programme.currency),
        "deadline": _deadline(values["deadline"]),
        "content_warning": _text(values["content_warning"], "content_warning", limit=300, required=False),
        "distressing": bool(values["distressing"]),
        "pay_surplus": bool(values["pay_surplus"]),
        "auto_reject_gold_missed": bool(values["auto_reject_gold_missed"]),
        "skills": _skills(values["required_skill_codes"]),
        "areas": _areas(values["area_codes"], programme.country),
    }
    labels = {"overlap": _("Answers needed per task"), "gold_percent": _("The gold share (%)"),
              "estimated_seconds": _("The time estimate (seconds)"), "lease_minutes": _("Minutes to do a task"),
              "review_window_hours": _("The review window (hours)"), "appeal_days": _("Days to appeal")}
    for name, label in labels.items():
        cleaned[name] = _whole(values[name], name, label)
    if cleaned["distressing"] and not cleaned["content_warning"]:
        raise ValidationFailed(_("Content that may be distressing needs a content warning the workers read "
                                 "before they accept."), field="content_warning")
    return cleaned


def _check_client_and_programme(actor: Principal, client: Organisation, programme: Programme) -> None:
    if not actor.can(Cap.MANAGE_PROJECTS) or not may_manage_client(actor, client):
        raise PermissionDenied(_("You cannot post projects for this organisation."))
    if not client.is_active:
        raise ValidationFailed(_("This client organisation is not active."), field="client")
    if programme.partner_id != client.parent_id:
        raise ValidationFailed(_("Choose a programme of the partner this client works with."), field="programme")
    if not programme.is_active:
        raise ValidationFailed(_("This programme has ended."), field="programme")


def _apply(project: Project, cleaned: dict[str, Any]) -> None:
    for name in ("task_type", "name", "instructions", "answer_fields", "input_fields", "examples", "languages",
                 "deadline", "content_warning", "distressing", "pay_surplus", "auto_reject_gold_missed", "overlap",
                 "gold_percent",
                 "estimated_seconds", "lease_minutes", "review_window_hours", "appeal_days"):
        setattr(project, name, cleaned[name])
    project.pay_per_task = cleaned["pay"].minor
    project.currency = cleaned["pay"].currency


DEFAULTS: dict[str, Any] = {
    "examples": None, "answer_fields": None, "input_fields": None, "required_skill_codes": (), "languages": (),
    "area_codes": (), "overlap": 1, "gold_percent": 0, "deadline": None, "lease_minutes": 15,
    "review_window_hours": 72, "appeal_days": 7, "content_warning": "", "distressing": False, "pay_surplus": True,
    "auto_reject_gold_missed": False,
}


@transaction.atomic
def create_project(*, actor: Principal, client: Organisation, programme: Programme, name: str, task_type: str,
                   instructions: str, pay_per_task: Money | str | Decimal, estimated_seconds: int,
                   examples: list[dict[str, Any]] | None = None, answer_fields: list[dict[str, Any]] | None = None,
                   input_fields: Sequence[str] | str | None = None, required_skill_codes: Iterable[str] = (),
                   languages: Iterable[str] = (), area_codes: Iterable[str] = (), overlap: int = 1,
                   gold_percent: int = 0, deadline: datetime | None = None, lease_minutes: int = 15,
                   review_window_hours: int = 72, appeal_days: int = 7, content_warning: str = "",
                   distressing: bool = False, pay_surplus: bool = True,
                   auto_reject_gold_missed: bool = False) -> Project:
    """A draft project from the task type's template: answer form and task data fields default to the template's."""
    _check_client_and_programme(actor, client, programme)
    template = template_for(task_type)
    values = {
        "name": name, "task_type": task_type, "instructions": instructions, "pay_per_task": pay_per_task,
        "estimated_seconds": estimated_seconds, "examples": examples,
        "answer_fields": template.answer_form() if answer_fields is None else answer_fields,
        "input_fields": list(template.input_fields) if input_fields is None else input_fields,
        "required_skill_codes": required_skill_codes, "languages": languages, "area_codes": area_codes,
        "overlap": overlap, "gold_percent": gold_percent, "deadline": deadline, "lease_minutes": lease_minutes,
        "review_window_hours": review_window_hours, "appeal_days": appeal_days, "content_warning": content_warning,
        "distressing": distressing, "pay_surplus": pay_surplus, "auto_reject_gold_missed": auto_reject_gold_missed,
    }
    cleaned = _clean(values, programme)
    project = Project(client=client, programme=programme, created_by=actor.user)
    _apply(project, cleaned)
    project.save()
    project.required_skills.set(cleaned["skills"])
    project.areas.set(cleaned["areas"])
    audit.record(actor=actor.user, verb="microwork.project.created", obj=project, client=client.pk,
                 programme=programme.pk, task_type=task_type, pay=str(cleaned["pay"]),
                 api_key=actor.api_key_id)
    return project


EDITABLE = frozenset({"name", "task_type", "instructions", "pay_per_task", "estimated_seconds", *DEFAULTS})


def current_values(project: Project) -> dict[str, Any]:
    """The project's fields as create_project takes them (pay as text in its currency)."""
    return {
        "name": project.name, "task_type": project.task_type, "instructions": project.instructions,
        "pay_per_task": project.pay.plain(), "estimated_seconds": project.estimated_seconds,
        "examples": project.examples, "answer_fields": project.answer_fields, "input_fields": project.input_fields,
        "required_skill_codes": [s.code for s in project.required_skills.all()], "languages": project.languages,
        "area_codes": [a.code for a in project.areas.all()], "overlap": project.overlap,
        "gold_percent": project.gold_percent, "deadline": project.deadline, "lease_minutes": project.lease_minutes,
        "review_window_hours": project.review_window_hours, "appeal_days": project.appeal_days,
        "content_warning": project.content_warning, "distressing": project.distressing,
        "pay_surplus": project.pay_surplus, "auto_reject_gold_missed": project.auto_reject_gold_missed,
    }


@transaction.atomic
def update_project(*, actor: Principal, project: Project, **changes: Any) -> Project:
    """Change a draft project. Tasks already uploaded are checked again against a changed form or data fields."""
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ValidationFailed(_("These cannot be changed: %(names)s.") % {"names": ", ".join(unknown)})
    project = project_for(actor, project.pk, lock=True)
    if project.status != Project.Status.DRAFT:
        raise ValidationFailed(_("A published project cannot be edited; pause it and change the pay with "
                                 "“Change the pay”, or cancel it and post a new one."), code="not_draft")
    before = current_values(project)
    values = {**before, **changes}
    cleaned = _clean(values, project.programme)
    if cleaned["answer_fields"] != project.answer_fields or cleaned["input_fields"] != project.input_fields:
        recheck_tasks(project, cleaned["answer_fields"], cleaned["input_fields"])
    _apply(project, cleaned)
    project.save()
    project.required_skills.set(cleaned["skills"])
    project.areas.set(cleaned["areas"])
    changed = sorted(name for name in changes if changes[name] != before.get(name))
    audit.record(actor=actor.user, verb="microwork.project.updated", obj=project, fields=changed,
                 api_key=actor.api_key_id)
    return project


def recheck_tasks(project: Project, form: list[dict[str, Any]], input_fields: list[str]) -> None:
    """Refuse a change of form or data fields that the project's uploaded tasks no longer fit (first 5 named)."""
    problems: list[str] = []
    wanted = [name for name in input_fields if name != MEDIA]
    rows = Task.objects.filter(project=project).values_list("external_id", "data", "media", "is_gold", "gold_answer")
    for external_id, data, media, is_gold, gold_answer in rows.iterator(chunk_size=2000):
        missing = [name for name in wanted if data.get(name) in (None, "")]
        if MEDIA in input_fields and not media:
            missing.append(MEDIA)
        if missing:
            problems.append(_("task %(id)s has no %(fields)s") % {"id": external_id, "fields": ", ".join(missing)})
        elif is_gold:
            try:
                check_answers(form, gold_answer or {})
            except ValidationFailed:
                problems.append(_("the check answer of task %(id)s does not fit the new form") % {"id": external_id})
        if len(problems) >= 5:
            break
    if problems:
        raise ValidationFailed(_("The tasks already uploaded do not fit this change: %(problems)s.")
                               % {"problems": "; ".join(problems)}, field="answer_fields", code="tasks_do_not_fit")
