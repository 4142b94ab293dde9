"""The dashboard, the report and its files, the API and `kasb report`, as their users meet them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kasb.core.permissions import Principal, Role

from .conftest import PEOPLE, _cohort, _enrol, register_people, this_year

pytestmark = pytest.mark.django_db


def query(**params: str) -> str:
    return "&".join(f"{k}={v}" for k, v in {**this_year(), **params}.items())


def test_the_dashboard_draws_the_funnel_trend_and_breakdowns(login: Callable[..., Client], me_officer_user: Any,
                                                             pathway: dict[str, Any]) -> None:
    page = login(me_officer_user).get(f"/en/monitoring/?{query()}")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") == 4
    assert "Safe to share" in html and "Placed in an internship or job" in html
    assert "Enrolled" in html and "Completed training" in html


def test_an_unsuppressed_view_is_labelled_as_such(login: Callable[..., Client], me_officer_user: Any,
                                                  pathway: dict[str, Any]) -> None:
    html = login(me_officer_user).get(f"/en/monitoring/report/?{query(show_small='1', by='sex')}").content.decode()
    assert "Unsuppressed" in html and "For internal use only" in html


def test_a_donor_cannot_turn_suppression_off(login: Callable[..., Client], donor_officer_user: Any,
                                             pathway: dict[str, Any]) -> None:
    client = login(donor_officer_user)
    html = client.get(f"/en/monitoring/report/?{query(show_small='1', by='sex')}").content.decode()
    assert "Safe to share" in html and "Show small numbers" not in html
    rows = list(csv.reader(io.StringIO(client.get(f"/en/monitoring/report.csv?{query(show_small='1', by='sex')}")
                                       .content.decode())))
    registered = [r for r in rows if r[:1] == ["registered"]]
    assert [r[3] for r in registered] == ["female", "male", ""]
    assert [r[7] for r in registered] == ["suppressed", "suppressed", ""]  # 5 and 4 hidden, total 9 shown
    assert registered[-1][5] == "9"


def test_someone_without_the_capability_gets_403(login: Callable[..., Client], member: Callable[..., Any]) -> None:
    assert login(member(Role.TRAINER)).get("/en/monitoring/").status_code == 403


def test_a_bad_filter_is_shown_on_the_form(login: Callable[..., Client], me_officer_user: Any, world: Any) -> None:
    page = login(me_officer_user).get("/en/monitoring/?start=2026-02-30")
    assert page.status_code == 200 and "Enter a date as YYYY-MM-DD." in page.content.decode()


def test_csv_has_an_hxl_row_under_the_headers(login: Callable[..., Client], me_officer_user: Any,
                                              pathway: dict[str, Any]) -> None:
    response = login(me_officer_user).get(f"/en/monitoring/report.csv?{query(by='area', group='refugees')}")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:2] == ["#indicator+code", "#indicator+name"]
    assert "#adm1+name+dim1" in rows[1] and "#indicator+value+num+refugees" in rows[1] and "#date+reported" in rows[1]
    assert rows[-1][0].startswith("# Safe to share")


def test_xlsx_and_pdf(login: Callable[..., Client], me_officer_user: Any, pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)
    book = load_workbook(io.BytesIO(client.get(f"/en/monitoring/report.xlsx?{query(by='sex')}").content))
    sheet = book.worksheets[0]
    assert sheet.cell(2, 1).value == "#indicator+code"
    codes = {sheet.cell(r, 1).value for r in range(3, sheet.max_row + 1)}
    assert {"enrolled", "income_earned", "completed"} <= codes
    pdf = client.get(f"/en/monitoring/report.pdf?{query()}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_partner_names_cannot_run_as_formulas(root: Principal, world: dict[str, Any], login: Callable[..., Client],
                                              me_officer_user: Any) -> None:
    from kasb.orgs.models import Organisation

    Organisation.objects.filter(pk=world["irbid"].pk).update(name="=HYPERLINK(\"http://x\")")
    register_people(root, world, PEOPLE[:1])
    text = login(me_officer_user).get(f"/en/monitoring/report.csv?{query(by='centre')}").content.decode()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def _dashboard_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/en/monitoring/?{query(by='nationality', refresh='1')}").status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_query_count_does_not_grow_with_participants(
        root: Principal, world: dict[str, Any], login: Callable[..., Client], me_officer_user: Any,
        pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)
    small = _dashboard_queries(client)
    more = register_people(root, world, PEOPLE * 4, offset=100)
    cohort = _cohort(root, world, pathway["programme"], code="second")
    _enrol(root, cohort, more[:20])
    assert _dashboard_queries(client) == small


def test_report_query_count_does_not_grow(root: Principal, world: dict[str, Any], login: Callable[..., Client],
                                          me_officer_user: Any, pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/en/monitoring/report/?{query(by='sex', refresh='1')}")
        return len(ctx.captured_queries)
    small = count()
    register_people(root, world, PEOPLE * 3, offset=200)
    assert count() == small


def _enrolled(html: str) -> str:
    """The funnel's "Enrolled" figure as the chart prints it."""
    import re

    found = re.search(r">Enrolled</text>.*?>(\d+)</text>", html, re.S)
    assert found, "the funnel has an Enrolled bar"
    return found.group(1)


def test_a_dashboard_is_kept_for_a_few_minutes_and_can_be_worked_out_again(
        root: Principal, world: dict[str, Any], login: Callable[..., Client], me_officer_user: Any,
        pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)
    url = f"/en/monitoring/?{query()}"
    with CaptureQueriesContext(connection) as first_ctx:
        first = client.get(url).content.decode()
    assert "Figures worked out at" in first and "refresh=1" in first
    cohort = _cohort(root, world, pathway["programme"], code="later")
    _enrol(root, cohort, register_people(root, world, PEOPLE * 2, offset=300)[:6])
    with CaptureQueriesContext(connection) as kept_ctx:
        kept = client.get(url).content.decode()
    # The kept figures: no indicator is read again, and the six new enrolments are not in them yet.
    assert len(kept_ctx.captured_queries) < len(first_ctx.captured_queries)
    assert _enrolled(kept) == _enrolled(first)
    fresh = client.get(url + "&refresh=1").content.decode()
    assert int(_enrolled(fresh)) == int(_enrolled(first)) + 6
    assert _enrolled(client.get(url).content.decode()) == _enrolled(fresh)  # the fresh figures are kept


def test_figures_are_kept_per_audience_and_language(login: Callable[..., Client], me_officer_user: Any,
                                                    donor_officer_user: Any, pathway: dict[str, Any]) -> None:
    inside = login(me_officer_user).get(f"/en/monitoring/?{query(show_small='1')}").content.decode()
    assert "Unsuppressed" in inside
    # A donor asking for the same filters gets their own, suppressed, figures, never the kept unsuppressed ones.
    outside = login(donor_officer_user).get(f"/en/monitoring/?{query(show_small='1')}").content.decode()
    assert "Unsuppressed" not in outside and "Safe to share" in outside
    arabic = login(me_officer_user).get(f"/ar/monitoring/?{query(show_small='1')}").content.decode()
    assert "Enrolled" not in arabic


# --- API -----------------------------------------------------------------------------------------

def test_api_lists_every_indicator_with_its_definition(login: Callable[..., Client], me_officer_user: Any,
                                                       world: Any) -> None:
    body = login(me_officer_user).get("/api/v1/monitoring/indicators").json()
    codes = {i["code"]: i for i in body}
    assert codes["placed"]["available"] is True and codes["placed"]["comes_with"] == ""
    assert "placement_kind" in codes["placed"]["dimensions"]
    assert codes["dropout_rate"]["unit"] == "share" and codes["dropout_rate"]["denominator"]


def test_api_table_is_suppressed_unless_asked(login: Callable[..., Client], me_officer_user: Any,
                                              pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)
    url = f"/api/v1/monitoring/indicators/registered/table?{query(by='sex')}"
    safe = client.get(url).json()[0]
    assert safe["suppressed"] is True and safe["threshold"] == 5
    assert {tuple(c["keys"]): c["value"] for c in safe["cells"]} == {("female",): None, ("male",): None, ("",): 9}
    full = client.get(url + "&suppress=false").json()[0]
    assert {tuple(c["keys"]): c["value"] for c in full["cells"]} == {("female",): 5, ("male",): 4, ("",): 9}


@pytest.mark.parametrize(("path", "status", "code"), [
    ("indicators/registered/table?by=shoe", 422, "validation_failed"),
    ("indicators/registered/table?start=yesterday", 422, "validation_failed"),
    ("indicators/placed/table?by=course", 422, "validation_failed"),
    ("indicators/nope/table", 404, "not_found"),
])
def test_api_bad_requests_are_json(login: Callable[..., Client], me_officer_user: Any, world: Any, path: str,
                                   status: int, code: str) -> None:
    response = login(me_officer_user).get(f"/api/v1/monitoring/{path}")
    assert response.status_code == status and response.json()["code"] == code


def test_api_refuses_a_trainer(login: Callable[..., Client], member: Callable[..., Any]) -> None:
    response = login(member(Role.TRAINER)).get("/api/v1/monitoring/indicators")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


# --- kasb report ---------------------------------------------------------------------------------

def test_the_report_command_prints_json_and_csv(pathway: dict[str, Any], capsys: Any) -> None:
    programme = str(pathway["programme"].pk)
    call_command("report", "--indicator", "completed", "--programme", programme, "--by", "sex,displacement",
                 "--unsuppressed", *sum((["--" + k, v] for k, v in this_year().items()), []))
    tables = json.loads(capsys.readouterr().out)
    cells = {tuple(c["keys"]): c["value"] for c in tables[0]["cells"]}
    assert cells[("female", "refugee")] == 2 and cells[("", "")] == 5
    call_command("report", "--indicator", "enrolled", "--format", "csv", "--by", "sex")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1][0] == "#indicator+code" and rows[2][0] == "enrolled"


def test_api_table_query_count_does_not_grow(root: Principal, world: dict[str, Any], login: Callable[..., Client],
                                             me_officer_user: Any, pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/monitoring/indicators/completed/table?{query(by='centre,age_band')}"
                              ).status_code == 200
        return len(ctx.captured_queries)
    small = count()
    register_people(root, world, PEOPLE * 3, offset=300)
    assert count() == small


def test_charts_are_mirrored_in_arabic(login: Callable[..., Client], me_officer_user: Any,
                                       pathway: dict[str, Any]) -> None:
    html = login(me_officer_user).get(f"/ar/monitoring/?{query()}").content.decode()
    assert 'dir="rtl"' in html and html.count('direction="rtl"') == 4


def test_one_indicator_as_a_wide_csv_with_hxl_columns(login: Callable[..., Client], me_officer_user: Any,
                                                      pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)
    response = client.get(f"/en/monitoring/indicators/completed.csv?{query(by='sex,displacement', show_small='1')}")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "#group+sex" and "#reached+refugees" in rows[1] and rows[1][-1] == "#reached+total"
    refugees = rows[1].index("#reached+refugees")
    female = next(r for r in rows if r[0] == "Female")
    assert female[refugees] == "2" and female[-1] == "3"
    assert rows[-2][0] == "Total" and rows[-2][-1] == "5"
    women = client.get(f"/en/monitoring/indicators/completed.csv?{query(by='displacement', group='women')}")
    assert "#reached+total+f" not in women.content.decode() and "#reached+f" in women.content.decode()
    bad = client.get(f"/en/monitoring/indicators/completed.csv?{query(by='shoe')}")
    assert bad.status_code == 400
