"""The task page's default button sends the answer. A form's default button is its first submit button, and that
is the one "Enter" (a phone keyboard's "Go") presses in a one-line field; it was "More time", so a worker who
pressed "Go" used up an extension and her answer stayed unsent. Found by the browser test."""

from __future__ import annotations

import re
from typing import Any

from . import test_work_pages as shared
from .test_work_pages import body, start, url

signed_in, project_with = shared.signed_in, shared.project_with  # the work pages' fixtures, by name

FORM = [{"name": "shop", "label": "Shop", "type": "text"}, {"name": "total", "label": "Total", "type": "number"}]


def test_the_first_submit_button_of_the_answer_form_sends_the_answer(signed_in: Any, project_with: Any) -> None:
    project = project_with(tasks=1, answer_fields=FORM)
    _person, phone = signed_in()
    assignment = start(phone, project)
    html = body(phone.get(url("work_task", assignment.pk)))
    form = html.split('<form id="answer"', 1)[1].split("</form>", 1)[0]
    buttons = re.findall(r"<button\b[^>]*>", form)
    assert len(buttons) >= 3  # the default, "More time" and "Skip"
    default = buttons[0]
    assert 'type="submit"' in default and "formaction" not in default and "hx-post" not in default
    assert any("formaction" in b and "more-time" in b for b in buttons[1:])  # "More time" is still there
