"""Small-cell suppression: hand-worked cases, and property tests that no hidden entry can be recovered.

The oracle is independent of the algorithm: a hidden entry is recoverable exactly when its unit vector
lies in the row space of the published equations (each line's entries add up), restricted to the hidden
entries; checked with exact rational Gaussian elimination.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from kasb.core.suppression import Key, Layout, cell, layout, suppress


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [r[:] for r in matrix if any(r)]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def recoverable(table: Layout, hidden: set[Key]) -> set[Key]:
    """Hidden entries whose value follows from the published entries and the line equations."""
    order = sorted(hidden, key=repr)
    index = {k: i for i, k in enumerate(order)}
    equations = [[Fraction(1 if k in line else 0) for k in order] for line in table.lines
                 if any(k in hidden for k in line)]
    base = _rank(equations) if equations else 0
    found = set()
    for k in order:
        unit = [Fraction(1 if i == index[k] else 0) for i in range(len(order))]
        if _rank([*equations, unit]) == base:
            found.add(k)
    return found


def test_a_cell_of_four_beside_a_total_is_hidden_with_its_smallest_neighbour() -> None:
    table = layout([[4], [10], [7], [12]])
    hidden = suppress(table, 5)
    assert hidden == {cell(0, 0), cell(2, 0)}  # 7 is the smallest other cell; the total stays published
    assert not recoverable(table, hidden)


def test_nothing_is_hidden_when_every_cell_reaches_the_threshold() -> None:
    assert suppress(layout([[5, 6], [9, 12]]), 5) == set()


def test_zero_cells_are_published() -> None:
    assert suppress(layout([[0, 8], [9, 0]]), 5) == set()


def test_a_small_row_total_is_hidden_and_protected() -> None:
    table = layout([[1, 2], [10, 11]])
    hidden = suppress(table, 5)
    assert {cell(0, 0), cell(0, 1), ("row", 0)} <= hidden
    assert not recoverable(table, hidden)


def test_two_blocks_joined_by_one_cell_do_not_give_that_cell_away() -> None:
    # After rule 1 alone, hidden cells form two 2x2 blocks joined by (1, 2): a reader adding rows 0-1 and
    # subtracting columns 0-1 would get it back. Rule 2 closes the gap.
    counts = [[1, 1, 20, 20],
              [1, 1, 3, 20],
              [20, 20, 1, 1],
              [20, 20, 1, 1]]
    table = layout(counts)
    hidden = suppress(table, 5)
    assert not recoverable(table, hidden)


def test_a_single_small_total_is_hidden() -> None:
    assert suppress(layout([[3]]), 5) == {cell(0, 0), ("total",)}


grids = st.integers(1, 4).flatmap(lambda r: st.integers(1, 5).flatmap(
    lambda c: st.lists(st.lists(st.one_of(st.integers(0, 6), st.integers(0, 40)), min_size=c, max_size=c),
                       min_size=r, max_size=r)))


@settings(max_examples=300, deadline=None)
@given(counts=grids, threshold=st.integers(2, 8))
def test_no_hidden_entry_can_be_recovered_from_what_is_published(counts: list[list[int]], threshold: int) -> None:
    table = layout(counts)
    hidden = suppress(table, threshold)
    small = {k for k, v in table.entries.items() if 0 < v < threshold}
    assert small <= hidden
    assert not recoverable(table, hidden), (counts, sorted(hidden, key=repr))


@settings(max_examples=200, deadline=None)
@given(counts=grids)
def test_with_a_threshold_of_one_nothing_is_hidden(counts: list[list[int]]) -> None:
    assert suppress(layout(counts), 1) == set()


@settings(max_examples=200, deadline=None)
@given(counts=grids, threshold=st.integers(2, 8))
def test_published_totals_add_up_to_the_published_cells_and_the_hidden_remainder(counts: list[list[int]],
                                                                                  threshold: int) -> None:
    """Whatever is hidden, each published line still adds up: nothing is changed, only withheld."""
    table = layout(counts)
    hidden = suppress(table, threshold)
    for line in table.lines:
        *parts, total = line
        assert sum(table.entries[k] for k in parts) == table.entries[total]
        if any(k in hidden for k in line):
            assert sum(1 for k in line if k in hidden) >= 2
