"""The records each indicator counts, read from the other apps (never written), one query per source.

Every source yields Rows: whose record it is, what the table may group it by, and a value. Rows are read
with `.iterator()` so memory stays bounded and the query count does not grow with the data. The sources
with many records per person (submissions, ledger entries) are summed in the database first: one row per
person and day (and project or currency), carrying how many records it stands for. The protected
attributes (date of birth, nationality, displacement, disability) are encrypted in the registry and are
read, and decrypted in Python, only when the table groups or filters by them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property, lru_cache
from typing import Any

from django.db.models import CharField, Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Substr, TruncDate
from django.utils import timezone

from kasb.microwork.models import Assignment, Submission
from kasb.outreach.models import Application
from kasb.participants.models import Participant
from kasb.payments.models import AccountKind, Entry, TransactionKind
from kasb.training.models import Enrolment, EnrolmentChange, TestAttempt

from .context import Filters, Person, Scope

CHUNK = 2000
STARTED = (Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED, Enrolment.Status.DROPPED)
EARNING_KINDS = (TransactionKind.EARNING, TransactionKind.TOP_UP)
APPROVED = Submission.Status.APPROVED.value


@dataclass(slots=True)
class Row:
    person: Any                 # a participant id, ("application", id) or ("staff", user id)
    who: Person
    on: date                    # when it happened (the month it is counted in)
    course: str = ""
    cohort: str = ""
    modality: str = ""
    dropout_reason: str = ""
    item: Any = None            # what a "distinct" indicator counts (a project, a nationality)
    value: int = 1              # money in minor units, days, or 1
    seconds: int = 0            # time spent (effective hourly earnings)
    currency: str = ""
    hit: bool = True            # in the numerator of a share
    kind: str = ""              # the record's own kind (a placement's, an event's, a tracer's follow-up point)
    origin: str = "native"      # "native", or "imported" for historical records (kasb.legacy)
    records: int = 1            # how many records the row sums (value and seconds are their sums)
    checked: bool = False       # work on a gold (check) task, whose answer was right (hit) or wrong


@dataclass(frozen=True)
class Source:
    """The read side of one table: the filters, the scope and which encrypted fields to decrypt."""

    filters: Filters
    scope: Scope
    protected: frozenset[str]

    # -- helpers ------------------------------------------------------------------------------------

    @cached_property
    def tz(self) -> tzinfo:
        """The time zone days are counted in (looked up once: a hot path)."""
        return timezone.get_current_timezone()

    def day(self, moment: datetime | date) -> date:
        if isinstance(moment, datetime):
            return moment.astimezone(self.tz).date() if moment.tzinfo is not None else moment.date()
        return moment

    def per_day(self, qs: QuerySet[Any], at: str, keys: list[str], **sums: Any) -> Iterator[dict[str, Any]]:
        """`qs` summed in the database per `keys` and local day of `at` (the row's "day"), with `sums`."""
        return (qs.annotate(day=TruncDate(at, tzinfo=self.tz)).values(*keys, "day").annotate(**sums)
                .order_by().iterator(chunk_size=CHUNK))

    def person_fields(self, prefix: str) -> list[str]:
        plain = ["sex", "area_id", "area__code", "centre_id", "female_headed_household", "neet", "migrant_household"]
        return [prefix + f for f in plain + sorted(self.protected)]

    def person(self, row: dict[str, Any], prefix: str) -> Person:
        (sex, born, nationality, displacement, disability, area_id, area_code, centre_id, female_headed,
         neet, migrant) = _person_keys(prefix)
        get = row.get
        return Person(sex=get(sex) or "", born=get(born), nationality=get(nationality) or "",
                      displacement=get(displacement) or "", disability=get(disability) or {},
                      area_id=get(area_id), area_code=get(area_code) or "", centre_id=get(centre_id),
                      female_headed=bool(get(female_headed)), neet=bool(get(neet)), migrant=get(migrant))

    def applicant(self, row: dict[str, Any]) -> Person:
        """An applicant not yet in the registry: what the application holds (answers decrypted if needed)."""
        answers: dict[str, Any] = row.get("answers") or {}
        born = answers.get("date_of_birth")
        return Person(sex=row.get("sex") or "", born=date.fromisoformat(born) if born else None,
                      nationality=answers.get("nationality") or "",
                      displacement=answers.get("displacement_status") or "",
                      disability=answers.get("disability") or {}, area_id=row.get("area_id"),
                      area_code=row.get("area__code") or "", centre_id=row.get("preferred_centre_id"),
                      female_headed=bool(answers.get("female_headed_household")), neet=bool(answers.get("neet")),
                      migrant=answers.get("migrant_household"))

    def in_period(self, path: str, *, is_datetime: bool = True) -> Q:
        f = self.filters
        if not is_datetime:
            return Q(**{f"{path}__gte": f.start, f"{path}__lte": f.end})
        # Bounds as instants (not __date), so the database can use its indexes on the column.
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(f.start, time.min), tz)
        end = timezone.make_aware(datetime.combine(f.end + timedelta(days=1), time.min), tz)
        return Q(**{f"{path}__gte": start, f"{path}__lt": end})

    def participants(self, path: str) -> Q:
        """Scope and centre filter over a participant reached at `path` ("" for Participant itself)."""
        p = f"{path}__" if path else ""
        q = self.scope.q(f"{p}partner_id", f"{p}centre_id")
        if self.filters.centre_id:
            q &= Q(**{f"{p}centre_id": self.filters.centre_id})
        return q

    def programme(self, path: str) -> Q:
        return Q(**{path: self.filters.programme_id}) if self.filters.programme_id else Q()

    def programme_people(self, path: str) -> Q:
        """With a programme chosen: the participant at `path` enrolled in, or applied to, the programme (for
        records that belong to no programme themselves: placements, referrals, events, mentoring)."""
        if not self.filters.programme_id:
            return Q()
        pid = self.filters.programme_id
        enrolled = Enrolment.objects.filter(participant_id=OuterRef(f"{path}_id"), cohort__programme_id=pid)
        applied = Application.objects.filter(participant_id=OuterRef(f"{path}_id"), call__programme_id=pid)
        return Q(Exists(enrolled)) | Q(Exists(applied))

    def iterate(self, qs: QuerySet[Any], fields: list[str]) -> Iterator[dict[str, Any]]:
        return qs.values(*fields).iterator(chunk_size=CHUNK)

    # -- outreach -----------------------------------------------------------------------------------

    def applications(self) -> Iterator[Row]:
        qs = Application.objects.filter(self.in_period("submitted_at"), self.programme("call__programme_id"),
                                        self.scope.q("call__programme__partner_id", "preferred_centre_id"))
        if self.filters.centre_id:
            qs = qs.filter(Q(participant__centre_id=self.filters.centre_id)
                           | Q(participant__isnull=True, preferred_centre_id=self.filters.centre_id))
        fields = ["id", "participant_id", "submitted_at", "sex", "area_id", "area__code", "preferred_centre_id",
                  *self.person_fields("participant__")]
        if self.protected:
            fields.append("answers")
        for row in self.iterate(qs, fields):
            yield self._applicant_row(row, row["submitted_at"])

    def _applicant_row(self, row: dict[str, Any], when: datetime) -> Row:
        if row["participant_id"]:
            return Row(row["participant_id"], self.person(row, "participant__"), self.day(when))
        return Row(("application", row["id"]), self.applicant(row), self.day(when))

    def tests_taken(self) -> Iterator[Row]:
        """Submitted placement tests: an applicant's (through their application), or a participant's own."""
        qs = Application.objects.filter(self.in_period("test_attempt__submitted_at"),
                                        self.programme("call__programme_id"),
                                        self.scope.q("call__programme__partner_id", "preferred_centre_id"))
        fields = ["id", "participant_id", "test_attempt__submitted_at", "sex", "area_id", "area__code",
                  "preferred_centre_id", *self.person_fields("participant__")]
        if self.protected:
            fields.append("answers")
        for row in self.iterate(qs, fields):
            yield self._applicant_row(row, row["test_attempt__submitted_at"])
        if self.filters.programme_id:
            return  # a participant's own attempt belongs to no programme
        own = TestAttempt.objects.filter(self.in_period("submitted_at"), self.participants("participant"),
                                         participant__isnull=False)
        for row in self.iterate(own, ["participant_id", "submitted_at", *self.person_fields("participant__")]):
            yield Row(row["participant_id"], self.person(row, "participant__"), self.day(row["submitted_at"]))

    # -- training -----------------------------------------------------------------------------------

    def _enrolments(self, *, staff: bool = False) -> QuerySet[Enrolment]:
        qs = Enrolment.objects.filter(self.programme("cohort__programme_id"))
        if staff:
            qs = qs.filter(self.scope.q("cohort__programme__partner_id", "cohort__centre_id"), staff__isnull=False)
            return qs.filter(cohort__centre_id=self.filters.centre_id) if self.filters.centre_id else qs
        return qs.filter(self.participants("participant"), participant__isnull=False)

    def _enrolment_row(self, row: dict[str, Any], on: date, **extra: Any) -> Row:
        return Row(row["participant_id"], self.person(row, "participant__"), on, course=str(row["cohort__course_id"]),
                   cohort=str(row["cohort_id"]), modality=row["cohort__course__modality"], **extra)

    ENROLMENT_FIELDS = ["participant_id", "cohort_id", "cohort__course_id", "cohort__course__modality",
                        "cohort__starts_on", "status", "dropout_reason"]

    def enrolments_started(self) -> Iterator[Row]:
        """Enrolments in cohorts that started in the period and that the learner began (active, then
        completed or dropped). `hit` is set for the drop-outs; `item` carries the status."""
        qs = self._enrolments().filter(self.in_period("cohort__starts_on", is_datetime=False), status__in=STARTED)
        for row in self.iterate(qs, self.ENROLMENT_FIELDS + self.person_fields("participant__")):
            yield self._enrolment_row(row, row["cohort__starts_on"], item=row["status"],
                                      dropout_reason=row["dropout_reason"])

    def _moved_to(self, status: str, *, staff: bool = False) -> QuerySet[Enrolment]:
        when = (EnrolmentChange.objects.filter(enrolment=OuterRef("pk"), to_status=status)
                .order_by("-at").values("at")[:1])
        return (self._enrolments(staff=staff).filter(status=status).annotate(moved_at=Subquery(when))
                .filter(self.in_period("moved_at")))

    def completions(self) -> Iterator[Row]:
        qs = self._moved_to(Enrolment.Status.COMPLETED)
        for row in self.iterate(qs, self.ENROLMENT_FIELDS + ["moved_at", *self.person_fields("participant__")]):
            yield self._enrolment_row(row, self.day(row["moved_at"]), item=(row["participant_id"], row["cohort_id"]))

    def dropouts(self) -> Iterator[Row]:
        qs = self._moved_to(Enrolment.Status.DROPPED)
        for row in self.iterate(qs, self.ENROLMENT_FIELDS + ["moved_at", *self.person_fields("participant__")]):
            yield self._enrolment_row(row, self.day(row["moved_at"]), dropout_reason=row["dropout_reason"])

    def staff_completions(self) -> Iterator[Row]:
        qs = self._moved_to(Enrolment.Status.COMPLETED, staff=True)
        fields = ["staff_id", "cohort_id", "cohort__course_id", "cohort__course__modality", "cohort__centre_id",
                  "moved_at"]
        for row in self.iterate(qs, fields):
            yield Row(("staff", row["staff_id"]), Person(centre_id=row["cohort__centre_id"]), self.day(row["moved_at"]),
                      course=str(row["cohort__course_id"]), cohort=str(row["cohort_id"]),
                      modality=row["cohort__course__modality"])

    def first_completions(self) -> dict[int, date]:
        """Each participant's first completion, ever (one query): the start of time to first earning."""
        qs = (EnrolmentChange.objects.filter(to_status=Enrolment.Status.COMPLETED, enrolment__participant__isnull=False)
              .filter(self.participants("enrolment__participant"))
              .values("enrolment__participant_id").annotate(first=Min("at")).order_by())
        return {r["enrolment__participant_id"]: self.day(r["first"]) for r in qs.iterator(chunk_size=CHUNK)}

    # -- registry -----------------------------------------------------------------------------------

    def registrations(self) -> Iterator[Row]:
        qs = Participant.objects.filter(self.in_period("registered_at"), self.participants(""))
        if self.filters.programme_id:
            qs = qs.filter(Q(enrolments__cohort__programme_id=self.filters.programme_id)
                           | Q(applications__call__programme_id=self.filters.programme_id)).distinct()
        fields = ["id", "registered_at", *self.person_fields("")]
        for row in self.iterate(qs, fields):
            who = self.person(row, "")
            yield Row(row["id"], who, self.day(row["registered_at"]), item=(who.nationality or "").upper() or None)

    # -- microwork ----------------------------------------------------------------------------------

    def first_claims(self) -> Iterator[Row]:
        """Workers whose first task claim (in the programme, if one is chosen) fell in the period."""
        qs = (Assignment.objects.filter(self.programme("project__programme_id"), self.participants("worker"))
              .values("worker_id").annotate(first=Min("claimed_at")).filter(self.in_period("first"))
              .values("worker_id", "first", *self.person_fields("worker__")).order_by())
        for row in qs.iterator(chunk_size=CHUNK):
            yield Row(row["worker_id"], self.person(row, "worker__"), self.day(row["first"]))

    def _submissions(self) -> QuerySet[Submission]:
        return Submission.objects.filter(self.in_period("submitted_at"), self.programme("project__programme_id"),
                                         self.participants("worker"))

    def work(self) -> Iterator[Row]:
        """Every submission handed in during the period, in one pass: a row per worker, project, day, status
        and gold verdict, with how many submissions it stands for (records) and the seconds they took. The
        indicators read it through views (tables.VIEWS): approved work, answers on gold tasks (hit: right),
        and time spent (approved or not: time on rejected work is time worked)."""
        keys = ["worker_id", "project_id", "project__currency", "status", "gold_correct",
                *self.person_fields("worker__")]
        for row in self.per_day(self._submissions(), "submitted_at", keys, n=Count("pk"),
                                seconds=Sum("seconds_spent")):
            gold = row["gold_correct"]
            yield Row(row["worker_id"], self.person(row, "worker__"), row["day"], item=row["project_id"],
                      value=0, seconds=row["seconds"] or 0, currency=row["project__currency"], records=row["n"],
                      kind=row["status"], hit=bool(gold), checked=gold is not None)

    # -- payments -----------------------------------------------------------------------------------

    def _earning_entries(self) -> QuerySet[Entry]:
        """Entries crediting workers for work (earnings, fair-pay top-ups) and the reversals of those."""
        kinds = Q(transaction__kind__in=EARNING_KINDS) | Q(transaction__kind=TransactionKind.REVERSAL,
                                                           transaction__reverses__kind__in=EARNING_KINDS)
        qs = Entry.objects.filter(kinds, self.participants("account__participant"), account__kind=AccountKind.WORKER)
        if self.filters.programme_id:
            submissions = (Submission.objects.filter(project__programme_id=self.filters.programme_id)
                           .annotate(key=Cast("pk", CharField())).values("key"))
            projects = (Submission.objects.filter(project__programme_id=self.filters.programme_id)
                        .annotate(key=Cast("project_id", CharField())).values("key"))
            qs = qs.filter(Q(transaction__purpose_type="microwork.submission", transaction__purpose_id__in=submissions)
                           | Q(transaction__purpose_type="microwork.project", transaction__purpose_id__in=projects))
        return qs

    def earnings(self) -> Iterator[Row]:
        """Earnings, top-ups and their reversals dated in the period: a row per worker, currency and month,
        dated on the month's last one (what the tables ask of earnings is by month; an age band is the
        worker's age on that day)."""
        # A ledger date is a plain date, so its month is its first seven characters on every database.
        month = Substr(Cast("transaction__effective_on", CharField()), 1, 7)
        qs = (self._earning_entries().filter(self.in_period("transaction__effective_on", is_datetime=False))
              .annotate(month=month)
              .values("account__participant_id", "currency", "month", *self.person_fields("account__participant__"))
              .annotate(n=Count("pk"), amount=Sum("amount"), on=Max("transaction__effective_on")).order_by())
        for row in qs.iterator(chunk_size=CHUNK):
            # Worker accounts are credit-normal: a credit (negative entry) is money earned.
            yield Row(row["account__participant_id"], self.person(row, "account__participant__"), row["on"],
                      value=-row["amount"], currency=row["currency"], records=row["n"])

    def first_earnings(self) -> Iterator[Row]:
        """Workers whose first earning ever (in the programme, if one is chosen) fell in the period."""
        qs = (self._earning_entries().filter(transaction__kind__in=EARNING_KINDS)
              .values("account__participant_id").annotate(first=Min("transaction__effective_on"))
              .filter(first__gte=self.filters.start, first__lte=self.filters.end)
              .values("account__participant_id", "first", *self.person_fields("account__participant__"))
              .order_by())
        for row in qs.iterator(chunk_size=CHUNK):
            yield Row(row["account__participant_id"], self.person(row, "account__participant__"), row["first"])


@lru_cache(maxsize=32)
def _person_keys(prefix: str) -> tuple[str, ...]:
    """The row keys of a person's fields under `prefix`, worked out once per prefix (a hot path)."""
    return tuple(prefix + name for name in ("sex", "date_of_birth", "nationality", "displacement_status",
                                             "disability", "area_id", "area__code", "centre_id",
                                             "female_headed_household", "neet", "migrant_household"))

