"""Results frameworks: building one (services and the plain-form page), the shipped B.O.T. framework with
the targets its document states, progress against target over the `pathway` (conftest.py), suppression,
and the IATI 2.03 results export checked against the schema's element order and required attributes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kasb.core.errors import PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal, Role
from kasb.monitoring import services
from kasb.monitoring.frameworks import parse_period, progress
from kasb.monitoring.models import Framework, Result, ResultIndicator, Target
from kasb.orgs.queries import principal_for_user

from .conftest import register_people

pytestmark = pytest.mark.django_db


def _year() -> int:
    return timezone.localdate().year


@pytest.fixture
def bot(root: Principal, pathway: dict[str, Any]) -> Framework:
    return services.install_framework(actor=root, programme=pathway["programme"], template="bot_digital_skills",
                                      first_year=_year())


def period() -> str:
    return f"{_year()}-{_year() + 2}"


def test_periods() -> None:
    assert parse_period("2025-Q2") == (parse_period("2025")[0].replace(month=4), parse_period("2025")[0].replace(
        month=6, day=30))
    assert parse_period("2022-2024")[1].isoformat() == "2024-12-31"
    for bad in ("2025-Q5", "25", "2024-2022", "2025-13", ""):
        with pytest.raises(ValidationFailed):
            parse_period(bad)


def test_the_shipped_framework_carries_the_documents_targets(bot: Framework) -> None:
    outcomes = Result.objects.filter(framework=bot, level="outcome").count()
    outputs = Result.objects.filter(framework=bot, level="output").count()
    assert (outcomes, outputs) == (2, 4)
    targets = {(t.indicator.code, t.indicator.filter_value): t.value
               for t in Target.objects.filter(indicator__result__framework=bot).select_related("indicator")}
    assert targets[("completed", "")] == Decimal(3190)
    assert targets[("completed", "female")] == Decimal(70)
    assert targets[("completed", "refugee")] == Decimal(35)
    assert targets[("onboarded", "")] == Decimal(243)
    assert targets[("income_earned", "")] == Decimal(13000)
    assert ResultIndicator.objects.get(result__framework=bot, code="income_earned").currency == "USD"
    assert {t.period for t in Target.objects.filter(indicator__result__framework=bot)} == {period()}


def test_progress_against_target(root: Principal, bot: Framework) -> None:
    rows = {(r.line.code, r.line.filter_value): r for r in progress(root, bot, period(), suppress=False)}
    completed = rows[("completed", "")]
    assert (completed.actual, completed.target, completed.percent) == (Decimal(5), Decimal(3190), 0)
    women = rows[("completed", "female")]
    assert women.actual == Decimal("60.0") and women.percent == 86  # 3 of 5 completers; target 70%
    assert rows[("onboarded", "")].actual == Decimal(3)
    assert rows[("income_earned", "")].actual == Decimal(0)  # earned in JOD; the target is in USD


def test_progress_is_suppressed_for_a_donor(donor_officer_user: Any, bot: Framework) -> None:
    donor = principal_for_user(donor_officer_user)
    rows = {(r.line.code, r.line.filter_value): r for r in progress(donor, bot, period(), suppress=False)}
    assert rows[("completed", "")].actual == Decimal(5)
    women = rows[("completed", "female")]
    assert women.hidden and women.actual is None and women.display == "…"  # three women: under the threshold


@pytest.mark.parametrize(("fields", "field"), [
    ({"code": "nope"}, "code"),
    ({"code": "completed", "filter_dimension": "shoe", "filter_value": "x"}, "filter_dimension"),
    ({"code": "completed", "filter_dimension": "sex", "filter_value": "purple"}, "filter_value"),
    ({"code": "completion_rate", "filter_dimension": "sex", "filter_value": "female", "as_share": True},
     "as_share"),
    ({"code": "income_earned"}, "currency"),
    ({"code": "completed", "baseline": "-3"}, "baseline"),
    ({"code": "completed", "baseline_year": "20x4"}, "baseline_year"),
])
def test_bad_indicators_are_refused_naming_the_field(root: Principal, bot: Framework, fields: dict[str, Any],
                                                     field: str) -> None:
    result = Result.objects.filter(framework=bot).first()
    assert result is not None
    with pytest.raises(ValidationFailed) as caught:
        services.add_result_indicator(actor=root, result=result, **fields)
    assert caught.value.field == field


def test_targets_are_set_once_per_period(root: Principal, bot: Framework) -> None:
    line = ResultIndicator.objects.filter(result__framework=bot, code="completed").first()
    assert line is not None
    services.set_target(actor=root, indicator=line, period="2030-q1", value="100")
    services.set_target(actor=root, indicator=line, period="2030-Q1", value="120")
    assert list(line.targets.filter(period="2030-Q1").values_list("value", flat=True)) == [Decimal(120)]
    with pytest.raises(ValidationFailed):
        services.set_target(actor=root, indicator=line, period="2030-Q7", value="1")
    with pytest.raises(ValidationFailed):
        services.set_target(actor=root, indicator=line, period="2030", value="many")


def test_only_the_partners_monitoring_staff_build_frameworks(root: Principal, world: dict[str, Any],
                                                            donor_officer_user: Any, member: Callable[..., Any],
                                                            bot: Framework) -> None:
    with pytest.raises(PermissionDenied):
        services.add_result(actor=principal_for_user(donor_officer_user), framework=bot, title="Mine")
    other = principal_for_user(member(Role.ME_OFFICER, "other"))
    with pytest.raises(PermissionDenied):
        services.add_result(actor=other, framework=bot, title="Mine")
    trainer = principal_for_user(member(Role.TRAINER))
    with pytest.raises(PermissionDenied):
        services.create_framework(actor=trainer, programme=bot.programme, name="X")


def test_the_command_installs_a_framework(pathway: dict[str, Any], capsys: Any) -> None:
    call_command("install_framework", "--programme", str(pathway["programme"].pk), "--template",
                 "rasht_valley_livelihoods", "--first-year", "2007")
    framework = Framework.objects.get(template="rasht_valley_livelihoods")
    assert "Installed results framework" in capsys.readouterr().out
    targets = Target.objects.filter(indicator__result__framework=framework, period="2007-2008",
                                    indicator__code="business_counselling_referrals")
    # 1,000 counselled, 40% women, 23% from migrant households.
    assert sorted((t.indicator.filter_dimension, t.value) for t in targets) == [
        ("", 1000), ("household", 23), ("sex", 40)]


# --- pages --------------------------------------------------------------------------------------------

def test_building_a_framework_with_plain_forms(login: Callable[..., Client], me_officer_user: Any,
                                               pathway: dict[str, Any]) -> None:
    client = login(me_officer_user)
    page = client.post("/en/monitoring/frameworks/", {"programme": pathway["programme"].pk, "name": "Ours"})
    framework = Framework.objects.get(name="Ours")
    edit = f"/en/monitoring/frameworks/{framework.pk}/edit/"
    assert page.status_code == 302 and page["Location"].endswith(edit)
    assert client.post(edit, {"action": "outcome", "title": "Youth earn"}).status_code == 302
    outcome = Result.objects.get(framework=framework)
    client.post(edit, {"action": "output", "parent": outcome.pk, "title": "Youth trained"})
    output = Result.objects.get(framework=framework, level="output")
    assert output.code == "1.1"
    form = client.get(edit).content.decode()
    # "Only for" offers values by name: the partner's centres, the country's governorates, the vocabularies.
    assert 'value="sex:female"' in form and f'value="centre:{pathway["people"][0].centre_id}"' in form
    assert "Irbid" in form and 'value="household:yes"' in form
    client.post(edit, {"action": "indicator", "result": output.pk, "code": "completed", "filter": "sex:female",
                       "as_share": "1"})
    line = ResultIndicator.objects.get(result=output)
    assert (line.filter_dimension, line.filter_value) == ("sex", "female")
    client.post(edit, {"action": "target", "indicator": line.pk, "period": str(_year()), "value": "70"})
    assert line.targets.get().value == Decimal(70)
    refused = client.post(edit, {"action": "indicator", "result": output.pk, "code": "income_earned"})
    assert refused.status_code == 400
    assert "Give the currency of the targets" in refused.content.decode()
    safe = client.get(f"/en/monitoring/frameworks/{framework.pk}/?period={_year()}").content.decode()
    assert "60%" not in safe and "…" in safe  # three women: hidden in the safe-to-share view
    shown = client.get(f"/en/monitoring/frameworks/{framework.pk}/?period={_year()}&show_small=1").content.decode()
    assert "60%" in shown and "Youth trained" in shown and "<svg" in shown  # 3 of 5 completers are women


def test_a_donor_sees_progress_but_cannot_edit(login: Callable[..., Client], donor_officer_user: Any,
                                               bot: Framework) -> None:
    client = login(donor_officer_user)
    page = client.get(f"/en/monitoring/frameworks/{bot.pk}/?period={period()}&show_small=1")
    html = page.content.decode()
    assert page.status_code == 200 and "Safe to share" in html and "…" in html
    assert client.get(f"/en/monitoring/frameworks/{bot.pk}/edit/").status_code == 403


def test_list_and_progress_query_counts_do_not_grow(root: Principal, world: dict[str, Any], bot: Framework,
                                                    login: Callable[..., Client], me_officer_user: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(me_officer_user)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as listing:
            assert client.get("/en/monitoring/frameworks/").status_code == 200
        with CaptureQueriesContext(connection) as shown:
            assert client.get(f"/en/monitoring/frameworks/{bot.pk}/?period={period()}").status_code == 200
        return len(listing), len(shown)

    small = counts()
    more = [("Extra", "female", "SY", "refugee", "irbid", 20)] * 12
    register_people(root, world, more, offset=100)
    services.create_framework(actor=root, programme=bot.programme, name="Second")
    assert counts() == small


# --- IATI ---------------------------------------------------------------------------------------------

# Children allowed under each element, in the order the IATI 2.03 activity schema requires them.
ORDER = {
    "iati-activity": ["iati-identifier", "reporting-org", "title", "description", "participating-org",
                      "activity-status", "activity-date", "result"],
    "result": ["title", "description", "document-link", "reference", "indicator"],
    "indicator": ["title", "description", "document-link", "reference", "baseline", "period"],
    "baseline": ["location", "dimension", "document-link", "comment"],
    "period": ["period-start", "period-end", "target", "actual"],
    "target": ["location", "dimension", "comment", "document-link"],
    "actual": ["location", "dimension", "comment", "document-link"],
}
REQUIRED = {"iati-activities": {"version"}, "result": {"type"}, "indicator": {"measure"},
            "baseline": {"year"}, "period-start": {"iso-date"}, "period-end": {"iso-date"},
            "reporting-org": {"ref", "type"}, "participating-org": {"role"}, "activity-status": {"code"},
            "activity-date": {"type", "iso-date"}, "reference": {"vocabulary", "code"}, "dimension": {"name", "value"}}
ONCE = {"result": {"title"}, "indicator": {"title"}, "period": {"period-start", "period-end"}}


def check_structure(element: ET.Element) -> None:
    missing = REQUIRED.get(element.tag, set()) - set(element.attrib)
    assert not missing, f"{element.tag} lacks {missing}"
    order = ORDER.get(element.tag)
    tags = [child.tag for child in element]
    if order is not None:
        positions = [order.index(tag) for tag in tags]  # ValueError: an element not allowed here
        assert positions == sorted(positions), f"{element.tag}: {tags} out of order"
    for tag in ONCE.get(element.tag, set()):
        assert tags.count(tag) == 1, f"{element.tag} needs one {tag}"
    for child in element:
        check_structure(child)


def _key(indicator: ET.Element) -> str:
    reference = indicator.find("reference")
    dimension = indicator.find("./period/target/dimension")
    code = reference.get("code", "") if reference is not None else ""
    return f"{code}|{dimension.get('value', '') if dimension is not None else ''}"


def test_iati_export_follows_the_203_structure(root: Principal, login: Callable[..., Client],
                                               me_officer_user: Any, bot: Framework) -> None:
    services.set_iati_identifiers(actor=root, framework=bot, iati_identifier="JO-CCD-123-DSBF-1",
                                  reporting_org_ref="JO-CCD-123")
    response = login(me_officer_user).get(f"/en/monitoring/frameworks/{bot.pk}/iati.xml?period={period()}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root_element = ET.fromstring(response.content)  # well-formed
    assert root_element.tag == "iati-activities" and root_element.get("version") == "2.03"
    check_structure(root_element)
    results = root_element.findall("./iati-activity/result")
    assert [r.get("type") for r in results] == ["2", "1", "1", "2", "1", "1"]  # outcome, its outputs, …
    indicators = {_key(i): i for r in results for i in r.findall("indicator")}
    completed = indicators["completed|"]
    assert completed.get("measure") == "1"
    assert completed.find("./period/target").get("value") == "3190"  # type: ignore[union-attr]
    actuals = completed.findall("./period/actual")
    assert actuals[0].get("value") == "5" and not actuals[0].findall("dimension")
    by_sex = {a.find("dimension").get("value"): a for a in actuals[1:]}  # type: ignore[union-attr]
    assert set(by_sex) == {"Female", "Male"}
    assert "value" not in by_sex["Female"].attrib and by_sex["Female"].findtext("./comment/narrative")
    women = indicators["completed|Female"]
    assert women.get("measure") == "2"
    assert women.find("./period/actual/dimension") is not None  # the breakdown on the actual too


def test_iati_export_needs_the_identifiers(login: Callable[..., Client], me_officer_user: Any, bot: Framework,
                                           root: Principal) -> None:
    response = login(me_officer_user).get(f"/en/monitoring/frameworks/{bot.pk}/iati.xml?period={period()}")
    assert response.status_code in (400, 422)
    with pytest.raises(ValidationFailed):
        services.set_iati_identifiers(actor=root, framework=bot, iati_identifier="OTHER-1", reporting_org_ref="JO-1")


# --- API ----------------------------------------------------------------------------------------------

def test_api_progress_is_suppressed_unless_asked(login: Callable[..., Client], me_officer_user: Any,
                                                 donor_officer_user: Any, bot: Framework) -> None:
    url = f"/api/v1/monitoring/frameworks/{bot.pk}/progress?period={period()}"
    inside = {(r["indicator"], *r["filter"].values()): r for r in login(me_officer_user).get(
        url + "&suppress=false").json()}
    assert inside[("completed",)]["actual"] == "5" and inside[("completed",)]["target"] == "3190"
    assert inside[("completed", "female")]["actual"] == "60" and inside[("completed", "female")]["as_share"]
    donor = {(r["indicator"], *r["filter"].values()): r for r in login(donor_officer_user).get(
        url + "&suppress=false").json()}
    assert donor[("completed", "female")]["actual"] is None and donor[("completed", "female")]["suppressed"]
    bad = login(me_officer_user).get(f"/api/v1/monitoring/frameworks/{bot.pk}/progress?period=soon")
    assert bad.status_code == 422 and bad.json()["field"] == "period"


def test_api_framework_list_query_count_does_not_grow(root: Principal, bot: Framework,
                                                      login: Callable[..., Client], me_officer_user: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(me_officer_user)

    def count() -> tuple[int, list[dict[str, Any]]]:
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/v1/monitoring/frameworks").json()
        return len(queries), body

    small, body = count()
    assert body == [{"id": bot.pk, "name": bot.name, "programme": bot.programme_id, "periods": [period()]}]
    services.install_framework(actor=root, programme=bot.programme, template="rasht_valley_livelihoods",
                               first_year=2007)
    for n in range(3):
        services.create_framework(actor=root, programme=bot.programme, name=f"Extra {n}")
    large, body = count()
    assert len(body) == 5 and large == small
