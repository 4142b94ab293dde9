"""The public pages as an applicant meets them: a phone, no account, five languages, Arabic right to left."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.translation import gettext, ngettext, override

from kasb.outreach import services
from kasb.outreach.models import Application, Call
from kasb.web.tests.test_page_weight import BUDGET, weigh

from .conftest import area, make_call, sms_messages, years_ago


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Rania", "family_name": "Odeh", "sex": "female", "date_of_birth": years_ago(22).isoformat(),
        "phone": "+962791234567", "nationality": "SY", "displacement_status": "refugee",
        "area": area("JO-IR").pk, "education": "upper_secondary", "neet": "on",
        "motivation": "أريد أن أتعلم العمل عبر الإنترنت", "heard_via": "whatsapp", "consent_registration": "on",
        "disability_seeing": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def field_errors(html: str) -> dict[str, str]:
    """{field id: its error message}, read from the error list placed beside each field."""
    return {m[0]: m[1] for m in re.findall(r'<ul class="errorlist" id="id_(\w+)_errors"><li>(.*?)</li>', html)}


def test_arabic_applicant_gets_errors_beside_the_fields_and_nothing_is_saved(call: Call) -> None:
    client = Client()
    response = client.post(f"/ar/apply/{call.slug}/", form_data(
        consent_registration=None, date_of_birth=years_ago(45).isoformat(), phone="0000"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'lang="ar" dir="rtl"' in html
    errors = field_errors(html)
    assert set(errors) == {"consent_registration", "date_of_birth", "phone"}
    with override("ar"):
        assert errors["consent_registration"] == gettext(
            "Please tick this box to agree. Without it we cannot keep or consider your application.")
        assert errors["date_of_birth"].startswith(ngettext(
            "This call is for people aged %(min)d to %(max)d year on %(date)s, its closing date.",
            "This call is for people aged %(min)d to %(max)d years on %(date)s, its closing date.", 30
        ).split("%")[0])
    assert errors["phone"] == "«0000» ليس رقم هاتف صحيحًا في بلده."
    # What they typed is still there to correct; nothing was saved.
    assert 'value="Rania"' in html
    assert Application.objects.count() == 0


def test_applying_leads_to_a_private_status_page(call: Call, django_capture_on_commit_callbacks: Any) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ar/apply/{call.slug}/", form_data())
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ar/apply/status/{app.token}/?new=1"
    assert (app.language, app.heard_via, app.given_name) == ("ar", "whatsapp", "Rania")
    assert sms_messages()[-1]["text"].count(app.token) == 2  # the status link and the test link
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and app.reference in html
    assert f"/ar/training/test/a/{app.token}/{call.placement_test_id}/" in html
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "same-origin"
    # Even the holder's own page shows no personal data: no name, phone or birth date.
    for private in ("Rania", "Odeh", "+962791234567", years_ago(22).isoformat()):
        assert private not in html


def test_a_second_application_from_the_same_phone_is_told_its_reference(call: Call) -> None:
    client = Client()
    client.post(f"/en/apply/{call.slug}/", form_data())
    first = Application.objects.get()
    response = client.post(f"/en/apply/{call.slug}/", form_data(given_name="Someone", family_name="Else"))
    assert response.status_code == 400
    html = response.content.decode()
    assert f"reference {first.reference}" in field_errors(html)["phone"]
    assert first.token not in html and "Odeh" not in html
    assert Application.objects.count() == 1


def test_public_pages_show_nothing_of_other_applicants(call: Call, apply: Callable[..., Application]) -> None:
    other = apply(1, family_name="Zeidan")
    client = Client()
    for url in ("/en/apply/", f"/en/apply/{call.slug}/"):
        html = client.get(url).content.decode()
        assert "Zeidan" not in html and other.reference not in html and other.token not in html
    assert client.get("/en/apply/status/not-a-real-token/").status_code == 404
    assert client.get(f"/en/apply/status/{other.token[:-1]}/").status_code == 404
    assert client.post("/en/apply/status/made-up/withdraw/").status_code == 404


def test_open_calls_are_listed_and_drafts_are_not(call: Call, manager: Any, programme: Any) -> None:
    closed = make_call(manager, programme, slug="closed-one", title={"en": "Closed one"})
    services.close_call(actor=manager, call=closed)
    html = Client().get("/en/apply/").content.decode()
    assert "Digital skills, Irbid" in html and "Closed one" not in html
    assert Client().get(f"/en/apply/{closed.slug}/").status_code == 200  # says it is not taking applications
    draft = services.create_call(actor=manager, spec=services.CallSpec(
        programme=programme, title="Draft", slug="draft-one", opens_on=call.opens_on, closes_on=call.closes_on,
        places=3))
    assert Client().get(f"/en/apply/{draft.slug}/").status_code == 404


def test_the_applicant_can_withdraw_from_their_status_page(call: Call, apply: Callable[..., Application]) -> None:
    app = apply(1)
    response = Client().post(f"/en/apply/status/{app.token}/withdraw/")
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Application.Status.WITHDRAWN


def test_public_pages_answer_429_when_a_client_asks_too_often(call: Call, settings: Any,
                                                              apply: Callable[..., Application]) -> None:
    settings.KASB_RATE_LIMITS = {"apply": 3, "apply-submit": 1}
    app = apply(1)
    client = Client()
    for _ in range(3):
        assert client.get(f"/en/apply/status/{app.token}/").status_code == 200
    limited = client.get(f"/en/apply/{call.slug}/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    # Another address is not held back.
    assert Client(REMOTE_ADDR="10.1.2.3").get("/en/apply/").status_code == 200
    # Sending applications has its own, tighter limit.
    cache.clear()
    sender = Client(REMOTE_ADDR="10.9.9.9")
    assert sender.post(f"/en/apply/{call.slug}/", form_data(phone="+962791111111")).status_code == 302
    assert sender.post(f"/en/apply/{call.slug}/", form_data(phone="+962791111112")).status_code == 429
    assert Application.objects.count() == 2  # `app` and the first one sent


def test_the_application_page_weighs_at_most_50_kb(call: Call) -> None:
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    for url in (f"/ar/apply/{call.slug}/", "/ar/apply/"):
        figures = weigh(client, url)
        assert figures["total_gz"] <= BUDGET, figures
    html = gzip.decompress(client.get(f"/ar/apply/{call.slug}/").content).decode()
    assert 'dir="rtl"' in html and 'name="consent_registration"' in html
