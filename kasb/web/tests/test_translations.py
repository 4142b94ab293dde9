"""Django's own messages reach Tajik users in Tajik, through the strings kept in web/django_strings.py."""

from __future__ import annotations

from django.utils.translation import override

from kasb.accounts.forms import TokenForm


def test_a_too_short_code_is_refused_in_tajik() -> None:
    # Django's Tajik catalogue leaves the minimum-length message untranslated; ours carries it.
    with override("tg"):
        form = TokenForm({"token": "123"})
        assert not form.is_valid()
        message = form.errors["token"][0]
    assert message == "Ин қимат бояд ақаллан 6 аломат дошта бошад (ҳозир 3)."
