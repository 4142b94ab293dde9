"""Uploading tasks: every row checked with row/column/reason, duplicates found, all or nothing, media safe."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from kasb.accounts.models import User
from kasb.core.errors import Conflict
from kasb.core.permissions import Principal, Role
from kasb.microwork.models import Project, Task, TaskType, TaskUpload
from kasb.microwork.services import uploads
from kasb.microwork.services.fairpay import cancel_project
from kasb.microwork.services.uploads import FileUnreadable, process_upload

from . import test_projects as shared
from .test_projects import csv_bytes, label_rows

# Fixtures shared with test_projects.py (pytest finds them by these names).
add_tasks = shared.add_tasks
client_actor = shared.client_actor
client_page = shared.client_page
client_user = shared.client_user
draft = shared.draft

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 100
GOLD = '{"label": "positive"}'


def problems(upload: TaskUpload) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in upload.errors]


def test_three_bad_rows_are_reported_exactly_and_nothing_is_added(draft: Any, add_tasks: Any) -> None:
    project = draft()
    rows = label_rows(10)
    rows[1]["text"] = "   "                       # spreadsheet row 3: required data missing
    rows[3]["external_id"] = ""                   # row 5: no id
    rows[6].update(is_gold="yes", gold_answer='{"label": "maybe"}')  # row 8: a check answer the form refuses
    upload = add_tasks(project, csv_bytes(rows))
    assert upload.status == TaskUpload.Status.FAILED
    assert problems(upload) == [(3, "text"), (5, "external_id"), (8, "gold_answer.label")]
    assert upload.errors[2]["reason"] == "Choose one of the options."
    assert (upload.added, upload.total_rows, upload.done_rows) == (0, 10, 10)
    assert not Task.objects.filter(project=project).exists()


def test_more_row_problems_each_with_a_reason(draft: Any, add_tasks: Any) -> None:
    rows = [{"external_id": "a", "text": "x", "is_gold": "maybe", "gold_answer": ""},
            {"external_id": "b", "text": "y", "is_gold": "yes", "gold_answer": "not json"},
            {"external_id": "c", "text": "z", "is_gold": "no", "gold_answer": GOLD},
            {"external_id": "d" * 101, "text": "w", "is_gold": "", "gold_answer": ""}]
    upload = add_tasks(draft(), csv_bytes(rows))
    assert problems(upload) == [(2, "is_gold"), (3, "gold_answer"), (4, "gold_answer"), (5, "external_id")]
    assert "JSON" in upload.errors[1]["reason"] and "only for gold tasks" in upload.errors[2]["reason"]


def test_duplicates_are_reported(draft: Any, add_tasks: Any) -> None:
    project = draft()
    assert add_tasks(project, csv_bytes(label_rows(3))).status == TaskUpload.Status.DONE  # t0, t1, t2
    rows = [{"external_id": "n1", "text": "New one"},
            {"external_id": "n2", "text": "New two"},
            {"external_id": "n1", "text": "Another"},            # the same id as row 2
            {"external_id": "n3", "text": "New two"},            # the same data as row 3
            {"external_id": "t1", "text": "Fresh"},              # an id already in the project
            {"external_id": "n4", "text": "Review number 2"}]    # the data of task t2
    upload = add_tasks(project, csv_bytes(rows), name="more.csv")
    assert problems(upload) == [(4, "external_id"), (5, "data"), (6, "external_id"), (7, "data")]
    reasons = [e["reason"] for e in upload.errors]
    assert reasons == ["Same id as row 2.", "Same task data as row 3.",
                       "A task with this id is already in the project.",
                       "Same task data as task t2 already in the project."]
    assert upload.duplicates == 4
    assert Task.objects.filter(project=project).count() == 3


def test_an_xlsx_file_uploads(draft: Any, add_tasks: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["External_ID", "text", "is_gold", "gold_answer", "price", "seen_on"])
    sheet.append([1001, "Good shop", None, None, 12.0, date(2026, 3, 1)])
    sheet.append([1002, "Bad shop", "yes", GOLD, 3.5, None])
    sheet.append([None, None, None, None, None, None])  # an empty row is skipped
    out = io.BytesIO()
    book.save(out)
    project = draft()
    upload = add_tasks(project, out.getvalue(), name="tasks.xlsx")
    assert (upload.status, upload.added) == (TaskUpload.Status.DONE, 2)
    first, gold = Task.objects.filter(project=project).order_by("external_id")
    assert first.external_id == "1001"
    assert first.data == {"text": "Good shop", "price": 12, "seen_on": "2026-03-01"}
    assert (gold.is_gold, gold.gold_answer, gold.data["price"]) == (True, {"label": "positive"}, 3.5)


def test_a_json_file_uploads_with_nested_data_and_gold(draft: Any, add_tasks: Any) -> None:
    project = draft()
    tasks = [{"external_id": "j1", "data": {"text": "Nested"}},
             {"external_id": "j2", "text": "Flat", "extra": {"any": ["json"]}},
             {"external_id": "j3", "data": {"text": "Gold"}, "is_gold": True, "gold_answer": {"label": "negative"}}]
    upload = add_tasks(project, json.dumps({"tasks": tasks}).encode(), name="tasks.json")
    assert (upload.status, upload.added) == (TaskUpload.Status.DONE, 3)
    by_id = {t.external_id: t for t in Task.objects.filter(project=project)}
    assert by_id["j1"].data == {"text": "Nested"}
    assert by_id["j2"].data == {"text": "Flat", "extra": {"any": ["json"]}}
    assert by_id["j3"].gold_answer == {"label": "negative"} and by_id["j3"].is_gold
    items = [{"external_id": "j4", "text": "ok"}, "not a task", {"text": "no id"}]
    bad = add_tasks(project, json.dumps(items).encode(), name="bad.json")
    assert problems(bad) == [(2, ""), (3, "external_id")]


def test_unreadable_files_are_explained(draft: Any, add_tasks: Any) -> None:
    project = draft()
    with pytest.raises(FileUnreadable):
        add_tasks(project, b"hello", name="tasks.txt")
    for content, name, words in (
            (b"id,text\n1,x\n", "a.csv", "external_id column"),
            (b"external_id,other\n1,x\n", "b.csv", "Missing columns the project shows to workers: text"),
            (b"\xff\xfe\x00bad", "c.csv", "UTF-8"),
            (b"not a workbook", "d.xlsx", "not a readable .xlsx"),
            (b"{", "e.json", "not a readable .json"),
            (b"external_id,text\n", "f.csv", "no tasks")):
        upload = add_tasks(project, content, name=name)
        assert upload.status == TaskUpload.Status.FAILED and problems(upload) == [(0, "")], name
        assert words in upload.errors[0]["reason"], (name, upload.errors)
    assert not Task.objects.exists()


def test_two_thousand_rows_upload_in_batches_with_progress(draft: Any, add_tasks: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    project = draft(gold_percent=10)
    monkeypatch.setattr(uploads, "BATCH", 500)
    start = time.perf_counter()
    upload = add_tasks(project, csv_bytes(label_rows(1950, gold=50)))
    elapsed = time.perf_counter() - start
    assert upload.status == TaskUpload.Status.DONE, upload.errors[:3]
    assert (upload.added, upload.total_rows, upload.done_rows) == (2000, 2000, 2000)
    assert Task.objects.filter(project=project, is_gold=True).count() == 50
    assert elapsed < 60, elapsed


def test_progress_is_reported_while_checking(draft: Any, add_tasks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded: list[int] = []
    real_update = uploads.TaskUpload.objects.filter

    class Spy:
        def __init__(self, qs: Any) -> None:
            self.qs = qs

        def filter(self, *args: Any, **kwargs: Any) -> Spy:
            return Spy(self.qs.filter(*args, **kwargs))

        def update(self, **fields: Any) -> int:
            if "done_rows" in fields:
                recorded.append(fields["done_rows"])
            return int(self.qs.update(**fields))

    monkeypatch.setattr(uploads.TaskUpload.objects, "filter", lambda *a, **k: Spy(real_update(*a, **k)))
    project = draft()
    upload = uploads.start_upload(actor=Principal(is_superuser=True), project=project, name="t.csv",
                                  content=csv_bytes(label_rows(25)))
    process_upload(upload=upload, progress_every=10)
    assert recorded == [0, 10, 20, 25]


def test_running_the_check_again_adds_nothing_twice(draft: Any, add_tasks: Any) -> None:
    project = draft()
    upload = add_tasks(project, csv_bytes(label_rows(4)))
    again = process_upload(upload=TaskUpload.objects.get(pk=upload.pk))
    assert again.status == TaskUpload.Status.DONE and Task.objects.filter(project=project).count() == 4


def test_no_tasks_are_added_to_a_cancelled_project(draft: Any, add_tasks: Any, client_actor: Principal) -> None:
    project = draft()
    cancel_project(actor=client_actor, project=project)
    with pytest.raises(Conflict):
        add_tasks(project, csv_bytes(label_rows(2)))


# --- media ---------------------------------------------------------------------------------------

@pytest.fixture
def receipts(draft: Any) -> Project:
    """A data-entry project: each task needs an image or PDF in the `media` column."""
    return draft(task_type=TaskType.DATA_ENTRY, name="Receipts")


def test_media_files_uploaded_alongside_are_checked_and_kept_once(receipts: Project, add_tasks: Any) -> None:
    rows = [{"external_id": "r1", "media": "a.png", "shop": "Bakery"},
            {"external_id": "r2", "media": "a.png", "shop": "Pharmacy"},   # the same image, different data
            {"external_id": "r3", "media": "b.jpg", "shop": "Bakery"}]
    upload = add_tasks(receipts, csv_bytes(rows), media=[("a.png", PNG), ("b.jpg", io.BytesIO(JPEG))])
    assert upload.status == TaskUpload.Status.DONE, upload.errors
    tasks = {t.external_id: t for t in Task.objects.filter(project=receipts)}
    assert tasks["r1"].media.name == tasks["r2"].media.name != tasks["r3"].media.name
    assert tasks["r1"].media.read() == PNG and str(tasks["r3"].media.name).endswith(".jpg")
    assert "media" not in tasks["r1"].data and tasks["r1"].data == {"shop": "Bakery"}


def test_media_problems_are_reported_by_row(receipts: Project, add_tasks: Any) -> None:
    with pytest.raises(FileUnreadable) as caught:  # a file sent alongside is checked at once
        add_tasks(receipts, csv_bytes([{"external_id": "r1", "media": "x.png"}]), media=[("x.png", b"<html>")])
    assert "not really a PNG" in caught.value.message
    with pytest.raises(FileUnreadable):
        add_tasks(receipts, csv_bytes([{"external_id": "r1", "media": "x.exe"}]), media=[("x.exe", b"MZ")])
    rows = [{"external_id": "r1", "media": "a.png"}, {"external_id": "r2", "media": "missing.jpg"},
            {"external_id": "r3", "media": ""}]
    upload = add_tasks(receipts, csv_bytes(rows), media=[("a.png", PNG)])
    assert problems(upload) == [(3, "media"), (4, "media")]
    assert "No file called “missing.jpg”" in upload.errors[0]["reason"]
    assert not Task.objects.exists()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_zip_with_the_tasks_file_and_its_media(receipts: Project, add_tasks: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = csv_bytes([{"external_id": "z1", "media": "scans/one.png"}, {"external_id": "z2", "media": "two.pdf"},
                       {"external_id": "z3", "media": "fake.jpg"}, {"external_id": "z4", "media": "big.png"}])
    monkeypatch.setitem(uploads.MEDIA_LIMITS, "image", 1000)
    content = _zip({"tasks.csv": tasks, "media/one.png": PNG, "media/two.pdf": b"%PDF-1.7\n...",
                    "media/fake.jpg": b"GIF89a", "big.png": PNG + b"\x00" * 2000})
    upload = add_tasks(receipts, content, name="batch.zip")
    assert problems(upload) == [(4, "media"), (5, "media")]
    assert "not really a JPG" in upload.errors[0]["reason"] and "larger than" in upload.errors[1]["reason"]
    content = _zip({"tasks.csv": tasks.replace(b"fake.jpg", b"two.pdf").replace(b"z3,two.pdf", b"z3,one.png")
                    .replace(b"z4,big.png\r\n", b""), "media/one.png": PNG, "media/two.pdf": b"%PDF-1.7\n..."})
    # z3 repeats z1 exactly (the same image, no other data): a duplicate.
    upload = add_tasks(receipts, content, name="batch2.zip")
    assert problems(upload) == [(4, "data")]
    with pytest.raises(FileUnreadable):
        add_tasks(receipts, _zip({"a.csv": tasks, "b.csv": tasks}), name="two.zip")
    with pytest.raises(FileUnreadable):
        add_tasks(receipts, b"PK not really", name="broken.zip")


# --- escaping and the pages ----------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def test_task_data_is_stored_as_is_and_shown_escaped(draft: Any, add_tasks: Any, client_page: Client) -> None:
    project = draft()
    upload = add_tasks(project, csv_bytes([{"external_id": "x1", "text": SCRIPT, "note": IMG},
                                           {"external_id": IMG, "text": "plain"}]))
    assert upload.status == TaskUpload.Status.DONE
    task = Task.objects.get(external_id="x1")
    assert task.data == {"text": SCRIPT, "note": IMG}
    body = client_page.get(f"/en/microwork/client/{project.pk}/").content.decode()
    assert SCRIPT not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in body


def test_uploading_on_the_page_shows_progress_and_problems(receipts: Project, client_page: Client,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    url = f"/en/microwork/client/{receipts.pk}/upload/"
    rows = csv_bytes([{"external_id": "p1", "media": "a.png", "shop": "one"},
                      {"external_id": "p2", "media": "nope.png", "shop": "two"}])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_page.post(url, {"file": _named(rows, "tasks.csv"), "media_files": [_named(PNG, "a.png")]})
    upload = TaskUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/microwork/client/{receipts.pk}/uploads/{upload.pk}/"
    assert upload.status == TaskUpload.Status.FAILED  # the background task ran after commit
    page = client_page.get(response["Location"]).content.decode()
    assert "Nothing was added" in page and "nope.png" in page
    partial = client_page.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "upload-errors" in partial and "<html" not in partial
    problems_csv = client_page.get(response["Location"] + "problems.csv").content.decode("utf-8-sig")
    assert problems_csv.splitlines()[:2] == ["row,column,problem", "3,media,No file called “nope.png” was uploaded "
                                                                   "with the tasks."]
    bad = client_page.post(url, {"file": _named(b"x", "tasks.pdf")})
    assert bad.status_code == 400 and b"Upload a .csv" in bad.content
    with django_capture_on_commit_callbacks(execute=True):
        client_page.post(url, {"file": _named(rows.replace(b"nope.png", b"a.png"), "tasks.csv"),
                               "media_files": [_named(PNG, "a.png")]})
    done = TaskUpload.objects.latest("pk")
    assert (done.status, done.added) == (TaskUpload.Status.DONE, 2), done.errors
    assert "2 tasks added" in client_page.get(f"/en/microwork/client/{receipts.pk}/uploads/{done.pk}/").content.decode()


def _named(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_user_without_the_project_cannot_upload(draft: Any, login: Callable[[User], Client], member: Any) -> None:
    project = draft()
    other = login(member(Role.EMPLOYER_MEMBER))
    assert other.get(f"/en/microwork/client/{project.pk}/upload/").status_code == 403


def test_an_upload_is_checked_by_one_run_at_a_time(draft: Any) -> None:
    project = draft()
    upload = uploads.start_upload(actor=Principal(is_superuser=True), project=project, name="t.csv",
                                  content=csv_bytes(label_rows(3)))
    TaskUpload.objects.filter(pk=upload.pk).update(status=TaskUpload.Status.CHECKING)  # another run has it
    assert process_upload(upload=upload).status == TaskUpload.Status.CHECKING
    assert not Task.objects.exists()
    TaskUpload.objects.filter(pk=upload.pk).update(created_at=upload.created_at - uploads.STALE_CHECK * 2)
    assert process_upload(upload=upload).status == TaskUpload.Status.DONE  # that run died long ago
    assert Task.objects.filter(project=project).count() == 3
