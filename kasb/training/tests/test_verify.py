"""The public verification page: valid, revoked or not found; nothing private on it; rate-limited per address."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from kasb.core.permissions import Principal
from kasb.core.ratelimit import client_ip, hit
from kasb.participants.models import Participant
from kasb.training.models import Certificate, Enrolment
from kasb.training.services.certificates import complete_enrolment, normalise_code, revoke_certificate

from .fixtures_certificates import *  # noqa: F403  (fixtures)
from .fixtures_certificates import attend, grade


@pytest.fixture
def certificate(coordinator: Principal, ready: Enrolment) -> Certificate:
    return complete_enrolment(actor=coordinator, enrolment=ready)


def private_values(person: Participant) -> list[str]:
    """What must never appear on a public page: contact, birth date (as ISO and as people write it), reference."""
    return [person.phone, person.phone.replace("+", ""), person.reference, person.id_number or "",
            "2003-05-14", "14 May 2003", "May 14, 2003", "14/05/2003", "Irbid", "refugee", "Refugee"]


def test_a_valid_certificate_shows_name_course_partner_and_date_and_nothing_private(
        certificate: Certificate, ready: Enrolment) -> None:
    response = Client().get(f"/en/verify/{certificate.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Valid certificate" in html and "Amal Haddad" in html and "Basic digital skills" in html
    assert "Amal Youth" in html and certificate.code in html
    assert f"/en/verify/{certificate.code}/badge.json" in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert ready.participant is not None
    for value in private_values(ready.participant):
        assert value not in html, value


def test_codes_are_read_in_any_case_with_or_without_dashes(certificate: Certificate) -> None:
    plain = certificate.code.replace("-", "").lower()
    assert normalise_code(plain) == certificate.code
    assert normalise_code(f" {plain[:8]} {plain[8:]} ") == certificate.code
    assert normalise_code("K7Q3-M9PX-2HNA") is None and normalise_code("O0O0-I1I1-O0O0-I1I1") is None
    client = Client()
    for typed in (plain, certificate.code.lower(), plain.upper()):
        response = client.get(f"/en/verify/{typed}/")
        assert response.status_code == 200 and "Valid certificate" in response.content.decode()
    form = client.get("/en/verify/", {"code": f"{plain[:4]} {plain[4:]}"})
    assert form.status_code == 302 and form["Location"] == f"/en/verify/{certificate.code}/"
    bad = client.get("/en/verify/", {"code": "hello"})
    assert bad.status_code == 400 and "This is not a certificate code" in bad.content.decode()
    assert client.get("/en/verify/").status_code == 200


def test_a_revoked_certificate_says_so_with_the_date_but_not_the_reason(
        certificate: Certificate, manager: Principal) -> None:
    revoke_certificate(actor=manager, certificate=certificate, reason="Attendance sheets were forged")
    certificate.refresh_from_db()
    response = Client().get(f"/en/verify/{certificate.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Revoked certificate" in html and "It is no longer valid." in html
    assert certificate.revoked_at is not None
    revoked_on = date_format(timezone.localtime(certificate.revoked_at).date(), "DATE_FORMAT")
    assert f"This certificate was revoked on {revoked_on}. It is no longer valid." in html
    assert "Valid certificate" not in html and "forged" not in html.lower()


def test_a_made_up_code_is_not_found(certificate: Certificate) -> None:
    made_up = "ABCD-EFGH-JKLM-NPQR" if certificate.code != "ABCD-EFGH-JKLM-NPQR" else "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    for code in (made_up, made_up.lower().replace("-", ""), "not-a-code", "<img src=x onerror=alert(1)>"):
        response = Client().get(f"/en/verify/{code}/")
        html = response.content.decode()
        assert response.status_code == 404 and "Certificate not found" in html
        assert "<img src=x" not in html


def test_the_arabic_page_runs_right_to_left(certificate: Certificate) -> None:
    html = Client().get(f"/ar/verify/{certificate.code}/").content.decode()
    assert 'lang="ar" dir="rtl"' in html and "Amal Haddad" in html


def test_the_public_badge_and_status_list(certificate: Certificate, manager: Principal,
                                          ready: Enrolment) -> None:
    client = Client()
    response = client.get(f"/en/verify/{certificate.code.lower()}/badge.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    badge = json.loads(response.content)
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"http://testserver/en/verify/{certificate.code}/"
    for field in ("@context", "issuer", "validFrom", "name", "credentialSubject", "credentialStatus"):
        assert field in badge
    assert ready.participant is not None
    for value in private_values(ready.participant):
        assert value not in response.content.decode(), value

    status_url = badge["credentialStatus"]["id"].replace("http://testserver", "")
    assert json.loads(client.get(status_url).content)["revokedCredentials"] == []
    revoke_certificate(actor=manager, certificate=certificate, reason="Forged")
    revoked = json.loads(client.get(status_url).content)
    assert revoked["revokedCredentials"] == [{"id": badge["id"]}] and "Forged" not in json.dumps(revoked)
    missing = client.get("/en/verify/ABCD-EFGH-JKLM-NPQR/badge.json")
    assert missing.status_code == 404 and json.loads(missing.content)["code"] == "not_found"


def test_verification_is_rate_limited_per_address(certificate: Certificate, settings: Any) -> None:
    settings.KASB_RATE_LIMITS = {"verify": 5}
    client = Client(REMOTE_ADDR="203.0.113.7")
    codes = [client.get(f"/en/verify/{certificate.code}/").status_code for _ in range(5)]
    assert codes == [200] * 5
    blocked = client.get(f"/ar/verify/{certificate.code}/")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) >= 1
    html = blocked.content.decode()
    assert 'lang="ar" dir="rtl"' in html and "Amal Haddad" not in html
    assert client.get(f"/en/verify/{certificate.code}/badge.json").status_code == 429
    assert json.loads(client.get("/en/verify/x/badge.json").content)["code"] == "rate_limited"
    # Someone else, at another address, is not held back.
    assert Client(REMOTE_ADDR="203.0.113.8").get(f"/en/verify/{certificate.code}/").status_code == 200


def test_the_default_limit_is_thirty_a_minute(certificate: Certificate) -> None:
    client = Client(REMOTE_ADDR="198.51.100.1")
    statuses = [client.get(f"/en/verify/{certificate.code}/").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


def test_behind_proxies_the_address_they_saw_is_used_not_one_a_client_wrote(
        settings: Any, rf: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9")
    assert client_ip(request) == "10.0.0.2"  # no proxy trusted: the header is ignored
    settings.KASB_TRUSTED_PROXIES = 1
    assert client_ip(request) == "198.51.100.9"  # what our load balancer saw; the spoofed first hop is ignored


def test_the_window_resets() -> None:
    assert [hit("t", "a", limit=2, window=60, now=120.0).allowed for _ in range(3)] == [True, True, False]
    assert hit("t", "a", limit=2, window=60, now=180.0).allowed  # the next minute
    assert hit("t", "a", limit=2, window=60, now=179.0).retry_after == 1


def test_no_sign_in_is_needed(certificate: Certificate, make_learner: Callable[..., Participant],
                              enrol: Callable[..., Enrolment], coordinator: Principal) -> None:
    # A second holder's certificate is just as public, and the first's page does not mention them.
    other = enrol(participant=make_learner(given_name="Rana", family_name="Odeh"))
    attend(other, 4)
    grade(other, 1, 90)
    grade(other, 2, 90)
    second = complete_enrolment(actor=coordinator, enrolment=other)
    html = Client().get(f"/fr/verify/{second.code}/").content.decode()
    assert "Rana Odeh" in html and "Amal Haddad" not in html
