"""Client-supplied content is inert wherever a worker sees it: instructions, task data, examples, form labels."""

from __future__ import annotations

from typing import Any

from kasb.microwork.models import Project, Task
from kasb.orgs.models import Programme

from .test_work_pages import body, signed_in, start, url  # noqa: F401 - the fixture is used by name

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_inert(html: str) -> None:
    assert SCRIPT not in html and "<script>alert" not in html
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html
    assert SCRIPT_ESCAPED in html and IMG_ESCAPED in html


def test_planted_markup_renders_inert_on_the_projects_page_and_the_task_page(
        signed_in: Any, world: dict[str, Any], work_programme: Programme) -> None:  # noqa: F811
    project = Project.objects.create(
        client=world["client"], programme=work_programme, name=f"Receipts {SCRIPT}", task_type="data_entry",
        status=Project.Status.PUBLISHED, instructions=f"{SCRIPT} Type the total. {IMG}",
        content_warning=f"Warning {IMG}", pay_per_task=500, currency="JOD", estimated_seconds=60,
        examples=[{"input": {"shop": SCRIPT}, "answer": {"total": IMG}, "why": IMG}],
        answer_fields=[{"name": "total", "label": f"Total {SCRIPT}", "type": "text", "help": IMG},
                       {"name": "kind", "label": IMG, "type": "single_choice", "choices": [SCRIPT, IMG]}])
    Task.objects.create(project=project, external_id=f"t{IMG}", data={"shop": SCRIPT, IMG: IMG})
    _person, browser = signed_in()

    listing = body(browser.get(url("work_projects")))
    assert_inert(listing)
    assert_inert(body(browser.get(url("work_project", project.pk))))

    lease = start(browser, project, confirm="yes")
    page = body(browser.get(url("work_task", lease.pk)))
    assert_inert(page)
    # Typed answers come back escaped too, after a validation error.
    again = browser.post(url("work_task", lease.pk), {"a-total": IMG, "a-kind": "not a choice", "client_key": "x1"})
    assert again.status_code == 400
    assert_inert(body(again))
