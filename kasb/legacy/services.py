"""Every write of the historical-records import: start a batch, check and import it, undo it.

One batch is one file of one record type. Every row is checked before anything is saved; the batch imports
all of its rows, or none while any is wrong, unless the importer asked for the valid rows alone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kasb.careers.models import Placement
from kasb.core import audit
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.models import Organisation
from kasb.orgs.queries import partner_ids, principal_for_user
from kasb.participants.importing import FileUnreadable
from kasb.participants.services import lock_registry
from kasb.skills.services import revoke_evidence

from .checks import Checked, Context, check_row
from .importing import read_rows
from .models import HISTORICAL_MODELS, BatchChange, ImportBatch, ImportedRecord, RecordType
from .resolve import ParticipantResolver
from .saving import EVIDENCE_TYPE, duplicate_column, existing_keys, row_key, save_rows

PROGRESS_EVERY = 500
S = ImportBatch.Status

# Allowed moves of a batch; UNDONE only from a batch that imported something.
MOVES: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.RUNNING, S.ERROR}),
    S.RUNNING: frozenset({S.FAILED, S.DONE, S.PARTIAL, S.ERROR}),
    S.DONE: frozenset({S.UNDONE}),
    S.PARTIAL: frozenset({S.UNDONE}),
    S.FAILED: frozenset(),
    S.ERROR: frozenset(),
    S.UNDONE: frozenset(),
}


def may_import_for(actor: Principal, partner: Organisation) -> bool:
    return actor.is_superuser or partner.pk in partner_ids(actor, Cap.MANAGE_MONITORING)


def _move(batch: ImportBatch, to: str, *, actor: Any, reason: str = "", **fields: Any) -> ImportBatch:
    old = ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).get()
    if to not in MOVES[old]:
        raise Conflict(_("An import that is “%(old)s” cannot become “%(new)s”.")
                       % {"old": S(old).label, "new": S(to).label}, code="invalid_move")
    ImportBatch.objects.filter(pk=batch.pk).update(status=to, **fields)
    user = actor if getattr(actor, "is_authenticated", False) else None
    BatchChange.objects.create(batch=batch, from_status=old, to_status=to, actor=user, reason=reason[:300])
    batch.refresh_from_db()
    return batch


@transaction.atomic
def start_import(*, actor: Principal, partner: Organisation, record_type: str, name: str, content: bytes,
                 import_valid_rows: bool = False) -> ImportBatch:
    """Keep the uploaded file and queue its checking; the caller enqueues process_import after commit."""
    require(actor, Cap.MANAGE_MONITORING)
    if not may_import_for(actor, partner):
        raise PermissionDenied(_("You cannot import records for this organisation."))
    if record_type not in RecordType.values:
        raise ValidationFailed(_("Choose what the file holds."), field="record_type")
    if not name.lower().endswith((".csv", ".xlsx")):
        raise FileUnreadable(_("Upload a .csv or .xlsx file."))
    if len(content) > settings.KASB_IMPORT_MAX_BYTES:
        limit = settings.KASB_IMPORT_MAX_BYTES // (1024 * 1024)
        raise FileUnreadable(ngettext("The file is larger than %(mb)d MB; split it into smaller files.",
                                      "The file is larger than %(mb)d MB; split it into smaller files.", limit)
                             % {"mb": limit})
    batch = ImportBatch.objects.create(partner=partner, record_type=record_type, created_by=actor.user,
                                       original_name=name[:200], import_valid_rows=import_valid_rows,
                                       file=ContentFile(content, name=name))
    BatchChange.objects.create(batch=batch, to_status=S.QUEUED, actor=actor.user)
    audit.record(actor=actor.user, verb="legacy.import_started", obj=batch, file=name, record_type=record_type)
    return batch


def process_import(*, batch: ImportBatch, progress_every: int = PROGRESS_EVERY) -> ImportBatch:
    """Check every row; import all (no errors) or, if asked, the valid ones. Does nothing to a finished batch."""
    if batch.finished:
        return batch
    actor = principal_for_user(batch.created_by)
    if not (actor.can(Cap.MANAGE_MONITORING) and may_import_for(actor, batch.partner)):
        return _move(batch, S.ERROR, actor=batch.created_by, finished_at=timezone.now(),
                     message=_("The person who uploaded this file may no longer import records."))
    if batch.status == S.QUEUED:
        batch = _move(batch, S.RUNNING, actor=batch.created_by)
    try:
        with batch.file.open("rb") as stream:
            _header, rows = read_rows(batch.record_type, batch.original_name, stream)
            rows_list = list(rows)
    except ValidationFailed as exc:
        return _move(batch, S.ERROR, actor=batch.created_by, message=exc.message, finished_at=timezone.now())
    ImportBatch.objects.filter(pk=batch.pk).update(total_rows=len(rows_list))
    ctx = _context(actor, batch, rows_list)
    checked: list[tuple[int, Checked]] = []
    for index, (number, raw) in enumerate(rows_list, start=1):
        checked.append((number, check_row(batch.record_type, raw, ctx)))
        if index % progress_every == 0:
            ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=index)
    with transaction.atomic():
        # The duplicate check and the saving hold the partner's lock together (the registry import's), so two
        # uploads of the same file cannot both import it.
        lock_registry(partner=batch.partner)
        valid, errors = _sort_out(batch, checked)
        if errors and not batch.import_valid_rows:
            return _move(batch, S.FAILED, actor=batch.created_by, errors=errors, processed_rows=len(rows_list),
                         finished_at=timezone.now())

        def progress(done: int) -> None:
            ImportBatch.objects.filter(pk=batch.pk).update(imported_rows=done)

        native = save_rows(actor=actor, batch=batch, rows=valid, progress=progress)
        audit.record(actor=batch.created_by, verb="legacy.imported", obj=batch, rows=len(valid), native=native)
        return _move(batch, S.PARTIAL if errors else S.DONE, actor=batch.created_by, errors=errors,
                     processed_rows=len(rows_list), imported_rows=len(valid), native_records=native,
                     finished_at=timezone.now())


def _context(actor: Principal, batch: ImportBatch, rows: list[tuple[int, dict[str, Any]]]) -> Context:
    keys = [str(raw.get("participant") or "") for _n, raw in rows]
    if batch.record_type == RecordType.OLD_IDS:
        keys += [str(raw.get("old_id") or "") for _n, raw in rows]
    resolver = ParticipantResolver(partner=batch.partner, keys=keys)
    return Context(partner=batch.partner, resolver=resolver, today=timezone.localdate(),
                   may_record_placements=actor.can(Cap.MANAGE_CAREER_SERVICES))


def _sort_out(batch: ImportBatch, checked: list[tuple[int, Checked]]
              ) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """The valid rows, and every problem as {row, column, reason}, duplicates included (in the file, or
    already imported), in row order."""
    errors: list[dict[str, Any]] = []
    for number, out in checked:
        errors += [{"row": number, "column": c, "reason": r} for c, r in out.errors.items()]
    good = [(n, out.values) for n, out in checked if not out.errors]
    held = existing_keys(batch.record_type, [v["participant_id"] for _n, v in good])
    seen: dict[tuple[Any, ...], int] = {}
    column = duplicate_column(batch.record_type)
    valid = []
    for number, values in good:
        key = row_key(batch.record_type, values)
        if key in seen:
            errors.append({"row": number, "column": column,
                           "reason": _("The same record as row %(row)d of this file.") % {"row": seen[key]}})
        elif key in held:
            reason = (_("This record is already in Kasb.") if held[key] == 0 else
                      _("This record was already imported (import %(batch)d).") % {"batch": held[key]})
            errors.append({"row": number, "column": column, "reason": reason})
        else:
            seen[key] = number
            valid.append((number, values))
    errors.sort(key=lambda e: e["row"])  # stable: a row's columns stay in the order they were checked
    return valid, errors


@transaction.atomic
def undo_batch(*, actor: Principal, batch: ImportBatch, reason: str = "") -> ImportBatch:
    """Remove what a batch created: its historical rows and old ids; the skills it verified are revoked.

    Refused when placements were recorded in careers (they may carry follow-ups and outcomes since), or
    when a later import found its participants through the old ids this batch brought."""
    require(actor, Cap.MANAGE_MONITORING)
    if not may_import_for(actor, batch.partner):
        raise PermissionDenied(_("You cannot undo imports for this organisation."))
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status not in (S.DONE, S.PARTIAL):
        raise Conflict(_("Only an import that imported rows can be undone."), code="invalid_move")
    placements = ImportedRecord.objects.filter(batch=locked, content_type__model=Placement._meta.model_name,
                                               content_type__app_label=Placement._meta.app_label)
    if placements.exists():
        raise Conflict(_("This import recorded placements in careers; correct them there, one by one."),
                       code="built_upon")
    if locked.record_type == RecordType.OLD_IDS and ImportBatch.objects.filter(
            partner=locked.partner, created_at__gt=locked.created_at,
            status__in=(S.DONE, S.PARTIAL)).exclude(pk=locked.pk).exists():
        raise Conflict(_("Later imports may have found their participants by these old ids; undo those first."),
                       code="built_upon")
    model = HISTORICAL_MODELS[locked.record_type]
    if locked.record_type == RecordType.ENROLMENTS:
        for pk in model._default_manager.filter(batch=locked, partner_verified=True).values_list("pk", flat=True):
            revoke_evidence(actor=actor.user, evidence_type=EVIDENCE_TYPE, evidence_id=str(pk),
                            reason=_("The import that brought this record was undone."))
    ImportedRecord.objects.filter(batch=locked).delete()
    removed, _by_model = model._default_manager.filter(batch=locked).delete()
    audit.record(actor=actor.user, verb="legacy.import_undone", obj=locked, removed=removed, reason=reason)
    return _move(locked, S.UNDONE, actor=actor.user, reason=reason)
