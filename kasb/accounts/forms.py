from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from . import services


class SignInForm(forms.Form):
    identifier = forms.CharField(label=_("E-mail or phone number"), max_length=254,
                                 widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(label=_("6-digit code"), max_length=8, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class ChooseNewPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's reset form, saved through the service so a reset also lifts a lock-out."""

    def save(self, commit: bool = True) -> Any:
        services.set_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user
