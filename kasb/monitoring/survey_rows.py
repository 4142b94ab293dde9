"""Survey indicators, from kasb.surveys.queries (counts only, never who answered what) and from historical
survey responses a partner imported (kasb.legacy).

The surveys app returns numerators and denominators per survey or per follow-up point, not people, so each
response (or invitation) becomes one Row of its own, with no person attributes: survey tables break down
by follow-up point and by source (native / imported) only, and are suppressed like every other table (a
share whose denominator is under the threshold is hidden). Surveys belong to a programme, not a centre: a
centre or group filter leaves native responses out (only historical ones, whose participant is known,
remain).

Median earnings: the surveys app gives, per follow-up point and currency, every amount said (smallest first,
with no link to who said it), so a cell for one point and the total over several points are exact medians.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from kasb.surveys import queries as surveys
from kasb.surveys.models import Survey

from .context import Person
from .history_rows import survey_responses as historical_responses
from .sources import Row, Source

NOBODY = Person()


def _survey_ids(src: Source) -> list[int] | None:
    if src.scope.partner_ids is None:
        return None
    return list(Survey.objects.filter(src.scope.q("programme__partner_id")).values_list("pk", flat=True))


def _native(src: Source) -> bool:
    return not (src.filters.centre_id or src.filters.group)


def _args(src: Source) -> dict[str, object]:
    f = src.filters
    return {"survey_ids": _survey_ids(src), "programme_id": f.programme_id, "start": f.start, "end": f.end}


def _share_rows(tag: str, numerator: int, denominator: int, src: Source, kind: str = "") -> Iterator[Row]:
    for n in range(denominator):
        yield Row((tag, kind, n), NOBODY, src.filters.start, hit=n < numerator, kind=kind)


def response_rate(src: Source) -> Iterator[Row]:
    if not _native(src):
        return
    for survey_id, rate in surveys.response_rates(**_args(src)).items():  # type: ignore[arg-type]
        yield from _share_rows(f"invitation-{survey_id}", rate.answered, rate.invited, src)


def _employability(code: str) -> Callable[[Source], Iterator[Row]]:
    def rows(src: Source) -> Iterator[Row]:
        if not _native(src):
            return
        share = surveys.employability_shares(**_args(src)).get(code)  # type: ignore[arg-type]
        if share is not None:
            yield from _share_rows(f"employability-{code}", share.numerator, share.denominator, src)
    return rows


def _tracer(src: Source) -> dict[int | None, surveys.TracerResult]:
    return surveys.tracer_results(**_args(src)) if _native(src) else {}  # type: ignore[arg-type]


def tracer_employed(src: Source) -> Iterator[Row]:
    for point, result in _tracer(src).items():
        yield from _share_rows("employed", result.employed.numerator, result.employed.denominator, src,
                               str(point or ""))
    for row, employed, _using in historical_responses(src):
        if employed is not None:
            row.hit, row.value = employed, 0
            yield row


def tracer_using_skills(src: Source) -> Iterator[Row]:
    for point, result in _tracer(src).items():
        yield from _share_rows("using", result.using_skills.numerator, result.using_skills.denominator, src,
                               str(point or ""))
    for row, _employed, using in historical_responses(src):
        if using is not None:
            row.hit, row.value = using, 0
            yield row


def tracer_earnings(src: Source) -> Iterator[Row]:
    for point, result in _tracer(src).items():
        for currency, amounts in result.amounts.items():
            for n, amount in enumerate(amounts):
                yield Row(("earning", point, currency, n), NOBODY, src.filters.start, value=amount,
                          currency=currency, kind=str(point or ""))
    for row, employed, _using in historical_responses(src):
        if employed and row.value and row.currency:
            yield row


ROWS: dict[str, Callable[[Source], Iterator[Row]]] = {
    "survey_response_rate": response_rate,
    "survey_more_employable": _employability("more_employable"),
    "survey_skills_improve_life": _employability("skills_improve_life"),
    "survey_career_improved": _employability("career_improved"),
    "tracer_employed": tracer_employed,
    "tracer_using_skills": tracer_using_skills,
    "tracer_earnings": tracer_earnings,
}
