"""/api/v1/records: historical-records imports: upload a file of one record type, follow it, read its problems."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from kasb.core.background import enqueue
from kasb.core.errors import PermissionDenied
from kasb.core.permissions import Cap, Principal, require
from kasb.orgs.queries import partners_for

from . import services, tasks
from .models import RecordType
from .queries import batches_visible_to

router = Router(tags=["legacy"])


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


class ProblemOut(Schema):
    row: int
    column: str
    reason: str


class BatchOut(Schema):
    id: int
    record_type: str
    original_name: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    total_rows: int
    processed_rows: int
    imported_rows: int
    native_records: int


class ErrorOut(Schema):
    code: str
    message: str


class BatchDetailOut(BatchOut):
    message: str
    errors: list[ProblemOut]


def _visible(request: HttpRequest) -> Any:
    principal = _principal(request)
    require(principal, Cap.MANAGE_MONITORING)
    return batches_visible_to(principal)


@router.get("/imports", response=list[BatchOut])
@paginate(LimitOffsetPagination)
def list_imports(request: HttpRequest):  # type: ignore[no-untyped-def]
    return _visible(request).defer("errors").order_by("-created_at", "-pk")


@router.get("/imports/{batch_id}", response=BatchDetailOut)
def get_import(request: HttpRequest, batch_id: int) -> Any:
    return get_object_or_404(_visible(request), pk=batch_id)


@router.post("/imports", response={202: BatchDetailOut, 403: ErrorOut, 422: ErrorOut})
def upload_import(request: HttpRequest, file: File[UploadedFile], record_type: Form[RecordType],
                  import_valid_rows: Form[bool] = False, partner_id: Form[int | None] = None) -> Any:
    """Upload one file (CSV or XLSX) of one record type (docs/import.md). It is checked in the background:
    the answer is 202 with the import's status; follow it with GET /records/imports/{id}. A file with any bad
    row imports nothing (each problem has its row, column and reason) unless `import_valid_rows` is true."""
    principal = _principal(request)
    require(principal, Cap.MANAGE_MONITORING)
    partners = partners_for(principal, Cap.MANAGE_MONITORING).filter(is_active=True).order_by("pk")
    partner = partners.filter(pk=partner_id).first() if partner_id else partners.first()
    if partner is None:
        raise PermissionDenied(_("You cannot import records for this organisation."))
    batch = services.start_import(actor=principal, partner=partner, record_type=record_type,
                                  name=file.name or "records.csv", content=file.read(),
                                  import_valid_rows=import_valid_rows)
    enqueue(tasks.process_import, batch.pk)
    return Status(202, batch)
