"""Every write to accounts: creating users, signing in with lock-out, two-factor, language."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.core import audit
from kasb.core.crypto import blind_index
from kasb.core.errors import Conflict, DomainError, ValidationFailed

from .backends import find_user
from .models import PasswordResetCode, User
from .phone import looks_like_phone, normalise_phone


class SignInFailed(DomainError):
    code = "sign_in_failed"
    status = 401


class AccountLocked(DomainError):
    code = "account_locked"
    status = 423


@transaction.atomic
def create_user(*, full_name: str, email: str | None = None, phone: str | None = None,
                password: str | None = None, language: str = "en", actor: Any = None) -> User:
    """Create a sign-in. Either e-mail or phone is required; both must be unused."""
    email = (email or "").strip().lower() or None
    try:
        phone = normalise_phone(phone) if phone else None
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], field="phone") from exc
    if not email and not phone:
        raise ValidationFailed(_("Give an e-mail address or a phone number to sign in with."), field="email")
    if email and User.objects.filter(email__iexact=email).exists():
        raise Conflict(_("Someone already signs in with this e-mail address."), field="email")
    if phone and User.objects.filter(phone_index=blind_index(phone)).exists():
        raise Conflict(_("Someone already signs in with this phone number."), field="phone")
    user = User.objects.create_user(email=email, phone=phone, password=password, full_name=full_name,
                                    language=language)
    audit.record(actor=actor, verb="user.created", obj=user)
    return user


def sign_in(*, request: HttpRequest | None, identifier: str, password: str) -> User:
    """Check a password; count failures and lock the account after too many in a row."""
    user = authenticate(request, username=identifier, password=password)
    if user is not None:
        if user.failed_sign_ins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_until=None)
        return user
    known = find_user(identifier)
    if known is not None:
        if not known.is_locked():
            _record_failure(known)
            known.refresh_from_db(fields=["locked_until"])
        if known.is_locked():
            raise _locked(known)
    raise SignInFailed(_("That e-mail or phone number and password do not match."))


def _locked(user: User) -> AccountLocked:
    """The lock-out error, telling how long is actually left (not the full lock-out every time)."""
    now = timezone.now()
    minutes = max(1, math.ceil(((user.locked_until or now) - now).total_seconds() / 60))
    return AccountLocked(ngettext("Too many failed sign-ins. Try again in %(minutes)d minute or reset your "
                                  "password.",
                                  "Too many failed sign-ins. Try again in %(minutes)d minutes or reset your "
                                  "password.", minutes) % {"minutes": minutes})


@transaction.atomic
def _record_failure(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    user.refresh_from_db(fields=["failed_sign_ins"])
    if user.failed_sign_ins >= settings.KASB_LOCKOUT_THRESHOLD:
        until = timezone.now() + timedelta(minutes=settings.KASB_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_sign_ins=0)
        audit.record(actor=None, verb="user.locked", obj=user, until=until.isoformat())


@transaction.atomic
def set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unknown language."), field="language")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


@transaction.atomic
def set_password(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    User.objects.filter(pk=user.pk).update(failed_sign_ins=0, locked_until=None)
    audit.record(actor=user, verb="user.password_set", obj=user)


def pending_totp_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up for `user` (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, user: User, token: str) -> TOTPDevice:
    device = pending_totp_device(user=user)
    if not device.verify_token(token.strip()):
        raise ValidationFailed(_("That code is not right. Enter the 6-digit code your app shows now."),
                               field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, verb="user.2fa_enabled", obj=user)
    return device


@transaction.atomic
def enrol_totp_device(*, user: User, key_hex: str, actor: Any = None) -> TOTPDevice:
    """Give `user` a confirmed authenticator whose secret is already known (the demo's staff).

    Replaces a set-up the user started but did not confirm; refuses if they already have one.
    """
    try:
        key = bytes.fromhex(key_hex)
    except ValueError as exc:
        raise ValidationFailed(_("The authenticator key must be written in hexadecimal."), field="key") from exc
    if not 16 <= len(key) <= 40:
        raise ValidationFailed(_("The authenticator key must be 16 to 40 bytes long."), field="key")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict(_("%(name)s already has two-step sign-in set up.") % {"name": user}, field="key")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), key=key.hex(), confirmed=True)
    audit.record(actor=actor, verb="user.2fa_enabled", obj=user, method="known_key")
    return device


def verify_totp(*, user: User, token: str) -> TOTPDevice:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.strip()):
            return device
    raise ValidationFailed(_("That code is not right. Enter the 6-digit code your app shows now."),
                           field="token")


# --- choosing a new password with a code sent by SMS ---------------------------------------------
# Many participants have no e-mail address. They ask for a code with their phone number, receive it by
# SMS, and type it with a new password. The page answers the same whether or not the number has an
# account, so it cannot be used to find out who is registered. Codes are short-lived, single-use, and
# limited in guesses; a person may ask for a few codes an hour (the page is also rate-limited per
# connection).

RESET_CODE_MINUTES = 15
RESET_CODE_TRIES = 5
CODES_PER_HOUR = 3


class WrongCode(ValidationFailed):
    code = "wrong_code"


def _hash(user_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"kasb-reset:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _phone(text: str) -> str:
    try:
        if not looks_like_phone(text):
            raise ValidationError("")
        return normalise_phone(text)
    except ValidationError:
        raise ValidationFailed(_("Enter your phone number in international format, e.g. +962791234567."),
                               field="phone") from None


def _phone_user(phone: str) -> User | None:
    user = find_user(phone)
    return user if user is not None and user.is_active and user.phone else None


@transaction.atomic
def send_reset_code(*, phone: str) -> str:
    """Text a code to the account with this phone number, if there is one and it has not asked too often.
    Returns the number in international format, whether or not a code went out: the page must say the same
    either way."""
    number = _phone(phone)
    user = _phone_user(number)
    if user is None:
        return number
    now = timezone.now()
    if PasswordResetCode.objects.filter(user=user, created_at__gte=now - timedelta(hours=1)).count() >= CODES_PER_HOUR:
        return number
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)  # the old code ends
    code = f"{secrets.randbelow(1_000_000):06d}"
    PasswordResetCode.objects.create(user=user, code_hash=_hash(user.pk, code),
                                     expires_at=now + timedelta(minutes=RESET_CODE_MINUTES))
    with override(user.language or settings.LANGUAGE_CODE):
        text = _("Kasb: your code to choose a new password is %(code)s. It works for %(minutes)s minutes. "
                 "Nobody from Kasb will ever ask you for it.") % {"code": code, "minutes": RESET_CODE_MINUTES}
    from kasb.core.sms import send_sms

    transaction.on_commit(lambda: send_sms(number, text))
    audit.record(actor=None, verb="user.reset_code_sent", obj=user)
    return number


def reset_password_with_code(*, phone: str, code: str, password: str) -> User:
    """Check the code and set the new password (which also lifts a lock-out). Every wrong code counts."""
    number = _phone(phone)
    user = _phone_user(number)
    if user is None:
        raise _expired()
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from None
    # The wrong-guess count is committed before the error is raised, so it cannot be rolled back with it.
    with transaction.atomic():
        current = (PasswordResetCode.objects.select_for_update().filter(
            user=user, used_at__isnull=True, expires_at__gt=timezone.now()).order_by("-created_at").first())
        if current is None or current.attempts >= RESET_CODE_TRIES:
            left = None
        elif hmac.compare_digest(current.code_hash, _hash(user.pk, (code or "").strip())):
            PasswordResetCode.objects.filter(pk=current.pk).update(used_at=timezone.now())
            set_password(user=user, password=password)
            audit.record(actor=user, verb="user.password_reset_by_sms", obj=user)
            return user
        else:
            left = RESET_CODE_TRIES - current.attempts - 1
            PasswordResetCode.objects.filter(pk=current.pk).update(
                attempts=F("attempts") + 1, used_at=timezone.now() if left <= 0 else None)
    if left is None:
        raise _expired()
    if left <= 0:
        raise WrongCode(_("That code is not right, and it cannot be tried again. Ask for a new code."), field="code")
    raise WrongCode(ngettext("That code is not right. You can try %(n)s more time.",
                             "That code is not right. You can try %(n)s more times.", left) % {"n": left},
                    field="code")


def _expired() -> ValidationFailed:
    return ValidationFailed(_("This code has expired or was already used. Ask for a new code."), field="code")


