"""Every write to the registry: registering participants, consent, access logging, key rotation."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasb.accounts.models import User
from kasb.core import audit
from kasb.core.crypto import blind_index
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation
from kasb.orgs.queries import principal_for_user

from .importing import FileUnreadable, read_rows
from .models import Consent, ImportJob, Participant, ProtectedAccess
from .queries import can_view_protected, may_register_at, registration_centre_ids
from .registration import Registration, Validator
from .vocab import CONSENT_TEXT_VERSION, ConsentPurpose

IMPORT_BATCH = 500
LOOKUP_CHUNK = 1000  # keys per IN (...) look-up; well under SQLite's and PostgreSQL's parameter limits
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference() -> str:
    return "P" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def duplicate_keys(values: Mapping[str, Any]) -> tuple[str, str]:
    """Blind indexes of the phone and of name + date of birth."""
    phone = blind_index(values["phone"]) if values.get("phone") else ""
    dob = values.get("date_of_birth")
    name_dob = blind_index(f"{values['given_name']}|{values['family_name']}|{dob.isoformat() if dob else ''}")
    return phone, name_dob


def find_duplicates(*, partner: Organisation, values: Mapping[str, Any]) -> list[Participant]:
    phone, name_dob = duplicate_keys(values)
    query = Participant.objects.filter(partner=partner)
    match = query.filter(name_dob_index=name_dob)
    if phone:
        match = match | query.filter(phone_index=phone)
    return list(match.order_by("pk")[:5])


def lock_registry(*, partner: Organisation) -> None:
    """Serialise registrations for one partner until the transaction ends.

    Duplicates are allowed once a coordinator confirms them, so no unique constraint can stop two
    desks registering the same person at the same moment; this row lock does. (SQLite's IMMEDIATE
    transactions already serialise every writer.)
    """
    Organisation.objects.select_for_update().filter(pk=partner.pk).values_list("pk", flat=True).first()


def build_participant(*, partner: Organisation, reg: Registration, registered_by: User | None) -> Participant:
    """An unsaved Participant from validated values (the import saves these in batches)."""
    fields = {k: v for k, v in reg.values.items() if hasattr(Participant, k)}
    participant = Participant(partner=partner, registered_by=registered_by, reference=new_reference(), **fields)
    participant.phone_index, participant.name_dob_index = duplicate_keys(reg.values)
    return participant


def build_consents(participant: Participant, reg: Registration, recorded_by: User | None) -> list[Consent]:
    now = timezone.now()
    return [Consent(participant=participant, purpose=p, text_version=CONSENT_TEXT_VERSION, given_at=now,
                    recorded_by=recorded_by) for p in reg.consents]


@transaction.atomic
def register_participant(*, actor: Principal, partner: Organisation, data: Mapping[str, Any],
                         allow_duplicate: bool = False) -> Participant:
    """Register one person at a centre desk, through the API or their own application.

    Raises ValidationFailed (details per field) for bad answers, and Conflict naming the existing
    records when the phone number or the name and date of birth are already registered, unless
    `allow_duplicate` says the coordinator has checked and it is someone else.
    """
    require(actor, Cap.REGISTER_PARTICIPANTS)
    reg = Validator(partner=partner).validate(data)
    centre = reg.values.get("centre")
    if not may_register_at(actor, partner.pk, centre.pk if centre else None):
        raise PermissionDenied(_("You cannot register participants at this centre."))
    lock_registry(partner=partner)
    if not allow_duplicate:
        dupes = find_duplicates(partner=partner, values=reg.values)
        if dupes:
            raise Conflict(
                _("This person may already be registered: %(refs)s. Check, then confirm to register anyway.")
                # Translators: the separator between list items (the same msgid as in Django's catalogues).
                % {"refs": _(", ").join(f"{d.full_name} ({d.reference})" for d in dupes)},
                code="possible_duplicate", details={"references": [d.reference for d in dupes]})
    participant = build_participant(partner=partner, reg=reg, registered_by=actor.user)
    participant.save()
    Consent.objects.bulk_create(build_consents(participant, reg, actor.user))
    audit.record(actor=actor.user, verb="participant.registered", obj=participant,
                 duplicate_confirmed=allow_duplicate)
    return participant


def log_protected_access(*, actor: Principal, participant: Participant, screen: str) -> None:
    """Record that `actor` was shown `participant`'s protected attributes; raise if not allowed."""
    if not can_view_protected(actor, participant):
        raise PermissionDenied(_("You may not see this participant's protected details."))
    ProtectedAccess.objects.create(viewer=actor.user, api_key_id=actor.api_key_id, participant=participant,
                                   screen=screen[:60])


@transaction.atomic
def record_consent(*, actor: Principal, participant: Participant, purpose: str) -> Consent:
    """Participants give their own consent (again, after withdrawing it); staff who register may record it."""
    if actor.participant_id != participant.pk:
        require(actor, Cap.REGISTER_PARTICIPANTS)
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed(_("Unknown consent purpose."), field="purpose")
    live = Consent.objects.filter(participant=participant, purpose=purpose, withdrawn_at__isnull=True).first()
    if live:
        return live
    consent = Consent.objects.create(participant=participant, purpose=purpose, text_version=CONSENT_TEXT_VERSION,
                                     given_at=timezone.now(), recorded_by=actor.user)
    audit.record(actor=actor.user, verb="consent.given", obj=consent, purpose=purpose)
    return consent


@transaction.atomic
def withdraw_consent(*, actor: Principal, consent: Consent) -> None:
    """Participants withdraw their own consent; staff who register may record a withdrawal."""
    if actor.participant_id != consent.participant_id:
        require(actor, Cap.REGISTER_PARTICIPANTS)
    if consent.withdrawn_at is not None:
        raise ValidationFailed(_("This consent was already withdrawn."))
    if consent.purpose == ConsentPurpose.REGISTRATION and actor.participant_id == consent.participant_id:
        # Without it the partner may not keep the record at all: closing a record is a person's decision at
        # the centre, which also settles what is owed to them first.
        raise Conflict(_("To withdraw consent to your registration, ask your centre: they will close your "
                         "record after paying what you are owed."), code="registration_consent")
    Consent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now(), withdrawn_by=actor.user)
    audit.record(actor=actor.user, verb="consent.withdrawn", obj=consent, purpose=consent.purpose)


@transaction.atomic
def link_login(*, actor: Principal, participant: Participant, user: User) -> None:
    """Let a participant sign in and see their own record."""
    require(actor, Cap.REGISTER_PARTICIPANTS)
    if participant.user_id and participant.user_id != user.pk:
        raise Conflict(_("This participant already has a sign-in."))
    Participant.objects.filter(pk=participant.pk).update(user=user)
    audit.record(actor=actor.user, verb="participant.login_linked", obj=participant, user=user.pk)


@transaction.atomic
def start_import(*, actor: Principal, partner: Organisation, centre: Organisation | None, name: str,
                 content: bytes, import_valid_rows: bool = False) -> ImportJob:
    """Keep the uploaded file and queue its checking; the caller runs process_import after commit."""
    require(actor, Cap.IMPORT_PARTICIPANTS)
    if not may_register_at(actor, partner.pk, centre.pk if centre else None):
        raise PermissionDenied(_("You cannot register participants at this centre."))
    if not name.lower().endswith((".csv", ".xlsx")):
        raise FileUnreadable(_("Upload a .csv or .xlsx file."))
    if len(content) > settings.KASB_IMPORT_MAX_BYTES:
        limit = settings.KASB_IMPORT_MAX_BYTES // (1024 * 1024)
        raise FileUnreadable(ngettext("The file is larger than %(mb)d MB; split it into smaller files.",
                                      "The file is larger than %(mb)d MB; split it into smaller files.", limit)
                             % {"mb": limit})
    job = ImportJob.objects.create(partner=partner, centre=centre, created_by=actor.user, original_name=name[:200],
                                   import_valid_rows=import_valid_rows, file=ContentFile(content, name=name))
    audit.record(actor=actor.user, verb="participants.import_started", obj=job, file=name)
    return job


def process_import(*, job: ImportJob, progress_every: int = IMPORT_BATCH) -> ImportJob:
    """Validate every row; import all (no errors) or, if asked, the valid ones. Idempotent per job."""
    if job.finished:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    creator = job.created_by
    allowed = registration_centre_ids(principal_for_user(creator)) if creator else None
    validator = Validator(partner=job.partner, default_centre=job.centre, allowed_centre_ids=allowed)
    checked: list[tuple[int, Registration, str, str]] = []
    errors: list[dict[str, Any]] = []
    try:
        with job.file.open("rb") as stream:
            _header, rows = read_rows(job.original_name, stream)
            rows_list = list(rows)
    except ValidationFailed as exc:
        return _finish(job, ImportJob.Status.ERROR, message=exc.message)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=len(rows_list))
    for index, (number, raw) in enumerate(rows_list, start=1):
        try:
            reg = validator.validate(raw)
        except ValidationFailed as exc:
            errors += [{"row": number, "column": col, "reason": reason} for col, reason in exc.details.items()]
        else:
            checked.append((number, reg, *duplicate_keys(reg.values)))
        if index % progress_every == 0:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=index)
    with transaction.atomic():
        # The duplicate check and the insert hold the registry lock together, so nobody registered
        # at the desk between the two can be imported a second time.
        lock_registry(partner=job.partner)
        seen_phone, seen_name = _existing_keys(job, checked)
        valid: list[Registration] = []
        for number, reg, phone, name_dob in checked:
            clash = _duplicate_reason(phone, name_dob, seen_phone, seen_name)
            if clash:
                errors.append({"row": number, "column": clash[0], "reason": clash[1]})
            else:
                seen_phone[phone] = number
                seen_name[name_dob] = number
                valid.append(reg)
        errors.sort(key=lambda e: e["row"])  # stable: a row's columns stay in the order they were checked
        if errors and not job.import_valid_rows:
            return _finish(job, ImportJob.Status.FAILED, errors=errors, processed=len(rows_list))
        imported = _save(job, valid)
        status = ImportJob.Status.PARTIAL if errors else ImportJob.Status.DONE
        return _finish(job, status, errors=errors, processed=len(rows_list), imported=imported)


def _existing_keys(job: ImportJob, checked: list[tuple[int, Registration, str, str]]
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """References of registered people who share a phone or a name and birth date with a row of the file.

    Looks up only the file's keys, in chunks, so the cost follows the file, not the size of the registry."""
    phones: dict[str, Any] = {}
    names: dict[str, Any] = {}
    people = Participant.objects.filter(partner=job.partner)
    for found, column, keys in ((phones, "phone_index", sorted({c[2] for c in checked if c[2]})),
                                (names, "name_dob_index", sorted({c[3] for c in checked}))):
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start:start + LOOKUP_CHUNK]
            for ref, key in people.filter(**{f"{column}__in": chunk}).order_by("pk").values_list(
                    "reference", column):
                found.setdefault(key, ref)
    return phones, names


def _duplicate_reason(phone: str, name_dob: str, phones: dict[str, Any], names: dict[str, Any]
                      ) -> tuple[str, str] | None:
    """The column and a whole sentence for each case, so translators never assemble one from pieces.

    `phones` and `names` map a key to the row of this file (an int) or the reference of a registered
    participant (a str) that already has it."""
    if phone and phone in phones:
        found = phones[phone]
        if isinstance(found, int):
            return "phone", _("Same phone number as row %(row)d of this file.") % {"row": found}
        return "phone", _("Same phone number as participant %(ref)s.") % {"ref": found}
    if name_dob in names:
        found = names[name_dob]
        if isinstance(found, int):
            return "date_of_birth", _("Same name and date of birth as row %(row)d of this file.") % {"row": found}
        return "date_of_birth", _("Same name and date of birth as participant %(ref)s.") % {"ref": found}
    return None


@transaction.atomic
def _save(job: ImportJob, regs: list[Any]) -> int:
    for start in range(0, len(regs), IMPORT_BATCH):
        chunk = regs[start:start + IMPORT_BATCH]
        people = [build_participant(partner=job.partner, reg=r, registered_by=job.created_by) for r in chunk]
        for person in people:
            person.import_job = job
        Participant.objects.bulk_create(people)
        Consent.objects.bulk_create([c for p, r in zip(people, chunk, strict=True)
                                     for c in build_consents(p, r, job.created_by)])
        ImportJob.objects.filter(pk=job.pk).update(imported_rows=start + len(chunk))
    audit.record(actor=job.created_by, verb="participants.imported", obj=job, rows=len(regs))
    return len(regs)


def _finish(job: ImportJob, status: str, *, errors: list[dict[str, Any]] | None = None, processed: int = 0,
            imported: int = 0, message: str = "") -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=status, errors=errors or [], processed_rows=processed,
                                               imported_rows=imported, message=message,
                                               finished_at=timezone.now())
    job.refresh_from_db()
    return job


