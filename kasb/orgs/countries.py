"""ISO 3166-1 countries with names in the user's language (from pycountry's translations)."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import get_language


@lru_cache(maxsize=8)
def _translator(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_name(code: str, lang: str | None = None) -> str:
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    if country is None:
        return code
    translator = _translator((lang or get_language() or "en").split("-")[0])
    # Catalogues key most countries by official name ("Syrian Arab Republic"), a few by common name.
    common = getattr(country, "common_name", None)
    if common and translator.gettext(common) != common:
        return translator.gettext(common)
    official = translator.gettext(country.name)
    return common if official == country.name and common else official


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=(code or "").upper()) is not None


def country_choices(lang: str | None = None) -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, country_name(c.alpha_2, lang)) for c in pycountry.countries),
                  key=lambda pair: pair[1])
