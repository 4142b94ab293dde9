"""The placement test: staff build it (items, bands); participants and applicants take it; it scores itself.

Taking: `start_attempt` opens an attempt (or resumes the unfinished one) within the retake rules;
`submit_attempt` scores it exactly once: a second submit (a double tap, a retry on a bad connection)
returns the first result unchanged, because only one conditional UPDATE on `submitted_at IS NULL`
can win. Answers that arrive after the deadline (plus a short grace for slow networks) are still
scored, and flagged late, so nobody's work is thrown away.

Applicants take the test by their application's private token (training never imports outreach):
outreach may register a check with `register_applicant_check` so that only real tokens may start.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasb.core import audit
from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal
from kasb.core.translated import LANGUAGE_CODES, clean_translations
from kasb.orgs.models import Organisation
from kasb.orgs.queries import partner_ids
from kasb.participants.models import Participant
from kasb.skills.models import Level, Skill

from ..models import Band, Course, PlacementTest, TestAttempt, TestItem

# Answers sent up to this long after the deadline count as on time: the phone may have pressed "send"
# just before the end and the network took a while.
GRACE = timedelta(seconds=60)
# A typing task is right when the typed text is at least this similar (difflib ratio, 18/20 = 90%).
TYPING_MATCH = (18, 20)
MAX_TYPED = 1000
MAX_CHOICES = 8
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

Answer = int | str


# --- applicants -----------------------------------------------------------------------------------

ApplicantCheck = Callable[[str, PlacementTest], bool]
_applicant_checks: list[ApplicantCheck] = []


def register_applicant_check(check: ApplicantCheck) -> None:
    """Let an app above training (outreach) say which tokens may take which test: `check(token, test)`.

    Register it in the app's AppConfig.ready(). With no check registered, any well-formed token may start.
    """
    if check not in _applicant_checks:
        _applicant_checks.append(check)


def applicant_may_take(token: str, test: PlacementTest) -> bool:
    return bool(TOKEN.fullmatch(token or "")) and all(check(token, test) for check in _applicant_checks)


# --- scoring --------------------------------------------------------------------------------------

# Phone keyboards write Arabic-Indic digits and curly quotes; the text to copy has ASCII ones.
_SAME_CHARACTERS = str.maketrans({**{chr(0x0660 + d): str(d) for d in range(10)},
                                  **{chr(0x06F0 + d): str(d) for d in range(10)},
                                  "’": "'", "‘": "'", "“": '"', "”": '"', "،": ","})


def normalise_typed(text: str) -> str:
    """What typing is compared on: Unicode-normalised, case-folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_SAME_CHARACTERS)
    return " ".join(text.split()).casefold()


def typing_matches(expected: str, typed: str) -> bool:
    """At least 90% similar after normalising (difflib's ratio, 2·matches / total length), in integers."""
    want, got = normalise_typed(expected), normalise_typed(typed)
    if not want or not got:
        return False
    matcher = SequenceMatcher(None, want, got, autojunk=False)
    matches = sum(block.size for block in matcher.get_matching_blocks())
    share, whole = TYPING_MATCH
    return 2 * matches * whole >= share * (len(want) + len(got))


def choice_count(item: TestItem) -> int:
    return max((len(texts) for texts in (item.choices or {}).values()), default=0)


def is_correct(item: TestItem, answer: Answer | None) -> bool:
    if answer is None or answer == "":
        return False
    if item.kind == TestItem.Kind.TYPING:
        return isinstance(answer, str) and typing_matches(item.typing_text, answer)
    return not isinstance(answer, str) and answer == item.correct_choice


@dataclass(frozen=True)
class Score:
    score: int
    max_score: int

    @property
    def percent(self) -> int:
        """Rounded down, so "75% and above" means at least three quarters of the points."""
        return self.score * 100 // self.max_score if self.max_score else 0


def score_answers(items: Sequence[TestItem], answers: Mapping[str, Answer]) -> Score:
    return Score(score=sum(i.points for i in items if is_correct(i, answers.get(str(i.pk)))),
                 max_score=sum(i.points for i in items))


def band_for(test: PlacementTest, percent: int) -> Band | None:
    """The highest band whose floor the percentage reaches."""
    return (Band.objects.filter(test=test, min_percent__lte=percent).select_related("course")
            .order_by("-min_percent").first())


def active_items(test: PlacementTest) -> list[TestItem]:
    return list(test.items.filter(is_active=True).select_related("skill").order_by("order", "pk"))


def _bad_answer(number: int, key: str, message: str) -> ValidationFailed:
    return ValidationFailed(message % {"number": number}, field=f"item-{key}", details={"item": key})


def clean_answers(test: PlacementTest, items: Sequence[TestItem], answers: Any) -> dict[str, Answer]:
    """{item id: choice index or typed text}; unanswered questions are left out.

    Raises ValidationFailed naming the question for an item that is not in the test, a choice that is
    not one of the item's, or typing that is not text. Answers to items withdrawn since the attempt
    started are dropped.
    """
    if not isinstance(answers, Mapping):
        raise ValidationFailed(_("Send the answers as an object of question ids."), field="answers")
    by_id = {str(item.pk): (number, item) for number, item in enumerate(items, 1)}
    withdrawn: set[str] | None = None
    cleaned: dict[str, Answer] = {}
    for raw_key, value in answers.items():
        key = str(raw_key).strip()[:20]
        if key not in by_id:
            if withdrawn is None:
                withdrawn = {str(pk) for pk in test.items.filter(is_active=False).values_list("pk", flat=True)}
            if key in withdrawn:
                continue
            raise ValidationFailed(_("“%(item)s” is not a question of this test.") % {"item": key},
                                   field=f"item-{key}", details={"item": key})
        number, item = by_id[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if item.kind == TestItem.Kind.TYPING:
            if not isinstance(value, str):
                raise _bad_answer(number, key, _("Question %(number)s: type the text."))
            if len(value) > MAX_TYPED:
                raise _bad_answer(number, key, _("Question %(number)s: the text typed is too long."))
            cleaned[key] = value.replace("\x00", "").strip()
            continue
        index = _choice_index(value)
        if index is None or not 0 <= index < choice_count(item):
            raise _bad_answer(number, key, _("Question %(number)s: choose one of the answers given."))
        cleaned[key] = index
    return cleaned


def _choice_index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
        return int(value.strip())
    return None


# --- retake rules ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetakeStatus:
    allowed: bool
    used: int            # attempts submitted
    left: int            # attempts still allowed
    opens_at: datetime | None = None   # when the next attempt may start, if it must wait
    code: str = ""
    reason: str = ""


def retake_status(*, test: PlacementTest, submitted: Sequence[TestAttempt], now: datetime | None = None
                  ) -> RetakeStatus:
    """Whether another attempt may start: fewer than max_attempts submitted, and retake_after_days
    since the last one was submitted."""
    now = now or timezone.now()
    used = len(submitted)
    left = max(test.max_attempts - used, 0)
    if left == 0:
        return RetakeStatus(False, used, 0, code="no_attempts_left", reason=ngettext(
            "You have used the %(count)s attempt this test allows.",
            "You have used all %(count)s attempts this test allows.", test.max_attempts)
            % {"count": test.max_attempts})
    if used:
        last = max(a.submitted_at for a in submitted if a.submitted_at)
        opens_at = last + timedelta(days=test.retake_after_days)
        if now < opens_at:
            return RetakeStatus(False, used, left, opens_at, code="retake_too_soon", reason=_(
                "You can take the test again from %(date)s.")
                % {"date": date_format(timezone.localtime(opens_at), "DATE_FORMAT")})
    return RetakeStatus(True, used, left)


# --- taking the test ------------------------------------------------------------------------------

def attempts_of(test: PlacementTest, *, participant: Participant | None = None,
                applicant_token: str = "") -> QuerySet[TestAttempt]:
    """One person's attempts at a test, first first: a participant's, or an applicant's by token."""
    qs = TestAttempt.objects.filter(test=test).select_related("band", "band__course").order_by("number")
    if participant is not None:
        return qs.filter(participant=participant)
    return qs.filter(applicant_token=applicant_token) if applicant_token else qs.none()


def latest_result(*, test: PlacementTest | None = None, participant: Participant | None = None,
                  applicant_token: str = "") -> TestAttempt | None:
    """The most recent submitted attempt: what counts for placement and selection."""
    qs = TestAttempt.objects.filter(submitted_at__isnull=False).select_related("band", "band__course", "test")
    if test is not None:
        qs = qs.filter(test=test)
    if participant is not None:
        qs = qs.filter(participant=participant)
    elif applicant_token:
        qs = qs.filter(applicant_token=applicant_token)
    else:
        return None
    return qs.order_by("-submitted_at", "-pk").first()


def _check_taker(test: PlacementTest, participant: Participant | None, applicant_token: str) -> None:
    if (participant is None) == (not applicant_token):
        raise ValidationFailed(_("A test is taken by a participant or by an applicant, not both."))
    if participant is not None and participant.partner_id != test.partner_id:
        raise PermissionDenied(_("This test belongs to another partner's programme."))
    if applicant_token and not applicant_may_take(applicant_token, test):
        raise NotFound(_("This test link is not valid. Use the link from your application."), code="bad_token")


def _language(code: str) -> str:
    code = (code or "").split("-")[0].lower()
    return code if code in LANGUAGE_CODES else settings.LANGUAGE_CODE


@transaction.atomic
def start_attempt(*, test: PlacementTest, participant: Participant | None = None, applicant_token: str = "",
                  language: str, now: datetime | None = None) -> TestAttempt:
    """Open an attempt with its deadline, or hand back the unfinished one; refuse outside the retake rules."""
    now = now or timezone.now()
    _check_taker(test, participant, applicant_token)
    attempts = list(attempts_of(test, participant=participant, applicant_token=applicant_token))
    unfinished = next((a for a in attempts if a.submitted_at is None), None)
    if unfinished is not None:
        return unfinished
    if not test.is_active:
        raise Conflict(_("This test is closed."), code="test_closed")
    if not test.items.filter(is_active=True).exists():
        raise Conflict(_("This test has no questions yet."), code="test_empty")
    status = retake_status(test=test, submitted=attempts, now=now)
    if not status.allowed:
        raise Conflict(status.reason, code=status.code)
    number = max((a.number for a in attempts), default=0) + 1
    try:
        with transaction.atomic():
            attempt = TestAttempt.objects.create(
                test=test, participant=participant, applicant_token=applicant_token, number=number,
                language=_language(language), deadline_at=now + timedelta(minutes=test.time_limit_minutes))
    except IntegrityError:
        # The same person started it at the same moment (a double tap): theirs is this one.
        same = attempts_of(test, participant=participant, applicant_token=applicant_token).filter(number=number)
        if (existing := same.first()) is None:
            raise
        return existing
    TestAttempt.objects.filter(pk=attempt.pk).update(started_at=now)
    attempt.started_at = now
    audit.record(actor=None, verb="placement.started", obj=attempt, test=test.pk, number=number,
                 participant=participant.pk if participant else None)
    return attempt


def submit_attempt(*, attempt: TestAttempt, answers: Mapping[Any, Any], now: datetime | None = None) -> TestAttempt:
    """Score the answers once. A repeat returns the first result unchanged; late answers are flagged."""
    now = now or timezone.now()
    with transaction.atomic():
        current = TestAttempt.objects.select_related("test").get(pk=attempt.pk)
        if current.submitted_at is None:
            items = active_items(current.test)
            cleaned = clean_answers(current.test, items, answers)
            result = score_answers(items, cleaned)
            band = band_for(current.test, result.percent)
            late = now > current.deadline_at + GRACE
            won = TestAttempt.objects.filter(pk=current.pk, submitted_at__isnull=True).update(
                submitted_at=now, answers=cleaned, score=result.score, max_score=result.max_score,
                percent=result.percent, band=band, late=late)
            if won:
                audit.record(actor=None, verb="placement.submitted", obj=current, score=result.score,
                             max_score=result.max_score, percent=result.percent,
                             band=band.pk if band else None, late=late)
    return TestAttempt.objects.select_related("test", "band", "band__course").get(pk=attempt.pk)


@transaction.atomic
def link_applicant_attempts(*, actor: Any = None, applicant_token: str, participant: Participant) -> int:
    """When an applicant becomes a participant, their attempts become theirs (and count for retakes)."""
    if not applicant_token:
        return 0
    moved = 0
    for attempt in TestAttempt.objects.select_for_update().filter(applicant_token=applicant_token,
                                                                 participant__isnull=True).order_by("number"):
        if attempt.test.partner_id != participant.partner_id:
            continue
        number = attempt.number
        taken = TestAttempt.objects.filter(test=attempt.test_id, participant=participant)
        if taken.filter(number=number).exists():
            number = 1 + max(taken.aggregate(n=Max("number"))["n"] or 0,
                             TestAttempt.objects.filter(test=attempt.test_id, applicant_token=applicant_token)
                             .aggregate(n=Max("number"))["n"] or 0)
        TestAttempt.objects.filter(pk=attempt.pk).update(participant=participant, number=number)
        audit.record(actor=actor, verb="placement.linked", obj=attempt, participant=participant.pk)
        moved += 1
    return moved


# --- building a test (staff) ----------------------------------------------------------------------

def _may_manage(actor: Principal, partner_id: int | None) -> None:
    if actor.is_superuser:
        return
    if not actor.can(Cap.MANAGE_COURSES) or partner_id not in partner_ids(actor, Cap.MANAGE_COURSES):
        raise PermissionDenied(_("You cannot change this partner's placement tests."))


def _bounded(value: Any, low: int, high: int, *, field: str, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(message % {"low": low, "high": high}, field=field)
    return value


def _new_test(*, partner: Organisation, title: Any, instructions: Any, time_limit_minutes: int,
              max_attempts: int, retake_after_days: int) -> PlacementTest:
    if partner.kind != Organisation.Kind.PARTNER:
        raise ValidationFailed(_("A placement test belongs to an implementing partner."), field="partner")
    return PlacementTest.objects.create(
        partner=partner, title=clean_translations(title, field="title"),
        instructions=clean_translations(instructions or {}, field="instructions", required=False),
        time_limit_minutes=_bounded(time_limit_minutes, 1, 240, field="time_limit_minutes",
                                    message=_("Give a time limit between %(low)s and %(high)s minutes.")),
        max_attempts=_bounded(max_attempts, 1, 10, field="max_attempts",
                              message=_("Allow between %(low)s and %(high)s attempts.")),
        retake_after_days=_bounded(retake_after_days, 0, 365, field="retake_after_days",
                                   message=_("Give between %(low)s and %(high)s days before a retake.")))


@transaction.atomic
def create_test(*, actor: Principal, partner: Organisation, title: Any, instructions: Any = None,
                time_limit_minutes: int = 20, max_attempts: int = 2, retake_after_days: int = 14) -> PlacementTest:
    """A new placement test for a partner: items and bands are added next."""
    if partner.kind != Organisation.Kind.PARTNER:
        raise ValidationFailed(_("A placement test belongs to an implementing partner."), field="partner")
    _may_manage(actor, partner.pk)
    test = _new_test(partner=partner, title=title, instructions=instructions, time_limit_minutes=time_limit_minutes,
                     max_attempts=max_attempts, retake_after_days=retake_after_days)
    audit.record(actor=actor.user, verb="placement.test_created", obj=test)
    return test


def _clean_choices(value: Any, prompt: Mapping[str, str]) -> dict[str, list[str]]:
    """{language: [choice, ...]}: every language of the question, the same number of choices in each."""
    if not isinstance(value, Mapping) or not value:
        raise ValidationFailed(_("Give the answers to choose from, in each language of the question."),
                               field="choices")
    cleaned: dict[str, list[str]] = {}
    for code, texts in value.items():
        if code not in LANGUAGE_CODES:
            raise ValidationFailed(_("“%(code)s” is not one of Kasb's languages.") % {"code": code}, field="choices")
        if not isinstance(texts, Sequence) or isinstance(texts, str) or not texts:
            raise ValidationFailed(_("Give the answers in %(code)s as a list.") % {"code": code}, field="choices")
        texts = [str(text).strip() for text in texts]
        if not all(texts):
            raise ValidationFailed(_("An answer in %(code)s is empty.") % {"code": code}, field="choices")
        cleaned[code] = texts
    lengths = {len(texts) for texts in cleaned.values()}
    if len(lengths) > 1:
        raise ValidationFailed(_("Give the same number of answers, in the same order, in every language."),
                               field="choices")
    if not 2 <= lengths.pop() <= MAX_CHOICES:
        raise ValidationFailed(_("Give between %(low)s and %(high)s answers to choose from.")
                               % {"low": 2, "high": MAX_CHOICES}, field="choices")
    missing = sorted(set(prompt) - set(cleaned))
    if missing:
        raise ValidationFailed(_("The question is written in %(languages)s but its answers are not.")
                               % {"languages": ", ".join(missing)}, field="choices")
    return cleaned


def _skill(value: Skill | str | None) -> Skill | None:
    if isinstance(value, Skill):
        return value
    if not value:
        return None
    skill = Skill.objects.filter(code=value).first()
    if skill is None:
        raise ValidationFailed(_("“%(code)s” is not a skill in the taxonomy.") % {"code": value}, field="skill")
    return skill


def _new_item(*, test: PlacementTest, kind: str, prompt: Any, choices: Any, correct_choice: int | None,
              typing_text: str, skill: Skill | str | None, difficulty: int, points: int) -> TestItem:
    if kind not in TestItem.Kind.values:
        raise ValidationFailed(_("Choose a multiple-choice question or a typing task."), field="kind")
    cleaned_prompt = clean_translations(prompt, field="prompt")
    cleaned_choices: dict[str, list[str]] = {}
    typing_text = (typing_text or "").strip()
    if kind == TestItem.Kind.CHOICE:
        cleaned_choices = _clean_choices(choices, cleaned_prompt)
        count = len(next(iter(cleaned_choices.values())))
        if isinstance(correct_choice, bool) or not isinstance(correct_choice, int) \
                or not 0 <= correct_choice < count:
            raise ValidationFailed(_("Mark which answer is right (1 to %(count)s).") % {"count": count},
                                   field="correct_choice")
    else:
        if not typing_text:
            raise ValidationFailed(_("Give the text to type."), field="typing_text")
        if len(typing_text) > 300:
            raise ValidationFailed(_("The text to type can be at most 300 characters."), field="typing_text")
        if choices or correct_choice is not None:
            raise ValidationFailed(_("A typing task has no answers to choose from."), field="choices")
        correct_choice = None
    order = (test.items.aggregate(n=Max("order"))["n"] or 0) + 1
    return TestItem.objects.create(
        test=test, order=order, kind=kind, skill=_skill(skill), prompt=cleaned_prompt, choices=cleaned_choices,
        correct_choice=correct_choice, typing_text=typing_text,
        difficulty=_bounded(difficulty, Level.BASIC, Level.ADVANCED, field="difficulty",
                            message=_("Give a difficulty from %(low)s to %(high)s.")),
        points=_bounded(points, 1, 10, field="points", message=_("Give between %(low)s and %(high)s points.")))


@transaction.atomic
def add_item(*, actor: Principal, test: PlacementTest, prompt: Any, kind: str = TestItem.Kind.CHOICE,
             choices: Any = None, correct_choice: int | None = None, typing_text: str = "",
             skill: Skill | str | None = None, difficulty: int = Level.BASIC, points: int = 1) -> TestItem:
    """Add a question (choices in each language, the right one's index) or a typing task at the end."""
    _may_manage(actor, test.partner_id)
    item = _new_item(test=test, kind=kind, prompt=prompt, choices=choices, correct_choice=correct_choice,
                     typing_text=typing_text, skill=skill, difficulty=difficulty, points=points)
    audit.record(actor=actor.user, verb="placement.item_added", obj=item, test=test.pk)
    return item


@transaction.atomic
def set_item_active(*, actor: Principal, item: TestItem, active: bool) -> TestItem:
    """Withdraw a question (or bring it back). Results already given keep their score."""
    _may_manage(actor, item.test.partner_id)
    TestItem.objects.filter(pk=item.pk).update(is_active=active)
    item.is_active = active
    audit.record(actor=actor.user, verb="placement.item_active" if active else "placement.item_withdrawn", obj=item)
    return item


def _replace_bands(test: PlacementTest, bands: Sequence[Mapping[str, Any]]) -> list[Band]:
    floors: list[int] = []
    cleaned = []
    for n, band in enumerate(bands, 1):
        floor = _bounded(band.get("min_percent"), 0, 100, field=f"bands.{n}.min_percent",
                         message=_("A band starts between %(low)s%% and %(high)s%%."))
        if floor in floors:
            raise ValidationFailed(_("Two bands start at %(percent)s%%.") % {"percent": floor},
                                   field=f"bands.{n}.min_percent")
        course = band.get("course")
        if course is not None and (not isinstance(course, Course) or course.partner_id != test.partner_id):
            raise ValidationFailed(_("Recommend one of this partner's courses."), field=f"bands.{n}.course")
        floors.append(floor)
        cleaned.append((floor, clean_translations(band.get("label"), field=f"bands.{n}.label"),
                        clean_translations(band.get("meaning") or {}, field=f"bands.{n}.meaning", required=False),
                        course))
    if 0 not in floors:
        raise ValidationFailed(_("The lowest band must start at %(percent)s%% so that every score has a band.")
                               % {"percent": 0}, field="bands")
    existing = {band.min_percent: band for band in Band.objects.select_for_update().filter(test=test)}
    for floor, old in existing.items():
        if floor not in floors:
            if TestAttempt.objects.filter(band=old).exists():
                raise Conflict(_("Results already use the band from %(percent)s%%; keep it.") % {"percent": floor},
                               code="band_in_use")
            old.delete()
    for floor, label, meaning, course in cleaned:
        Band.objects.update_or_create(test=test, min_percent=floor,
                                      defaults={"label": label, "meaning": meaning, "course": course})
    return list(Band.objects.filter(test=test).select_related("course").order_by("min_percent"))


@transaction.atomic
def set_bands(*, actor: Principal, test: PlacementTest, bands: Sequence[Mapping[str, Any]]) -> list[Band]:
    """Set the score bands: [{min_percent, label, meaning, course}], lowest starting at 0%.

    Results are kept: a band that submitted attempts point to can be reworded but not removed.
    """
    _may_manage(actor, test.partner_id)
    result = _replace_bands(test, bands)
    audit.record(actor=actor.user, verb="placement.bands_set", obj=test,
                 bands=[b.min_percent for b in result])
    return result


@transaction.atomic
def install_digital_literacy_test(*, partner: Organisation, courses: Mapping[str, Course]) -> PlacementTest:
    """Load the demo digital-literacy test (kasb/training/data/digital_literacy.py) for a partner.

    `courses` maps the bands' keys ("basic", "microwork", "advanced") to the partner's courses; a key
    left out leaves that band without a course. Installing twice keeps the one test.
    """
    from ..data import digital_literacy as bank

    existing = PlacementTest.objects.filter(partner=partner, title__en=bank.TITLE["en"]).first()
    if existing is not None:
        return existing
    test = _new_test(partner=partner, title=bank.TITLE, instructions=bank.INSTRUCTIONS,
                     time_limit_minutes=bank.TIME_LIMIT_MINUTES, max_attempts=bank.MAX_ATTEMPTS,
                     retake_after_days=bank.RETAKE_AFTER_DAYS)
    for entry in bank.ITEMS:
        _new_item(test=test, kind=entry.get("kind", TestItem.Kind.CHOICE), prompt=entry["prompt"],
                  choices=entry.get("choices"), correct_choice=entry.get("correct"),
                  typing_text=entry.get("text", ""), skill=entry["skill"], difficulty=entry["difficulty"],
                  points=entry.get("points", 1))
    _replace_bands(test, [{**band, "course": courses.get(band["course"])} for band in bank.BANDS])
    audit.record(actor=None, verb="placement.test_installed", obj=test, items=len(bank.ITEMS))
    return test
