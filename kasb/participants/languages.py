"""Languages participants speak, named in the user's language (as orgs.countries names countries).

A registration stores language codes (ISO 639-1, or ISO 639-3 where there is no two-letter code);
pages show names. Our own catalogue names the languages the partners register most, Django's names
the other languages it knows, and pycountry's ISO 639-3 catalogue the rest. An unknown code is shown
as it was recorded.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info, gettext_lazy
from django.utils.translation import gettext as _

# What the registration form offers.
LANGUAGE_CHOICES = [("ar", gettext_lazy("Arabic")), ("en", gettext_lazy("English")), ("fr", gettext_lazy("French")),
                    ("ru", gettext_lazy("Russian")), ("tg", gettext_lazy("Tajik")),
                    ("fa", gettext_lazy("Persian / Dari")), ("ku", gettext_lazy("Kurdish")),
                    ("so", gettext_lazy("Somali")), ("sw", gettext_lazy("Swahili")), ("uz", gettext_lazy("Uzbek"))]
# Others that imports and the API record for the partners' participants.
OTHER_LANGUAGES = [("prs", gettext_lazy("Dari")), ("ps", gettext_lazy("Pashto")),
                   ("ti", gettext_lazy("Tigrinya")), ("am", gettext_lazy("Amharic")),
                   ("ff", gettext_lazy("Fula")), ("dyu", gettext_lazy("Dyula")),
                   ("sgh", gettext_lazy("Shughni"))]
NAMES = dict(LANGUAGE_CHOICES + OTHER_LANGUAGES)


@lru_cache(maxsize=8)
def _translator(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def language_name(code: str) -> str:
    """The name of the language `code` in the active language."""
    key = (code or "").strip().lower()
    if key in NAMES:
        return str(NAMES[key])
    try:
        return str(get_language_info(key)["name_translated"])
    except KeyError:
        pass
    language = pycountry.languages.get(**{"alpha_2" if len(key) == 2 else "alpha_3": key})
    if language is None:
        return code
    translator = _translator((get_language() or "en").split("-")[0])
    # pycountry's catalogues write some names in lower case ("арабский"); ours are capitalised.
    return capfirst(translator.gettext(language.name)) or code


def language_names(codes: list[str]) -> str:
    """"ar, en" as "Arabic, English" in the user's language, with the language's list separator."""
    # Translators: the separator between list items (the same msgid as in Django's catalogues).
    return _(", ").join(language_name(code) for code in codes)
