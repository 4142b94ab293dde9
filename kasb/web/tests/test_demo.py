"""The demo loader: what `make demo` shows, that it can run twice, and that it keeps secrets secret."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.accounts.models import User
from kasb.accounts.services import create_user, enrol_totp_device
from kasb.careers.models import CareerApplication, Event, Opportunity, Placement, Referral, ReferralShare, Registration
from kasb.careers.queries import matches_for
from kasb.core.models import AuditEvent
from kasb.core.permissions import STAFF_ROLES, Role
from kasb.microwork.models import Appeal, Project, Submission, TopUp
from kasb.microwork.queries import eligible_projects
from kasb.microwork.services.fairpay import pause_reason, reserved_available
from kasb.microwork.services.review import open_appeals, review_queue
from kasb.orgs.models import Membership, Organisation
from kasb.orgs.queries import principal_for_user
from kasb.outreach import queries as outreach_queries
from kasb.outreach.models import Application, Call
from kasb.participants.models import Consent, Participant
from kasb.participants.vocab import has_disability
from kasb.payments.iban import normalise_iban
from kasb.payments.models import (
    AccountKind,
    Entry,
    Exchange,
    LedgerTransaction,
    PayoutBatch,
    PayoutHold,
    PayoutLine,
    PayoutMethod,
    ResultImport,
)
from kasb.payments.queries import methods_to_verify, reconciliation, trial_balance, worker_accounts
from kasb.payments.services.ledger import drifted_accounts, unbalanced_transactions
from kasb.settings import DEMO_SECRET_KEY
from kasb.surveys.models import Survey
from kasb.surveys.queries import employability_shares, response_rates
from kasb.training.models import (
    Attendance,
    Certificate,
    Cohort,
    Enrolment,
    EquipmentLoan,
    Modality,
    Session,
    TuitionGrant,
)
from kasb.training.models import (
    TestAttempt as PlacementAttempt,
)
from kasb.training.services.certificates import own_certificates
from kasb.web import demo, demo_data

REPO = Path(__file__).resolve().parents[3]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def demo_client(email: str) -> Client:
    """Sign in as a demo account with the demo password (and, for staff, the code `demo_code` prints)."""
    client = Client()
    response = client.post("/en/accounts/sign-in/", {"identifier": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if TOTPDevice.objects.filter(user__email=email, confirmed=True).exists():
        response = client.post("/en/accounts/two-step/", {"token": run("demo_code", email).strip()})
        assert response.status_code == 302, response.content[:500]
    return client


def demo_learning_secrets(data_dir: Path) -> set[str]:
    """Applicants' phone numbers, as the demo's SMS outbox (a file beside the database) shows them."""
    outbox = data_dir / "sms" / "messages.jsonl"
    phones = {json.loads(line)["to"] for line in outbox.read_text(encoding="utf-8").splitlines() if line.strip()}
    return phones | {phone.lstrip("+") for phone in phones}


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (User, Organisation, Membership, Participant, Consent, TOTPDevice, AuditEvent,
                          LedgerTransaction, PayoutMethod, PayoutBatch)}


@pytest.fixture
def demo_settings(settings: Any) -> Any:
    settings.SECRET_KEY = DEMO_SECRET_KEY
    return settings


def test_load_demo_fills_every_role_and_runs_twice(db: Any, demo_settings: Any) -> None:
    first = run("load_demo")
    people: list[Any] = list(Participant.objects.select_related("partner", "centre", "area"))

    assert len(people) >= 300
    assert 0.6 <= sum(p.sex == "female" for p in people) / len(people) <= 0.75
    by_partner = {p.partner.name for p in people}
    assert by_partner == {spec.name for spec in demo_data.PARTNERS}
    assert Organisation.objects.filter(kind="centre", in_camp=True, area__code__in=["JO-MA", "JO-AZ"]).count() == 2
    assert {p.area.code for p in people} >= {"JO-AM", "JO-IR", "JO-MA", "JO-AZ", "TJ-GB", "TJ-DU", "TN-11"}
    assert {p.nationality for p in people} >= {"SY", "JO", "IQ", "TJ", "TN", "SD", "CI", "ER"}
    assert any(has_disability(p.disability) for p in people)
    today = timezone.localdate()
    assert any(today.year - p.date_of_birth.year < 18 for p in people)
    assert Consent.objects.filter(purpose="registration").count() == len(people)

    for role in Role:
        holders = (User.objects.filter(participant__isnull=False) if role == Role.PARTICIPANT
                   else User.objects.filter(memberships__role=role))
        user = holders.filter(email__endswith=f"@{demo_data.DEMO_DOMAIN}").first()
        assert user is not None, role
        assert role in principal_for_user(user).roles
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.email and user.email in first
        assert TOTPDevice.objects.filter(user=user, confirmed=True).exists() == (role in STAFF_ROLES)
    assert demo.DEMO_PASSWORD in first and "http://127.0.0.1:" in first and "demo_code" in first

    before = counts()
    again = run("load_demo")
    assert counts() == before
    assert "already loaded" in again and "coordinator@demo.kasb.org" in again


def test_demo_books_balance_and_show_every_step_of_a_payout(db: Any, demo_settings: Any) -> None:
    """The first thing a finance officer checks: debits equal credits, per partner and currency."""
    run("load_demo")
    partners = Organisation.objects.filter(kind="partner")
    books = {partner.name: trial_balance(partner_id=partner.pk) for partner in partners}
    assert set(books) == {spec.name for spec in demo_data.PARTNERS}
    assert books[demo_data.BOT].keys() == {"JOD", "USD"}  # the USD deposit was exchanged into dinars
    assert books[demo_data.PIH].keys() == {"TJS"} and books[demo_data.GMC].keys() == {"TND"}
    assert all(total == 0 for totals in books.values() for total in totals.values()), books
    assert drifted_accounts() == []
    assert unbalanced_transactions() == []
    for partner in partners:
        assert all(rec.agrees for rec in reconciliation(partner_id=partner.pk))
    kinds = set(LedgerTransaction.objects.values_list("kind", flat=True))
    assert kinds >= {"deposit", "reservation", "release", "earning", "stipend", "reimbursement", "exchange",
                     "payout", "payout_paid", "payout_failed", "reversal"}
    assert Exchange.objects.get().source == "Central Bank of Jordan"

    # One batch built by finance, approved by the manager, sent and settled; one waiting for approval.
    settled = PayoutBatch.objects.get(status="settled")
    assert settled.created_by.email == "finance@demo.kasb.org"
    assert settled.approved_by is not None and settled.approved_by.email == "manager@demo.kasb.org"
    assert settled.file and settled.file_sha256
    statuses = list(settled.lines.values_list("status", flat=True))
    assert statuses.count("failed") == 2 and statuses.count("paid") >= 10
    assert set(settled.lines.filter(status="failed").values_list("reason", flat=True)) >= {"Wallet not registered"}
    assert ResultImport.objects.get(batch=settled).report == []
    draft = PayoutBatch.objects.get(status="draft")
    assert draft.approved_by is None and draft.lines.exists()
    assert PayoutHold.objects.filter(lifted_at__isnull=True).count() == 1

    # The demo login's "My money": earnings, a transport payment, a verified wallet, a paid payout.
    me = User.objects.get(email=demo_data.PARTICIPANT_EMAIL).participant
    (account,) = worker_accounts(me.pk)
    assert account.currency == "JOD" and account.available.minor > 0
    mine = set(LedgerTransaction.objects.filter(entries__account=account).values_list("kind", flat=True))
    assert {"earning", "reimbursement", "payout"} <= mine
    assert PayoutMethod.objects.filter(participant=me, status="verified", kind="wallet").exists()
    assert PayoutLine.objects.filter(participant=me, status="paid").exists()

    # The demo coordinator has payout methods to verify, their own centre's only.
    coordinator = principal_for_user(User.objects.get(email="coordinator@demo.kasb.org"))
    queue = list(methods_to_verify(coordinator).values_list("participant__centre__name", flat=True))
    assert queue and set(queue) == {"Zaatari Camp Makani Centre"}


def test_demo_money_plan_is_reproducible_and_its_ibans_are_valid() -> None:
    today = timezone.localdate()
    plan = demo_data.money_plan(today.year, today)
    assert plan == demo_data.money_plan(today.year, today)
    ibans = [m.iban for m in plan.methods if m.iban]
    assert {iban[:2] for iban in ibans} == {"JO", "TN"}
    assert all(normalise_iban(iban) == iban for iban in ibans)
    assert all(iban[2:4] == "59" for iban in ibans if iban.startswith("TN"))  # the RIB key makes it so
    assert plan.failures and plan.hold[0] not in plan.failures


def test_demo_coordinator_signs_in_with_demo_code(db: Any, demo_settings: Any) -> None:
    run("load_demo")
    client = Client()
    response = client.post("/en/accounts/sign-in/", {"identifier": "coordinator@demo.kasb.org",
                                                     "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/en/").status_code == 302  # still held at two-step sign-in
    code = run("demo_code", "coordinator@demo.kasb.org").strip()
    response = client.post("/en/accounts/two-step/", {"token": code})
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    assert b"Zaatari" in page.content


def test_load_demo_refuses_a_real_secret_key(db: Any, settings: Any) -> None:
    settings.SECRET_KEY = "a-real-deployment-key-0123456789abcdef"
    with pytest.raises(CommandError, match="--force"):
        run("load_demo")
    assert User.objects.count() == 0


def test_demo_code_prints_a_code_the_device_accepts(db: Any, demo_settings: Any) -> None:
    email = "trainer@demo.kasb.org"
    user = create_user(full_name="Trainer", email=email)
    enrol_totp_device(user=user, key_hex=demo.demo_totp_key(email))
    code = run("demo_code", email).strip()
    assert re.fullmatch(r"\d{6}", code)
    assert TOTPDevice.objects.get(user=user).verify_token(code)
    assert run("demo_code", "--key", email).strip().isalnum()


@pytest.mark.parametrize("email", ["amal@partner.org", "someone@demo.kasb.org.evil.com"])
def test_demo_code_refuses_real_accounts(db: Any, demo_settings: Any, email: str) -> None:
    user = create_user(full_name="Real Person", email=email)
    enrol_totp_device(user=user, key_hex=demo.demo_totp_key(email))
    with pytest.raises(CommandError, match="not a demo account"):
        run("demo_code", email)


def test_demo_code_refuses_a_device_the_demo_did_not_make(db: Any, demo_settings: Any) -> None:
    email = "stranger@demo.kasb.org"
    user = create_user(full_name="Someone", email=email)
    enrol_totp_device(user=user, key_hex="ab" * 20)
    with pytest.raises(CommandError, match="not set up by the demo"):
        run("demo_code", email)


def test_protected_values_never_reach_the_database_file_in_plain_text(tmp_path: Path) -> None:
    """Load the demo into a real SQLite file, as `make demo` does, and scan its bytes."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["KASB_DATA_DIR"] = str(tmp_path)
    for args in (["migrate", "--no-input", "-v", "0"], ["load_demo"]):
        done = subprocess.run([sys.executable, "-m", "kasb.cli", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "participant@demo.kasb.org" in done.stdout

    database = tmp_path / "kasb.sqlite3"
    raw = b"".join(path.read_bytes() for path in (database, tmp_path / "kasb.sqlite3-wal") if path.exists())
    today = timezone.localdate()
    people = demo_data.people(today.year)
    secrets = {value for p in people
               for value in (p["phone"], p["phone"].lstrip("+"), p["id_number"], p["date_of_birth"].isoformat())
               if value}
    assert len(secrets) > 3 * len(people)
    # Payout methods: wallet numbers (some not the registration phone) and IBANs, whole and without the prefix.
    payout_secrets = demo_data.money_plan(today.year, today).secrets()
    assert len(payout_secrets - secrets) >= 10
    # Applicants' phone numbers (the SMS outbox names them) are encrypted too, on the application and the record.
    applicants = {value for value in demo_learning_secrets(tmp_path) if value}
    assert len(applicants) >= 60
    leaked = sorted(value for value in secrets | payout_secrets | applicants if value.encode() in raw)
    assert leaked == []
    # The scan does see the participants' rows: their (unprotected) names are there; and the ledger's.
    assert all(p["family_name"].encode() in raw and p["given_name"].encode() in raw for p in people)
    assert b"Task RX-1201 approved: Pharmacy receipts data entry" in raw


# --- the learning pathway ------------------------------------------------------------------------

def test_demo_runs_the_learning_pathway_from_call_to_certificate(db: Any, demo_settings: Any) -> None:
    """An open call with applications, test results and targets; cohorts whose stipends match attendance
    exactly; certificates that verify (one revoked); and the books still balance."""
    demo_settings.KASB_RATE_LIMITS = {"verify": 10_000, "apply": 10_000}
    out = run("load_demo")
    assert re.search(r"Learning: 2 calls with \d+ applications and \d+ placement tests taken; \d+ cohorts", out)
    assert "The demo trainer has 1 session today" in out

    # The open call: advertised on flyers, social media and WhatsApp, for 16 to 30, with three targets.
    (call,) = outreach_queries.open_calls()
    assert call.programme.partner.name == demo_data.BOT and (call.min_age, call.max_age) == (16, 30)
    assert set(call.channels) == {"flyer", "social_media", "whatsapp"}
    assert outreach_queries.targets_of(call) == {"women": 60, "refugees": 40, "disability": 10}
    applications = list(Application.objects.filter(call=call))
    assert len(applications) >= 40
    statuses = {a.status for a in applications}
    assert statuses >= {"enrolled", "waitlisted", "rejected", "submitted"}
    assert outreach_queries.taken_places(call) == call.places
    assert all(a.decision_reason for a in applications if a.status in ("rejected", "waitlisted"))
    assert any(r.possible_duplicate for r in outreach_queries.ranked_applications(call))
    assert sum(a.motivation_rating is not None for a in applications) >= 30
    rows = {t.group: t for t in outreach_queries.target_rows(call)}
    assert rows["women"].met and rows["refugees"].met  # fill_targets met what the applicants allowed
    bands = set(PlacementAttempt.objects.filter(applicant_token__in=[a.token for a in applications],
                                           submitted_at__isnull=False).values_list("band__min_percent", flat=True))
    assert bands == {0, 40, 75}  # every band, from basic digital skills to the advanced track
    assert PlacementAttempt.objects.filter(submitted_at__isnull=True).exists()  # someone lost their connection
    earlier = Call.objects.get(status=Call.Status.SELECTED)
    assert earlier.closes_on < timezone.localdate() and earlier.applications.filter(status="withdrawn").exists()
    assert Client().get(f"/ar/apply/{call.slug}/").status_code == 200

    # Stipends: attended in-person sessions × the cohort's rate, exactly, after a correction was reversed.
    cohorts = list(Cohort.objects.select_related("programme"))
    assert {c.centre.in_camp for c in cohorts if c.centre} == {True, False}
    assert any(c.centre is None for c in cohorts)
    assert {c.programme.country for c in cohorts} == {"JO", "TJ", "TN"}
    paying = [c for c in cohorts if c.transport_rate]
    assert len(paying) >= 3
    for cohort in paying:
        attended = Attendance.objects.filter(session__cohort=cohort, present=True, online=False,
                                             enrolment__participant__isnull=False).exclude(
                                                 session__modality=Modality.ONLINE).count()
        sessions = [str(pk) for pk in cohort.sessions.values_list("pk", flat=True)]
        paid = -sum(Entry.objects.filter(
            transaction__purpose_type="training.session", transaction__purpose_id__in=sessions,
            account__kind=AccountKind.WORKER).values_list("amount", flat=True))
        assert paid == attended * cohort.transport_rate, cohort.name
    assert LedgerTransaction.objects.filter(kind="reversal", purpose_type="training.session",
                                            memo__contains="Attendance corrected").count() == 1
    partners = Organisation.objects.filter(kind="partner")
    assert all(total == 0 for p in partners for total in trial_balance(partner_id=p.pk).values())
    assert drifted_accounts() == [] and unbalanced_transactions() == []

    # Enrolment: every ending is there, with its reason; someone may drop out and is flagged first.
    reasons = set(Enrolment.objects.exclude(dropout_reason="").values_list("dropout_reason", flat=True))
    assert reasons >= {"transport", "care", "work"}
    assert Enrolment.objects.filter(status="no_show").exists()
    assert Enrolment.objects.filter(status__in=["accepted", "active"], at_risk=True).exists()
    assert EquipmentLoan.objects.filter(returned_on__isnull=True).exists()
    assert set(EquipmentLoan.objects.exclude(condition_in="").values_list("condition_in", flat=True)) == {
        "good", "damaged"}
    assert TuitionGrant.objects.filter(transaction_id__isnull=False).count() == 1

    # Certificates: each verifies on its public page; one is revoked and says so.
    certificates = list(Certificate.objects.all())
    assert len(certificates) >= 10
    for certificate in certificates:
        page = Client().get(f"/en/verify/{certificate.code}/").content.decode()
        expected = "Revoked certificate" if certificate.revoked_at else "Valid certificate"
        assert expected in page and certificate.holder_name in page, certificate.code
    assert sum(c.revoked_at is not None for c in certificates) == 1

    # Training of trainers: the demo trainer was enrolled as staff and certified.
    trainer = User.objects.get(email="trainer@demo.kasb.org")
    assert [c.enrolment.status for c in own_certificates(principal_for_user(trainer))] == ["completed"]


def test_demo_trainer_has_todays_roster_and_the_participant_her_learning(db: Any, demo_settings: Any) -> None:
    run("load_demo")
    today = timezone.localdate()
    trainer = User.objects.get(email="trainer@demo.kasb.org")
    (session,) = Session.objects.filter(cohort__trainers=trainer, starts_at__date=today)
    assert session.cohort.centre is not None and session.cohort.transport_rate > 0
    assert not session.attendance.exists()  # left for the trainer to take
    client = demo_client("trainer@demo.kasb.org")
    response = client.get("/en/training/roster/")
    assert response.status_code == 302 and response["Location"] == f"/en/training/sessions/{session.pk}/roster/"
    roster = client.get(response["Location"]).content.decode()
    assert "Rahaf Al-Zoubi" in roster and "Save attendance" in roster and "at risk" in roster

    me = User.objects.get(email=demo_data.PARTICIPANT_EMAIL).participant
    assert me is not None
    assert Application.objects.filter(participant=me, status="enrolled").count() == 1
    attempt = PlacementAttempt.objects.get(participant=me)
    assert attempt.band is not None and attempt.band.min_percent == 0
    (active,) = Enrolment.objects.filter(participant=me, status="active")
    assert active.cohort == session.cohort and active.attendance.filter(present=True).exists()
    assert Certificate.objects.filter(enrolment__participant=me, revoked_at__isnull=True).count() == 1
    page = demo_client(demo_data.PARTICIPANT_EMAIL).get("/en/training/me/").content.decode()
    assert "Next session" in page and session.cohort.centre.name in page  # type: ignore[union-attr]
    assert f"Your score: {attempt.percent}%" in page
    assert Certificate.objects.get(enrolment__participant=me).code in page

    # The demo coordinator's selection screen shows the open call against its targets.
    call = Call.objects.get(status=Call.Status.OPEN)
    women = next(t for t in outreach_queries.target_rows(call) if t.group == "women")
    screen = demo_client("coordinator@demo.kasb.org").get(f"/en/outreach/{call.pk}/selection/").content.decode()
    assert f"Women and girls {women.share}% of 60% target" in screen


# --- microwork ------------------------------------------------------------------------------------

def test_demo_microwork_is_real_work_paid_through_review(db: Any, demo_settings: Any) -> None:
    """Every client posted real projects; every microwork payment is a real approved submission; the books balance."""
    run("load_demo")
    projects = list(Project.objects.select_related("client", "programme"))
    clients = {c.name for spec in demo_data.PARTNERS for c in spec.clients}
    assert {p.client.name for p in projects} == clients
    assert {p.task_type for p in projects} >= {"translation", "transcription", "data_entry", "classification",
                                              "survey"}
    assert {p.status for p in projects} == {"published", "paused", "draft", "cancelled", "completed"}
    assert {lang for p in projects for lang in p.languages} >= {"ar", "en", "ru", "tg", "fr"}

    # Each microwork earning in the ledger is an approved submission, paid once, from its project's reservation.
    earnings = LedgerTransaction.objects.filter(purpose_type="microwork.submission")
    paid = Submission.objects.filter(payment_transaction_id__isnull=False)
    assert earnings.count() == paid.count() >= 250
    assert set(paid.values_list("status", flat=True)) == {"approved"}
    assert set(earnings.values_list("pk", flat=True)) == set(paid.values_list("payment_transaction_id", flat=True))
    assert {s.task.project_id for s in paid.select_related("task")} == {
        s.project_id for s in paid}  # a submission is paid by the project of its task
    # QA at work: approvals, rejections with a reason and feedback, an appeal upheld, one waiting, a queue.
    rejected = Submission.objects.filter(status="rejected")
    assert rejected.count() >= 3 and all(s.reason_code and s.feedback for s in rejected)
    assert Appeal.objects.filter(upheld=True).count() == 1
    waiting = Appeal.objects.get(decided_at__isnull=True)
    assert waiting.submission.status == "appealed"
    assert Submission.objects.filter(gold_correct=False).exists()
    assert Submission.objects.filter(gold_correct=True, status="approved").exists()

    # The loan forms are finished: every task answered and paid, nothing left reserved.
    loans = Project.objects.get(name="Loan application forms data entry")
    assert not loans.tasks.exclude(status="complete").exists()
    assert not Submission.objects.filter(project=loans).exclude(status="approved").exists()
    assert reserved_available(loans).minor == 0
    assert loans.status == Project.Status.COMPLETED      # completed by the sweep, off the workers' list
    # Priced for 20 seconds a call, the calls took about 30: paused for repricing, every worker topped up.
    paused = Project.objects.get(status="paused")
    assert "Paused for repricing" in pause_reason(paused) and (paused.measured_median_seconds or 0) > 20
    assert set(TopUp.objects.filter(project=paused).values_list("worker_id", flat=True)) == set(
        Submission.objects.filter(project=paused).values_list("worker_id", flat=True))

    partners = Organisation.objects.filter(kind="partner")
    assert all(total == 0 for p in partners for total in trial_balance(partner_id=p.pk).values())
    assert drifted_accounts() == [] and unbalanced_transactions() == []


def test_demo_logins_see_their_microwork(db: Any, demo_settings: Any) -> None:
    """The client sees projects with progress, QA has a queue and an appeal, the participant has work and pay."""
    run("load_demo")
    petra = Project.objects.filter(client__name="Petra Commercial Bank")
    assert petra.count() >= 3
    page = demo_client("client@demo.kasb.org").get("/en/microwork/client/").content.decode()
    assert all(p.name in page for p in petra)
    assert 'value="100"' in page  # the finished loan forms
    results = demo_client("client@demo.kasb.org").get("/en/microwork/results/").content.decode()
    assert "Customer letters: Arabic to English" in results

    qa = principal_for_user(User.objects.get(email="qa@demo.kasb.org"))
    letters = Project.objects.get(name="Customer letters: Arabic to English")
    queue = list(review_queue(letters))
    assert queue and all(s.status == "pending" for s in queue)
    assert open_appeals(qa).count() == 1
    client = demo_client("qa@demo.kasb.org")
    assert "Customer letters: Arabic to English" in client.get("/en/microwork/review/").content.decode()
    page = client.get(f"/en/microwork/review/projects/{letters.pk}/").content.decode()
    assert queue[0].task.data["text"] in page

    me = User.objects.get(email=demo_data.PARTICIPANT_EMAIL).participant
    assert me is not None
    eligible = {p.name for p in eligible_projects(me)}
    assert "Pharmacy receipts data entry" in eligible
    receipts = Project.objects.get(name="Pharmacy receipts data entry")
    assert receipts.tasks.filter(status="open").exclude(assignments__worker=me).exists()
    mine = Submission.objects.filter(worker=me)
    assert {s.status for s in mine} >= {"approved", "rejected", "pending"}
    # Her payments name the task they were for, and each is the payment of one of her approved submissions.
    (account,) = worker_accounts(me.pk)
    payments = LedgerTransaction.objects.filter(entries__account=account, purpose_type="microwork.submission")
    assert payments.count() == mine.filter(status="approved").count() >= 10
    for payment in payments:
        submission = mine.get(pk=payment.purpose_id)
        assert submission.payment_transaction_id == payment.pk
        assert payment.memo.startswith(f"Task {submission.task.external_id} approved")
    work = demo_client(demo_data.PARTICIPANT_EMAIL)
    assert "Pharmacy receipts data entry" in work.get("/en/microwork/work/").content.decode()
    assert "المجموع المكتوب لا يطابق الفاتورة" in work.get("/en/microwork/work/mine/").content.decode()


# --- careers and surveys --------------------------------------------------------------------------

def test_demo_careers_and_surveys_show_to_each_login(db: Any, demo_settings: Any) -> None:
    """The employer sees what was sent to them only; Rahaf sees her internship and what else fits her; the job
    fair counts who came; the employability survey has answers."""
    run("load_demo")
    levant = "Levant Digital Services"
    me = User.objects.get(email=demo_data.PARTICIPANT_EMAIL).participant
    assert me is not None

    # Applications at every status, across the three countries.
    every = CareerApplication.objects.select_related("opportunity__employer")
    assert set(every.values_list("status", flat=True)) >= {
        "applied", "shortlisted", "interviewed", "offered", "placed", "declined"}
    assert {a.opportunity.employer.country for a in every} == {"JO", "TJ", "TN"}
    assert set(Opportunity.objects.values_list("kind", flat=True)) == {"internship", "apprenticeship", "job",
                                                                       "freelance"}

    # The employer login: its own opportunities and the applications sent to them, nobody else's.
    employer = demo_client("employer@demo.kasb.org")
    page = employer.get("/en/careers/manage/opportunities/").content.decode()
    ours = Opportunity.objects.filter(employer__name=levant)
    assert ours.count() >= 2 and all(o.title in page for o in ours)
    assert not any(o.title in page for o in Opportunity.objects.exclude(employer__name=levant))
    sent_to_us = every.filter(opportunity__employer__name=levant)
    assert sent_to_us.filter(participant=me).exists()
    for application in sent_to_us:
        shown = employer.get(f"/en/careers/manage/applications/{application.pk}/")
        assert shown.status_code == 200 and application.participant.full_name in shown.content.decode()
    for application in every.exclude(opportunity__employer__name=levant)[:5]:
        assert employer.get(f"/en/careers/manage/applications/{application.pk}/").status_code == 404
    # Rahaf ticked "show my microwork record": the CV her application carries shows it.
    assert sent_to_us.get(participant=me).cv_snapshot["microwork"]

    # Rahaf's careers page: her internship (with its tracer follow-ups) and opportunities that fit her skills.
    placement = Placement.objects.get(participant=me)
    assert placement.application is not None and placement.employer.name == "Jordan Horizon Bank"
    assert sorted(placement.follow_ups.values_list("months", flat=True)) == [3, 6, 12]
    page = demo_client(demo_data.PARTICIPANT_EMAIL).get("/en/careers/").content.decode()
    assert placement.title in page and "Jordan Horizon Bank" in page
    applied = set(me.career_applications.values_list("opportunity_id", flat=True))
    fits = [m for m in matches_for(me) if m.opportunity.pk not in applied]
    assert fits and all(m.matched for m in fits)
    assert any(m.opportunity.title in page for m in fits) and "Your matching skills:" in page
    assert "Know your rights as a migrant worker" in page
    arabic = demo_client(demo_data.PARTICIPANT_EMAIL).get("/ar/careers/info/job-scams/").content.decode()
    assert "الاحتيال" in arabic

    # The job fair is on now: registrations, QR check-ins (one scanned twice, counted once) and walk-ins.
    fair = Event.objects.get(kind="job_fair", partner__name=demo_data.BOT)
    came = Registration.objects.filter(event=fair, checked_in_at__isnull=False)
    assert came.count() >= 10 and came.filter(participant__isnull=True).count() == 2
    assert fair.employers.filter(name=levant).exists()
    page = demo_client("manager@demo.kasb.org").get(f"/en/careers/manage/events/{fair.pk}/").content.decode()
    assert f'<div class="stat" id="attended">{came.count()}</div>' in page
    full = Event.objects.get(kind="orientation")
    statuses = list(full.registrations.values_list("status", flat=True))
    assert statuses.count("registered") == full.capacity and "waitlisted" in statuses

    # Referrals: a loan with its amount and status, shares logged with the consented fields only.
    loans = Referral.objects.filter(service="microfinance", loan_minor__isnull=False)
    assert {r.loan_currency for r in loans} == {"JOD", "TJS"} and "disbursed" in {r.loan_status for r in loans}
    assert {r.service for r in Referral.objects.all()} >= {"business_counselling", "microfinance", "legal_aid"}
    assert all(set(s.fields) == set(s.referral.consented_fields) for s in ReferralShare.objects.all())

    # Surveys: the employability survey was sent to a finished cohort and most answered; the tracer is open.
    survey = Survey.objects.get(template="employability")
    rate = response_rates(survey_ids=[survey.pk])[survey.pk]
    assert rate.invited >= 5 and rate.invited > rate.answered > rate.invited // 2
    page = demo_client("me@demo.kasb.org").get(f"/en/surveys/{survey.pk}/results/").content.decode()
    assert f"{rate.answered} of {rate.invited} invited answered" in page
    assert employability_shares(survey_ids=[survey.pk])["more_employable"].numerator > 0
    tracer = Survey.objects.get(template="tracer")
    assert tracer.status == "open" and tracer.follow_up_months == 6
