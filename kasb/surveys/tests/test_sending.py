"""Sending: each person invited once, in their language, only after the transaction commits."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from kasb.core.errors import Conflict, ValidationFailed
from kasb.core.permissions import Principal
from kasb.surveys.models import Invitation
from kasb.surveys.services.building import install_template, move_survey
from kasb.surveys.services.sending import remind, send_to_cohort, send_to_group, token_hash

from .conftest import enrol_all, links, open_template, person, sms

pytestmark = pytest.mark.django_db


def test_a_cohort_is_invited_once_each_in_their_language(officer: Principal, world_c: Any, committed: Any) -> None:
    arabic, russian, plain = person(world_c, 1, language="ar"), person(world_c, 2, language="ru"), person(world_c, 3)
    enrol_all(world_c, [arabic, russian, plain])
    survey = open_template(officer, world_c)
    with committed():
        result = send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms",
                            base_url="https://kasb.example.org/")
    assert (result.invited, result.already, result.unreachable) == (3, 0, 0)
    sent = links()
    assert {phone: lang for phone, (lang, _t) in sent.items()} == {
        str(arabic.phone): "ar", str(russian.phone): "ru", str(plain.phone): "ar"}  # no sign-in: Jordan reads Arabic
    texts = {m["to"]: m["text"] for m in sms()}
    assert "https://kasb.example.org/ar/surveys/a/" in texts[str(arabic.phone)]
    assert "Amal Youth" in texts[str(arabic.phone)] and "عملك بعد التدريب" in texts[str(arabic.phone)]
    assert "работа после обучения" in texts[str(russian.phone)]
    # Only hashes are kept.
    for phone, (_lang, token) in sent.items():
        invitation = Invitation.objects.get(participant__phone_index__isnull=False, token_hash=token_hash(token))
        assert token not in (invitation.token_hash, invitation.answer_key_hash)
        assert invitation.sent_at is not None
    with committed():
        again = send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    assert (again.invited, again.already) == (0, 3)
    assert len(sms()) == 3 and Invitation.objects.filter(survey=survey).count() == 3


def test_messages_go_only_after_commit(officer: Principal, world_c: Any, committed: Any,
                                       django_capture_on_commit_callbacks: Any) -> None:
    enrol_all(world_c, [person(world_c, 1), person(world_c, 2)])
    survey = open_template(officer, world_c)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    assert sms() == [] and callbacks
    assert not Invitation.objects.filter(sent_at__isnull=False).exists()
    for callback in callbacks:
        callback()
    assert len(sms()) == 2 and Invitation.objects.filter(sent_at__isnull=False).count() == 2


def test_by_email_those_without_an_address_are_counted_not_invited(officer: Principal, world_c: Any,
                                                                   committed: Any) -> None:
    writes = person(world_c, 3, language="fr", email="nadia@example.org")
    enrol_all(world_c, [person(world_c, 1), person(world_c, 2), writes])
    survey = open_template(officer, world_c)
    with committed():
        result = send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="email")
    assert (result.invited, result.unreachable) == (1, 2) and sms() == []
    (message,) = mail.outbox
    assert message.to == ["nadia@example.org"] and "Suivi : votre travail après la formation" in message.subject
    assert "/fr/surveys/a/" in message.body
    with pytest.raises(ValidationFailed):
        send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="pigeon")


def test_a_group_is_narrowed_by_sex_and_displacement(officer: Principal, world_c: Any, committed: Any) -> None:
    woman_refugee = person(world_c, 1)
    man_refugee = person(world_c, 2, sex="male")
    woman_host = person(world_c, 3, displacement="host_community")
    not_enrolled = person(world_c, 4)
    enrol_all(world_c, [woman_refugee, man_refugee, woman_host])
    survey = open_template(officer, world_c)
    with committed():
        result = send_to_group(actor=officer, survey=survey, channel="sms", sex="female", displacement="refugee")
    assert result.invited == 1
    assert set(links()) == {str(woman_refugee.phone)}
    with committed():
        everyone = send_to_group(actor=officer, survey=survey, channel="sms", in_programme=False)
    assert (everyone.invited, everyone.already) == (3, 1)
    assert str(not_enrolled.phone) in links()


def test_a_draft_or_closed_survey_is_not_sent(officer: Principal, world_c: Any, committed: Any) -> None:
    enrol_all(world_c, [person(world_c, 1)])
    draft = install_template(actor=officer, programme=world_c.programme, template="tracer")
    with pytest.raises(Conflict):
        send_to_cohort(actor=officer, survey=draft, cohort=world_c.cohort, channel="sms")
    opened = move_survey(actor=officer, survey=draft, to="open")
    move_survey(actor=officer, survey=opened, to="closed")
    with pytest.raises(Conflict):
        send_to_cohort(actor=officer, survey=opened, cohort=world_c.cohort, channel="sms")
    assert sms() == []


def test_a_reminder_sends_a_fresh_link_to_those_who_have_not_answered(officer: Principal, world_c: Any,
                                                                      committed: Any) -> None:
    from kasb.surveys.services.answering import submit_response

    from .conftest import answers_for

    first, second = person(world_c, 1), person(world_c, 2)
    enrol_all(world_c, [first, second])
    survey = open_template(officer, world_c)
    with committed():
        send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    old = links()
    submit_response(token=old[str(first.phone)][1], client_key="k" * 16,
                    answers=answers_for(survey, employed="no", using_skills="no"))
    with committed():
        assert remind(actor=officer, survey=survey) == 1
    fresh = links()
    assert fresh[str(first.phone)] == old[str(first.phone)]
    assert fresh[str(second.phone)] != old[str(second.phone)]
    reminder = sms()[-1]
    assert reminder["to"] == str(second.phone) and survey.title["ar"] in reminder["text"]
    assert f"/ar/surveys/a/{fresh[str(second.phone)][1]}/" in reminder["text"]
    assert Invitation.objects.get(participant=second).reminders == 1
    with committed():
        assert remind(actor=officer, survey=survey) == 0  # a second click the same day reminds no one
    assert len(sms()) == 3


def test_those_who_withdrew_consent_to_contact_are_left_out(officer: Principal, world_c: Any,
                                                            committed: Any) -> None:
    from kasb.participants.services import record_consent, withdraw_consent

    quiet, back, plain = person(world_c, 1), person(world_c, 2), person(world_c, 3)
    enrol_all(world_c, [quiet, back, plain])
    for someone in (quiet, back):
        withdraw_consent(actor=world_c.coordinator, consent=record_consent(
            actor=world_c.coordinator, participant=someone, purpose="contact"))
    record_consent(actor=world_c.coordinator, participant=back, purpose="contact")  # gave it again
    survey = open_template(officer, world_c)
    with committed():
        result = send_to_cohort(actor=officer, survey=survey, cohort=world_c.cohort, channel="sms")
    assert (result.invited, result.declined) == (2, 1)
    assert set(links()) == {str(back.phone), str(plain.phone)}
