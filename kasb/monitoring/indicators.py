"""The indicator registry: every figure Kasb reports, defined once, as code.

Each Indicator names the records it counts (a method of sources.Source), how a table cell is worked out
from them (`aggregate`), which breakdowns make sense for it, and the plain-language definition shown on
pages, in exports, by the API and in docs/indicators.md (which describes each one with its caveats).

Results frameworks, surveys, historical imports and market insight come later and refer to indicators by
`code`; an indicator whose records live in an app not built yet has `source=None` and `comes_with` set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .sources import Row
from .vocab import MINOR_BANDS, age_band

PERSON_DIMS = frozenset({"sex", "age_band", "displacement", "nationality", "disability", "area", "centre", "month"})
LEARNING_DIMS = PERSON_DIMS | {"course", "cohort", "modality"}
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
              _("Distinct participants with a placement starting in the period."), "", "count", "persons", None,
              "funnel", comes_with="careers"),
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

# The pathway, in order, as the dashboard draws it.
FUNNEL = ("applied", "tested", "enrolled", "completed", "onboarded", "first_earning", "placed")
THEMES = {"funnel": _("The pathway"), "training": _("Training"), "registry": _("Participants"),
          "microwork": _("Microwork"), "earnings": _("Earnings")}


def indicator(code: str) -> Indicator | None:
    return INDICATORS.get(code)
