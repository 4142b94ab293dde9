from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from kasb.core.crypto import blind_index

from .models import User
from .phone import looks_like_phone, normalise_phone


def find_user(identifier: str) -> User | None:
    """The user whose e-mail or phone number is `identifier`, or None."""
    text = (identifier or "").strip()
    if not text:
        return None
    if looks_like_phone(text):
        try:
            return User.objects.filter(phone_index=blind_index(normalise_phone(text))).first()
        except ValidationError:
            return None
    return User.objects.filter(email__iexact=text).first()


class EmailOrPhoneBackend(ModelBackend):
    """Authenticates by e-mail or phone. Lock-out is enforced by accounts.services.sign_in."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> User | None:
        identifier = username or kwargs.get("email") or kwargs.get("phone") or ""
        user = find_user(identifier)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.is_locked():
            return None
        if password and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
