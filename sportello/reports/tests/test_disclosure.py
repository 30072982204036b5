"""Disclosure control: small counts hidden, and no hidden count recoverable from the published
totals, checked by an attacker who uses numpy's linear algebra rather than the kernel's own."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.reports.disclosure import (
    DisclosureError,
    Protected,
    determined_cells,
    protect,
)


def recoverable(result: Protected) -> set[tuple[int, int]]:
    """What an attacker with the published table can compute exactly: the hidden numbers (cells
    and totals, a total at the extended position) whose unit vector lies in the row space of
    the equations the attacker writes down, ranked by numpy, independently of the kernel's
    graph."""
    rows, columns = len(result.counts), len(result.counts[0])
    unknowns = sorted(result.hidden)
    unknowns += [(r, columns) for r in sorted(result.hidden_row_totals)]
    unknowns += [(rows, c) for c in sorted(result.hidden_column_totals)]
    if result.hidden_grand_total:
        unknowns.append((rows, columns))
    index = {cell: i for i, cell in enumerate(unknowns)}
    equations: list[list[float]] = []

    def equation(plus: list[tuple[int, int]], minus: tuple[int, int]) -> None:
        line = [0.0] * len(unknowns)
        for cell in plus:
            if cell in index:
                line[index[cell]] = 1.0
        if minus in index:
            line[index[minus]] = -1.0
        if any(line):
            equations.append(line)

    # The attacker reads which totals the table publishes from the table itself.
    if result.has_row_totals:
        for r in range(rows):
            equation([(r, c) for c in range(columns)], (r, columns))
    if result.has_column_totals:
        for c in range(columns):
            equation([(r, c) for r in range(rows)], (rows, c))
    if result.has_grand_total:
        equation([(r, columns) for r in range(rows)], (rows, columns))
        equation([(rows, c) for c in range(columns)], (rows, columns))
    if not equations:
        return set()
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a)
    found = set()
    for cell, i in index.items():
        unit = np.zeros((1, len(unknowns)))
        unit[0, i] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.add(cell)
    return found


def ranges(result: Protected) -> dict[tuple[int, int], tuple[float, float]]:
    """What an attacker who also reads the marks can say of each hidden small count: its least
    and greatest value by linear programming (OR-Tools' GLOP, not the kernel's graph), with
    "<5" meaning 1 to 4, an inner "n.d." at least the threshold (zeros are always shown) and a
    hidden total at least 1. The system is a network one, so the bounds are whole numbers."""
    from ortools.linear_solver import pywraplp

    rows, columns = len(result.counts), len(result.counts[0])
    t = result.threshold
    numbers: dict[tuple[int, int], int] = {}
    for r in range(rows):
        for c in range(columns):
            numbers[(r, c)] = result.counts[r][c]
    for r, total in enumerate(result.row_totals):
        numbers[(r, columns)] = total
    for c, total in enumerate(result.column_totals):
        numbers[(rows, c)] = total
    numbers[(rows, columns)] = sum(result.row_totals)
    hidden = set(result.hidden)
    hidden |= {(r, columns) for r in result.hidden_row_totals}
    hidden |= {(rows, c) for c in result.hidden_column_totals}
    if result.hidden_grand_total:
        hidden.add((rows, columns))
    found = {}
    for target in sorted(result.primary):
        bounds = []
        for sense in (1, -1):
            solver = pywraplp.Solver.CreateSolver("GLOP")
            x = {}
            for cell in hidden:
                if cell in result.primary:
                    x[cell] = solver.NumVar(1, t - 1, str(cell))
                elif cell[0] < rows and cell[1] < columns:
                    x[cell] = solver.NumVar(t, solver.infinity(), str(cell))
                else:
                    x[cell] = solver.NumVar(1, solver.infinity(), str(cell))

            def value(cell, x=x):
                return x[cell] if cell in x else numbers[cell]

            def equation(members, total, x=x, solver=solver, value=value):
                if any(cell in x for cell in [*members, total]):
                    solver.Add(sum(value(cell) for cell in members) == value(total))

            if result.has_row_totals:
                for r in range(rows):
                    equation([(r, c) for c in range(columns)], (r, columns))
            if result.has_column_totals:
                for c in range(columns):
                    equation([(r, c) for r in range(rows)], (rows, c))
            if result.has_grand_total:
                equation([(r, columns) for r in range(rows)], (rows, columns))
                equation([(rows, c) for c in range(columns)], (rows, columns))
            solver.Minimize(sense * x[target])
            assert solver.Solve() == pywraplp.Solver.OPTIMAL
            bounds.append(x[target].solution_value())
        found[target] = (bounds[0], bounds[1])
    return found


def test_what_the_marks_say_does_not_pin_a_small_count():
    # The reviewer's tables: hiding a zero beside a small count, or two counts at 4 in a line
    # whose total is shown, let the bounds "<5" and "n.d." give the count away.
    for counts in ([[1, 0, 7], [6, 8, 9], [9, 7, 6]], [[1], [0], [10], [10]],
                   [[4, 4, 9], [20, 30, 40], [15, 25, 35]]):  # fmt: skip
        result = protect(counts)
        assert all(result.counts[r][c] > 0 for r, c in result.hidden), "a zero was hidden"
        for cell, (low, high) in ranges(result).items():
            assert high - low >= 1 - 1e-6, (counts, cell, low, high)


def test_small_counts_are_hidden_and_zero_is_not_small():
    result = protect([[12, 3, 0], [20, 15, 9], [7, 8, 30]])
    assert result.primary == {(0, 1)} and result.shown(0, 1) == "<5"
    # Nobody is in an empty cell: never hidden (an "n.d." that might be 0 would narrow others).
    assert (0, 2) not in result.hidden
    secondary = sorted(result.hidden - result.primary)
    assert secondary and all(result.shown(*cell) == "n.d." for cell in secondary)
    assert result.shown(0, 1, mark="x") == "x"


def test_one_hidden_cell_takes_three_more_with_it():
    result = protect([[12, 3, 20], [20, 15, 9], [7, 8, 30]])
    # Alone in its row and column it would be the total minus the rest: a rectangle hides it.
    assert len(result.hidden) >= 4 and result.primary == {(0, 1)}
    assert recoverable(result) == set()
    assert determined_cells((3, 3), result.hidden) == set()


def test_the_cheapest_cells_are_hidden_alongside():
    result = protect([[50, 2, 40], [60, 45, 6], [70, 80, 90]])
    # (0,1) and (1,2) are small; hiding (0,2) and (1,1) closes the rectangle at the least cost.
    assert result.hidden == {(0, 1), (1, 2), (0, 2), (1, 1)}


def test_a_small_total_is_hidden_too():
    result = protect([[1, 2], [30, 40]])
    assert 0 in result.hidden_row_totals
    assert recoverable(result) == set()


def test_a_small_total_is_not_left_to_the_grand_total_minus_the_others():
    # Row 0's total (3) is small; with the grand total and row 1's total published it would be
    # their difference: another total (or the grand total) goes with it.
    result = protect([[1, 2, 0], [30, 40, 50], [20, 25, 35]])
    assert 0 in result.hidden_row_totals
    assert len(result.hidden_row_totals) >= 2 or result.hidden_grand_total
    assert recoverable(result) == set()


def test_a_long_table_is_protected_quickly_enough_to_publish_a_year():
    # A year of days in two columns with a small count every week or so: the graph check
    # and the cuts keep this to a few solver rounds (it took minutes with elimination).
    counts = [[(day * 7) % 23, 3 if day % 9 == 0 else 12 + day % 5] for day in range(365)]
    result = protect(counts)
    assert {(day, 1) for day in range(0, 365, 9)} <= result.hidden
    assert (
        determined_cells(
            (365, 2),
            result.hidden,
            result.hidden_row_totals,
            result.hidden_column_totals,
            result.hidden_grand_total,
        )
        == set()
    )


def test_a_single_column_is_protected_without_row_totals():
    result = protect([[3], [40], [50]])
    assert not result.has_row_totals and result.has_column_totals
    assert recoverable(result) == set() and (0, 0) in result.hidden
    assert len(result.hidden) == 2  # the total minus the others would give it away alone


def test_columns_of_different_measures_have_no_row_totals_and_no_grand_total():
    from sportello.reports.disclosure import labelled

    table = labelled("Personale e domanda", ["lun", "mar", "mer"], ["Contatti", "Minuti"],
                     [[3, 480], [12, 480], [9, 240]], row_totals=False)  # fmt: skip
    rows = table.published_rows()
    assert rows[0] == ["", "Contatti", "Minuti"]
    assert rows[-1][0] == "Totale" and len(rows[-1]) == 3
    assert rows[1][1] == "<5"
    # The contacts' column total would give the small count away: another day is hidden too.
    assert recoverable(table.protected) == set()
    assert sum(1 for r in range(3) if (r, 0) in table.protected.hidden) >= 2


@pytest.mark.parametrize(
    ("counts", "threshold", "message"),
    [
        ([[1, 2], [3]], 5, "same number of columns"),
        ([[1, -2]], 5, "whole numbers ≥ 0"),
        ([], 5, "at least one row"),
        ([[1, 2]], 2, "threshold"),
    ],
)
def test_bad_tables_are_refused_clearly(counts, threshold, message):
    with pytest.raises(DisclosureError, match=message):
        protect(counts, threshold=threshold)


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda rows: st.integers(min_value=1, max_value=5).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(min_value=0, max_value=25), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=120)
@given(tables, st.integers(min_value=3, max_value=10), st.booleans())
def test_random_tables_hide_every_small_count_and_give_none_away(counts, threshold, row_totals):
    result = protect(counts, threshold=threshold, row_totals=row_totals)
    small = {
        (r, c)
        for r, row in enumerate(counts)
        for c, value in enumerate(row)
        if 0 < value < threshold
    }
    assert small <= result.hidden
    if result.has_row_totals:
        assert {r for r, row in enumerate(counts) if 0 < sum(row) < threshold} <= (
            result.hidden_row_totals
        )
    if result.has_column_totals:
        assert {
            c for c, t in enumerate(map(sum, zip(*counts, strict=True))) if 0 < t < threshold
        } <= (result.hidden_column_totals)
    assert recoverable(result) == set()
    for cell, (low, high) in ranges(result).items():
        assert high - low >= 1 - 1e-6, (cell, low, high)
    for r, row in enumerate(counts):
        for c, value in enumerate(row):
            if (r, c) not in result.hidden:
                assert result.shown(r, c) == value
            else:
                assert value > 0


def test_a_labelled_table_leaves_with_its_marks_and_totals():
    from sportello.reports.disclosure import labelled

    table = labelled(
        "Contatti per servizio e canale",
        ["Emergenze", "Vittime"],
        ["Centralino", "Web", "Telefonia"],
        [[40, 3, 22], [15, 30, 9]],
    )
    rows = table.published_rows()
    assert rows[0] == ["", "Centralino", "Web", "Telefonia", "Totale"]
    assert rows[1][2] == "<5" and rows[1][4] == "65"
    assert rows[-1][0] == "Totale" and rows[-1][-1] == "119"
    # Every hidden cell is a mark, never its number; the others are their numbers.
    for r in range(2):
        for c in range(3):
            expected = table.protected.shown(r, c)
            assert rows[r + 1][c + 1] == str(expected)
            if (r, c) in table.protected.hidden:
                assert expected in ("<5", "n.d.")


def test_labels_must_match_the_table():
    from sportello.reports.disclosure import labelled

    with pytest.raises(DisclosureError, match="labels"):
        labelled("t", ["a"], ["x", "y"], [[1, 2], [3, 4]])
