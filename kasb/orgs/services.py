"""Every write to organisations: partners, centres, memberships (staff invitations), API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from kasb.accounts.backends import find_user
from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.core import audit
from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.money import Money, check_currency
from kasb.core.permissions import CAPABILITIES, Cap, Principal, Role, require
from kasb.core.sms import send_sms

from .countries import is_country
from .models import ROLES_BY_KIND, ApiKey, Area, Membership, Organisation, Programme
from .queries import partner_ids

API_KEY_PREFIX = "kasb_"


def _check_place(country: str, area: Area | None) -> None:
    if not is_country(country):
        raise ValidationFailed(_("“%(code)s” is not an ISO 3166 country code.") % {"code": country},
                               field="country")
    if area is not None and area.country != country.upper():
        raise ValidationFailed(_("%(area)s is not in the country chosen.") % {"area": area.name}, field="area")


def _check_email(email: str) -> None:
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationFailed(_("Enter an e-mail address like name@example.org."), field="email") from exc


def _may_manage(principal: Principal, partner_id: int | None) -> None:
    require(principal, Cap.MANAGE_ORGANISATION)
    if not principal.is_superuser and partner_id not in partner_ids(principal, Cap.MANAGE_ORGANISATION):
        raise PermissionDenied(_("You can only manage your own organisation."))


@transaction.atomic
def create_organisation(*, actor: Principal, kind: str, name: str, country: str, area: Area | None = None,
                        parent: Organisation | None = None, locality: str = "", in_camp: bool = False,
                        email: str = "", phone: str = "") -> Organisation:
    """Create a partner (superusers only), or a centre, client, employer or donor under a partner."""
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the organisation a name."), field="name")
    if kind not in Organisation.Kind.values:
        raise ValidationFailed(_("Unknown kind of organisation."), field="kind")
    if kind == Organisation.Kind.PARTNER:
        if not actor.is_superuser:
            raise PermissionDenied(_("Only a platform administrator can add an implementing partner."))
        parent = None
    else:
        if parent is None or parent.kind != Organisation.Kind.PARTNER:
            raise ValidationFailed(_("Choose the implementing partner this organisation belongs to."),
                                   field="parent")
        _may_manage(actor, parent.pk)
    _check_place(country, area)
    _check_email(email.strip())
    if Organisation.objects.filter(parent=parent, kind=kind, name__iexact=name).exists():
        raise Conflict(_("There is already an organisation of this kind called “%(name)s”.") % {"name": name},
                       field="name")
    org = Organisation.objects.create(kind=kind, name=name, country=country.upper(), area=area, parent=parent,
                                      locality=locality.strip(), in_camp=in_camp, email=email.strip(),
                                      phone=phone.strip())
    audit.record(actor=actor.user, verb="organisation.created", obj=org, kind=kind)
    return org


@transaction.atomic
def update_organisation(*, actor: Principal, organisation: Organisation, name: str, country: str,
                        area: Area | None = None, locality: str = "", in_camp: bool = False, email: str = "",
                        phone: str = "") -> Organisation:
    """Change an organisation's name, place and contact details. Its kind and partner stay as they are."""
    _may_manage(actor, organisation.partner_id)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the organisation a name."), field="name")
    _check_place(country, area)
    _check_email(email.strip())
    if Organisation.objects.filter(parent=organisation.parent_id, kind=organisation.kind,
                                   name__iexact=name).exclude(pk=organisation.pk).exists():
        raise Conflict(_("There is already an organisation of this kind called “%(name)s”.") % {"name": name},
                       field="name")
    changes = {"name": name, "country": country.upper(), "area_id": area.pk if area else None,
               "locality": locality.strip(), "in_camp": in_camp, "email": email.strip(), "phone": phone.strip()}
    changed = sorted(field for field, value in changes.items() if getattr(organisation, field) != value)
    Organisation.objects.filter(pk=organisation.pk).update(**changes)
    for field, value in changes.items():
        setattr(organisation, field, value)
    organisation.area = area
    if changed:
        audit.record(actor=actor.user, verb="organisation.updated", obj=organisation, fields=changed)
    return organisation


@transaction.atomic
def set_organisation_active(*, actor: Principal, organisation: Organisation, active: bool) -> Organisation:
    """Deactivate an organisation (its staff lose the roles they hold there) or bring it back.

    Nothing is deleted: participants, work and payments recorded against it stay for reports.
    """
    if organisation.kind == Organisation.Kind.PARTNER:
        if not actor.is_superuser:
            raise PermissionDenied(_("Only a platform administrator can deactivate or reactivate an "
                                     "implementing partner."))
    else:
        _may_manage(actor, organisation.partner_id)
    if organisation.is_active != active:
        Organisation.objects.filter(pk=organisation.pk).update(is_active=active)
        organisation.is_active = active
        audit.record(actor=actor.user, verb="organisation.reactivated" if active else "organisation.deactivated",
                     obj=organisation)
    return organisation


@transaction.atomic
def add_member(*, actor: Principal, organisation: Organisation, role: str, full_name: str,
               email: str | None = None, phone: str | None = None, language: str = "en",
               set_password_url: str | None = None) -> Membership:
    """Give someone a role in an organisation, creating their sign-in and inviting them if new."""
    _may_manage(actor, organisation.partner_id)
    if role not in Role.values:
        raise ValidationFailed(_("Choose a role."), field="role")
    if role not in ROLES_BY_KIND.get(organisation.kind, frozenset()):
        # Labels go in as quoted values, so no language has to inflect or lower-case them.
        raise ValidationFailed(_("The role “%(role)s” is not available in an organisation of the kind “%(kind)s”.")
                               % {"kind": organisation.get_kind_display(), "role": Role(role).label}, field="role")
    user = find_user(email or "") or find_user(phone or "")
    invited = user is None
    if user is None:
        user = create_user(full_name=full_name, email=email, phone=phone, language=language, actor=actor.user)
    if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        raise Conflict(_("%(name)s already has this role here.") % {"name": user}, field="role")
    membership = Membership.objects.create(user=user, organisation=organisation, role=role,
                                           created_by=actor.user)
    audit.record(actor=actor.user, verb="membership.added", obj=membership, role=role)
    if invited:
        transaction.on_commit(lambda: send_invitation(user=user, organisation=organisation,
                                                      base_url=set_password_url))
    return membership


def send_invitation(*, user: User, organisation: Organisation, base_url: str | None) -> None:
    """Send a link to choose a password (the same token as a password reset)."""
    path = reverse("accounts:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    link = f"{(base_url or '').rstrip('/')}{path}"
    with override(user.language):
        text = _("You have been invited to Kasb by %(org)s. Choose your password here: %(link)s") % {
            "org": organisation.name, "link": link}
        if user.email:
            send_mail(_("Your Kasb account"), text, None, [user.email])
        elif user.phone:
            send_sms(user.phone, text)


@transaction.atomic
def remove_member(*, actor: Principal, membership: Membership) -> None:
    _may_manage(actor, membership.organisation.partner_id)
    if (not actor.is_superuser and membership.user_id == getattr(actor.user, "pk", None)
            and Cap.MANAGE_ORGANISATION in CAPABILITIES.get(membership.role, frozenset())):
        raise PermissionDenied(_("You cannot remove your own role “%(role)s”. Ask another programme manager "
                                 "or a platform administrator.") % {"role": membership.get_role_display()})
    audit.record(actor=actor.user, verb="membership.removed", obj=membership, role=membership.role,
                 user=membership.user_id)
    membership.delete()


def _hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def issue_api_key(*, actor: Principal, organisation: Organisation, name: str) -> tuple[ApiKey, str]:
    """Make a key for a client or employer organisation. The plaintext is returned once, never stored."""
    require(actor, Cap.MANAGE_API_KEYS)
    if organisation.kind not in (Organisation.Kind.CLIENT, Organisation.Kind.EMPLOYER):
        raise ValidationFailed(_("API keys are for client and employer organisations."), field="organisation")
    _may_manage(actor, organisation.partner_id)
    prefix = secrets.token_hex(4)
    plaintext = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(organisation=organisation, name=name.strip() or _("API key"), prefix=prefix,
                                key_hash=_hash_key(plaintext), created_by=actor.user)
    audit.record(actor=actor.user, verb="api_key.issued", obj=key)
    return key, plaintext


@transaction.atomic
def revoke_api_key(*, actor: Principal, key: ApiKey) -> None:
    """Stop a key working at once. The key stays listed, marked revoked, for the record."""
    require(actor, Cap.MANAGE_API_KEYS)
    _may_manage(actor, key.organisation.partner_id)
    now = timezone.now()
    if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now):
        key.revoked_at = now
        audit.record(actor=actor.user, verb="api_key.revoked", obj=key)


def authenticate_api_key(plaintext: str) -> ApiKey:
    """The live key matching `plaintext`, or NotFound. Compares hashes in constant time."""
    parts = (plaintext or "").strip().split("_")
    if len(parts) < 3 or not plaintext.startswith(API_KEY_PREFIX):
        raise NotFound(_("Unknown API key."), code="invalid_api_key")
    key = ApiKey.objects.select_related("organisation").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if key is None or not secrets.compare_digest(key.key_hash, _hash_key(plaintext.strip())):
        raise NotFound(_("Unknown or revoked API key."), code="invalid_api_key")
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key




@transaction.atomic
def create_programme(*, actor: Principal, partner: Organisation, name: str, country: str, currency: str,
                     platform_fee_bps: int = 0, payout_minimum: Money | None = None,
                     daily_work_minutes: int | None = None,
                     starts_on: date | None = None, ends_on: date | None = None) -> Programme:
    """Start a programme under an implementing partner, with the currency its money is kept in, and optionally
    the most time a worker may spend on its microwork in a day."""
    if partner.kind != Organisation.Kind.PARTNER:
        raise ValidationFailed(_("A programme belongs to an implementing partner."), field="partner")
    _may_manage(actor, partner.pk)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the programme a name."), field="name")
    _check_place(country, None)
    currency = check_currency(currency)
    if not 0 <= platform_fee_bps <= 5000:
        raise ValidationFailed(_("The platform fee must be between 0% and 50%."), field="platform_fee_bps")
    minimum = payout_minimum or Money.zero(currency)
    if minimum.currency != currency or minimum.minor < 0:
        raise ValidationFailed(_("The minimum payout must be a positive amount in the programme's currency."),
                               field="payout_minimum")
    if daily_work_minutes is not None and not 30 <= daily_work_minutes <= 16 * 60:
        raise ValidationFailed(_("The daily work cap must be between half an hour and 16 hours."),
                               field="daily_work_hours")
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(_("A programme cannot end before it starts."), field="ends_on")
    if Programme.objects.filter(partner=partner, name__iexact=name).exists():
        raise Conflict(_("There is already a programme called “%(name)s”.") % {"name": name}, field="name")
    programme = Programme.objects.create(partner=partner, name=name, country=country.upper(), currency=currency,
                                         platform_fee_bps=platform_fee_bps, payout_minimum=minimum.minor,
                                         daily_work_minutes=daily_work_minutes, starts_on=starts_on, ends_on=ends_on)
    audit.record(actor=actor.user, verb="programme.created", obj=programme, currency=currency,
                 platform_fee_bps=platform_fee_bps)
    return programme
