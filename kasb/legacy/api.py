"""/api/v1/records: historical-records imports (read only; files are uploaded on the Historical records page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from kasb.core.permissions import Cap, Principal, require

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
