"""Building a survey: what the builder refuses, and the templates it installs in five languages."""

from __future__ import annotations

from typing import Any

import pytest

from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.orgs.queries import principal_for_user
from kasb.surveys.library import LANGS
from kasb.surveys.models import Question, Survey
from kasb.surveys.services.building import (
    add_question,
    create_survey,
    edit_question,
    install_template,
    move_question,
    move_survey,
    remove_question,
)

pytestmark = pytest.mark.django_db


def _draft(officer: Principal, world_c: Any) -> Survey:
    return create_survey(actor=officer, programme=world_c.programme, title={"en": "Check-in", "ar": "متابعة"})


def _choice(**kw: Any) -> dict[str, Any]:
    return {"kind": "single", "text": {"en": "Which?"}, "choices": [{"text": {"en": "A"}}, {"text": {"en": "B"}}],
            **kw}


def test_a_choice_question_needs_two_choices(officer: Principal, world_c: Any) -> None:
    survey = _draft(officer, world_c)
    with pytest.raises(ValidationFailed) as err:
        add_question(actor=officer, survey=survey, data=_choice(choices=[{"text": {"en": "Only one"}}]))
    assert err.value.code == "choices_missing" and err.value.field == "choices"
    with pytest.raises(ValidationFailed):
        add_question(actor=officer, survey=survey, data=_choice(choices=[]))
    with pytest.raises(ValidationFailed) as err:
        add_question(actor=officer, survey=survey, data=_choice(choices=[{"text": {"en": "A"}}, {"text": {}}]))
    assert "Choice 2" in err.value.message
    assert not survey.questions.exists()


@pytest.mark.parametrize(("low", "high"), [(None, 5), (1, None), (5, 1), (3, 3), (0, 20)])
def test_a_scale_needs_sensible_bounds(officer: Principal, world_c: Any, low: Any, high: Any) -> None:
    survey = _draft(officer, world_c)
    with pytest.raises(ValidationFailed) as err:
        add_question(actor=officer, survey=survey, data={"kind": "scale", "text": {"en": "How much?"},
                                                         "min_value": low, "max_value": high})
    assert err.value.code == "scale_bounds"


def test_a_number_question_with_bounds_upside_down_is_refused(officer: Principal, world_c: Any) -> None:
    survey = _draft(officer, world_c)
    with pytest.raises(ValidationFailed) as err:
        add_question(actor=officer, survey=survey, data={"kind": "number", "text": {"en": "How many?"},
                                                         "min_value": 10, "max_value": 2})
    assert err.value.code == "number_bounds"
    with pytest.raises(ValidationFailed) as err:
        add_question(actor=officer, survey=survey, data={"kind": "number", "text": {}})
    assert err.value.field == "text"


def test_a_survey_opens_only_with_a_question(officer: Principal, world_c: Any) -> None:
    survey = _draft(officer, world_c)
    with pytest.raises(ValidationFailed) as err:
        move_survey(actor=officer, survey=survey, to="open")
    assert err.value.code == "no_questions"
    add_question(actor=officer, survey=survey, data=_choice())
    opened = move_survey(actor=officer, survey=survey, to="open")
    assert opened.status == "open" and opened.opens_at is not None
    assert [(h.from_status, h.to_status) for h in opened.history.all()] == [("", "draft"), ("draft", "open")]


def test_only_a_draft_changes_and_moves_follow_the_table(officer: Principal, world_c: Any) -> None:
    survey = _draft(officer, world_c)
    question = add_question(actor=officer, survey=survey, data=_choice())
    with pytest.raises(Conflict):
        move_survey(actor=officer, survey=survey, to="closed")
    move_survey(actor=officer, survey=survey, to="open")
    question.refresh_from_db()
    with pytest.raises(Conflict) as err:
        edit_question(actor=officer, question=question, data=_choice(text={"en": "Changed"}))
    assert err.value.code == "not_draft"
    with pytest.raises(Conflict):
        add_question(actor=officer, survey=survey, data=_choice())
    closed = move_survey(actor=officer, survey=survey, to="closed")
    assert closed.status == "closed" and closed.closes_at is not None
    assert move_survey(actor=officer, survey=closed, to="open").closes_at is None


def test_questions_are_reordered_and_removed(officer: Principal, world_c: Any) -> None:
    survey = _draft(officer, world_c)
    first, second, third = (add_question(actor=officer, survey=survey, data=_choice(text={"en": t}))
                            for t in ("one", "two", "three"))
    move_question(actor=officer, question=third, up=True)
    assert [q.text["en"] for q in survey.questions.order_by("order")] == ["one", "three", "two"]
    move_question(actor=officer, question=Question.objects.get(pk=first.pk), up=True)  # already first: stays
    remove_question(actor=officer, question=Question.objects.get(pk=second.pk))
    assert list(survey.questions.order_by("order").values_list("order", "text__en")) == [(1, "one"), (2, "three")]


def test_editing_a_choice_question_keeps_its_keys(officer: Principal, world_c: Any) -> None:
    survey = install_template(actor=officer, programme=world_c.programme, template="tracer")
    employed = survey.questions.get(code="employed")
    edit_question(actor=officer, question=employed, data={
        "kind": "single", "text": {"en": "Do you work now?"},
        "choices": [{"key": "yes", "text": {"en": "Yes"}}, {"key": "no", "text": {"en": "No"}}]})
    employed.refresh_from_db()
    assert employed.code == "employed" and [c["key"] for c in employed.choices] == ["yes", "no"]


@pytest.mark.parametrize("template", ["employability", "tracer"])
def test_templates_install_in_five_languages(officer: Principal, world_c: Any, template: str) -> None:
    survey = install_template(actor=officer, programme=world_c.programme, template=template)
    assert survey.status == "draft" and survey.template == template
    assert set(survey.title) == set(LANGS) and set(survey.intro) == set(LANGS)
    for q in survey.questions.all():
        assert set(q.text) == set(LANGS), q.code
        for c in q.choices:
            assert set(c["text"]) == set(LANGS), (q.code, c["key"])
        if q.kind == "scale":
            assert set(q.min_label) == set(LANGS)
    assert survey.anonymous is (template == "employability")
    if template == "tracer":
        assert survey.follow_up_months == 3
        assert {"employed", "work_kind", "monthly_earnings", "earnings_currency", "using_skills"} <= set(
            survey.questions.values_list("code", flat=True))
    assert move_survey(actor=officer, survey=survey, to="open").status == "open"


def test_someone_without_the_capability_or_outside_the_partner_cannot_build(
        officer: Principal, world_c: Any, donor_user: Any, root: Principal, world: dict[str, Any]) -> None:
    donor = principal_for_user(donor_user)
    with pytest.raises(PermissionDenied):
        create_survey(actor=donor, programme=world_c.programme, title={"en": "X"})
    with pytest.raises(PermissionDenied):
        create_survey(actor=world_c.coordinator, programme=world_c.programme, title={"en": "X"})
    from kasb.orgs.services import create_programme

    elsewhere = create_programme(actor=root, partner=world["other"], name="Tunis 2026", country="TN", currency="TND")
    with pytest.raises(PermissionDenied):
        create_survey(actor=officer, programme=elsewhere, title={"en": "X"})
    other_survey = create_survey(actor=root, programme=elsewhere, title={"en": "Theirs"})
    with pytest.raises(NotFound):
        add_question(actor=officer, survey=other_survey, data=_choice())
