"""The placement test: the demo item bank, building tests, scoring, retakes, the deadline, exactly-once
submission (also under real threads on PostgreSQL), and the pages for participants, applicants and staff."""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from kasb.conftest import sign_in
from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal, Role
from kasb.core.testing import race_n as _race
from kasb.orgs.queries import principal_for_user
from kasb.participants.models import Participant
from kasb.training.data import digital_literacy as bank
from kasb.training.models import Band, Course, PlacementTest
from kasb.training.models import TestAttempt as Attempt
from kasb.training.models import TestItem as Item
from kasb.training.services import placement as svc
from kasb.web.tests import test_page_weight as weight

pytestmark = pytest.mark.django_db

LANGUAGES = {"en", "ar", "ru", "tg", "fr"}


@pytest.fixture(autouse=True)
def _any_token_may_take(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outreach registers a check that only its applications' tokens pass; these tests make up tokens."""
    monkeypatch.setattr(svc, "_applicant_checks", [])


def right_answers(test: PlacementTest) -> dict[str, Any]:
    return {str(i.pk): (i.typing_text if i.kind == Item.Kind.TYPING else i.correct_choice)
            for i in svc.active_items(test)}


def wrong_choice(item: Item) -> int:
    return 1 if item.correct_choice == 0 else 0


def token() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture
def small_test(manager: Principal, world: dict[str, Any], courses: dict[str, Course]) -> PlacementTest:
    """Twenty one-point questions (the right answer is always the first) and bands at 0, 40 and 75%."""
    test = svc.create_test(actor=manager, partner=world["partner"], title={"en": "Twenty", "ar": "عشرون"},
                           time_limit_minutes=10, max_attempts=2, retake_after_days=14)
    for n in range(20):
        svc.add_item(actor=manager, test=test, prompt={"en": f"Q{n}", "ar": f"س{n}"},
                     choices={"en": ["right", "wrong", "also wrong"], "ar": ["صح", "خطأ", "خطأ أيضًا"]},
                     correct_choice=0, skill="computer-basics")
    svc.set_bands(actor=manager, test=test, bands=[
        {"min_percent": 0, "label": {"en": "Basics"}, "course": courses["basic"]},
        {"min_percent": 40, "label": {"en": "Microwork"}, "course": courses["microwork"]},
        {"min_percent": 75, "label": {"en": "Advanced"}, "course": courses["advanced"]}])
    return test


def answers_with(test: PlacementTest, right: int) -> dict[str, int]:
    """The first `right` questions answered correctly, the rest wrongly."""
    return {str(item.pk): (item.correct_choice if n < right else wrong_choice(item))  # type: ignore[misc]
            for n, item in enumerate(svc.active_items(test))}


# --- the demo item bank ---------------------------------------------------------------------------

def test_the_demo_test_has_at_least_twenty_items_each_in_all_five_languages(placement_test: PlacementTest,
                                                                               courses: dict[str, Course]) -> None:
    items = svc.active_items(placement_test)
    assert len(items) >= 20
    assert sum(i.kind == Item.Kind.TYPING for i in items) >= 2
    for item in items:
        assert set(item.prompt) == LANGUAGES, item.prompt
        assert all(text.strip() for text in item.prompt.values())
        assert item.skill is not None and 1 <= item.difficulty <= 3
        if item.kind == Item.Kind.CHOICE:
            assert set(item.choices) == LANGUAGES, item.prompt["en"]
            assert len({len(c) for c in item.choices.values()}) == 1
            assert 0 <= item.correct_choice < len(item.choices["en"])  # type: ignore[operator]
        else:
            assert item.typing_text and not item.choices
    areas = {i.skill.code for i in items if i.skill}
    assert {"phone-basics", "computer-basics", "files-folders", "email", "internet-safety", "spreadsheets",
            "e-wallet", "typing"} <= areas
    bands = list(placement_test.bands.order_by("min_percent"))
    assert [(b.min_percent, b.course) for b in bands] == [
        (0, courses["basic"]), (40, courses["microwork"]), (75, courses["advanced"])]
    for band in bands:
        assert set(band.label) == LANGUAGES and set(band.meaning) == LANGUAGES
    assert set(placement_test.title) == LANGUAGES and set(placement_test.instructions) == LANGUAGES


def test_the_demo_bank_matches_the_skill_taxonomy_and_installing_twice_keeps_one_test(
        placement_test: PlacementTest, world: dict[str, Any], courses: dict[str, Course]) -> None:
    from kasb.skills.taxonomy import SKILLS

    codes = {code for code, _category, _names in SKILLS}
    assert all(entry["skill"] in codes for entry in bank.ITEMS)
    again = svc.install_digital_literacy_test(partner=world["partner"], courses=courses)
    assert again.pk == placement_test.pk
    assert PlacementTest.objects.filter(partner=world["partner"]).count() == 1
    assert placement_test.items.count() == len(bank.ITEMS)


# --- scoring --------------------------------------------------------------------------------------

def test_all_right_scores_full_marks_and_lands_in_the_advanced_band(placement_test: PlacementTest,
                                                                     learner: Participant,
                                                                     courses: dict[str, Course]) -> None:
    attempt = svc.start_attempt(test=placement_test, participant=learner, language="ar")
    done = svc.submit_attempt(attempt=attempt, answers=right_answers(placement_test))
    assert (done.score, done.max_score, done.percent) == (len(bank.ITEMS), len(bank.ITEMS), 100)
    assert done.band is not None and done.band.course == courses["advanced"]
    assert done.language == "ar" and not done.late


def test_nothing_answered_scores_zero_and_still_gets_the_basic_band(placement_test: PlacementTest,
                                                                     learner: Participant,
                                                                     courses: dict[str, Course]) -> None:
    attempt = svc.start_attempt(test=placement_test, participant=learner, language="en")
    done = svc.submit_attempt(attempt=attempt, answers={})
    assert (done.score, done.percent) == (0, 0)
    assert done.band is not None and done.band.course == courses["basic"]


@pytest.mark.parametrize(("right", "percent", "band"), [
    (0, 0, "Basics"), (7, 35, "Basics"), (8, 40, "Microwork"), (14, 70, "Microwork"), (15, 75, "Advanced"),
    (20, 100, "Advanced")])
def test_the_band_is_the_highest_whose_floor_the_score_reaches(small_test: PlacementTest, learner: Participant,
                                                               right: int, percent: int, band: str) -> None:
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")
    done = svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, right))
    assert (done.score, done.max_score, done.percent) == (right, 20, percent)
    assert done.band is not None and done.band.label["en"] == band


def test_percent_is_rounded_down_so_a_band_floor_means_at_least_that_share(placement_test: PlacementTest,
                                                                           learner: Participant) -> None:
    items = svc.active_items(placement_test)
    total = len(items)
    # The fewest right answers below three quarters: 24 of 33 is 72.7%, which must not round up into 75%.
    right = (75 * total - 1) // 100
    answers = dict(list(right_answers(placement_test).items())[:right])
    attempt = svc.start_attempt(test=placement_test, participant=learner, language="en")
    done = svc.submit_attempt(attempt=attempt, answers=answers)
    assert done.percent == right * 100 // total < 75
    assert done.band is not None and done.band.min_percent == 40


def test_points_weigh_items(small_test: PlacementTest, manager: Principal, learner: Participant) -> None:
    heavy = svc.add_item(actor=manager, test=small_test, kind="typing", prompt={"en": "Type"},
                         typing_text="Hello world", points=5)
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")
    done = svc.submit_attempt(attempt=attempt, answers={str(heavy.pk): "hello   WORLD "})
    assert (done.score, done.max_score, done.percent) == (5, 25, 20)


@pytest.mark.parametrize(("typed", "ok"), [
    ("abcdefghij", True),
    ("  ABCDE   fghij ", True),    # case and spacing aside, one space more: 2·10 / 21 = 95%
    ("abcdefghiX", True),          # one wrong character in ten: 2·9 / 20 = 90%
    ("abcdefgXiX", False),         # two wrong: 80%
    ("abcdefghi", True),           # one missing: 2·9 / 19 = 94.7%
    ("abcdefgh", False),           # two missing: 2·8 / 18 = 88.9%
    ("", False),
])
def test_typing_is_right_at_ninety_percent_similarity(typed: str, ok: bool) -> None:
    assert svc.typing_matches("abcdefghij", typed) is ok


def test_typing_ignores_case_spacing_and_phone_keyboard_digits_and_quotes() -> None:
    expected = "I will come to the centre tomorrow at 10:00."
    assert svc.typing_matches(expected, "i  will come to the CENTRE\ntomorrow at 10:00.")
    assert svc.typing_matches(expected, "I will come to the centre tomorrow at ١٠:٠٠.")
    assert svc.typing_matches("Amal's CV", "Amal’s CV")
    assert svc.normalise_typed("  A\u00a0B\tC ") == "a b c"
    assert not svc.typing_matches(expected, "I will go home.")


def test_typing_tasks_of_the_demo_are_scored_with_small_slips_forgiven(placement_test: PlacementTest,
                                                                      learner: Participant) -> None:
    typing = [i for i in svc.active_items(placement_test) if i.kind == Item.Kind.TYPING]
    slip = typing[0].typing_text.replace("tomorrow", "tomorow")
    attempt = svc.start_attempt(test=placement_test, participant=learner, language="en")
    done = svc.submit_attempt(attempt=attempt, answers={str(typing[0].pk): slip, str(typing[1].pk): "nonsense"})
    assert done.score == 1


# --- exactly once ---------------------------------------------------------------------------------

def test_a_second_submit_returns_the_first_result_unchanged(small_test: PlacementTest, learner: Participant) -> None:
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")
    first = svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, 10))
    second = svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, 20),
                                now=timezone.now() + timedelta(minutes=1))
    assert (second.pk, second.score, second.percent, second.submitted_at, second.answers, second.band_id) == \
        (first.pk, 10, 50, first.submitted_at, first.answers, first.band_id)
    assert AuditEvent.objects.filter(verb="placement.submitted", object_id=str(attempt.pk)).count() == 1


def test_a_second_submit_with_bad_answers_still_returns_the_first_result(small_test: PlacementTest,
                                                                         learner: Participant) -> None:
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")
    first = svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, 10))
    again = svc.submit_attempt(attempt=attempt, answers={"999999": 7})
    assert again.score == first.score == 10


@pytest.fixture
def threads_db() -> Iterator[None]:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this in CI")
    yield


@pytest.mark.django_db(transaction=True)
def test_eight_submits_at_once_score_the_attempt_once(threads_db: None, small_test: PlacementTest,
                                                      learner: Participant) -> None:
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")
    # Each tap carries different answers: only one set may be scored, and every caller sees that one.
    outcomes = _race(8, lambda i: svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, 10 + i)))
    assert all(isinstance(o, Attempt) for o in outcomes), outcomes
    assert len({(o.score, o.submitted_at, o.band_id) for o in outcomes}) == 1
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.score is not None and stored.score == outcomes[0].score and 10 <= stored.score <= 17
    assert AuditEvent.objects.filter(verb="placement.submitted", object_id=str(attempt.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_six_starts_at_once_open_one_attempt(threads_db: None, small_test: PlacementTest,
                                             learner: Participant) -> None:
    outcomes = _race(6, lambda i: svc.start_attempt(test=small_test, participant=learner, language="en"))
    assert all(isinstance(o, Attempt) for o in outcomes), outcomes
    assert {o.pk for o in outcomes} == {Attempt.objects.get(test=small_test, participant=learner).pk}


# --- retakes and the deadline ---------------------------------------------------------------------

def test_an_unfinished_attempt_is_resumed_not_duplicated(small_test: PlacementTest, learner: Participant) -> None:
    first = svc.start_attempt(test=small_test, participant=learner, language="en")
    again = svc.start_attempt(test=small_test, participant=learner, language="fr",
                              now=timezone.now() + timedelta(minutes=3))
    assert again.pk == first.pk and again.deadline_at == first.deadline_at
    assert Attempt.objects.filter(test=small_test).count() == 1


def test_the_deadline_is_the_start_plus_the_time_limit(small_test: PlacementTest, learner: Participant) -> None:
    now = timezone.now()
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en", now=now)
    assert attempt.deadline_at == now + timedelta(minutes=10)
    assert Attempt.objects.get(pk=attempt.pk).started_at == now


def test_retakes_wait_the_days_set_and_stop_at_the_attempts_allowed(small_test: PlacementTest,
                                                                    learner: Participant) -> None:
    start = timezone.now()
    first = svc.start_attempt(test=small_test, participant=learner, language="en", now=start)
    svc.submit_attempt(attempt=first, answers=answers_with(small_test, 5), now=start + timedelta(minutes=5))

    with pytest.raises(Conflict) as too_soon:
        svc.start_attempt(test=small_test, participant=learner, language="en", now=start + timedelta(days=13))
    assert too_soon.value.code == "retake_too_soon"
    status = svc.retake_status(test=small_test, submitted=[Attempt.objects.get(pk=first.pk)],
                               now=start + timedelta(days=13))
    assert status.opens_at == start + timedelta(minutes=5, days=14) and status.left == 1

    later = start + timedelta(days=14, minutes=5)
    second = svc.start_attempt(test=small_test, participant=learner, language="en", now=later)
    assert second.number == 2
    svc.submit_attempt(attempt=second, answers=answers_with(small_test, 18), now=later + timedelta(minutes=2))

    with pytest.raises(Conflict) as used_up:
        svc.start_attempt(test=small_test, participant=learner, language="en", now=later + timedelta(days=400))
    assert used_up.value.code == "no_attempts_left"
    assert svc.latest_result(test=small_test, participant=learner).number == 2  # type: ignore[union-attr]
    # Every attempt is kept, with its own result.
    assert list(Attempt.objects.filter(test=small_test).order_by("number").values_list("score", flat=True)) \
        == [5, 18]


def test_answers_within_the_grace_are_on_time_and_later_ones_are_scored_but_flagged_late(
        small_test: PlacementTest, learner: Participant) -> None:
    start = timezone.now()
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en", now=start)
    on_time = svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, 12),
                                 now=attempt.deadline_at + svc.GRACE)
    assert not on_time.late and on_time.score == 12

    other = svc.start_attempt(test=small_test, applicant_token=token(), language="en", now=start)
    late = svc.submit_attempt(attempt=other, answers=answers_with(small_test, 12),
                              now=other.deadline_at + svc.GRACE + timedelta(seconds=1))
    assert late.late and late.score == 12 and late.band is not None


def test_a_closed_or_empty_test_cannot_be_started(manager: Principal, world: dict[str, Any],
                                                  learner: Participant) -> None:
    empty = svc.create_test(actor=manager, partner=world["partner"], title="Empty")
    with pytest.raises(Conflict) as caught:
        svc.start_attempt(test=empty, participant=learner, language="en")
    assert caught.value.code == "test_empty"


def test_a_participant_cannot_take_another_partners_test(placement_test: PlacementTest, root: Principal,
                                                         world: dict[str, Any]) -> None:
    from kasb.conftest import registration
    from kasb.participants.services import register_participant

    outsider = register_participant(actor=root, partner=world["other"], data=registration(
        centre=world["other_centre"], phone="+21620123456", nationality="TN", displacement_status="host_community"))
    with pytest.raises(PermissionDenied):
        svc.start_attempt(test=placement_test, participant=outsider, language="fr")


def test_an_applicant_takes_the_test_by_token_and_a_registered_check_can_refuse_tokens(
        small_test: PlacementTest, monkeypatch: pytest.MonkeyPatch) -> None:
    good = token()
    attempt = svc.start_attempt(test=small_test, applicant_token=good, language="ar")
    assert attempt.participant is None and attempt.applicant_token == good
    with pytest.raises(NotFound):
        svc.start_attempt(test=small_test, applicant_token="short", language="ar")
    with pytest.raises(ValidationFailed):
        svc.start_attempt(test=small_test, language="ar")

    svc.register_applicant_check(lambda tok, test: tok == good)
    assert svc.applicant_may_take(good, small_test)
    with pytest.raises(NotFound):
        svc.start_attempt(test=small_test, applicant_token=token(), language="ar")


def test_an_applicants_attempts_become_the_participants(small_test: PlacementTest, learner: Participant) -> None:
    tok = token()
    attempt = svc.start_attempt(test=small_test, applicant_token=tok, language="en")
    svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, 9))
    assert svc.link_applicant_attempts(applicant_token=tok, participant=learner) == 1
    result = svc.latest_result(test=small_test, participant=learner)
    assert result is not None and result.pk == attempt.pk and result.score == 9
    with pytest.raises(Conflict):  # it counts for the retake rules
        svc.start_attempt(test=small_test, participant=learner, language="en")


# --- bad answers ----------------------------------------------------------------------------------

def test_bad_answers_are_refused_naming_the_question_and_nothing_is_lost(small_test: PlacementTest,
                                                                         manager: Principal,
                                                                         learner: Participant) -> None:
    typing = svc.add_item(actor=manager, test=small_test, kind="typing", prompt={"en": "Type"}, typing_text="abc")
    items = svc.active_items(small_test)
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")

    with pytest.raises(ValidationFailed) as unknown:
        svc.submit_attempt(attempt=attempt, answers={"424242": 0})
    assert "424242" in unknown.value.message and unknown.value.field == "item-424242"

    with pytest.raises(ValidationFailed) as out_of_range:
        svc.submit_attempt(attempt=attempt, answers={str(items[2].pk): 3})
    assert "3" in out_of_range.value.message and out_of_range.value.details == {"item": str(items[2].pk)}
    assert out_of_range.value.message.startswith("Question 3")

    for bad in (-1, "two", True, 1.5, "1e3"):
        with pytest.raises(ValidationFailed):
            svc.submit_attempt(attempt=attempt, answers={str(items[0].pk): bad})
    with pytest.raises(ValidationFailed) as not_text:
        svc.submit_attempt(attempt=attempt, answers={str(typing.pk): 12})
    assert not_text.value.message.startswith("Question 21")
    with pytest.raises(ValidationFailed):
        svc.submit_attempt(attempt=attempt, answers=["not", "a", "mapping"])  # type: ignore[arg-type]

    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None
    done = svc.submit_attempt(attempt=attempt, answers={str(items[0].pk): "0", str(typing.pk): "ABC"})
    assert done.score == 2


def test_answers_to_a_withdrawn_question_are_dropped(small_test: PlacementTest, manager: Principal,
                                                    learner: Participant) -> None:
    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")
    withdrawn = svc.active_items(small_test)[0]
    svc.set_item_active(actor=manager, item=withdrawn, active=False)
    done = svc.submit_attempt(attempt=attempt, answers={str(withdrawn.pk): 0})
    assert (done.score, done.max_score, done.answers) == (0, 19, {})


# --- building tests -------------------------------------------------------------------------------

def test_items_are_validated_before_they_are_kept(small_test: PlacementTest, manager: Principal) -> None:
    def add(**kwargs: Any) -> Item:
        base: dict[str, Any] = {"prompt": {"en": "Q", "ar": "س"}, "choices": {"en": ["a", "b"], "ar": ["أ", "ب"]},
                                "correct_choice": 1}
        return svc.add_item(actor=manager, test=small_test, **{**base, **kwargs})

    cases: list[tuple[dict[str, Any], str]] = [
        ({"choices": {"en": ["a", "b"], "ar": ["أ", "ب", "ج"]}}, "choices"),
        ({"choices": {"en": ["a", "b"]}}, "choices"),                       # no Arabic answers to an Arabic question
        ({"choices": {"en": ["a", "b"], "ar": ["أ", "ب"], "xx": ["?", "?"]}}, "choices"),
        ({"choices": {"en": ["a", " "], "ar": ["أ", "ب"]}}, "choices"),
        ({"choices": {"en": ["a"], "ar": ["أ"]}}, "choices"),
        ({"choices": {"en": "a, b", "ar": ["أ", "ب"]}}, "choices"),
        ({"correct_choice": 2}, "correct_choice"),
        ({"correct_choice": None}, "correct_choice"),
        ({"prompt": {"en": "  "}}, "prompt"),
        ({"prompt": {"zz": "Q"}}, "prompt"),
        ({"skill": "juggling"}, "skill"),
        ({"difficulty": 4}, "difficulty"),
        ({"points": 0}, "points"),
        ({"kind": "essay"}, "kind"),
        ({"kind": "typing", "choices": None, "correct_choice": None}, "typing_text"),
        ({"kind": "typing", "typing_text": "x" * 301, "choices": None, "correct_choice": None}, "typing_text"),
        ({"kind": "typing", "typing_text": "abc"}, "choices"),
    ]
    before = small_test.items.count()
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            add(**kwargs)
        assert caught.value.field == field, (kwargs, caught.value.field, caught.value.message)
    assert small_test.items.count() == before
    item = add(skill="email", difficulty=3)
    assert (item.order, item.skill.code, item.correct_choice) == (before + 1, "email", 1)  # type: ignore[union-attr]


def test_only_course_managers_of_the_partner_build_its_tests(small_test: PlacementTest, coordinator: Principal,
                                                            member: Callable[..., Any], world: dict[str, Any]) -> None:
    other_manager = principal_for_user(member(Role.PROGRAMME_MANAGER, "other"))
    for actor in (coordinator, other_manager):
        with pytest.raises(PermissionDenied):
            svc.create_test(actor=actor, partner=world["partner"], title="Mine")
        with pytest.raises(PermissionDenied):
            svc.add_item(actor=actor, test=small_test, prompt="Q", choices={"en": ["a", "b"]}, correct_choice=0)
        with pytest.raises(PermissionDenied):
            svc.set_bands(actor=actor, test=small_test, bands=[{"min_percent": 0, "label": "All"}])
    with pytest.raises(ValidationFailed):
        svc.create_test(actor=principal_for_user(member(Role.PROGRAMME_MANAGER)), partner=world["irbid"],
                        title="At a centre")


def test_bands_start_at_zero_recommend_the_partners_courses_and_keep_results(
        small_test: PlacementTest, manager: Principal, learner: Participant, root: Principal,
        world: dict[str, Any]) -> None:
    from kasb.training.services.courses import create_course

    foreign = create_course(actor=root, partner=world["other"], code="foreign", title="Foreign")
    for bands, field in [([{"min_percent": 10, "label": "x"}], "bands"),
                         ([{"min_percent": 0, "label": "a"}, {"min_percent": 0, "label": "b"}], "bands.2.min_percent"),
                         ([{"min_percent": 0, "label": "a"}, {"min_percent": 101, "label": "b"}],
                          "bands.2.min_percent"),
                         ([{"min_percent": 0, "label": ""}], "bands.1.label"),
                         ([{"min_percent": 0, "label": "a", "course": foreign}], "bands.1.course")]:
        with pytest.raises(ValidationFailed) as caught:
            svc.set_bands(actor=manager, test=small_test, bands=bands)
        assert caught.value.field == field

    attempt = svc.start_attempt(test=small_test, participant=learner, language="en")
    done = svc.submit_attempt(attempt=attempt, answers=answers_with(small_test, 16))
    assert done.band is not None and done.band.min_percent == 75
    with pytest.raises(Conflict):
        svc.set_bands(actor=manager, test=small_test, bands=[{"min_percent": 0, "label": "All"}])
    kept = svc.set_bands(actor=manager, test=small_test, bands=[
        {"min_percent": 0, "label": "Start"}, {"min_percent": 75, "label": {"en": "Ahead", "ar": "متقدم"}}])
    assert [(b.min_percent, b.label["en"]) for b in kept] == [(0, "Start"), (75, "Ahead")]
    assert Band.objects.get(pk=done.band.pk).label["en"] == "Ahead"  # reworded, the result still points at it


# --- pages ----------------------------------------------------------------------------------------

@pytest.fixture
def learner_client(learner: Participant) -> Client:
    assert learner.user is not None
    return sign_in(Client(), learner.user)


def _post_answers(client: Client, url: str, attempt: Attempt, answers: dict[str, Any]) -> Any:
    data = {"action": "submit", "attempt": attempt.number, **{f"item-{k}": v for k, v in answers.items()}}
    return client.post(url, data)


def test_a_participant_starts_takes_and_sees_the_result_without_javascript(
        placement_test: PlacementTest, learner: Participant, learner_client: Client) -> None:
    intro = learner_client.get("/en/training/test/")
    assert intro.status_code == 200
    assert b"Start the test" in intro.content and b"25 minutes" in intro.content

    started = learner_client.post(f"/en/training/test/{placement_test.pk}/", {"action": "start"})
    assert started.status_code == 302
    page = learner_client.get(started["Location"]).content.decode()
    attempt = Attempt.objects.get(test=placement_test, participant=learner)
    assert 'role="timer"' in page and f'name="attempt" value="{attempt.number}"' in page
    assert page.count('type="radio"') == sum(len(i["choices"]["en"]) for i in bank.ITEMS if "choices" in i)
    assert page.count("<textarea") == 3 and "Send my answers" in page

    # The page is the same for the /training/test/ entry while the attempt runs.
    assert 'role="timer"' in learner_client.get("/en/training/test/").content.decode()

    done = _post_answers(learner_client, f"/en/training/test/{placement_test.pk}/", attempt,
                         right_answers(placement_test))
    assert done.status_code == 302 and done["Location"].endswith(f"/result/{attempt.number}/")
    result = learner_client.get(done["Location"]).content.decode()
    assert "100%" in result and "Ready for an advanced track" in result and "Web development" in result
    assert "Recommended course" in result and "Internet safety" in result

    # A double tap or a retry posts again: the first result stands and the same result page follows.
    again = _post_answers(learner_client, f"/en/training/test/{placement_test.pk}/", attempt, {})
    assert again.status_code == 302 and again["Location"] == done["Location"]
    assert Attempt.objects.get(pk=attempt.pk).score == len(bank.ITEMS)

    after = learner_client.get("/en/training/test/").content.decode()
    assert "You can take the test again from" in after and "Attempt 1" in after


def test_a_bad_answer_on_the_page_shows_the_error_and_keeps_what_was_typed(
        placement_test: PlacementTest, learner: Participant, learner_client: Client) -> None:
    url = f"/en/training/test/{placement_test.pk}/"
    learner_client.post(url, {"action": "start"})
    attempt = Attempt.objects.get(test=placement_test, participant=learner)
    items = svc.active_items(placement_test)
    typing = next(i for i in items if i.kind == Item.Kind.TYPING)
    response = _post_answers(learner_client, url, attempt, {str(items[1].pk): "9", str(typing.pk): "I will come"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Question 2: choose one of the answers given." in page and ">I will come</textarea>" in page
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None


def test_the_participant_pages_refuse_strangers(placement_test: PlacementTest, learner_client: Client,
                                                member: Callable[..., Any]) -> None:
    assert Client().get("/en/training/test/").status_code == 302  # to sign in
    assert learner_client.get(f"/en/training/test/{placement_test.pk + 999}/").status_code == 404
    assert learner_client.get(f"/en/training/test/{placement_test.pk}/result/1/").status_code == 404
    trainer = sign_in(Client(), member(Role.TRAINER))
    assert trainer.get("/en/training/test/").status_code == 404


def test_an_applicant_takes_the_test_in_arabic_right_to_left(placement_test: PlacementTest) -> None:
    tok = token()
    url = f"/ar/training/test/a/{tok}/{placement_test.pk}/"
    browser = Client()
    intro = browser.get(url)
    assert intro.status_code == 200 and 'dir="rtl"' in intro.content.decode()
    assert intro["Referrer-Policy"] == "same-origin"  # "no-referrer" would send Origin: null and fail CSRF
    assert browser.post(url, {"action": "start"}).status_code == 302
    page = browser.get(url).content.decode()
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "في معظم الهواتف الذكية، أي رمز يفتح الإعدادات؟" in page and "عجلة مسننة" in page
    attempt = Attempt.objects.get(test=placement_test, applicant_token=tok)
    assert attempt.language == "ar" and attempt.participant is None

    done = _post_answers(browser, url, attempt, {})
    result = browser.get(done["Location"])
    text = result.content.decode()
    assert result.status_code == 200 and 'dir="rtl"' in text
    assert "المهارات الرقمية الأساسية" in text  # the band's label in Arabic, and its course


def test_a_made_up_or_refused_token_finds_nothing(placement_test: PlacementTest,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert Client().get(f"/en/training/test/a/{'x' * 10}/{placement_test.pk}/").status_code == 404
    assert Client().get(f"/en/training/test/a/{token()}/{placement_test.pk + 99}/").status_code == 404
    monkeypatch.setattr(svc, "_applicant_checks", [lambda tok, test: False])
    assert Client().get(f"/en/training/test/a/{token()}/{placement_test.pk}/").status_code == 404
    assert not Attempt.objects.exists()


def test_the_test_pages_weigh_at_most_50_kb(placement_test: PlacementTest, learner: Participant) -> None:
    assert learner.user is not None
    client = sign_in(Client(HTTP_ACCEPT_ENCODING="gzip"), learner.user)
    client.post(f"/en/training/test/{placement_test.pk}/", {"action": "start"})
    pages = [weight.weigh(client, f"/{lang}/training/test/{placement_test.pk}/") for lang in ("en", "ar", "tg")]

    applicant = Client(HTTP_ACCEPT_ENCODING="gzip")
    url = f"/ru/training/test/a/{token()}/{placement_test.pk}/"
    pages.append(weight.weigh(applicant, url))                          # the introduction
    applicant.post(url, {"action": "start"})
    taking = applicant.get(url)
    assert 'role="timer"' in gzip.decompress(taking.content).decode()
    pages.append(weight.weigh(applicant, url))                          # every question
    for figures in pages:
        assert figures["total_gz"] <= weight.BUDGET, figures


def test_staff_see_items_answers_and_results_per_band(placement_test: PlacementTest, learner: Participant,
                                                      manager_user: Any, member: Callable[..., Any]) -> None:
    for right in (True, False):
        attempt = svc.start_attempt(test=placement_test, applicant_token=token(), language="en")
        svc.submit_attempt(attempt=attempt, answers=right_answers(placement_test) if right else {})
    svc.start_attempt(test=placement_test, participant=learner, language="en")

    staff = sign_in(Client(), manager_user)
    listing = staff.get("/en/training/test/manage/").content.decode()
    assert "Digital skills placement test" in listing
    page = staff.get(f"/en/training/test/manage/{placement_test.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "A gear wheel" in text and "right answer" in text and "amal.haddad@example.org" in text
    bands = dict(page.context["bands"])
    assert [(band.min_percent, n) for band, n in bands.items() if band] == [(0, 1), (40, 0), (75, 1)]
    assert page.context["summary"]["done"] == 2 and page.context["running"] == 1
    assert page.context["items"][0]["right"] == 50

    coordinator = sign_in(Client(), member(Role.COORDINATOR))
    assert coordinator.get(f"/en/training/test/manage/{placement_test.pk}/").status_code == 403
    outsider = sign_in(Client(), member(Role.PROGRAMME_MANAGER, "other"))
    assert outsider.get(f"/en/training/test/manage/{placement_test.pk}/").status_code == 404
    assert staff.get("/en/training/test/").status_code == 302  # staff land on the tests they manage


def test_the_staff_list_costs_the_same_queries_for_one_test_or_many(
        placement_test: PlacementTest, manager: Principal, manager_user: Any, world: dict[str, Any]) -> None:
    staff = sign_in(Client(), manager_user)
    staff.get("/en/training/test/manage/")  # warm the session and the principal's caches

    def queries() -> int:
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(conn) as captured:
            assert staff.get("/en/training/test/manage/").status_code == 200
        return len(captured)

    one = queries()
    for n in range(4):
        test = svc.create_test(actor=manager, partner=world["partner"], title=f"Test {n}")
        svc.add_item(actor=manager, test=test, prompt="Q", choices={"en": ["a", "b"]}, correct_choice=0)
        attempt = svc.start_attempt(test=test, applicant_token=token(), language="en")
        svc.submit_attempt(attempt=attempt, answers={})
    assert queries() == one


def test_the_install_command_loads_the_test_once(world: dict[str, Any], courses: dict[str, Course]) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("install_placement_test", "Amal Youth", "--basic", "basic-digital", "--advanced", "advanced",
                 stdout=out)
    call_command("install_placement_test", str(world["partner"].pk), stdout=out)
    test = PlacementTest.objects.get(partner=world["partner"])
    assert [b.course_id for b in test.bands.order_by("min_percent")] == [
        courses["basic"].pk, None, courses["advanced"].pk]
    assert f"{len(bank.ITEMS)} items" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("install_placement_test", "Nobody")
    with pytest.raises(CommandError):
        call_command("install_placement_test", "Amal Youth", "--basic", "no-such-course")


def test_the_applicants_pages_are_rate_limited_per_address(placement_test: PlacementTest, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.KASB_RATE_LIMITS = {"placement": 3}
    url = f"/en/training/test/a/{token()}/{placement_test.pk}/"
    browser = Client()
    assert [browser.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    cache.clear()
