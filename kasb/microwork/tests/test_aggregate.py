"""Aggregation: majority vote with its confidence, Dawid–Skene against an adversary, free-text consensus."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kasb.microwork.aggregate import (
    aggregate_tasks,
    agrees,
    consensus,
    dawid_skene,
    majority,
    normalise_text,
)

CLASSES = ["cat", "dog", "bird"]


def test_majority_returns_the_winner_and_its_share_of_the_votes() -> None:
    assert majority(["a", "b", "a"]) == ("a", pytest.approx(2 / 3))
    assert majority(["a", "a", "a", "b"]) == ("a", 0.75)
    assert majority(["b", "a"]) == ("b", 0.5)  # a tie goes to the first answer seen
    assert majority([]) is None


def _synthetic(seed: int = 7, tasks: int = 300) -> tuple[dict[int, str], list[tuple[int, str, str]]]:
    """Five honest workers right 70% of the time, and one adversary who always gives the wrong answer
    (the next class along). Every task: the adversary and two honest workers."""
    rng = random.Random(seed)
    truth = {t: rng.choice(CLASSES) for t in range(tasks)}
    honest = [f"h{n}" for n in range(5)]
    labels: list[tuple[int, str, str]] = []
    for task, right in truth.items():
        for worker in rng.sample(honest, 2):
            label = right if rng.random() < 0.7 else rng.choice([c for c in CLASSES if c != right])
            labels.append((task, worker, label))
        labels.append((task, "adversary", CLASSES[(CLASSES.index(right) + 1) % 3]))
    return truth, labels


def _accuracy(truth: dict[int, str], chosen: dict[Any, Any]) -> float:
    return sum(chosen[t] == truth[t] for t in truth) / len(truth)


def test_dawid_skene_beats_majority_with_one_adversarial_worker() -> None:
    truth, labels = _synthetic()
    votes: dict[int, list[str]] = {}
    for task, _worker, label in labels:
        votes.setdefault(task, []).append(label)
    by_majority = {t: majority(v)[0] for t, v in votes.items()}  # type: ignore[index]
    fitted = dawid_skene(labels)
    by_ds = {t: label for t, (label, _p) in fitted.results.items()}
    assert _accuracy(truth, by_majority) < 0.75
    assert _accuracy(truth, by_ds) > 0.95
    assert _accuracy(truth, by_ds) > _accuracy(truth, by_majority) + 0.2
    # It learned who the adversary is: "cat" from them means "bird".
    assert fitted.confusion["adversary"]["bird"]["cat"] > 0.9
    assert 1 <= fitted.rounds <= 50
    assert all(0.0 <= p <= 1.0 for _label, p in fitted.results.values())


def test_dawid_skene_with_agreeing_workers_is_sure() -> None:
    labels = [(t, w, "yes" if t % 2 else "no") for t in range(20) for w in ("a", "b", "c")]
    fitted = dawid_skene(labels)
    assert all(label == ("yes" if t % 2 else "no") and p > 0.99 for t, (label, p) in fitted.results.items())


def test_gold_answers_teach_dawid_skene() -> None:
    # Two workers who always disagree; gold shows that "b" is the honest one.
    labels = []
    for t in range(30):
        right = "x" if t % 3 else "y"
        labels += [(t, "a", "y" if right == "x" else "x"), (t, "b", right)]
    gold = {t: ("x" if t % 3 else "y") for t in range(10)}
    fitted = dawid_skene(labels, known=gold)
    assert all(fitted.results[t][0] == ("x" if t % 3 else "y") for t in range(10, 30))


def test_dawid_skene_on_nothing() -> None:
    assert dawid_skene([]).results == {}


def test_free_text_needs_two_that_agree_after_normalising() -> None:
    assert consensus(["  Hello  world.", "hello world", "Bonjour"]) == ("  Hello  world.", pytest.approx(2 / 3))
    assert consensus(["one", "two", "three"]) is None
    assert consensus(["only"]) == ("only", 1.0)
    assert consensus(["١٢٣ Main St", "123 main st"]) is not None  # Arabic-Indic digits
    assert normalise_text("«Salam»") == "salam"


FIELDS: list[dict[str, Any]] = [{"name": "kind", "type": "single_choice", "choices": ["a", "b"]},
          {"name": "note", "type": "text"},
          {"name": "total", "type": "number"}]


def test_aggregate_tasks_per_field_and_undecided_text() -> None:
    answers: dict[Any, list[tuple[Any, dict[str, object]]]] = {
        1: [("w1", {"kind": "a", "note": "Fine", "total": "12.50"}),
            ("w2", {"kind": "a", "note": "fine", "total": "12.5"}),
            ("w3", {"kind": "b", "note": "bad", "total": "99"})],
        2: [("w1", {"kind": "b", "note": "one"}), ("w2", {"kind": "b", "note": "two"})],
        3: [("w1", {"kind": "a", "note": "alone", "total": "1"})],
        4: [("w2", {"kind": "a", "note": "gold"})],
    }
    results = aggregate_tasks(FIELDS, answers, gold={4: {"kind": "a"}}, use_dawid_skene=False)
    assert 4 not in results
    one = results[1]
    assert one.answer == {"kind": "a", "note": "Fine", "total": "12.50"} and one.method == "majority"
    assert one.confidence == pytest.approx(0.6667, abs=1e-4)
    assert results[2].undecided == ("note",) and results[2].answer == {"kind": "b"}
    assert results[3].method == "single" and results[3].confidence == 1.0
    assert agrees(FIELDS, {"kind": "a", "note": "FINE ", "total": "12.5"}, one.answer)
    assert not agrees(FIELDS, {"kind": "b", "note": "Fine", "total": "12.5"}, one.answer)


def test_aggregate_tasks_uses_dawid_skene_for_choices() -> None:
    truth, labels = _synthetic(seed=3, tasks=120)
    answers: dict[Any, list[tuple[Any, dict[str, object]]]] = {}
    for task, worker, label in labels:
        answers.setdefault(task, []).append((worker, {"kind": label}))
    fields = [{"name": "kind", "type": "single_choice", "choices": CLASSES}]
    results = aggregate_tasks(fields, answers)
    assert {r.method for r in results.values()} == {"dawid_skene"}
    assert sum(results[t].answer["kind"] == truth[t] for t in truth) / len(truth) > 0.9
