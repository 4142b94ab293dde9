"""Combining several workers' answers to one task into one result, with a confidence. Pure functions.

- Choice fields (single choice, yes/no): a majority vote, whose confidence is the winner's share of the
  votes, or Dawid–Skene across the whole project, whose confidence is the posterior of the chosen class.
  Dawid–Skene learns each worker's confusion matrix, so a careless or adversarial worker's vote counts
  for what it is worth (an adversary who always answers wrongly even becomes informative).
- Everything else (text, numbers, dates, multiple choice, files): the most common normalised answer
  when at least two workers agree; otherwise the field is undecided and a reviewer picks or edits it.

Confidence is a statistic between 0 and 1, never money, so floats are fine here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

CHOICE_TYPES = frozenset({"single_choice", "yes_no"})
MAX_ROUNDS = 50
TOLERANCE = 1e-6
SMOOTHING = 0.01  # pseudo-counts in each confusion cell, so that one slip is never "impossible"

_SPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = ".,;:!?؟،؛\"'«»“”‘’()[]"


def normalise_text(value: Any) -> str:
    """What two answers must share to count as the same: Unicode-normalised, case-folded, spaces collapsed,
    punctuation at the ends dropped, Arabic-Indic digits read as digits."""
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)
    return _SPACE.sub(" ", text).strip().strip(_EDGE_PUNCTUATION).strip().casefold()


def _key(kind: str, value: Any) -> Any:
    """A hashable form of a cleaned answer under which equal answers meet."""
    if kind == "multiple_choice" and isinstance(value, list):
        return tuple(sorted(str(v) for v in value))
    if kind in ("text", "long_text"):
        return normalise_text(value)
    if kind == "number":
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return str(value)
    if isinstance(value, (list, dict)):
        return repr(value)
    return value  # type: ignore[no-any-return]


def majority(labels: Sequence[Any]) -> tuple[Any, float] | None:
    """The most common label and its share of the votes; a tie goes to the label seen first."""
    if not labels:
        return None
    counts = Counter(labels)
    best = max(counts.values())
    winner = next(label for label in labels if counts[label] == best)
    return winner, best / len(labels)


def consensus(values: Sequence[Any], kind: str = "text") -> tuple[Any, float] | None:
    """The most common answer (compared normalised) if at least two agree, else None; returns the first
    answer as written in that group, and its share. One answer alone is returned with confidence 1."""
    if not values:
        return None
    if len(values) == 1:
        return values[0], 1.0
    keys = [_key(kind, v) for v in values]
    found = majority(keys)
    assert found is not None
    winner, share = found
    if share * len(values) < 2:
        return None
    return values[keys.index(winner)], share


@dataclass
class DawidSkene:
    """The fitted model: per task the chosen class and its posterior, and each worker's confusion matrix."""

    results: dict[Any, tuple[Any, float]]
    confusion: dict[Any, dict[Any, dict[Any, float]]] = field(default_factory=dict)
    rounds: int = 0


def dawid_skene(labels: Iterable[tuple[Any, Any, Any]], *,
                known: Mapping[Any, Any] | None = None, max_rounds: int = MAX_ROUNDS,
                tolerance: float = TOLERANCE) -> DawidSkene:
    """Dawid & Skene (1979), by expectation–maximisation, from (task, worker, label) triples.

    Starts from the majority vote, then alternates: estimate class priors and every worker's confusion
    matrix from the current beliefs about each task's true class (M), and recompute those beliefs from
    the priors and matrices (E), until no belief moves by more than `tolerance` or after `max_rounds`.
    `known` holds tasks whose true class is known (gold): they stay fixed and teach the matrices.
    """
    known = dict(known or {})
    by_task: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    for task, worker, label in labels:
        by_task[task].append((worker, label))
    if not by_task:
        return DawidSkene(results={})
    classes = sorted({label for votes in by_task.values() for _w, label in votes} | set(known.values()), key=repr)
    index = {c: n for n, c in enumerate(classes)}
    size = len(classes)
    beliefs = {task: _initial(votes, known.get(task), index, size) for task, votes in by_task.items()}
    confusion: dict[Any, list[list[float]]] = {}
    rounds = 0
    for rounds in range(1, max_rounds + 1):  # noqa: B007  (the count is reported)
        priors, confusion = _maximise(by_task, beliefs, index, size)
        moved = 0.0
        for task, votes in by_task.items():
            if task in known:
                continue
            new = _expect(votes, priors, confusion, index, size)
            moved = max(moved, max(abs(a - b) for a, b in zip(new, beliefs[task], strict=True)))
            beliefs[task] = new
        if moved < tolerance:
            break
    results = {}
    for task, belief in beliefs.items():
        best = max(range(size), key=lambda k: (belief[k], -k))
        results[task] = (classes[best], belief[best])
    return DawidSkene(results=results, rounds=rounds, confusion={
        worker: {classes[k]: {classes[m]: row[m] for m in range(size)} for k, row in enumerate(matrix)}
        for worker, matrix in confusion.items()})


def _initial(votes: list[tuple[Any, Any]], truth: Any | None, index: dict[Any, int],
             size: int) -> list[float]:
    belief = [0.0] * size
    if truth is not None:
        belief[index[truth]] = 1.0
        return belief
    for _worker, label in votes:
        belief[index[label]] += 1 / len(votes)
    return belief


def _maximise(by_task: Mapping[Any, list[tuple[Any, Any]]], beliefs: Mapping[Any, list[float]],
              index: dict[Any, int], size: int) -> tuple[list[float], dict[Any, list[list[float]]]]:
    priors = [0.0] * size
    counts: dict[Any, list[list[float]]] = {}
    for task, votes in by_task.items():
        belief = beliefs[task]
        for k in range(size):
            priors[k] += belief[k]
        for worker, label in votes:
            matrix = counts.get(worker)
            if matrix is None:
                matrix = counts[worker] = [[SMOOTHING] * size for _ in range(size)]
            observed = index[label]
            for k in range(size):
                matrix[k][observed] += belief[k]
    total = sum(priors)
    priors = [max(p / total, 1e-9) for p in priors]
    for matrix in counts.values():
        for row in matrix:
            row_total = sum(row)
            for m in range(size):
                row[m] /= row_total
    return priors, counts


def _expect(votes: list[tuple[Any, Any]], priors: list[float],
            confusion: Mapping[Any, list[list[float]]], index: dict[Any, int], size: int) -> list[float]:
    logs = [math.log(priors[k]) for k in range(size)]
    for worker, label in votes:
        matrix, observed = confusion[worker], index[label]
        for k in range(size):
            logs[k] += math.log(matrix[k][observed])
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    return [w / total for w in weights]


# --- whole tasks ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Aggregate:
    """One task's result: the answer per field, how sure (the weakest field), the method, and what is undecided."""

    answer: dict[str, Any]
    confidence: float
    method: str  # "single", "majority", "dawid_skene" (TaskResult.Method values)
    undecided: tuple[str, ...] = ()


def aggregate_tasks(fields: Sequence[Mapping[str, Any]],
                    answers: Mapping[Any, Sequence[tuple[Any, Mapping[str, Any]]]], *,
                    gold: Mapping[Any, Mapping[str, Any]] | None = None,
                    use_dawid_skene: bool = True) -> dict[Any, Aggregate]:
    """Results for many tasks of one project: {task: [(worker, cleaned answers), ...]} → {task: Aggregate}.

    Choice fields use Dawid–Skene across all the tasks given (gold tasks' known answers fix their class
    and teach the workers' matrices) when `use_dawid_skene` and any task has two or more answers; other
    fields use `consensus`. Gold tasks themselves get no result. A field nobody answered is left out.
    """
    gold = gold or {}
    fitted: dict[str, DawidSkene] = {}
    several = any(len(given) > 1 for given in answers.values())
    if use_dawid_skene and several:
        for spec in fields:
            if spec.get("type") in CHOICE_TYPES:
                name = spec["name"]
                # A task with one answer only confirms its worker to themself: it teaches the model nothing.
                triples = [(task, worker, answer[name]) for task, given in answers.items()
                           if len(given) > 1 or task in gold for worker, answer in given if name in answer]
                truths = {task: g[name] for task, g in gold.items() if name in g}
                fitted[name] = dawid_skene(triples, known=truths)
    results = {}
    for task, given in answers.items():
        if task in gold or not given:
            continue
        results[task] = _one_task(fields, task, given, fitted)
    return results


def _one_task(fields: Sequence[Mapping[str, Any]], task: Any,
              given: Sequence[tuple[Any, Mapping[str, Any]]], fitted: Mapping[str, DawidSkene]) -> Aggregate:
    answer: dict[str, Any] = {}
    confidences: list[float] = []
    undecided: list[str] = []
    used_ds = False
    for spec in fields:
        name, kind = spec["name"], spec.get("type", "text")
        values = [a[name] for _w, a in given if name in a]
        if not values:
            continue
        if name in fitted and len(given) > 1 and task in fitted[name].results:
            value, confidence = fitted[name].results[task]
            used_ds = True
        elif kind in CHOICE_TYPES:
            found = majority(values)
            assert found is not None
            value, confidence = found
        else:
            picked = consensus(values, kind)
            if picked is None:
                undecided.append(name)
                continue
            value, confidence = picked
        answer[name] = value
        confidences.append(confidence)
    method = "single" if len(given) == 1 else ("dawid_skene" if used_ds else "majority")
    return Aggregate(answer=answer, confidence=round(min(confidences), 4) if confidences else 0.0, method=method,
                     undecided=tuple(undecided))


def agrees(fields: Sequence[Mapping[str, Any]], answers: Mapping[str, Any], result: Mapping[str, Any]) -> bool:
    """Whether a worker's answers match a task's result on every field the result decided."""
    kinds = {spec["name"]: spec.get("type", "text") for spec in fields}
    return all(name in answers and _key(kinds.get(name, "text"), answers[name]) == _key(kinds.get(name, "text"), value)
               for name, value in result.items())
