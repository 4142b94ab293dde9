"""A worker's own things in microwork: their work preferences, and the files they upload as answers.

`store_answer_file` lives here for now because the worker's pages need it and services/work.py is
owned elsewhere; it belongs beside `submit_work` and can move there unchanged.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from kasb.core.audit import record
from kasb.core.errors import NotFound, ValidationFailed
from kasb.participants.models import Participant

from ..models import Assignment, WorkerProfile


@transaction.atomic
def set_work_preferences(*, worker: Participant, avoid_distressing: bool) -> WorkerProfile:
    """Opt out of (or back into) projects marked as possibly distressing."""
    profile, _created = WorkerProfile.objects.get_or_create(participant=worker)
    if profile.avoid_distressing != avoid_distressing:
        WorkerProfile.objects.filter(pk=profile.pk).update(avoid_distressing=avoid_distressing)
        profile.avoid_distressing = avoid_distressing
        record(actor=worker.user, verb="microwork.work_preferences", obj=profile,
               avoid_distressing=avoid_distressing)
    return profile


# --- files uploaded as answers -------------------------------------------------------------------

def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(prefixes)


def _riff(kind: bytes) -> Callable[[bytes], bool]:
    return lambda head: head[:4] == b"RIFF" and head[8:12] == kind


def _mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def _text(head: bytes) -> bool:
    return b"\x00" not in head


_ZIP = _starts(b"PK\x03\x04")
# Per answer field type: the extensions accepted and what the first bytes of such a file look like,
# so a renamed executable or web page is refused whatever its name says.
ACCEPTED: dict[str, dict[str, Callable[[bytes], bool]]] = {
    "file": {".pdf": _starts(b"%PDF-"), ".png": _starts(b"\x89PNG\r\n\x1a\n"), ".jpg": _starts(b"\xff\xd8\xff"),
             ".jpeg": _starts(b"\xff\xd8\xff"), ".gif": _starts(b"GIF87a", b"GIF89a"), ".webp": _riff(b"WEBP"),
             ".heic": _mp4, ".txt": _text, ".csv": _text, ".docx": _ZIP, ".xlsx": _ZIP, ".odt": _ZIP, ".ods": _ZIP},
    "audio": {".mp3": _starts(b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"), ".m4a": _mp4, ".mp4": _mp4,
              ".3gp": _mp4, ".aac": _starts(b"\xff\xf1", b"\xff\xf9"), ".ogg": _starts(b"OggS"),
              ".oga": _starts(b"OggS"), ".opus": _starts(b"OggS"), ".wav": _riff(b"WAVE"),
              ".webm": _starts(b"\x1a\x45\xdf\xa3"), ".amr": _starts(b"#!AMR"), ".flac": _starts(b"fLaC")},
}
STORED = re.compile(r"microwork/answers/(\d+)/(\d+)/[a-z0-9_]{1,40}-[0-9a-f]{12}\.[a-z0-9]{2,5}")


def max_answer_file_bytes() -> int:
    return int(getattr(settings, "KASB_ANSWER_FILE_MAX_BYTES", 10 * 1024 * 1024))


def accepted_extensions(kind: str) -> list[str]:
    return sorted(ACCEPTED.get(kind, {}))


def is_answer_file_of(name: str, assignment: Assignment) -> bool:
    """Whether `name` is a file stored for this assignment (a page may only send back its own)."""
    match = STORED.fullmatch(name or "")
    return match is not None and match.groups() == (str(assignment.project_id), str(assignment.pk))


def store_answer_file(*, worker: Participant, assignment: Assignment, field: str, upload: Any) -> str:
    """Check an uploaded answer file's size and type, store it, and return the stored name for the answer."""
    if assignment.worker_id != worker.pk:
        raise NotFound(_("No such task of yours."))
    spec = next((f for f in assignment.project.answer_fields if f.get("name") == field), None)
    if spec is None or spec.get("type") not in ACCEPTED:
        raise ValidationFailed(_("This answer does not take a file."), field=field)
    limit = max_answer_file_bytes()
    if not upload.size:
        raise ValidationFailed(_("The file is empty; choose it again."), field=field)
    if upload.size > limit:
        raise ValidationFailed(_("The file is too big: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                               field=field)
    extension = PurePosixPath(str(upload.name or "")).suffix.lower()
    checks = ACCEPTED[spec["type"]]
    if extension not in checks:
        raise ValidationFailed(_("This kind of file is not accepted here. Use one of: %(kinds)s.")
                               % {"kinds": " ".join(sorted(checks))}, field=field)
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if not checks[extension](head):
        raise ValidationFailed(_("This is not a real %(kind)s file.") % {"kind": extension[1:].upper()}, field=field)
    name = (f"microwork/answers/{assignment.project_id}/{assignment.pk}/{field}-{uuid.uuid4().hex[:12]}"
            f"{extension}")
    return str(default_storage.save(name, upload))
