"""Disclosure control for every table that leaves the system (plain Python, no Django).

Primary suppression hides each count below the threshold (default 5; Italian official
statistics require at least 3). Secondary suppression hides further cells so that no hidden
cell can be worked out from the published row and column totals: OR-Tools CP-SAT picks the
cheapest extra cells (the fewest people hidden) with every line holding none or at least two
hidden cells, then exact linear algebra checks that no hidden cell is determined by the
published totals; a pattern that still gives one away is forbidden and the search resumes.

A total that is itself small is hidden too, and its line then constrains nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ortools.sat.python import cp_model

DEFAULT_THRESHOLD = 5
MINIMUM_THRESHOLD = 3
Cell = tuple[int, int]


class DisclosureError(ValueError):
    """A table that cannot be protected as asked (bad shape, negative counts, bad threshold)."""


@dataclass(frozen=True)
class Protected:
    """The table with what may be shown: ``hidden`` cells, and which totals are hidden."""

    counts: tuple[tuple[int, ...], ...]
    hidden: frozenset[Cell]
    primary: frozenset[Cell]
    hidden_row_totals: frozenset[int]
    hidden_column_totals: frozenset[int]
    threshold: int

    @property
    def row_totals(self) -> tuple[int, ...]:
        return tuple(sum(row) for row in self.counts)

    @property
    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(column) for column in zip(*self.counts, strict=True))

    def shown(self, row: int, column: int, *, mark: str | None = None) -> int | str:
        """The cell as published: its count, or the mark: ``<threshold`` for a small count,
        ``n.d.`` (not available) for a cell hidden only to protect another."""
        if (row, column) not in self.hidden:
            return self.counts[row][column]
        if mark is not None:
            return mark
        return f"<{self.threshold}" if (row, column) in self.primary else "n.d."


def _check(counts: Sequence[Sequence[int]], threshold: int) -> tuple[tuple[int, ...], ...]:
    if not isinstance(threshold, int) or threshold < MINIMUM_THRESHOLD:
        raise DisclosureError(f"the threshold must be a whole number ≥ {MINIMUM_THRESHOLD}")
    table = tuple(tuple(row) for row in counts)
    if not table or not table[0]:
        raise DisclosureError("a table needs at least one row and one column")
    width = len(table[0])
    for row in table:
        if len(row) != width:
            raise DisclosureError("every row needs the same number of columns")
        for value in row:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise DisclosureError(f"counts are whole numbers ≥ 0, not {value!r}")
    return table


def _small(value: int, threshold: int) -> bool:
    # Zero is not a person: an empty cell reveals nobody and is shown.
    return 0 < value < threshold


def equations(
    shape: tuple[int, int],
    hidden: frozenset[Cell],
    hidden_row_totals: frozenset[int] = frozenset(),
    hidden_column_totals: frozenset[int] = frozenset(),
) -> tuple[list[Cell], list[list[int]]]:
    """The published totals as equations over the hidden cells: (unknowns, coefficient rows)."""
    rows, columns = shape
    unknowns = sorted(hidden)
    matrix: list[list[int]] = []
    for row in range(rows):
        if row not in hidden_row_totals:
            matrix.append([1 if cell[0] == row else 0 for cell in unknowns])
    for column in range(columns):
        if column not in hidden_column_totals:
            matrix.append([1 if cell[1] == column else 0 for cell in unknowns])
    return unknowns, [line for line in matrix if any(line)]


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(line) for line in matrix]
    rank = 0
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def determined_cells(
    shape: tuple[int, int],
    hidden: frozenset[Cell],
    hidden_row_totals: frozenset[int] = frozenset(),
    hidden_column_totals: frozenset[int] = frozenset(),
) -> frozenset[Cell]:
    """The hidden cells the published totals pin down exactly (their unit vector lies in the
    row space of the equations): these give a count away."""
    unknowns, matrix = equations(shape, hidden, hidden_row_totals, hidden_column_totals)
    if not matrix:
        return frozenset()
    base = [[Fraction(value) for value in line] for line in matrix]
    rank = _rank(base)
    found = set()
    for index, cell in enumerate(unknowns):
        unit = [Fraction(1 if i == index else 0) for i in range(len(unknowns))]
        if _rank([*base, unit]) == rank:
            found.add(cell)
    return frozenset(found)


def protect(
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    max_rounds: int = 50,
) -> Protected:
    """Hide the small counts, and enough others that none can be recomputed from the totals."""
    table = _check(counts, threshold)
    rows, columns = len(table), len(table[0])
    primary = frozenset(
        (r, c) for r in range(rows) for c in range(columns) if _small(table[r][c], threshold)
    )
    # A line of one cell has no total worth publishing: it is the cell.
    hidden_row_totals = frozenset(
        r for r in range(rows) if columns == 1 or _small(sum(table[r]), threshold)
    )
    hidden_column_totals = frozenset(
        c for c in range(columns) if rows == 1 or _small(sum(row[c] for row in table), threshold)
    )
    if not primary:
        return Protected(
            table, frozenset(), primary, hidden_row_totals, hidden_column_totals, threshold
        )
    forbidden: list[frozenset[Cell]] = []
    for _round in range(max_rounds):
        hidden = _secondary(table, primary, hidden_row_totals, hidden_column_totals, forbidden)
        if not determined_cells((rows, columns), hidden, hidden_row_totals, hidden_column_totals):
            return Protected(
                table, hidden, primary, hidden_row_totals, hidden_column_totals, threshold
            )
        forbidden.append(hidden)
    raise DisclosureError("no safe suppression found within the rounds allowed")


def _secondary(
    table: tuple[tuple[int, ...], ...],
    primary: frozenset[Cell],
    hidden_row_totals: frozenset[int],
    hidden_column_totals: frozenset[int],
    forbidden: list[frozenset[Cell]],
) -> frozenset[Cell]:
    rows, columns = len(table), len(table[0])
    model = cp_model.CpModel()
    hide = {
        (r, c): model.new_bool_var(f"hide_{r}_{c}") for r in range(rows) for c in range(columns)
    }
    for cell in primary:
        model.add(hide[cell] == 1)
    lines: list[list[Cell]] = [
        [(r, c) for c in range(columns)] for r in range(rows) if r not in hidden_row_totals
    ] + [[(r, c) for r in range(rows)] for c in range(columns) if c not in hidden_column_totals]
    for line in lines:
        # A line with a published total holds no hidden cell or at least two of them.
        used = model.new_bool_var("")
        model.add(sum(hide[cell] for cell in line) >= 2).only_enforce_if(used)
        model.add(sum(hide[cell] for cell in line) == 0).only_enforce_if(~used)
    for pattern in forbidden:
        # That pattern gave a cell away: hide at least one more cell somewhere.
        model.add(sum(hide[cell] for cell in hide if cell not in pattern) >= 1)
    # The fewest people hidden, then the fewest cells.
    model.minimize(sum((table[r][c] * 100 + 1) * hide[(r, c)] for (r, c) in hide))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Hiding every cell of every constrained line is always safe.
        return frozenset(hide)
    return frozenset(cell for cell, var in hide.items() if solver.value(var))


@dataclass(frozen=True)
class LabelledTable:
    """A table as it leaves the system: row and column labels around protected counts."""

    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    protected: Protected

    def published_rows(self, *, total_label: str = "Totale") -> list[list[str]]:
        """Header, one line per row with its total, and the column totals, as text: hidden
        cells and totals carry their marks, so the numbers cannot leave unprotected."""
        protected = self.protected
        header = ["", *self.column_labels, total_label]
        lines = [header]
        for r, label in enumerate(self.row_labels):
            cells = [str(protected.shown(r, c)) for c in range(len(self.column_labels))]
            total = "n.d." if r in protected.hidden_row_totals else str(protected.row_totals[r])
            lines.append([label, *cells, total])
        column_totals = [
            "n.d." if c in protected.hidden_column_totals else str(total)
            for c, total in enumerate(protected.column_totals)
        ]
        grand = sum(protected.row_totals)
        shown_grand = str(grand) if not _small(grand, protected.threshold) else "n.d."
        lines.append([total_label, *column_totals, shown_grand])
        return lines


def labelled(
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> LabelledTable:
    """Protect a labelled table; the labels must match the counts' shape."""
    if len(row_labels) != len(counts) or any(len(row) != len(column_labels) for row in counts):
        raise DisclosureError("the labels do not match the table's rows and columns")
    return LabelledTable(
        title, tuple(row_labels), tuple(column_labels), protect(counts, threshold=threshold)
    )
