"""The first results on the client's page read as words: yes/no as Yes/No, several choices joined, never Python's
True/False or a list's brackets (the downloads keep true/false, as documented). Found by the browser test."""

from __future__ import annotations

from typing import Any

from kasb.core.permissions import Principal, Role
from kasb.microwork.models import Project

from . import test_review as shared
from .test_review import do_tasks, url

_mounted, finance, funded = shared._mounted, shared.finance, shared.funded
reviewer, reviewer_user = shared.reviewer, shared.reviewer_user

FORM = [{"name": "open", "label": "Open", "type": "yes_no"},
        {"name": "services", "label": "Services", "type": "multiple_choice", "choices": ["food", "water", "health"]}]


def test_the_first_results_show_yes_no_in_words_and_choices_joined(funded: Any, make_workers: Any, member: Any,
                                                                    login: Any, reviewer: Principal) -> None:
    project = funded(tasks=1)
    Project.objects.filter(pk=project.pk).update(answer_fields=FORM)
    (worker,) = make_workers(1)
    do_tasks(Project.objects.get(pk=project.pk), worker, answers={"open": "no", "services": ["food", "water"]})
    html = login(member(Role.CLIENT_MEMBER)).get(url("results_project", project.pk)).content.decode()
    preview = html.split('id="preview"', 1)[1]
    assert '<dd dir="auto">No</dd>' in preview and '<dd dir="auto">food; water</dd>' in preview
    assert "False" not in preview and "[" not in preview
