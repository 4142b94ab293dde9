"""Tasks in bulk: a CSV, XLSX or JSON file of tasks, with media files uploaded alongside or all in one ZIP.

Columns: `external_id` (the client's id, required, unique in the file and the project), one column
per task data field (those the project shows the worker are required), `media` (the name of a file
uploaded with the tasks: JPEG, PNG or WebP images, PDF, MP3, M4A, Ogg or WAV audio), `is_gold` and
`gold_answer` (for check questions: the right answer as a JSON object, checked against the
project's answer form). A JSON file is a list of such objects (or {"tasks": [...]}); task data may
also sit under "data".

Every row is checked in the background with progress; each problem is reported with its row, column
and reason, and duplicates (the same id, or the same data and media as another row or an existing
task) are problems too. Nothing is added while any row has a problem; otherwise all rows are added in
one transaction (in batches), and on a published project the extra work is reserved with them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from kasb.core import audit
from kasb.core.errors import Conflict, ValidationFailed
from kasb.core.permissions import Principal
from kasb.orgs.queries import principal_for_user
from kasb.participants.importing import neutralise
from kasb.payments.services import InsufficientFunds

from ..answers import check_answers
from ..models import Project, Task, TaskUpload
from .projects import MEDIA, TEMPLATES, project_for

RESERVED = ("external_id", MEDIA, "is_gold", "gold_answer")
TASK_FILES = (".csv", ".xlsx", ".json")
BATCH = 2000                # rows per progress update and per insert batch
ID_CHUNK = 900              # ids per IN (...) look-up, under SQLite's parameter limit
MAX_ID, MAX_ROW_BYTES, MAX_ERRORS_KEPT = 100, 20_000, 2000
MB = 1024 * 1024
STALE_CHECK = timedelta(hours=2)
MEDIA_KINDS = {".jpg": "image", ".jpeg": "image", ".png": "image", ".webp": "image", ".pdf": "pdf",
               ".mp3": "audio", ".m4a": "audio", ".ogg": "audio", ".wav": "audio"}
MEDIA_LIMITS = {"image": 5 * MB, "pdf": 10 * MB, "audio": 20 * MB}
YES = frozenset({"yes", "y", "true", "1", "نعم", "oui", "да", "ҳа"})
NO = frozenset({"", "no", "n", "false", "0", "لا", "non", "нет", "не"})
U = TaskUpload.Status


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def tasks_file_limit() -> int:
    return _limit("KASB_IMPORT_MAX_BYTES", 20 * MB)


def upload_limit() -> int:
    """The largest upload with media (a ZIP, or the files sent together), in bytes."""
    return _limit("KASB_TASK_UPLOAD_MAX_BYTES", 500 * MB)


def max_rows() -> int:
    return _limit("KASB_TASK_UPLOAD_MAX_ROWS", 200_000)


class FileUnreadable(ValidationFailed):
    code = "file_unreadable"


def _mb(size: int) -> str:
    return f"{size / MB:.0f}"


def media_problem(name: str, size: int, head: bytes) -> str:
    """Why a media file is refused ('' when it is fine): its type by name and by content, and its size."""
    ext = os.path.splitext(name)[1].lower()
    kind = MEDIA_KINDS.get(ext)
    if kind is None:
        return _("“%(name)s” is not a supported file: use JPEG, PNG or WebP images, PDF, or MP3, M4A, Ogg or "
                 "WAV audio.") % {"name": name}
    if size > MEDIA_LIMITS[kind]:
        return _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": _mb(MEDIA_LIMITS[kind])}
    if size == 0 or not _looks_like(ext, head):
        return _("“%(name)s” is not really a %(ext)s file.") % {"name": name, "ext": ext.lstrip(".").upper()}
    return ""


def _looks_like(ext: str, head: bytes) -> bool:
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext == ".mp3":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if ext == ".m4a":
        return head[4:8] == b"ftyp"
    if ext == ".ogg":
        return head.startswith(b"OggS")
    if ext == ".wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    return False


# --- starting an upload --------------------------------------------------------------------------

def _size(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _as_stream(content: bytes | IO[bytes]) -> IO[bytes]:
    return io.BytesIO(content) if isinstance(content, bytes | bytearray) else content


def _check_zip(stream: IO[bytes]) -> None:
    """A ZIP we will read: one tasks file, no encryption, sizes within the limits (no zip bombs)."""
    try:
        archive = zipfile.ZipFile(stream)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileUnreadable(_("This is not a readable .zip file.")) from exc
    tasks = [m for m in members if m.filename.lower().endswith(TASK_FILES) and "__macosx" not in m.filename.lower()]
    if len(tasks) != 1:
        raise FileUnreadable(_("Put exactly one tasks file (.csv, .xlsx or .json) in the ZIP, with the media files."))
    if any(m.flag_bits & 0x1 for m in members):
        raise FileUnreadable(_("The ZIP is password-protected; upload it without a password."))
    if tasks[0].file_size > tasks_file_limit():
        raise FileUnreadable(_("The tasks file is larger than %(mb)s MB; split it into smaller files.")
                             % {"mb": _mb(tasks_file_limit())})
    if len(members) > max_rows() + 1 or sum(m.file_size for m in members) > 2 * upload_limit():
        raise FileUnreadable(_("The ZIP holds more than an upload may: at most %(rows)s files and %(mb)s MB "
                                 "unpacked.") % {"rows": max_rows(), "mb": _mb(2 * upload_limit())})
    stream.seek(0)


def _bundle(name: str, content: IO[bytes], media: Sequence[tuple[str, IO[bytes]]]) -> IO[bytes]:
    """The tasks file and its media files in one ZIP (stored, not compressed: media is compressed already)."""
    seen: set[str] = set()
    for media_name, stream in media:
        base = os.path.basename(media_name)
        if base in seen:
            raise FileUnreadable(_("Two media files are called “%(name)s”.") % {"name": base})
        seen.add(base)
        size = _size(stream)
        problem = media_problem(base, size, stream.read(16))
        stream.seek(0)
        if problem:
            raise FileUnreadable(problem)
    out = tempfile.SpooledTemporaryFile(max_size=8 * MB)  # noqa: SIM115  # handed to the storage, then closed
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(os.path.basename(name), content.read())
        for media_name, stream in media:
            with archive.open(f"media/{os.path.basename(media_name)}", "w", force_zip64=True) as target:
                shutil.copyfileobj(stream, target, MB)
    out.seek(0)
    return out  # type: ignore[return-value]


@transaction.atomic
def start_upload(*, actor: Principal, project: Project, name: str, content: bytes | IO[bytes],
                 media: Sequence[tuple[str, bytes | IO[bytes]]] = ()) -> TaskUpload:
    """Keep the file (and its media) and queue its checking after commit. Raises FileUnreadable at once for a
    file of the wrong kind or size; everything about the rows is reported by the background check."""
    project = project_for(actor, project.pk)
    if project.status not in (Project.Status.DRAFT, Project.Status.PUBLISHED, Project.Status.PAUSED):
        raise Conflict(_("Tasks cannot be added to a %(status)s project.")
                       % {"status": project.get_status_display().lower()}, code="wrong_status")
    name = os.path.basename(name or "").strip() or "tasks"
    lower = name.lower()
    stream = _as_stream(content)
    size = _size(stream)
    streams = [(n, _as_stream(m)) for n, m in media]
    if lower.endswith(".zip"):
        if streams:
            raise FileUnreadable(_("Put the media files in the ZIP, or upload them beside a tasks file, not both."))
        if size > upload_limit():
            raise FileUnreadable(_("The ZIP is larger than %(mb)s MB; split it.") % {"mb": _mb(upload_limit())})
        _check_zip(stream)
        stored: IO[bytes] = stream
    elif lower.endswith(TASK_FILES):
        if size > tasks_file_limit():
            raise FileUnreadable(_("The tasks file is larger than %(mb)s MB; split it into smaller files.")
                                 % {"mb": _mb(tasks_file_limit())})
        if size + sum(_size(s) for _n, s in streams) > upload_limit():
            raise FileUnreadable(_("The files together are larger than %(mb)s MB; upload them in parts.")
                                 % {"mb": _mb(upload_limit())})
        stored = _bundle(name, stream, streams) if streams else stream
    else:
        raise FileUnreadable(_("Upload a .csv, .xlsx or .json file of tasks, or a .zip with the tasks file and "
                               "its media files."))
    stored_name = f"{project.pk}-{name}" + (".zip" if streams else "")
    upload = TaskUpload.objects.create(project=project, file=File(stored, name=stored_name), file_name=name[:200],
                                       created_by=actor.user)
    audit.record(actor=actor.user, verb="microwork.upload.started", obj=upload, project=project.pk, file=name,
                 media=len(streams), api_key=actor.api_key_id)
    from kasb.core.background import enqueue

    from .. import tasks as background

    enqueue(background.process_upload, upload.pk)
    return upload


# --- reading -------------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    """A spreadsheet cell as JSON: dates as YYYY-MM-DD, 3.0 as 3, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _table(lines: Iterator[Sequence[Any]]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    header = [str(h if h is not None else "").strip().lower() for h in next(lines, [])]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise FileUnreadable(_("These columns appear more than once: %(cols)s.") % {"cols": ", ".join(twice)})
    if "external_id" not in header:
        raise FileUnreadable(_("The file needs an external_id column: your own id for each task."))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in enumerate(lines, start=2):
            cells = [_cell(v) for v in values]
            if all(c == "" for c in cells):
                continue
            yield number, {h: c for h, c in zip(header, cells, strict=False) if h}
    return header, rows()


def _csv(stream: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileUnreadable(_("Save the CSV file as UTF-8 and upload it again.")) from exc
    try:
        return _table(iter(list(csv.reader(io.StringIO(text, newline="")))))
    except csv.Error as exc:
        raise FileUnreadable(_("This is not a readable .csv file: %(reason)s") % {"reason": exc}) from exc


def _xlsx(stream: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    try:
        sheet = load_workbook(io.BytesIO(stream.read()), read_only=True, data_only=True).worksheets[0]
        lines = list(sheet.iter_rows(values_only=True))
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileUnreadable(_("This is not a readable .xlsx file.")) from exc
    return _table(iter(lines))


def _json(stream: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    try:
        items = json.loads(stream.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileUnreadable(_("This is not a readable .json file: %(reason)s") % {"reason": exc}) from exc
    if isinstance(items, dict) and isinstance(items.get("tasks"), list):
        items = items["tasks"]
    if not isinstance(items, list):
        raise FileUnreadable(_("The JSON file must be a list of tasks (objects), or {\"tasks\": [...]}."))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                yield number, {"\x00not_an_object": True}
                continue
            flat = {str(k): v for k, v in item.items() if k != "data"}
            if isinstance(item.get("data"), dict):
                for key, value in item["data"].items():
                    flat.setdefault(str(key), value)
            yield number, flat
    return [], rows()


@dataclass
class Source:
    rows: list[tuple[int, dict[str, Any]]]
    header: list[str]
    archive: zipfile.ZipFile | None = None
    media: dict[str, zipfile.ZipInfo] = field(default_factory=dict)   # file name → member of the ZIP
    ambiguous: set[str] = field(default_factory=set)


def read_source(name: str, stream: IO[bytes]) -> Source:
    """The rows of an upload (and, for a ZIP, an index of its media files by name). Raises FileUnreadable.

    `name` is the stored file's name: a ZIP, or a tasks file whose extension says how to read it."""
    archive = None
    media: dict[str, zipfile.ZipInfo] = {}
    ambiguous: set[str] = set()
    if name.lower().endswith(".zip"):
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FileUnreadable(_("This is not a readable .zip file.")) from exc
        members = [m for m in archive.infolist() if not m.is_dir() and "__macosx" not in m.filename.lower()]
        task_file = next((m for m in members if m.filename.lower().endswith(TASK_FILES)), None)
        if task_file is None:
            raise FileUnreadable(_("Put a tasks file (.csv, .xlsx or .json) in the ZIP."))
        for member in members:
            if member is task_file:
                continue
            base = os.path.basename(member.filename)
            if base in media:
                ambiguous.add(base)
            media[base] = member
        name = task_file.filename
        limit = tasks_file_limit()
        try:
            with archive.open(task_file) as packed:  # at most limit + 1 bytes: the sizes a ZIP declares can lie
                data = packed.read(limit + 1)
        except (zipfile.BadZipFile, OSError, ValueError, zlib.error) as exc:
            raise FileUnreadable(_("The tasks file is damaged in the ZIP.")) from exc
        if len(data) > limit:
            raise FileUnreadable(_("The tasks file is larger than %(mb)s MB; split it into smaller files.")
                                 % {"mb": _mb(limit)})
        stream = io.BytesIO(data)
    lower = name.lower()
    reader = _csv if lower.endswith(".csv") else _xlsx if lower.endswith(".xlsx") else _json
    header, rows = reader(stream)
    listed = list(rows)
    if len(listed) > max_rows():
        raise FileUnreadable(_("A file may hold at most %(n)s tasks; split it.") % {"n": max_rows()})
    if not listed:
        raise FileUnreadable(_("The file has no tasks."))
    return Source(rows=listed, header=header, archive=archive, media=media, ambiguous=ambiguous)


# --- checking ------------------------------------------------------------------------------------

@dataclass
class Ready:
    """A checked row, ready to become a Task."""

    row: int
    external_id: str
    data: dict[str, Any]
    media: str            # the file's name in the upload ('' if none)
    is_gold: bool
    gold_answer: dict[str, Any] | None


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def data_key(data: dict[str, Any], media_hash: str, text: str | None = None) -> str:
    """What makes two tasks the same work: their data and the content of their media file."""
    return hashlib.sha256(f"{canonical(data) if text is None else text}\n{media_hash}".encode()).hexdigest()


def _media_hash_of_stored(name: str) -> str:
    """Stored media are named by the SHA-256 of their content (see _save_media)."""
    return os.path.splitext(os.path.basename(name))[0] if name else ""


class Checker:
    def __init__(self, project: Project, source: Source) -> None:
        self.project, self.source = project, source
        self.form = project.answer_fields
        self.wanted = [n for n in project.input_fields if n != MEDIA]
        self.errors: list[dict[str, Any]] = []
        self.ready: list[Ready] = []
        self.ids: dict[str, int] = {}
        self.keys: dict[str, int] = {}
        self.duplicates = 0
        self.media_checked: dict[str, tuple[str, str]] = {}   # name → (problem, sha256)

    def error(self, row: int, column: str, reason: str) -> None:
        self.errors.append({"row": row, "column": column, "reason": reason})

    def check_header(self) -> None:
        """Columns every row needs, reported once for the file rather than on every row."""
        header = self.source.header
        if not header:
            return
        missing = [n for n in self.wanted if n not in header]
        if MEDIA in self.project.input_fields and MEDIA not in header:
            missing.append(MEDIA)
        if missing:
            raise FileUnreadable(_("Missing columns the project shows to workers: %(cols)s.")
                                 % {"cols": ", ".join(missing)})

    def media(self, name: str) -> tuple[str, str]:
        if name not in self.media_checked:
            member = self.source.media.get(name)
            if member is None:
                result = (_("No file called “%(name)s” was uploaded with the tasks.") % {"name": name}, "")
            elif name in self.source.ambiguous:
                result = (_("Two files in the ZIP are called “%(name)s”.") % {"name": name}, "")
            else:
                result = self._read_media(name, member)
            self.media_checked[name] = result
        return self.media_checked[name]

    def _read_media(self, name: str, member: zipfile.ZipInfo) -> tuple[str, str]:
        assert self.source.archive is not None
        limit = MEDIA_LIMITS.get(MEDIA_KINDS.get(os.path.splitext(name)[1].lower(), ""), 0)
        digest = hashlib.sha256()
        try:
            with self.source.archive.open(member) as stream:
                head = stream.read(16)
                size = len(head)
                digest.update(head)
                # Read at most limit + 1 bytes: the sizes a ZIP declares can lie.
                while limit and size <= limit and (chunk := stream.read(MB)):
                    size += len(chunk)
                    digest.update(chunk)
        except (zipfile.BadZipFile, OSError, ValueError, zlib.error):
            return _("“%(name)s” is damaged in the ZIP.") % {"name": name}, ""
        return media_problem(name, size, head), digest.hexdigest()

    def check(self, row: int, raw: dict[str, Any]) -> None:
        if "\x00not_an_object" in raw:
            self.error(row, "", _("Each task must be an object of fields."))
            return
        before = len(self.errors)
        external_id = str(raw.get("external_id", "")).strip()
        if not external_id:
            self.error(row, "external_id", _("Give every task its own id."))
        elif len(external_id) > MAX_ID:
            self.error(row, "external_id", _("Keep the id under %(n)s characters.") % {"n": MAX_ID})
        elif external_id in self.ids:
            self.duplicates += 1
            self.error(row, "external_id", _("Same id as row %(row)s.") % {"row": self.ids[external_id]})
        else:
            self.ids[external_id] = row
        data = {k: v for k, v in raw.items() if k not in RESERVED}
        for name in self.wanted:
            value = data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                self.error(row, name, _("Required: the project shows this to the worker."))
        text = canonical(data)
        if len(text) > MAX_ROW_BYTES:
            self.error(row, "", _("This task's data is too long (over %(n)s characters).") % {"n": MAX_ROW_BYTES})
        media_name, media_hash = self._check_media(row, raw)
        is_gold, gold = self._check_gold(row, raw)
        if len(self.errors) > before:
            return
        key = data_key(data, media_hash, text)
        if key in self.keys:
            self.duplicates += 1
            self.error(row, "data", _("Same task data as row %(row)s.") % {"row": self.keys[key]})
            return
        self.keys[key] = row
        self.ready.append(Ready(row, external_id, data, media_name, is_gold, gold))

    def _check_media(self, row: int, raw: dict[str, Any]) -> tuple[str, str]:
        name = str(raw.get(MEDIA) or "").strip()
        if not name:
            if MEDIA in self.project.input_fields:
                self.error(row, MEDIA, _("This project needs a file for each task: name it in this column."))
            return "", ""
        problem, digest = self.media(os.path.basename(name))
        if problem:
            self.error(row, MEDIA, problem)
        return os.path.basename(name), digest

    def _check_gold(self, row: int, raw: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        flag = raw.get("is_gold", "")
        text = str(flag).strip().lower() if not isinstance(flag, bool) else ("yes" if flag else "no")
        if text not in YES | NO:
            self.error(row, "is_gold", _("Write yes or no."))
            return False, None
        is_gold = text in YES
        answer = raw.get("gold_answer")
        if not is_gold:
            if answer not in (None, "", {}):
                self.error(row, "gold_answer", _("A check answer is only for gold tasks: set is_gold to yes, or "
                                                 "leave it empty."))
            return False, None
        if isinstance(answer, str) and answer.strip():
            try:
                answer = json.loads(answer)
            except ValueError:
                answer = None
        if not isinstance(answer, dict) or not answer:
            self.error(row, "gold_answer", _("Give the right answer as JSON, e.g. {\"label\": \"positive\"}."))
            return True, None
        try:
            return True, check_answers(self.form, answer)
        except ValidationFailed as exc:
            for name, reason in (exc.details or {}).items():
                self.error(row, f"gold_answer.{name}", str(reason))
            return True, None

    def check_against_project(self) -> None:
        """Ids already in the project, and tasks that repeat one already there."""
        ids = sorted(self.ids)
        taken: set[str] = set()
        for start in range(0, len(ids), ID_CHUNK):
            taken.update(Task.objects.filter(project=self.project, external_id__in=ids[start:start + ID_CHUNK])
                         .values_list("external_id", flat=True))
        existing: dict[str, str] = {}
        if Task.objects.filter(project=self.project).exists():
            rows = Task.objects.filter(project=self.project).values_list("external_id", "data", "media")
            for external_id, data, media in rows.iterator(chunk_size=5000):
                existing.setdefault(data_key(data, _media_hash_of_stored(media)), external_id)
        kept = []
        for task in self.ready:
            if task.external_id in taken:
                self.duplicates += 1
                self.error(task.row, "external_id", _("A task with this id is already in the project."))
                continue
            key = data_key(task.data, self.media_checked.get(task.media, ("", ""))[1] if task.media else "")
            if key in existing:
                self.duplicates += 1
                self.error(task.row, "data", _("Same task data as task %(id)s already in the project.")
                           % {"id": existing[key]})
                continue
            kept.append(task)
        self.ready = kept


# --- processing ----------------------------------------------------------------------------------

def _finish(upload: TaskUpload, status: str, *, errors: list[dict[str, Any]] | None = None, added: int = 0,
            duplicates: int = 0) -> TaskUpload:
    errors = sorted(errors or [], key=lambda e: e["row"])
    if len(errors) > MAX_ERRORS_KEPT:
        more = len(errors) - MAX_ERRORS_KEPT
        errors = errors[:MAX_ERRORS_KEPT] + [{"row": 0, "column": "", "reason": _(
            "…and %(n)s more problems. Correct these and upload again to see the rest.") % {"n": more}}]
    TaskUpload.objects.filter(pk=upload.pk).update(status=status, errors=errors, added=added, duplicates=duplicates,
                                                   finished_at=timezone.now())
    upload.refresh_from_db()
    return upload


def _file_problem(upload: TaskUpload, reason: str) -> TaskUpload:
    return _finish(upload, U.FAILED, errors=[{"row": 0, "column": "", "reason": reason}])


def process_upload(*, upload: TaskUpload, progress_every: int = BATCH) -> TaskUpload:
    """Check every row, then add all the tasks or none. Running it again (or twice at once) adds nothing twice."""
    # Claim the upload, so that two runs (a retry, a task queued twice) never check and add it together.
    # One still "checking" long after it was queued was cut off (a worker died): it may be taken again.
    stale = timezone.now() - STALE_CHECK
    claimed = TaskUpload.objects.filter(pk=upload.pk).filter(
        Q(status=U.QUEUED) | Q(status=U.CHECKING, created_at__lt=stale)).update(status=U.CHECKING, done_rows=0)
    if not claimed:
        upload.refresh_from_db()
        return upload
    project = Project.objects.select_related("programme", "client").get(pk=upload.project_id)
    try:
        with upload.file.open("rb") as stream:
            source = read_source(upload.file.name or upload.file_name, stream)
            TaskUpload.objects.filter(pk=upload.pk).update(total_rows=len(source.rows))
            checker = Checker(project, source)
            checker.check_header()
            for index, (row, raw) in enumerate(source.rows, start=1):
                checker.check(row, raw)
                if index % progress_every == 0:
                    TaskUpload.objects.filter(pk=upload.pk).update(done_rows=index)
            checker.check_against_project()
            TaskUpload.objects.filter(pk=upload.pk).update(done_rows=len(source.rows))
            if checker.errors:
                return _finish(upload, U.FAILED, errors=checker.errors, duplicates=checker.duplicates)
            stored = _save_media(project, source, checker)
    except FileUnreadable as exc:
        return _file_problem(upload, exc.message)
    except OSError:
        return _file_problem(upload, _("The uploaded file could not be read again; upload it once more."))
    try:
        return _add(upload, checker.ready, stored)
    except IntegrityError:
        return _file_problem(upload, _("Another upload added some of these ids at the same time. Upload this file "
                                       "again to see which."))
    except (InsufficientFunds, ValidationFailed, Conflict) as exc:
        return _file_problem(upload, exc.message)


def _save_media(project: Project, source: Source, checker: Checker) -> dict[str, str]:
    """Keep each media file once, named by its content's SHA-256: file name in the upload → stored name."""
    stored: dict[str, str] = {}
    names = sorted({task.media for task in checker.ready if task.media})
    for name in names:
        digest = checker.media_checked[name][1]
        ext = os.path.splitext(name)[1].lower()
        path = f"microwork/media/{project.pk}/{digest}{ext}"
        if not default_storage.exists(path):
            assert source.archive is not None
            path = default_storage.save(path, ContentFile(source.archive.read(source.media[name])))
        stored[name] = path
    return stored


@transaction.atomic
def _add(upload: TaskUpload, ready: list[Ready], stored: dict[str, str]) -> TaskUpload:
    from .fairpay import ensure_funded

    project = Project.objects.select_for_update(of=("self",)).select_related("programme", "client").get(
        pk=upload.project_id)
    if project.status not in (Project.Status.DRAFT, Project.Status.PUBLISHED, Project.Status.PAUSED):
        raise Conflict(_("The project was %(status)s while the file was checked: nothing was added.")
                       % {"status": project.get_status_display().lower()})
    for start in range(0, len(ready), BATCH):
        Task.objects.bulk_create([
            Task(project=project, external_id=t.external_id, data=t.data, media=stored.get(t.media, ""),
                 is_gold=t.is_gold, gold_answer=t.gold_answer, upload=upload)
            for t in ready[start:start + BATCH]], batch_size=1000)
    actor = principal_for_user(upload.created_by) if upload.created_by else Principal()
    ensure_funded(actor=actor, project=project, purpose=_("add %(n)s tasks") % {"n": len(ready)})
    audit.record(actor=upload.created_by, verb="microwork.upload.added", obj=upload, project=project.pk,
                 tasks=len(ready), gold=sum(1 for t in ready if t.is_gold))
    return _finish(upload, U.DONE, added=len(ready))


# --- reads and the template file -----------------------------------------------------------------

def uploads_of(project: Project) -> QuerySet[TaskUpload]:
    return TaskUpload.objects.filter(project=project).order_by("-created_at", "-pk")


def problems_csv(upload: TaskUpload) -> bytes:
    """The problems of an upload as CSV (row, column, problem); cells a spreadsheet would run are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "problem"])
    for error in upload.errors:
        writer.writerow([error["row"] or "", neutralise(error["column"]), neutralise(error["reason"])])
    return out.getvalue().encode("utf-8-sig")


def template_csv(project: Project) -> bytes:
    """A CSV with the columns this project's upload takes and one example row."""
    example = TEMPLATES[project.task_type].example_input
    data_columns = [n for n in project.input_fields if n != MEDIA]
    header = ["external_id", *data_columns, *([MEDIA] if MEDIA in project.input_fields else []), "is_gold",
              "gold_answer"]
    row = ["task-0001", *(str(example.get(n, "")) for n in data_columns),
           *([str(example.get(MEDIA, "file-0001.jpg"))] if MEDIA in project.input_fields else []), "no", ""]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")
