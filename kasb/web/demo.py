"""The demo: organisations, staff for every role, ~360 participants and their money, built through the services.

`load()` runs in one transaction as a platform administrator, so a failure leaves nothing half
made; `is_loaded()` makes `kasb load_demo` safe to run again. Staff get a two-step sign-in device
with a key derived from SECRET_KEY, so `kasb demo_code <email>` can print their current code.

The money follows `demo_data.money_plan`: a programme per partner with a donor-funded stipend
fund, client deposits (one in US dollars, exchanged), real microwork projects published with
their budgets reserved and their tasks done, reviewed and paid by QA with the platform fee
(`demo_microwork`), transport stipends, payout methods (most verified),
a hold, one settled mobile-money payout batch with two failed lines and one draft bank batch.
The books are checked at the end: a demo whose trial balance is not zero does not load.
After the money and the learning pathway, `demo_careers` adds opportunities, applications, placements, events,
mentoring, referrals, information pages and the employability survey's answers.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.accounts.models import User
from kasb.accounts.services import create_user, enrol_totp_device
from kasb.core.money import Money
from kasb.core.permissions import STAFF_ROLES, Principal, Role
from kasb.orgs.models import Area, Organisation, Programme
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import add_member, create_organisation, create_programme
from kasb.participants.models import Participant
from kasb.participants.services import link_login, register_participant
from kasb.payments.models import LedgerTransaction, PayoutBatch, PayoutMethod, ResultImport
from kasb.payments.providers import RESULT_COLUMNS
from kasb.payments.queries import batch_lines, trial_balance
from kasb.payments.services import (
    add_payout_method,
    approve_batch,
    correct_transaction,
    create_batch,
    decide_payout_method,
    exchange,
    fund_programme,
    import_results,
    pay_stipend,
    place_hold,
    produce_batch_file,
    record_deposit,
)
from kasb.payments.services.ledger import drifted_accounts, escrow_account, unbalanced_transactions

from . import demo_careers, demo_data, demo_learning, demo_microwork
from .demo_data import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    BOT,
    CLIENT_PARTNER,
    DEMO_DOMAIN,
    PARTICIPANT_EMAIL,
    STAFF,
    MethodPlan,
    MoneyPlan,
    PartnerSpec,
    Place,
    ProgrammeSpec,
    Support,
)

DEMO_PASSWORD = "kasb-demo-2026"


class NotADemoAccount(Exception):
    """demo_code was asked for an account the demo did not make."""


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    where: str
    two_step: bool


@dataclass(frozen=True)
class MoneySummary:
    programmes: int
    transactions: int
    earners: int            # participants credited for approved tasks
    paid: int               # payouts confirmed by the provider
    failed: int             # payouts returned to the worker's balance
    draft: int              # payouts in the batch waiting for approval
    to_verify: int          # payout methods waiting for a coordinator
    currencies: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    partners: int
    centres: int
    organisations: int
    participants: int
    women: int
    money: MoneySummary
    learning: demo_learning.LearningSummary
    careers: demo_careers.CareersSummary
    seconds: float


def is_demo_email(email: str) -> bool:
    return (email or "").strip().lower().endswith(f"@{DEMO_DOMAIN}")


def is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def demo_totp_key(email: str) -> str:
    """The authenticator secret the demo gives `email`: fixed for one SECRET_KEY, unguessable without it."""
    return hmac.new(settings.SECRET_KEY.encode(), f"kasb-demo-totp:{email.lower()}".encode(),
                    hashlib.sha256).hexdigest()[:40]


def logins() -> list[Login]:
    """One sign-in per role (and a few more in other languages), in the order they are printed."""
    rows = [Login("Platform administrator", ADMIN_EMAIL, "every organisation (and /admin/)", True)]
    rows += [Login(str(Role(s.role).label), s.email, s.organisation + _language_note(s.language),
                   s.role in STAFF_ROLES) for s in STAFF]
    first = demo_data.FEATURED
    rows.append(Login(str(Role.PARTICIPANT.label), PARTICIPANT_EMAIL,
                      f"{first['given_name']} {first['family_name']}'s own record", False))
    return rows


def _language_note(language: str) -> str:
    return "" if language == "en" else f" [{dict(settings.LANGUAGES)[language]}]"


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def load() -> Summary:
    """Create the whole demo. Call only when `is_loaded()` is false."""
    started = time.monotonic()
    admin = User.objects.create_superuser(email=ADMIN_EMAIL, password=DEMO_PASSWORD, full_name=ADMIN_NAME)
    enrol_totp_device(user=admin, key_hex=demo_totp_key(ADMIN_EMAIL), actor=admin)
    root = principal_for_user(admin)
    organisations = _organisations(root)
    _staff(root, organisations)
    partner_of = {centre: organisations[partner] for centre, partner in demo_data.centre_partners().items()}
    registrations = demo_data.people(timezone.localdate().year)
    registered = [register_participant(actor=root, partner=partner_of[data["centre"]], data=data)
                  for data in registrations]
    _participant_login(root, registered[0])
    money = _money(root, organisations, registered, registrations)
    learning = demo_learning.load(organisations=organisations, registered=registered, registrations=registrations)
    careers = demo_careers.load(organisations=organisations, registered=registered, registrations=registrations,
                                root=root)
    _check_books(list(Programme.objects.all()))
    kinds = Counter(org.kind for org in organisations.values())
    return Summary(partners=kinds[Organisation.Kind.PARTNER], centres=kinds[Organisation.Kind.CENTRE],
                   organisations=len(organisations), participants=len(registered),
                   women=sum(1 for p in registered if p.sex == "female"), money=money, learning=learning,
                   careers=careers, seconds=time.monotonic() - started)


def _organisations(root: Principal) -> dict[str, Organisation]:
    areas = Area.objects.in_bulk(field_name="code")
    made: dict[str, Organisation] = {}

    def add(kind: str, place: Place, spec: PartnerSpec, parent: Organisation | None) -> None:
        made[place.name] = create_organisation(
            actor=root, kind=kind, name=place.name, country=place.country or spec.country,
            area=areas[place.area] if place.area else None, parent=parent, locality=place.locality,
            in_camp=place.in_camp)

    for spec in demo_data.PARTNERS:
        add(Organisation.Kind.PARTNER, Place(spec.name, spec.area, spec.locality), spec, None)
        partner = made[spec.name]
        for kind, places in ((Organisation.Kind.CENTRE, spec.centres), (Organisation.Kind.CLIENT, spec.clients),
                             (Organisation.Kind.EMPLOYER, spec.employers), (Organisation.Kind.DONOR, spec.donors),
                             (Organisation.Kind.FINANCIAL, spec.providers)):
            for place in places:
                add(kind, place, spec, partner)
    return made


def _staff(root: Principal, organisations: dict[str, Organisation]) -> None:
    """Users are made with their password first, so add_member finds them and sends no invitation."""
    for spec in STAFF:
        user = create_user(full_name=spec.full_name, email=spec.email, password=DEMO_PASSWORD,
                           language=spec.language, actor=root.user)
        add_member(actor=root, organisation=organisations[spec.organisation], role=spec.role,
                   full_name=spec.full_name, email=spec.email, language=spec.language)
        if spec.role in STAFF_ROLES:
            enrol_totp_device(user=user, key_hex=demo_totp_key(spec.email), actor=root.user)


def _participant_login(root: Principal, participant: Participant) -> None:
    user = create_user(full_name=participant.full_name, email=PARTICIPANT_EMAIL, password=DEMO_PASSWORD,
                       language="en", actor=root.user)
    link_login(actor=root, participant=participant, user=user)


# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------

@dataclass
class Books:
    """What the money steps share: who acts, and what the earlier steps made."""

    staff: dict[str, Principal]  # STAFF local part -> principal; "" is the administrator
    organisations: dict[str, Organisation]
    registered: list[Participant]
    registrations: list[dict[str, Any]]
    today: date
    programmes: dict[str, Programme]

    def spec(self, partner: str) -> ProgrammeSpec:
        return next(spec for spec in demo_data.PROGRAMMES if spec.partner == partner)

    def money(self, text: str, partner: str) -> Money:
        return Money.parse(text, self.programmes[partner].currency)

    def verifier(self, person: int) -> Principal:
        centre = self.registrations[person]["centre"]
        local = demo_data.VERIFIERS.get(centre) or demo_data.VERIFIERS[demo_data.centre_partners()[centre]]
        return self.staff[local]


def _money(root: Principal, organisations: dict[str, Organisation], registered: list[Participant],
           registrations: list[dict[str, Any]]) -> MoneySummary:
    today = timezone.localdate()
    plan = demo_data.money_plan(today.year, today)
    users = {(user.email or "").split("@")[0]: user for user in User.objects.filter(
        email__in=[spec.email for spec in STAFF] + [PARTICIPANT_EMAIL])}
    staff = {local: principal_for_user(user) for local, user in users.items()} | {"": root}
    books = Books(staff, organisations, registered, registrations, today, {})
    _programmes_and_funding(books)
    # Real projects, published with their budgets reserved; the plan's tasks done, approved and paid by QA.
    microwork = demo_microwork.start(root=root, staff=staff, organisations=organisations,
                                     programmes=books.programmes, registered=registered,
                                     registrations=registrations, plan=plan, today=today)
    _register_methods(books, plan.methods)
    demo_microwork.earn(microwork, plan.earnings, after_payout=False)
    transport = _pay_transport(books, plan.support)
    finance = staff[books.spec(BOT).finance]
    correct_transaction(actor=finance, transaction_id=transport[plan.corrected].pk,
                        reason="The attendance register shows this person did not attend that session.")
    place_hold(actor=finance, participant=registered[plan.hold[0]], reason=plan.hold[1])
    results = _payout_run(books, plan)
    demo_microwork.earn(microwork, plan.earnings, after_payout=True)
    _register_methods(books, plan.replacements)
    demo_microwork.finish(microwork)
    draft = create_batch(actor=finance, partner=organisations[BOT], provider="bank_transfer",
                         currency=books.programmes[BOT].currency,
                         minimum=Money(books.programmes[BOT].payout_minimum, books.programmes[BOT].currency))
    currencies = _check_books(list(books.programmes.values()))
    return MoneySummary(programmes=len(books.programmes), transactions=LedgerTransaction.objects.count(),
                        earners=len({e.person for e in plan.earnings}), paid=results.paid, failed=results.failed,
                        draft=draft.lines.count(),
                        to_verify=PayoutMethod.objects.filter(status=PayoutMethod.Status.PENDING).count(),
                        currencies=currencies)


def _programmes_and_funding(books: Books) -> None:
    """Each partner's programme and its donor's grant; the clients' deposits; one exchange into dinars."""

    def days_ago(n: int) -> date:
        return books.today - timedelta(days=n)

    for spec in demo_data.PROGRAMMES:
        programme = create_programme(
            actor=books.staff[spec.manager], partner=books.organisations[spec.partner], name=spec.name,
            country=spec.country, currency=spec.currency, platform_fee_bps=spec.fee_bps,
            payout_minimum=Money.parse(spec.minimum, spec.currency), starts_on=date(books.today.year, 1, 1),
            ends_on=date(books.today.year, 12, 31))
        books.programmes[spec.partner] = programme
        fund_programme(actor=books.staff[spec.finance], programme=programme,
                       amount=Money.parse(spec.grant, spec.currency), reference=spec.grant_reference,
                       received_on=days_ago(45))
    for deposit in demo_data.DEPOSITS:
        record_deposit(actor=books.staff[books.spec(CLIENT_PARTNER[deposit.client]).finance],
                       client=books.organisations[deposit.client],
                       amount=Money.parse(deposit.amount, deposit.currency), reference=deposit.reference,
                       received_on=days_ago(deposit.days_ago))
    change = demo_data.EXCHANGE
    client = books.organisations[change.client]
    exchange(actor=books.staff[books.spec(CLIENT_PARTNER[change.client]).finance],
             source=escrow_account(client, change.source), target=escrow_account(client, change.target),
             amount=Money.parse(change.amount, change.source), rate=change.rate,
             rate_date=days_ago(change.days_ago), rate_source=change.rate_source)


def _register_methods(books: Books, methods: list[MethodPlan]) -> None:
    """The worker (the demo login) or their coordinator registers; a coordinator verifies most."""
    notes = {"wallet": "Called the number: the wallet is in the worker's name.",
             "bank": "Checked the IBAN and name against the bank letter.",
             "cash": "Identity document checked at the centre."}
    for plan in methods:
        verifier = books.verifier(plan.person)
        actor = books.staff["participant"] if plan.by_worker else verifier
        method = add_payout_method(actor=actor, participant=books.registered[plan.person], kind=plan.kind,
                                   provider=plan.provider, phone=plan.phone, iban=plan.iban,
                                   account_name=plan.account_name,
                                   centre=books.organisations[plan.centre] if plan.centre else None)
        if plan.verified:
            decide_payout_method(actor=verifier, method=method, verified=True, note=notes[plan.kind])


def _pay_transport(books: Books, support: list[Support]) -> dict[Support, LedgerTransaction]:
    paid = {}
    for item in support:
        participant = books.registered[item.person]
        paid[item] = pay_stipend(
            actor=books.staff[books.spec(item.partner).stipend_payer], programme=books.programmes[item.partner],
            participant=participant, amount=books.money(item.amount, item.partner), memo=item.memo,
            purpose=item.purpose, kind=item.kind,
            idempotency_key=f"{item.purpose[0]}:{item.purpose[1]}:transport:{participant.pk}")
    return paid


def _payout_run(books: Books, plan: MoneyPlan) -> ResultImport:
    """Finance builds the mobile-money batch, the manager approves it, the provider's results come back."""
    spec, programme = books.spec(BOT), books.programmes[BOT]
    finance, manager = books.staff[spec.finance], books.staff[spec.manager]
    batch = create_batch(actor=finance, partner=books.organisations[BOT], provider="mobile_money",
                         currency=programme.currency, minimum=Money(programme.payout_minimum, programme.currency))
    batch = produce_batch_file(batch_id=approve_batch(actor=manager, batch=batch).pk)
    lines = list(batch_lines(batch))
    failures = {books.registered[person].pk: reason for person, reason in plan.failures.items()}
    expected = set(failures) | {books.registered[0].pk}
    missing = expected - {line.participant_id for line in lines}
    if missing:
        raise RuntimeError(f"The demo's payout batch should pay participants {sorted(missing)}; the plan is wrong.")
    return import_results(actor=finance, batch=batch, file_name=f"mobile-money-results-{books.today:%Y%m%d}.csv",
                          data=_result_file(batch, lines, failures, books.today))


def _result_file(batch: PayoutBatch, lines: list[Any], failures: dict[int, str], today: date) -> bytes:
    """The provider's answer in the generic result format: most paid, the failures with their reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for n, line in enumerate(lines, start=1):
        reason = failures.get(line.participant_id, "")
        writer.writerow([line.payout_id, "failed" if reason else "paid", line.money.plain(), line.currency,
                         "" if reason else f"MM{today:%y%m%d}{batch.pk:03d}{n:04d}", reason])
    return buffer.getvalue().encode()


def _check_books(programmes: list[Programme]) -> tuple[str, ...]:
    """Refuse to load a demo whose books do not balance: the demo is what a finance officer checks first."""
    currencies: set[str] = set()
    for partner in programmes:
        totals = trial_balance(partner_id=partner.partner_id)
        if any(totals.values()):
            raise RuntimeError(f"The demo's trial balance for {partner.partner} is not zero: {totals}")
        currencies |= set(totals)
    if drifted_accounts() or unbalanced_transactions():
        raise RuntimeError("The demo's ledger has drifted balances or unbalanced transactions.")
    return tuple(sorted(currencies))


# ---------------------------------------------------------------------------------------------
# Two-step codes for demo accounts
# ---------------------------------------------------------------------------------------------

def demo_device(email: str) -> TOTPDevice:
    """The confirmed authenticator the demo set up for `email`, or NotADemoAccount."""
    email = (email or "").strip().lower()
    if not is_demo_email(email):
        raise NotADemoAccount(f"{email or '(empty)'} is not a demo account: codes are only shown for "
                              f"…@{DEMO_DOMAIN} accounts made by `kasb load_demo`.")
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise NotADemoAccount(f"There is no account {email}; run `kasb load_demo` first.")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise NotADemoAccount(f"{email} has no two-step sign-in: it signs in with the password alone.")
    if not hmac.compare_digest(device.key, demo_totp_key(email)):
        raise NotADemoAccount(f"{email}'s authenticator was not set up by the demo; use that person's app.")
    return device


def current_code(email: str) -> tuple[str, int]:
    """The code `email`'s demo authenticator shows now, and how many seconds it stays current."""
    device = demo_device(email)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    remaining = device.step - int(time.time() - device.t0) % device.step
    return f"{code:0{device.digits}d}", remaining
