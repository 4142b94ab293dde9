"""Users sign in with an e-mail address or a phone number (E.164)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasb.core.crypto import EncryptedField, blind_index


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _make(self, email: str | None, phone: str | None, password: str | None, **extra: Any) -> User:
        email = self.normalize_email(email) if email else None
        user = self.model(email=email or None, phone=phone or None, **extra)  # type: ignore[misc]
        user.phone_index = blind_index(phone) if phone else None
        user.set_password(password) if password else user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", False)
        return self._make(email, extra.pop("phone", None), password, **extra)

    def create_superuser(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._make(email, extra.pop("phone", None), password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    # A participant's sign-in phone is as sensitive as the registry's: encrypted, found by blind index.
    phone = EncryptedField(_("phone number"), help_text=_("International format, e.g. +962791234567."))
    phone_index = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, default="en")
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    failed_sign_ins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.CheckConstraint(condition=models.Q(email__isnull=False) | models.Q(phone_index__isnull=False),
                                   name="user_has_email_or_phone"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"user {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The index follows the phone on every save so look-ups can never drift from the value.
        self.phone_index = blind_index(self.phone) if self.phone else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_index"}
        super().save(*args, **kwargs)

    @property
    def sign_in_name(self) -> str:
        return self.email or self.phone or ""

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.sign_in_name

    def is_locked(self, now: Any = None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class PasswordResetCode(models.Model):
    """A short code sent by SMS to someone who signs in with a phone number, to choose a new password.

    Only a keyed hash of the code is kept. A code works once, for RESET_CODE_MINUTES, and for at most
    RESET_CODE_TRIES wrong guesses; asking for a new code ends the old one.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reset_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"reset code {self.pk} of user {self.user_id}"
