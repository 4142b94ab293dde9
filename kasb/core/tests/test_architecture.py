"""Writes go through services: views, API endpoints, Celery tasks and management commands never write models.

The check reads the source (it does not import it), so a new file is covered the moment it exists.
"""

from __future__ import annotations

import ast
from pathlib import Path

KASB = Path(__file__).resolve().parents[2]

# Calls that write to the database when made on a model, a manager or a queryset.
WRITES = {"save", "delete", "update", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
          "execute"}

# (file, receiver, method) -> why it is not a model write. Keep this short.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("accounts/views.py", "image", "save"): "writes the QR code image to a BytesIO buffer",
    ("orgs/views.py", "initial", "update"): "a dict of a form's initial values",
}


def thin_layer_files() -> list[Path]:
    files = []
    for path in KASB.rglob("*.py"):
        parts = path.relative_to(KASB).parts
        if "tests" in parts or "migrations" in parts or path.name == "__init__.py":
            continue
        in_commands = parts[-3:-1] == ("management", "commands")
        thin = path.name.endswith("views.py") or path.name in ("api.py", "tasks.py")
        if thin or in_commands or "views" in parts[:-1]:
            files.append(path)
    return sorted(files)


def writes_in(source: str, filename: str) -> list[str]:
    """Every write-looking call in `source` that the allow-list does not explain, as 'file:line receiver.method'."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            receiver = ast.unparse(node.func.value)
            if (filename, receiver, node.func.attr) not in ALLOWED:
                where = f"{filename}:{node.lineno} {receiver}.{node.func.attr}(...)"
                found.append((node.lineno, node.col_offset, where))
    return [text for _line, _col, text in sorted(found)]


def test_the_files_checked_include_each_kind() -> None:
    names = {str(p.relative_to(KASB)) for p in thin_layer_files()}
    assert {"participants/views.py", "participants/api.py", "participants/tasks.py", "core/tasks.py",
            "core/management/commands/rotate_keys.py", "accounts/views.py",
            "outreach/public_views.py"} <= names


def test_views_api_tasks_and_commands_do_not_write_models() -> None:
    problems = []
    for path in thin_layer_files():
        problems += writes_in(path.read_text(encoding="utf-8"), str(path.relative_to(KASB)))
    assert problems == [], ("Call a service in <app>/services.py instead of writing models here "
                            "(or, if it is not a model, add it to ALLOWED with the reason):\n" + "\n".join(problems))


def test_the_check_catches_each_kind_of_write() -> None:
    source = """
def view(request, participant):
    participant.save()
    participant.delete()
    Participant.objects.create(given_name="x")
    Participant.objects.filter(pk=1).update(given_name="y")
    Consent.objects.bulk_create([])
    participant.consents.get_or_create(purpose="contact")
    image.save(out)
"""
    found = writes_in(source, "participants/views.py")
    assert [f.split(" ", 1)[1] for f in found] == [
        "participant.save(...)", "participant.delete(...)", "Participant.objects.create(...)",
        "Participant.objects.filter(pk=1).update(...)", "Consent.objects.bulk_create(...)",
        "participant.consents.get_or_create(...)", "image.save(...)"]
    # The allow-list is per file: the QR image is fine in accounts/views.py only.
    assert writes_in("image.save(out)", "accounts/views.py") == []
