"""Information pages staff write and translate (know your rights, mobile wallets, online job scams)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kasb.core import audit
from kasb.core.errors import PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal, require
from kasb.core.translated import clean_translations
from kasb.orgs.models import Organisation

from ..models import InfoPage
from ..queries import may_serve_partner


@transaction.atomic
def save_info_page(*, actor: Principal, partner: Organisation, slug: str, title: Any, body: Any,
                   is_published: bool = False) -> InfoPage:
    """Create or change the page `slug` of a partner; title and body are {language: text}."""
    require(actor, Cap.MANAGE_CAREER_SERVICES)
    if partner.kind != Organisation.Kind.PARTNER or not may_serve_partner(actor, partner.pk):
        raise PermissionDenied(_("You can only write pages for your own programme."))
    clean_slug = slugify(str(slug or ""))[:80]
    if not clean_slug:
        raise ValidationFailed(_("Give the page a short address, e.g. mobile-wallets."), field="slug")
    titles = clean_translations(title, field="title")
    bodies = clean_translations(body, field="body")
    if any(len(t) > 200 for t in titles.values()):
        raise ValidationFailed(_("Write at most %(limit)s characters.") % {"limit": 200}, field="title")
    if any(len(t) > 20000 for t in bodies.values()):
        raise ValidationFailed(_("Write at most %(limit)s characters.") % {"limit": 20000}, field="body")
    page, created = InfoPage.objects.update_or_create(partner=partner, slug=clean_slug, defaults={
        "title": titles, "body": bodies, "is_published": bool(is_published), "updated_by": actor.user})
    audit.record(actor=actor.user, verb="info_page.created" if created else "info_page.updated", obj=page,
                 languages=sorted(bodies), published=page.is_published)
    return page
