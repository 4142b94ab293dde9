"""Forms for the money pages. They collect what a person typed; the services decide whether it stands.

Amounts are typed as text and read with Money.parse in the currency chosen beside them, so "12.345"
JOD is exact and "1.2345" JOD is refused with the currency's own rule, never rounded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasb.core.errors import DomainError, ValidationFailed
from kasb.core.money import Money, currency_choices
from kasb.orgs.models import Organisation, Programme

from .models import AccountKind, PayoutMethod
from .providers import provider_choices

MAX_RESULT_FILE = 10 * 1024 * 1024  # a result file for 10,000 payouts is well under 2 MB

LTR = {"dir": "ltr", "autocomplete": "off"}


def show_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's error beside the field it names, or above the form when it names none."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _amount_field(label: Any, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=30, required=required, help_text=help_text,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", **LTR}))


def _parse_amount(form: forms.Form, field: str, currency: str | None) -> Money | None:
    text = (form.cleaned_data.get(field) or "").strip()
    if not text or not currency:
        return None
    try:
        return Money.parse(text, currency, field=field)
    except ValidationFailed as exc:
        form.add_error(field, exc.message)
        return None


# --- a worker's own money ------------------------------------------------------------------------

class WalletMethodForm(forms.Form):
    kind = PayoutMethod.Kind.WALLET
    provider = forms.ChoiceField(label=_("Wallet provider"))
    phone = forms.CharField(label=_("Wallet phone number"), max_length=30,
                            widget=forms.TextInput(attrs={"type": "tel", **LTR}),
                            help_text=_("The number the wallet is registered to, with the country code, "
                                        "e.g. +962 79 123 4567."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "wallet")
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices(PayoutMethod.Kind.WALLET)  # type: ignore[attr-defined]

    def details(self) -> dict[str, Any]:
        return {"provider": self.cleaned_data["provider"], "phone": self.cleaned_data["phone"]}


class BankMethodForm(forms.Form):
    kind = PayoutMethod.Kind.BANK
    provider = forms.ChoiceField(label=_("How the bank is paid"))
    iban = forms.CharField(label=_("IBAN"), max_length=50, widget=forms.TextInput(attrs=LTR),
                           help_text=_("Printed on your bank card or statement; it starts with two letters, "
                                       "e.g. JO94 CBJO …"))
    account_name = forms.CharField(label=_("Account holder's name"), max_length=200,
                                   help_text=_("As the bank knows it."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "bank")
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices(PayoutMethod.Kind.BANK)  # type: ignore[attr-defined]

    def details(self) -> dict[str, Any]:
        return {"provider": self.cleaned_data["provider"], "iban": self.cleaned_data["iban"],
                "account_name": self.cleaned_data["account_name"]}


class CashMethodForm(forms.Form):
    kind = PayoutMethod.Kind.CASH
    provider = forms.ChoiceField(label=_("Cash service"))
    centre = forms.ModelChoiceField(label=_("Centre where you collect cash"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, centres: QuerySet[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "cash")
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices(PayoutMethod.Kind.CASH)  # type: ignore[attr-defined]
        self.fields["centre"].queryset = centres  # type: ignore[attr-defined]

    def details(self) -> dict[str, Any]:
        return {"provider": self.cleaned_data["provider"], "centre": self.cleaned_data["centre"]}


MethodForm = WalletMethodForm | BankMethodForm | CashMethodForm


class StatementForm(forms.Form):
    """Which month's statement to download, and of which currency's account."""

    month = forms.ChoiceField(label=_("Month"))
    currency = forms.ChoiceField(label=_("Currency"))

    def __init__(self, *args: Any, months: list[tuple[str, str]], currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = months  # type: ignore[attr-defined]
        self.fields["currency"].choices = [(c, c) for c in currencies]  # type: ignore[attr-defined]
        self.fields["currency"].initial = currencies[0] if currencies else None
        if len(currencies) == 1:
            self.fields["currency"].widget = forms.HiddenInput()

    def period(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)


# --- payout methods to verify --------------------------------------------------------------------

class DecisionForm(forms.Form):
    method = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("verify", _("Verify")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note for the worker"), max_length=300, required=False,
                           help_text=_("Required when you reject: say what to fix."))


# --- finance -------------------------------------------------------------------------------------

def _received_on() -> forms.DateField:
    return forms.DateField(label=_("Received on"), initial=timezone.localdate,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class _MoneyIn(forms.Form):
    amount = _amount_field(_("Amount"), help_text=_("As on the bank slip, e.g. 1250.500"))
    currency = forms.ChoiceField(label=_("Currency"))
    reference = forms.CharField(label=_("Bank or receipt reference"), max_length=100,
                                widget=forms.TextInput(attrs={"dir": "ltr"}))
    received_on = _received_on()

    def __init__(self, *args: Any, currencies: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currencies or currency_choices()  # type: ignore[attr-defined]

    def clean_received_on(self) -> date:
        value: date = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        money = _parse_amount(self, "amount", data.get("currency"))
        if money is not None and money.minor <= 0:
            self.add_error("amount", _("The amount must be more than zero."))
        data["money"] = money
        return data


class DepositForm(_MoneyIn):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Organisation.objects.none())
    field_order = ["client", "amount", "currency", "reference", "received_on"]

    def __init__(self, *args: Any, clients: QuerySet[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "deposit")
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


class FundForm(_MoneyIn):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    field_order = ["programme", "amount", "currency", "reference", "received_on"]

    def __init__(self, *args: Any, programmes: QuerySet[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "fund")
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


class AccountFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds"))] + list(AccountKind.choices)  # type: ignore[attr-defined]
        self.fields["currency"].choices = [("", _("All currencies"))] + [  # type: ignore[attr-defined]
            (c, c) for c in currencies]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))


class BatchForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"))
    currency = forms.ChoiceField(label=_("Currency"))
    minimum = _amount_field(_("Minimum balance to pay"), required=False,
                            help_text=_("Balances below this stay for the next batch. Empty: any balance."))

    def __init__(self, *args: Any, currencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()  # type: ignore[attr-defined]
        self.fields["currency"].choices = currencies  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["minimum_money"] = _parse_amount(self, "minimum", data.get("currency"))
        return data


class ResultFileForm(forms.Form):
    file = forms.FileField(label=_("Result file from the provider (.csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_RESULT_FILE:
            raise ValidationError(_("The file is larger than %(size)s MB; a result file is much smaller. "
                                    "Check that it is the right file.") % {"size": MAX_RESULT_FILE // 2**20})
        return upload


class HoldForm(forms.Form):
    participant = forms.CharField(label=_("Participant reference"), max_length=20,
                                  widget=forms.TextInput(attrs=LTR))
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("Why payouts stop, so that whoever lifts the hold knows what to check."))
