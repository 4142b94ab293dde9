"""Money in a real browser: a finance officer records a client's deposit; a worker reads "My money" in Arabic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration
from kasb.core.money import Money
from kasb.core.permissions import Role
from kasb.orgs.queries import principal_for_user
from kasb.participants.services import link_login, register_participant
from kasb.payments.models import Deposit
from kasb.payments.services import add_payout_method, decide_payout_method, pay_from_reservation, reserve

from .conftest import DESKTOP, go_to, sign_in_browser, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_records_a_deposit_and_a_worker_reads_my_money_in_arabic(
        browser: Any, phone_page: Any, base_url: str, world: dict[str, Any], member: Callable[..., User],
        shoot: Callable[..., Any]) -> None:
    finance_user = member(Role.FINANCE_OFFICER)
    context = browser.new_context(viewport=DESKTOP)
    desk = context.new_page()
    sign_in_staff(desk, base_url, finance_user)

    # The finance officer finds the deposits page from the navigation.
    go_to(desk, "/en/payments/finance/")
    desk.wait_for_url(f"**/en/payments/finance/{world['partner'].pk}/")
    assert desk.locator("[data-balanced]").count() == 0  # nothing in the books yet
    desk.click(f"nav.subnav a[href='/en/payments/finance/{world['partner'].pk}/deposits/']")
    desk.select_option("select[name=deposit-client]", str(world["client"].pk))
    desk.fill("input[name=deposit-amount]", "1.2345")
    desk.select_option("select[name=deposit-currency]", "JOD")
    desk.fill("input[name=deposit-reference]", "TRF-2026-118")
    desk.fill("input[name=deposit-received_on]", "2026-01-12")
    with desk.expect_navigation():
        desk.click("form:has(input[name=form][value=deposit]) button[type=submit]")
    assert "JOD has 3 decimal places" in desk.locator("#id_deposit-amount_errors").inner_text()
    assert Deposit.objects.count() == 0
    desk.fill("input[name=deposit-amount]", "250.125")
    with desk.expect_navigation():
        desk.click("form:has(input[name=form][value=deposit]) button[type=submit]")
    deposit = Deposit.objects.get()
    assert deposit.money == Money(250125, "JOD")
    assert f"Receipt {deposit.receipt_number}" in desk.locator("ul.messages").inner_text()
    assert "250.125 JOD" in desk.locator("main table").inner_text()
    shoot(desk, "finance-deposits")
    with desk.expect_download() as download:
        desk.click(f"a[href='/en/payments/deposits/{deposit.pk}/receipt.pdf']")
    assert download.value.suggested_filename == f"receipt-{deposit.receipt_number}.pdf"
    desk.goto(f"{base_url}/en/payments/finance/{world['partner'].pk}/")
    assert desk.locator("[data-balanced=yes]").count() == 1
    shoot(desk, "finance-trial-balance")
    context.close()

    # The client's money pays a worker for two tasks.
    finance = principal_for_user(finance_user)
    coordinator = principal_for_user(member(Role.COORDINATOR))
    person = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        centre=world["irbid"]))
    method = add_payout_method(actor=coordinator, participant=person, kind="wallet", provider="mobile_money",
                               phone="+962795551234")
    decide_payout_method(actor=coordinator, method=method, verified=True)
    user = create_user(full_name=person.full_name, phone="+962791110000", password=PASSWORD, language="ar")
    link_login(actor=coordinator, participant=person, user=user)
    reservation = reserve(actor=finance, client=world["client"], amount=Money(100000, "JOD"),
                          reference="microwork.project:1", label="Receipt transcription",
                          idempotency_key="reserve:1")
    for n, (amount, memo) in enumerate([(12500, "نسخ إيصال، المهمة 88"), (3250, "Survey task 12 approved")]):
        pay_from_reservation(actor=finance, reservation=reservation, worker=person, amount=Money(amount, "JOD"),
                             fee=None, memo=memo, purpose=("microwork.submission", str(n)),
                             idempotency_key=f"task:{n}")

    page = phone_page
    sign_in_browser(page, base_url, "+962791110000", language="ar")
    page.wait_for_url("**/ar/dashboard/")
    go_to(page, "/ar/payments/me/")
    page.wait_for_url("**/ar/payments/me/")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    assert "15.750 JOD" in page.locator("#balances").inner_text()
    rows = page.locator("#transactions tbody").inner_text()
    assert "نسخ إيصال، المهمة 88" in rows and "+12.500 JOD" in rows and "+3.250 JOD" in rows
    assert "•••1234" in page.locator("main").inner_text()
    assert "+962795551234" not in page.content()
    # Right to left: the heading's text starts at the right edge of its box.
    before, after = page.evaluate("""() => {
        const h = document.querySelector('main h1'), range = document.createRange();
        range.selectNodeContents(h);
        const text = range.getBoundingClientRect(), box = h.getBoundingClientRect();
        return [text.left - box.left, box.right - text.right];
    }""")
    assert after < 2 < before
    shoot(page, "worker-my-money-ar")

    # The monthly statement downloads as a PDF.
    with page.expect_download() as download:
        page.click("form[action='/ar/payments/me/statement.pdf'] button[type=submit]")
    assert download.value.suggested_filename.startswith(f"statement-{person.reference}-")
