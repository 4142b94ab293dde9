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


class ResetPhoneForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), max_length=30,
                            help_text=_("The number you sign in with, in international format, e.g. +962791234567."),
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr",
                                                          "autofocus": True}))


class ResetCodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the SMS"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "dir": "ltr", "autofocus": True}))
    password1 = forms.CharField(label=_("New password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("New password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords are not the same."))
        return data
