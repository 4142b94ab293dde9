"""On a phone, a "stack" table shows each cell as a two-column grid (its label, then its content), so every child
of a cell becomes a grid item: a cell with several children scatters them into the label column. Each cell of
"My work" holds one item. Found by the browser test: the reviewer's feedback sat under the "Review" label and
the task id under the next row's label."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client

from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, sign_in
from kasb.core.permissions import Principal, Role
from kasb.microwork.models import ReasonCode
from kasb.microwork.services import review
from kasb.orgs.queries import principal_for_user
from kasb.participants.services import link_login

from . import test_review as shared
from .test_review import do_tasks, url

_mounted, finance, funded = shared._mounted, shared.finance, shared.funded
reviewer, reviewer_user = shared.reviewer, shared.reviewer_user

VOID = {"br", "img", "input", "hr", "meta", "link", "wbr"}


class Cells(HTMLParser):
    """For each <td data-label> in the page: how many grid items it holds (child elements and bits of text)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, int]] = []
        self.depth = 0           # depth inside the current labelled cell (0: not in one)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            if tag == "td" and dict(attrs).get("data-label") is not None:
                self.items.append((str(dict(attrs)["data-label"]), 0))
                self.depth = 1
            return
        if self.depth == 1:
            label, count = self.items[-1]
            self.items[-1] = (label, count + 1)
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 1 and data.strip():
            label, count = self.items[-1]
            self.items[-1] = (label, count + 1)


def test_each_cell_of_my_work_holds_one_item(funded: Any, make_workers: Any, coordinator: Principal,
                                             reviewer: Principal) -> None:
    project = funded(tasks=3)
    (worker,) = make_workers(1)
    user = create_user(full_name="Worker", phone="+962795550997", password=PASSWORD)
    link_login(actor=coordinator, participant=worker, user=user)
    rejected, appealed, waiting = do_tasks(project, worker, 3)
    review.reject(actor=reviewer, submission=rejected, reason_code=ReasonCode.WRONG, feedback="The total is 21.50.")
    review.reject(actor=reviewer, submission=appealed, reason_code=ReasonCode.INCOMPLETE, feedback="Kind missing.")
    review.appeal(worker=worker, submission=appealed, reason="It is there.")
    html = sign_in(Client(), user).get(url("work_mine")).content.decode()
    assert "The total is 21.50." in html and url("appeal", rejected.pk) in html  # the cells with the most in them
    assert one_item_per_cell(html) == []
    assert html.count("<td data-label") >= 3 * 4


def one_item_per_cell(html: str) -> list[tuple[str, int]]:
    cells = Cells()
    cells.feed(html)
    assert cells.items, "no labelled cell on the page"
    return [(label, n) for label, n in cells.items if n > 1]


def test_each_cell_of_the_clients_and_managers_tables_holds_one_item(
        funded: Any, make_workers: Any, member: Any, login: Any, reviewer: Principal) -> None:
    project = funded(tasks=1, gold=1)
    (worker,) = make_workers(1)
    for submission in do_tasks(project, worker, 2, answers={"total": "10", "kind": "receipt"}):
        if submission.status == "pending":
            review.approve(actor=reviewer, submission=submission)
    manager = principal_for_user(member(Role.PROGRAMME_MANAGER))
    review.start_coaching(actor=manager, worker=worker, reason="Accuracy fell.")
    client = login(member(Role.CLIENT_MEMBER))
    for page in (url("client_projects"), url("client_project", project.pk), url("results_list"),
                 url("results_project", project.pk)):
        response = client.get(page)
        assert response.status_code == 200, page
        assert one_item_per_cell(response.content.decode()) == [], page
    html = client.get(url("results_project", project.pk)).content.decode()
    assert ">check</span>" in html  # the gold task's cell holds its badge too
    standing = login(manager.user).get(url("review_standing")).content.decode()
    assert worker.full_name in standing and one_item_per_cell(standing) == []
