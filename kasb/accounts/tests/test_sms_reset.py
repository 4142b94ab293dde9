"""People who sign in with a phone number choose a new password with a code sent by SMS."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kasb.accounts.models import PasswordResetCode, User
from kasb.accounts.services import (
    CODES_PER_HOUR,
    RESET_CODE_TRIES,
    WrongCode,
    create_user,
    reset_password_with_code,
    send_reset_code,
    sign_in,
)
from kasb.conftest import PASSWORD
from kasb.core.errors import ValidationFailed

PHONE = "+962791110000"
NEW = "a-new-password-2026"


def texts() -> list[dict[str, str]]:
    file = Path(settings.SMS_FILE_PATH) / "messages.jsonl"
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()] if file.exists() else []


def last_code() -> str:
    match = re.search(r"\b(\d{6})\b", texts()[-1]["text"])
    assert match is not None
    return match.group(1)


@pytest.fixture
def phone_user(db: Any) -> User:
    return create_user(full_name="Amal Haddad", phone=PHONE, password=PASSWORD)


def test_the_pages_send_a_code_and_set_the_new_password(phone_user: User, client: Client,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    assert "Get a code by SMS" in client.get(reverse("accounts:login")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("accounts:password_sms"), {"phone": "+962 79 111 0000"}, follow=True)
    page = sent.content.decode()
    assert "we have sent it a code by SMS" in page and PHONE in page
    assert texts()[-1]["to"] == PHONE and "Nobody from Kasb will ever ask you for it" in texts()[-1]["text"]
    wrong = client.post(reverse("accounts:password_sms_code"), {"code": "000000" if last_code() != "000000"
                                                                else "111111", "password1": NEW, "password2": NEW})
    assert wrong.status_code == 400 and "You can try 4 more times" in wrong.content.decode()
    done = client.post(reverse("accounts:password_sms_code"),
                       {"code": last_code(), "password1": NEW, "password2": NEW}, follow=True)
    assert "Your new password is set" in done.content.decode()
    assert sign_in(request=None, identifier=PHONE, password=NEW).pk == phone_user.pk
    # The code worked once.
    with pytest.raises(ValidationFailed, match="expired or was already used"):
        reset_password_with_code(phone=PHONE, code=last_code(), password=NEW + "x")


def test_an_unknown_number_gets_the_same_answer_and_no_sms(db: Any, client: Client,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("accounts:password_sms"), {"phone": "+962799999999"}, follow=True)
    assert "we have sent it a code by SMS" in sent.content.decode() and texts() == []
    bad = client.post(reverse("accounts:password_sms"), {"phone": "not a number"})
    assert bad.status_code == 400 and "international format" in bad.content.decode()


def test_wrong_guesses_are_counted_and_end_the_code(phone_user: User,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reset_code(phone="+962 79 111 0000") == PHONE
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    for left in range(RESET_CODE_TRIES - 1, -1, -1):
        with pytest.raises(WrongCode) as error:
            reset_password_with_code(phone=PHONE, code=wrong, password=NEW)
        assert ("cannot be tried again" if left == 0 else f"try {left} more time") in error.value.message
    with pytest.raises(ValidationFailed, match="expired or was already used"):
        reset_password_with_code(phone=PHONE, code=right, password=NEW)
    phone_user.refresh_from_db()
    assert phone_user.check_password(PASSWORD)


def test_a_weak_password_is_refused_without_spending_the_code(phone_user: User,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_reset_code(phone=PHONE)
    with pytest.raises(ValidationFailed) as error:
        reset_password_with_code(phone=PHONE, code=last_code(), password="123")
    assert error.value.field == "password"
    assert reset_password_with_code(phone=PHONE, code=last_code(), password=NEW).pk == phone_user.pk


def test_a_new_code_ends_the_old_one_and_codes_are_limited_per_hour(phone_user: User,
                                                                    django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_reset_code(phone=PHONE)
    first = last_code()
    with django_capture_on_commit_callbacks(execute=True):
        send_reset_code(phone=PHONE)
    assert PasswordResetCode.objects.filter(user=phone_user, used_at__isnull=True).count() == 1
    if first != last_code():
        with pytest.raises(WrongCode):
            reset_password_with_code(phone=PHONE, code=first, password=NEW)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(CODES_PER_HOUR):
            send_reset_code(phone=PHONE)
    assert len(texts()) == CODES_PER_HOUR
    assert PasswordResetCode.objects.filter(user=phone_user).count() == CODES_PER_HOUR
