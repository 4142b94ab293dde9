"""Small-cell suppression for tables that leave the organisation.

A table is a set of entries (cells and the totals published beside them) and lines: a row or a column
whose entries add up (the row's cells and the row total). Primary suppression hides every entry that
counts between 1 and threshold-1 people. Complementary suppression then hides more entries until no
hidden entry can be worked out from what is published:

1. a line with exactly one hidden entry gets its smallest published entry hidden as well (the rule
   partners know from their own spreadsheets);
2. that is not always enough when rows and columns are read together (two blocks of hidden cells joined
   by one cell let a reader solve for that cell), so, seeing the table as a graph whose nodes are lines
   and whose edges are hidden entries, an entry is recoverable exactly when its edge is a bridge; for
   each bridge the smallest published entry joining its two sides is hidden too.

Zero cells are published (no person can be singled out by a zero) and are chosen as complements only when
nothing else is left. The property tests check the result against linear algebra: no hidden entry lies
in the span of the published equations.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

Key = Hashable
FREE = ("__free__",)  # the unconstrained end of an entry that sits in one line only


@dataclass(frozen=True)
class Layout:
    """The entries and lines of a table of `rows` x `cols` cells with its totals."""

    entries: dict[Key, int]
    lines: list[list[Key]]


def cell(r: int, c: int) -> Key:
    return ("cell", r, c)


def layout(counts: Sequence[Sequence[int]]) -> Layout:
    """A one- or two-way table: cells, then row totals (if more than one column), column totals (if more
    than one row) and the grand total. A 1 x n or n x 1 table has one line (its cells and the total)."""
    n_rows = len(counts)
    n_cols = len(counts[0]) if n_rows else 0
    entries: dict[Key, int] = {cell(r, c): counts[r][c] for r in range(n_rows) for c in range(n_cols)}
    total = sum(sum(row) for row in counts)
    entries[("total",)] = total
    lines: list[list[Key]] = []
    if n_rows > 1 and n_cols > 1:
        for r in range(n_rows):
            entries[("row", r)] = sum(counts[r])
            lines.append([cell(r, c) for c in range(n_cols)] + [("row", r)])
        for c in range(n_cols):
            entries[("col", c)] = sum(counts[r][c] for r in range(n_rows))
            lines.append([cell(r, c) for r in range(n_rows)] + [("col", c)])
        lines.append([("row", r) for r in range(n_rows)] + [("total",)])
        lines.append([("col", c) for c in range(n_cols)] + [("total",)])
    elif n_rows * n_cols > 1:
        lines.append([cell(r, c) for r in range(n_rows) for c in range(n_cols)] + [("total",)])
    return Layout(entries, lines)


def suppress(table: Layout, threshold: int) -> set[Key]:
    """The entries to hide so that no count under `threshold` is published or can be recovered."""
    hidden = {k for k, v in table.entries.items() if 0 < v < threshold}
    if not hidden:
        return hidden
    while _complete_lines(table, hidden) or _break_bridge(table, hidden):
        pass
    return hidden


def _rank(table: Layout, key: Key) -> tuple[int, int, int, str]:
    value = table.entries[key]
    is_total = 0 if key[0] == "cell" else 1  # type: ignore[index]
    return (value == 0, value, is_total, repr(key))


def _pick(table: Layout, candidates: list[Key], hidden: set[Key]) -> Key | None:
    free = [k for k in candidates if k not in hidden]
    return min(free, key=lambda k: _rank(table, k)) if free else None


def _complete_lines(table: Layout, hidden: set[Key]) -> bool:
    """Rule 1, once over every line; True if anything was hidden."""
    changed = False
    for line in table.lines:
        if sum(1 for k in line if k in hidden) == 1:
            extra = _pick(table, line, hidden)
            if extra is not None:
                hidden.add(extra)
                changed = True
    return changed


def _ends(table: Layout) -> dict[Key, list[Key]]:
    """Each entry's two graph nodes: the lines it sits in (FREE stands in for a missing second line)."""
    ends: dict[Key, list[Key]] = {k: [] for k in table.entries}
    for index, line in enumerate(table.lines):
        for k in line:
            ends[k].append(("line", index))
    for nodes in ends.values():
        while 0 < len(nodes) < 2:
            nodes.append(FREE)
    return ends


def bridges(table: Layout, hidden: set[Key]) -> list[Key]:
    """Hidden entries that the published figures determine (bridges of the hidden-entry graph)."""
    ends = _ends(table)
    adjacency: dict[Key, list[tuple[Key, Key]]] = {}
    for k in hidden:
        if not ends[k]:
            continue
        a, b = ends[k]
        adjacency.setdefault(a, []).append((b, k))
        adjacency.setdefault(b, []).append((a, k))
    order: dict[Key, int] = {}
    low: dict[Key, int] = {}
    found: list[Key] = []
    for start in adjacency:
        if start in order:
            continue
        # Iterative Tarjan over a multigraph: an edge is skipped by its key, not its end, so that two
        # entries joining the same pair of lines form a cycle.
        order[start] = low[start] = len(order)
        stack: list[tuple[Key, Key | None, int]] = [(start, None, 0)]
        while stack:
            node, via, i = stack.pop()
            edges = adjacency[node]
            if i < len(edges):
                stack.append((node, via, i + 1))
                nxt, key = edges[i]
                if key == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, key, 0))
            elif stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.append(via)
    return found


def _side(table: Layout, hidden: set[Key], start: Key, without: Key) -> set[Key]:
    ends = _ends(table)
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for k in hidden:
            if k == without or not ends[k] or node not in ends[k]:
                continue
            a, b = ends[k]
            other = b if a == node else a
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def _break_bridge(table: Layout, hidden: set[Key]) -> bool:
    """Rule 2: hide the smallest published entry that closes a cycle through the first bridge."""
    found = bridges(table, hidden)
    if not found:
        return False
    bridge = found[0]
    ends = _ends(table)
    a, b = ends[bridge]
    side_a = _side(table, hidden, a, bridge)
    side_b = _side(table, hidden, b, bridge)
    across = [k for k in table.entries if k not in hidden and ends[k]
              and ((ends[k][0] in side_a and ends[k][1] in side_b) or (ends[k][0] in side_b and ends[k][1] in side_a))]
    extra = _pick(table, across, hidden)
    if extra is None:  # nothing joins the two sides directly: widen to anything touching them
        touching = [k for k in table.entries if ends[k] and (set(ends[k]) & (side_a | side_b))]
        extra = _pick(table, touching, hidden)
    if extra is None:
        return False
    hidden.add(extra)
    return True
