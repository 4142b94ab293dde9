"""The indicator registry: every figure Kasb reports, defined once, as code.

Each Indicator names the records it counts (a method of sources.Source), how a table cell is worked out
from them (`aggregate`), which breakdowns make sense for it, and the plain-language definition shown on
pages, in exports, by the API and in docs/indicators.md (which describes each one with its caveats).

Results frameworks (frameworks.py) refer to indicators by `code`. Careers records, survey answers and imported
historical records are read by careers_rows.py, survey_rows.py and history_rows.py; an indicator whose records
live in an app not installed has `source=None` and `comes_with` set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .sources import Row
from .vocab import MINOR_BANDS, age_band

PERSON_DIMS = frozenset({"sex", "age_band", "displacement", "nationality", "disability", "household", "area",
                         "centre", "month", "source"})
LEARNING_DIMS = PERSON_DIMS | {"course", "cohort", "modality"}
CAREER_DIMS = PERSON_DIMS | {"placement_kind", "source"}
EVENT_DIMS = PERSON_DIMS | {"event_kind"}
REFERRAL_DIMS = PERSON_DIMS | {"source"}
STAFF_DIMS = frozenset({"centre", "course", "cohort", "modality", "month"})

UNITS = {"count": _("count"), "share": _("share (%)"), "money": _("money"), "days": _("days"),
         "hours": _("hours")}


@dataclass(frozen=True)
class Indicator:
    code: str
    name: Any
    definition: Any
    numerator: Any
    denominator: Any
    unit: str
    # persons | records | distinct | share | share_records | sum_money | median_monthly | median_days | hourly
    # | median (of row values, money)
    aggregate: str
    source: str | None
    theme: str
    dimensions: frozenset[str] = PERSON_DIMS
    needs: tuple[str, ...] = ()          # encrypted fields always needed (minors: date of birth)
    keep: Callable[[Row], bool] | None = None  # rows kept from the source
    comes_with: str = ""                 # the app whose records it will count, when not yet available

    @property
    def available(self) -> bool:
        return self.source is not None

    @property
    def unit_label(self) -> str:
        return str(UNITS[self.unit])


def _dropped(row: Row) -> bool:
    return row.item == "dropped"


def _completed(row: Row) -> bool:
    return row.item == "completed"


def _female(row: Row) -> bool:
    return row.who.sex == "female"


def _minor(row: Row) -> bool:
    return age_band(row.who.born, row.on) in MINOR_BANDS


def _job_fair(row: Row) -> bool:
    return row.kind == "job_fair"


HITS: dict[str, Callable[[Row], bool]] = {"dropout_rate": _dropped, "completion_rate": _completed}

INDICATORS: dict[str, Indicator] = {i.code: i for i in [
    # --- the pathway funnel ---------------------------------------------------------------------------
    Indicator("applied", _("Applied"), _("People who sent an application to a call in the period."),
              _("Distinct people with an application submitted in the period (an applicant not yet registered "
                "counts once per application)."), "", "count", "persons", "applications", "funnel"),
    Indicator("tested", _("Took the placement test"),
              _("People who finished a placement test in the period, as applicants or as participants."),
              _("Distinct people with a placement test attempt submitted in the period."), "", "count", "persons",
              "tests_taken", "funnel"),
    Indicator("enrolled", _("Enrolled"), _("Participants who began a course in a cohort that started in the period."),
              _("Distinct participants with an enrolment that became active (then completed or dropped out), in "
                "cohorts starting in the period."), "", "count", "persons", "enrolments_started", "funnel",
              LEARNING_DIMS),
    Indicator("completed", _("Completed training"),
              _("Participants who completed a course in the period (trained). Break it down by course or "
                "modality for trainings by type."),
              _("Distinct participants with an enrolment moved to completed in the period."), "", "count",
              "persons", "completions", "funnel", LEARNING_DIMS),
    Indicator("onboarded", _("Onboarded onto microwork"),
              _("Workers who claimed their first microwork task in the period."),
              _("Distinct participants whose first task claim falls in the period."), "", "count", "persons",
              "first_claims", "funnel"),
    Indicator("first_earning", _("Earned for the first time"),
              _("Workers whose first payment for approved work was posted in the period."),
              _("Distinct workers whose first earning entry in the ledger is dated in the period."), "", "count",
              "persons", "first_earnings", "funnel"),
    Indicator("placed", _("Placed in an internship or job"),
              _("Participants placed in an internship, apprenticeship or job in the period."),
              _("Distinct participants with a placement (careers' or imported) starting in the period."), "",
              "count", "persons", "placements", "funnel", CAREER_DIMS),
    # --- training -------------------------------------------------------------------------------------
    Indicator("completions", _("Course completions"),
              _("Courses completed in the period; a person who completes two courses counts twice."),
              _("Enrolments moved to completed in the period."), "", "count", "distinct", "completions",
              "training", LEARNING_DIMS),
    Indicator("completion_rate", _("Completion rate"),
              _("Of the participants who began a course in a cohort that started in the period, the share who "
                "completed it."),
              _("Distinct participants with a completed enrolment among those counted by 'enrolled'."),
              _("Distinct participants counted by 'enrolled'."), "share", "share", "enrolments_started", "training",
              LEARNING_DIMS),
    Indicator("dropped_out", _("Dropped out"),
              _("Participants who left a course before completing it, in the period. Break it down by reason."),
              _("Distinct participants with an enrolment moved to dropped out in the period."), "", "count",
              "persons", "dropouts", "training", LEARNING_DIMS | {"dropout_reason"}),
    Indicator("dropout_rate", _("Drop-out rate"),
              _("Of the participants who began a course in a cohort that started in the period, the share who "
                "dropped out."),
              _("Distinct participants with a dropped-out enrolment among those counted by 'enrolled'."),
              _("Distinct participants counted by 'enrolled'."), "share", "share", "enrolments_started", "training",
              LEARNING_DIMS | {"dropout_reason"}),
    Indicator("staff_trained", _("Trainers and coordinators trained"),
              _("Members of staff (trainers, coordinators) who completed a training-of-trainers course in the "
                "period."),
              _("Distinct members of staff with an enrolment moved to completed in the period."), "", "count",
              "persons", "staff_completions", "training", STAFF_DIMS),
    # --- registry -------------------------------------------------------------------------------------
    Indicator("registered", _("Participants registered"),
              _("People registered as participants in the period. Break it down by nationality for "
                "participants by nationality."),
              _("Participants whose registration date falls in the period."), "", "count", "persons",
              "registrations", "registry"),
    Indicator("nationalities", _("Nationalities"),
              _("How many different nationalities the participants registered in the period hold."),
              _("Distinct nationalities recorded for participants registered in the period."), "", "count",
              "distinct", "registrations", "registry", PERSON_DIMS - {"nationality"}, needs=("nationality",)),
    Indicator("women_and_girls", _("Women and girls"),
              _("Female participants registered in the period, of any age."),
              _("Participants registered in the period whose sex is female."), "", "count", "persons",
              "registrations", "registry", keep=_female),
    Indicator("minors", _("Minors"), _("Participants registered in the period who were under 18 on that day."),
              _("Participants registered in the period aged under 18 on their registration day."), "", "count",
              "persons", "registrations", "registry", needs=("date_of_birth",), keep=_minor),
    # --- microwork and earnings -----------------------------------------------------------------------
    Indicator("found_microwork", _("Workers who found microwork"),
              _("Workers with at least one piece of work approved, handed in during the period."),
              _("Distinct workers with an approved submission submitted in the period."), "", "count", "persons",
              "approved_work", "microwork"),
    Indicator("microwork_projects", _("Microwork opportunities"),
              _("How many different projects the workers had approved work in, in the period."),
              _("Distinct projects with an approved submission submitted in the period."), "", "count", "distinct",
              "approved_work", "microwork"),
    Indicator("qa_gold_accuracy", _("Accuracy on check questions"),
              _("The share of check (gold) questions that workers answered correctly in the period."),
              _("Submissions on gold tasks answered correctly, submitted in the period."),
              _("Submissions on gold tasks submitted in the period."), "share", "share_records", "gold_answers",
              "microwork"),
    Indicator("income_earned", _("Income earned"),
              _("Money workers earned for approved work in the period, fair-pay top-ups included, corrections "
                "deducted; one figure per currency, never added across currencies."),
              _("Sum of earning and top-up credits to worker accounts dated in the period, less their "
                "reversals."), "", "money", "sum_money", "earnings", "earnings"),
    Indicator("median_monthly_earnings", _("Median monthly earnings per active worker"),
              _("In a month, what the middle worker among those who earned anything earned; the median over "
                "every worker and month of the period, per currency."),
              _("Each worker's earnings in each month in which they earned (as for income earned)."),
              _("Worker-months with earnings."), "money", "median_monthly", "earnings", "earnings"),
    Indicator("effective_hourly_earnings", _("Effective hourly earnings"),
              _("What workers earned per hour of work, counting the time they spent on all work handed in, "
                "rejected work included; per currency."),
              _("Income earned in the period (as 'income earned')."),
              _("Hours spent on every submission handed in during the period, in projects paying in that "
                "currency."), "money", "hourly", "earnings_and_time", "earnings"),
    Indicator("time_to_first_earning", _("Days to first earning"),
              _("For workers who earned for the first time in the period, the median number of days between "
                "completing their first course and that first earning."),
              _("Days from the first completed course to the first earning, per worker."),
              _("Workers counted by 'first earning' who completed a course before earning."), "days",
              "median_days", "first_earnings_after_training", "earnings"),
]}

CAREERS = [
    Indicator("internships", _("Internships and apprenticeships"),
              _("Participants who began an internship or an apprenticeship in the period."),
              _("Distinct participants with an internship or apprenticeship placement starting in the period."), "",
              "count", "persons", "internships", "careers", CAREER_DIMS),
    Indicator("placements", _("Placements"),
              _("Internships, apprenticeships, jobs and freelance gigs that began in the period; a person placed "
                "twice counts twice. Break it down by kind of placement for placements by type."),
              _("Placements starting in the period."), "", "count", "distinct", "placements", "careers",
              CAREER_DIMS),
    Indicator("completed_placements", _("Completed placements"),
              _("Placements that ended in the period and that the employer or the participant said were "
                "completed."),
              _("Placements recorded as completed, ending in the period (or, without an end date, whose "
                "outcome was recorded in the period)."), "", "count", "distinct", "completed_placements",
              "careers", CAREER_DIMS),
    Indicator("event_participants", _("Career event participants"),
              _("People checked in at the door of a career event (orientation, job fair, employer visit, "
                "interview practice) in the period; walk-ins included. Break it down by kind of event."),
              _("Distinct people (participants, and walk-ins each as one person) with a check-in in the period."),
              "", "count", "persons", "checkins", "careers", EVENT_DIMS),
    Indicator("job_fair_participants", _("Job-fair participants"),
              _("People checked in at a job fair in the period, walk-ins included."),
              _("Distinct people with a check-in at a job fair in the period."), "", "count", "persons", "checkins",
              "careers", EVENT_DIMS, keep=_job_fair),
    Indicator("business_counselling_referrals", _("Referred to business counselling"),
              _("Participants referred to a business-counselling provider in the period."),
              _("Distinct participants with a business-counselling referral made in the period."), "", "count",
              "persons", "business_referrals", "careers", REFERRAL_DIMS),
    Indicator("microfinance_referrals", _("Referred to micro-finance"),
              _("Participants referred to a micro-finance provider in the period."),
              _("Distinct participants with a micro-finance referral made in the period."), "", "count",
              "persons", "microfinance_referrals", "careers", REFERRAL_DIMS),
    Indicator("microfinance_loans", _("Micro-finance loans"),
              _("The amounts of the loans approved after micro-finance referrals made in the period, where "
                "the amount is known; one figure per currency."),
              _("Sum of the loan amounts of micro-finance referrals made in the period whose loan was approved, "
                "disbursed or repaid."), "", "money", "sum_money", "microfinance_loans", "careers",
              REFERRAL_DIMS),
    Indicator("businesses_started", _("Businesses started"),
              _("Participants who started a business after a referral, by the day it started."),
              _("Distinct participants with a referral recording a business started in the period."), "",
              "count", "persons", "businesses", "careers", REFERRAL_DIMS),
    Indicator("businesses_running_6_months", _("Businesses still running after 6 months"),
              _("Of the businesses started in the period, those recorded as still running six months later."),
              _("Distinct participants counted by 'businesses started' whose business was still running after "
                "six months."), "", "count", "persons", "businesses_running", "careers", REFERRAL_DIMS),
    Indicator("mentoring_pairs", _("Mentoring pairs"),
              _("Mentor and mentee pairs under way at any time in the period."),
              _("Mentorships started by the end of the period and not ended before its start."), "", "count",
              "distinct", "mentorships", "careers"),
]
INDICATORS.update({i.code: i for i in CAREERS})

SURVEY_DIMS = frozenset({"source"})
TRACER_DIMS = frozenset({"follow_up", "source"})
SURVEYS = [
    Indicator("survey_response_rate", _("Survey response rate"),
              _("Of the people invited to a survey in the period, the share who answered."),
              _("Invitations made in the period that were answered."), _("Invitations made in the period."),
              "share", "share", "survey_response_rate", "surveys", frozenset()),
    Indicator("survey_more_employable", _("Feel more employable after training"),
              _("Of those who answered the post-training employability survey in the period, the share who "
                "agree or strongly agree that they are more employable."),
              _("Answers 'agree' or 'strongly agree' to the employability question."),
              _("Answers to the employability question, submitted in the period."), "share", "share",
              "survey_more_employable", "surveys", frozenset()),
    Indicator("survey_skills_improve_life", _("Believe the skills can improve their lives"),
              _("Of those who answered the post-training employability survey in the period, the share who "
                "agree or strongly agree that the skills can improve their lives and communities."),
              _("Answers 'agree' or 'strongly agree' to that question."),
              _("Answers to that question, submitted in the period."), "share", "share",
              "survey_skills_improve_life", "surveys", frozenset()),
    Indicator("survey_career_improved", _("Working life improved"),
              _("Of those who answered the post-training employability survey in the period, the share who say "
                "their working life has improved."),
              _("Answers 'yes' to that question."), _("Answers to that question, submitted in the period."),
              "share", "share", "survey_career_improved", "surveys", frozenset()),
    Indicator("tracer_employed", _("Employed (tracer survey)"),
              _("Of those who answered the tracer survey 3, 6 or 12 months after training, in the period, the "
                "share who were employed or self-employed; imported historical answers included."),
              _("Tracer answers saying employed."), _("Tracer answers to the employment question."), "share",
              "share", "tracer_employed", "surveys", TRACER_DIMS),
    Indicator("tracer_using_skills", _("Using the skills learned (tracer survey)"),
              _("Of those who answered the tracer survey in the period, the share who use the skills they "
                "learned often or sometimes."),
              _("Tracer answers 'often' or 'sometimes'."), _("Tracer answers to the skills question."), "share",
              "share", "tracer_using_skills", "surveys", TRACER_DIMS),
    Indicator("tracer_median_earnings", _("Median monthly earnings (tracer survey)"),
              _("What the middle respondent in work said they earn in a month, per currency, among tracer "
                "answers in the period."),
              _("Monthly earnings given by employed respondents."),
              _("Employed respondents who said what they earn."), "money", "median", "tracer_earnings",
              "surveys", TRACER_DIMS),
]
INDICATORS.update({i.code: i for i in SURVEYS})

# The pathway, in order, as the dashboard draws it.
FUNNEL = ("applied", "tested", "enrolled", "completed", "onboarded", "first_earning", "placed")
THEMES = {"funnel": _("The pathway"), "training": _("Training"), "registry": _("Participants"),
          "microwork": _("Microwork"), "earnings": _("Earnings"), "careers": _("Careers"),
          "surveys": _("Surveys")}


def indicator(code: str) -> Indicator | None:
    return INDICATORS.get(code)
