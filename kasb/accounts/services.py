"""Every write to accounts: creating users, signing in with lock-out, two-factor, language."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.core import audit
from kasb.core.crypto import blind_index
from kasb.core.errors import Conflict, DomainError, ValidationFailed

from .backends import find_user
from .models import User
from .phone import normalise_phone


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


