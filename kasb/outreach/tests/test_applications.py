"""Applying to a call without an account: the registry's rules, the call's rules, duplicates, the message sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext, override

from kasb.core.errors import Conflict, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal
from kasb.orgs.models import Programme
from kasb.outreach import services
from kasb.outreach.models import Application, ApplicationChange, Call
from kasb.outreach.queries import ranked_applications

from .conftest import application_data, area, make_call, sms_messages, years_ago


def errors_of(call: Call, language: str = "en", **overrides: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        services.submit_application(call=call, data=application_data(**overrides), language=language)
    return caught.value.details


def test_an_application_is_saved_with_its_answers_encrypted(call: Call, django_capture_on_commit_callbacks: Any
                                                             ) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        app = services.submit_application(call=call, data=application_data(email="rania@example.org"),
                                          language="ar", base_url="https://kasb.example")
    app.refresh_from_db()
    assert app.reference.startswith("A") and len(app.token) >= 32
    assert app.area is not None and app.area.code == "JO-IR"
    assert (app.status, app.language, app.heard_via) == ("submitted", "ar", "social_media")
    answers: Any = app.answers
    assert answers["phone"] == "+962791234567" and answers["displacement_status"] == "refugee"
    assert answers["consents"] == ["registration", "contact"]
    assert app.motivation == "I want to work online from home."
    # At rest, the protected answers are ciphertext.
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers, motivation FROM outreach_application WHERE id = %s", [app.pk])
        raw = cursor.fetchone()
    assert "+962791234567" not in raw[0] and "online" not in raw[1]
    assert ApplicationChange.objects.get(application=app).to_status == "submitted"
    # The confirmation, in Arabic, with the reference, the private status link and the placement test link.
    [sms] = sms_messages()
    assert sms["to"] == "+962791234567"
    assert app.reference in sms["text"]
    assert f"https://kasb.example/ar/apply/status/{app.token}/" in sms["text"]
    assert f"https://kasb.example/ar/training/test/a/{app.token}/{call.placement_test_id}/" in sms["text"]
    with override("ar"):
        assert sms["text"].startswith(gettext("Thank you for applying to “%(call)s”. Your reference is %(ref)s. "
                                              "Follow your application here: %(link)s").split("%(call)s")[0])


def test_missing_consent_out_of_range_age_and_wrong_phone_are_field_errors_in_arabic(call: Call) -> None:
    details = errors_of(call, "ar", consent_registration=False, date_of_birth=years_ago(40), phone="12345")
    assert set(details) == {"consent_registration", "date_of_birth", "phone"}
    with override("ar"):
        assert details["consent_registration"] == gettext(
            "Please tick this box to agree. Without it we cannot keep or consider your application.")
    # The phone message comes from the registry's rules, already translated.
    assert details["phone"] == "«12345» ليس رقم هاتف صحيحًا في بلده."
    assert "17" in details["date_of_birth"] and "30" in details["date_of_birth"] and "40" in details["date_of_birth"]
    assert Application.objects.count() == 0


def test_every_problem_is_reported_at_once_and_nothing_is_saved(call: Call) -> None:
    details = errors_of(call, given_name="", sex="", nationality="XX", motivation="", heard_via="", phone="")
    assert set(details) == {"given_name", "sex", "nationality", "motivation", "heard_via", "phone"}
    assert details["given_name"] == "This is required."  # the registry's own message
    assert details["phone"] == "Enter a phone number."
    assert Application.objects.count() == 0


def test_age_is_counted_on_the_closing_date(call: Call) -> None:
    # 16 today, 17 by the closing date: eligible. 30 today and 31 by the closing date: not.
    assert services.submit_application(call=call, data=application_data(date_of_birth=years_ago(17, days=-10)),
                                       language="en")
    details = errors_of(call, phone="+962791234568", date_of_birth=years_ago(31, days=-10))
    assert "This call is for people aged 17 to 30 years" in details["date_of_birth"]
    assert "On that date you will be 31 years old." in details["date_of_birth"]


def test_the_area_must_be_one_of_the_calls(manager: Principal, programme: Programme) -> None:
    call = make_call(manager, programme, slug="north-only", areas=[area("JO-IR"), area("JO-MA")])
    assert errors_of(call, area="JO-AM")["area"] == "This call is for people living in: Irbid, Mafraq."
    assert errors_of(call, area="")["area"] == "Choose where you live."
    assert services.submit_application(call=call, data=application_data(area="JO-MA"), language="en")


def test_a_closed_or_draft_call_takes_no_application(manager: Principal, programme: Programme, call: Call) -> None:
    services.close_call(actor=manager, call=call)
    with pytest.raises(Conflict) as caught:
        services.submit_application(call=call, data=application_data(), language="en")
    assert caught.value.code == "call_closed"
    today = timezone.localdate()
    later = services.create_call(actor=manager, spec=services.CallSpec(
        programme=programme, title="Later", slug="later", opens_on=today + timedelta(days=3),
        closes_on=today + timedelta(days=30), places=5))
    services.open_call(actor=manager, call=later)
    with pytest.raises(Conflict):
        services.submit_application(call=later, data=application_data(), language="en")
    assert Application.objects.count() == 0


def test_one_application_per_phone_per_call(call: Call, manager: Principal, programme: Programme) -> None:
    first = services.submit_application(call=call, data=application_data(), language="en")
    with pytest.raises(Conflict) as caught:
        # The same number written differently is the same phone.
        services.submit_application(call=call, data=application_data(given_name="Someone", family_name="Else",
                                                                     phone="+962 79 123 4567"), language="fr")
    assert caught.value.code == "already_applied" and caught.value.field == "phone"
    assert first.reference in caught.value.message
    # Only the reference: no name, status or link of the earlier application.
    assert "Rania" not in caught.value.message and first.token not in caught.value.message
    assert Application.objects.count() == 1
    # Another call is another matter.
    other = make_call(manager, programme, slug="second-call")
    assert services.submit_application(call=other, data=application_data(), language="en")


def test_same_name_and_birth_date_is_flagged_not_refused(call: Call) -> None:
    a = services.submit_application(call=call, data=application_data(), language="en")
    b = services.submit_application(call=call, data=application_data(phone="+962791234599"), language="en")
    c = services.submit_application(call=call, data=application_data(phone="+962791234598", given_name="Huda"),
                                    language="en")
    flagged = {r.application.pk: r.possible_duplicate for r in ranked_applications(call)}
    assert flagged == {a.pk: True, b.pk: True, c.pk: False}
    event = AuditEvent.objects.get(verb="application.submitted", object_id=str(b.pk))
    assert event.data["possible_duplicate"] is True


def test_preferred_centre_and_course_must_be_the_calls(call: Call, world: dict[str, Any],
                                                       apply: Callable[..., Application]) -> None:
    details = errors_of(call, preferred_centre=world["zaatari"], preferred_course=999999)
    assert set(details) == {"preferred_centre", "preferred_course"}
    app = apply(1, preferred_centre=world["irbid"], preferred_course=call.courses.get().pk)
    assert app.preferred_centre == world["irbid"] and app.preferred_course == call.courses.get()
