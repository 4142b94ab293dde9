"""Writing a CV: what the participant says about themself, and which platform records they choose to show.

The participant acts for themself; career staff may help someone in their scope (at a centre, say). The
microwork record is shown only when the participant ticks it: the choice and its time are kept on the CV.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.cleaning import clean_text
from kasb.core.errors import NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.orgs.models import Area
from kasb.participants.languages import NAMES
from kasb.participants.models import Participant

from ..models import CV, CVEntry, LanguageLevel, OpportunityKind, Preferences
from ..queries import acts_for

CV_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
MAX_ENTRIES = 20


def _require_for(actor: Principal, participant: Participant) -> None:
    if not acts_for(actor, participant):
        raise PermissionDenied(_("You can only change your own CV, or the CV of someone you help."))


@transaction.atomic
def start_cv(*, actor: Principal, participant: Participant, language: str | None = None) -> CV:
    """The participant's CV, started from the registry (their name as registered) if they have none yet."""
    _require_for(actor, participant)
    lang = language if language in CV_LANGUAGES else settings.LANGUAGE_CODE
    cv, created = CV.objects.get_or_create(participant=participant, defaults={
        "display_name": participant.full_name, "language": lang,
        "languages": [{"code": code, "level": LanguageLevel.GOOD} for code in (participant.languages or [])[:8]]})
    if created:
        audit.record(actor=actor.user, verb="cv.started", obj=cv)
    return cv


def clean_languages(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise ValidationFailed(_("Give the languages as a list."), field="languages")
    cleaned, seen = [], set()
    for item in value[:12]:
        code = str((item or {}).get("code", "")).strip().lower()
        level = str((item or {}).get("level", "")).strip()
        if code not in NAMES:
            raise ValidationFailed(_("“%(code)s” is not a language Kasb knows.") % {"code": code}, field="languages")
        if level not in LanguageLevel.values:
            raise ValidationFailed(_("Choose how well you speak %(language)s.") % {"language": NAMES[code]},
                                   field="languages")
        if code not in seen:
            seen.add(code)
            cleaned.append({"code": code, "level": level})
    return cleaned


@transaction.atomic
def update_cv(*, actor: Principal, cv: CV, **values: Any) -> CV:
    """Change what the participant writes and shows. Only the fields given change."""
    _require_for(actor, cv.participant)
    locked = CV.objects.select_for_update().get(pk=cv.pk)
    limits = {"display_name": 200, "headline": 120, "profile": 1200, "contact": 200}
    for name, limit in limits.items():
        if name in values:
            setattr(locked, name, clean_text(values[name], name, limit, required=name == "display_name"))
    if "language" in values:
        if values["language"] not in CV_LANGUAGES:
            raise ValidationFailed(_("Choose one of Kasb's languages for your CV."), field="language")
        locked.language = values["language"]
    if "languages" in values:
        locked.languages = clean_languages(values["languages"])
    for flag in ("include_skills", "include_certificates"):
        if flag in values:
            setattr(locked, flag, bool(values[flag]))
    if "include_microwork" in values:
        wanted = bool(values["include_microwork"])
        if wanted and not locked.include_microwork:
            locked.microwork_consent_at = timezone.now()
        if not wanted:
            locked.microwork_consent_at = None
        locked.include_microwork = wanted
    locked.save()
    audit.record(actor=actor.user, verb="cv.updated", obj=locked, fields=sorted(values),
                 microwork_shown=locked.include_microwork)
    return locked


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(_("Give the date as year-month-day, e.g. 2025-09-01."), field=field) from None


@transaction.atomic
def add_cv_entry(*, actor: Principal, cv: CV, kind: str, title: str, organisation: str = "", place: str = "",
                 started_on: Any = None, ended_on: Any = None, description: str = "") -> CVEntry:
    _require_for(actor, cv.participant)
    if kind not in CVEntry.Kind.values:
        raise ValidationFailed(_("Choose education or experience."), field="kind")
    if CVEntry.objects.filter(cv=cv).count() >= MAX_ENTRIES:
        raise ValidationFailed(_("A CV holds at most %(n)s entries: remove an old one first.") % {"n": MAX_ENTRIES},
                               code="too_many_entries")
    start, end = _date(started_on, "started_on"), _date(ended_on, "ended_on")
    if start and end and end < start:
        raise ValidationFailed(_("The end date is before the start date."), field="ended_on")
    if start and start > timezone.localdate():
        raise ValidationFailed(_("The start date is in the future."), field="started_on")
    entry = CVEntry.objects.create(cv=cv, kind=kind, title=clean_text(title, "title", 150, required=True),
                                   organisation=clean_text(organisation, "organisation", 150),
                                   place=clean_text(place, "place", 100), started_on=start, ended_on=end,
                                   description=clean_text(description, "description", 600))
    audit.record(actor=actor.user, verb="cv.entry_added", obj=cv, entry=entry.pk, kind=kind)
    return entry


@transaction.atomic
def remove_cv_entry(*, actor: Principal, cv: CV, entry_id: int) -> None:
    _require_for(actor, cv.participant)
    deleted, _rows = CVEntry.objects.filter(cv=cv, pk=entry_id).delete()
    if not deleted:
        raise NotFound(_("That entry is not on this CV."))
    audit.record(actor=actor.user, verb="cv.entry_removed", obj=cv, entry=entry_id)


@transaction.atomic
def save_preferences(*, actor: Principal, participant: Participant, kinds: Any = (), area_codes: Any = (),
                     remote: bool = True) -> Preferences:
    """The kinds of work a participant wants, the other areas they could work in, and whether remote suits."""
    _require_for(actor, participant)
    chosen = [k for k in (kinds or []) if k]
    if any(k not in OpportunityKind.values for k in chosen):
        raise ValidationFailed(_("Choose the kinds of work from the list."), field="kinds")
    codes = {str(c).strip().upper() for c in (area_codes or []) if str(c).strip()}
    areas = list(Area.objects.filter(code__in=codes))
    if len(areas) != len(codes):
        raise ValidationFailed(_("Choose governorates or regions from the list."), field="areas")
    prefs, _created = Preferences.objects.update_or_create(participant=participant, defaults={
        "kinds": [k for k in OpportunityKind.values if k in chosen], "remote": bool(remote)})
    prefs.areas.set(areas)
    audit.record(actor=actor.user, verb="career_preferences.saved", obj=prefs)
    return prefs
