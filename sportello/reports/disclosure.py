"""Disclosure control for every table that leaves the system (plain Python, no Django).

Primary suppression hides each count below the threshold (default 5; Italian official
statistics require at least 3), totals included. Secondary suppression hides further cells so
that no hidden cell or total can be worked out from what is published.

The published table with its totals is a system of equations: each row's cells add up to its
total, each column's too, and the row totals and the column totals each add up to the grand
total. Writing the totals with a minus sign, every one of these equations says "these numbers add
up to zero", and every number sits in exactly two of them: the row and the column of the table
extended by its totals. So the hidden numbers are the edges of a bipartite graph between those
lines, and a hidden number can be recomputed exactly if and only if its edge lies on no cycle
(it is a bridge): along a cycle, adding and subtracting alternately changes nothing published.
A line with no equation (a single-column table has no row totals worth publishing) joins the
others at one free node. OR-Tools CP-SAT picks the cheapest extra numbers to hide (the fewest
people hidden), with every line holding none or at least two hidden numbers; each bridge left
in its answer adds the constraint that another hidden number must cross the bridge's cut, and
the search resumes until no bridge is left.

Equations are not all an attacker knows: zeros are always shown (an empty cell reveals nobody),
so "<5" means 1 to 4 and an "n.d." cell at least 5. Within those bounds a small count may still
be pinned (two 4s in a line whose total 8 is shown). A residual-graph check finds them (a count
can move only along a path of hidden numbers with room), and each pinned count gets one more
hidden number chosen to give it room, the pattern only growing from then on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

DEFAULT_THRESHOLD = 5
MINIMUM_THRESHOLD = 3
# A position in the table extended by its totals: row r's total is (r, columns), column c's is
# (rows, c), the grand total (rows, columns).
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
    hidden_grand_total: bool = field(default=False)
    # Which totals the table has at all: none for a line of one cell, none for rows whose
    # columns measure different things; the grand total only with both kinds.
    has_row_totals: bool = field(default=True)
    has_column_totals: bool = field(default=True)

    @property
    def has_grand_total(self) -> bool:
        return self.has_row_totals and self.has_column_totals

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


class _Lines:
    """The lines (graph nodes) of a table of ``shape`` extended by its totals, and which of them
    carry an equation. Rows are 0..rows (the last is the column totals), columns follow them."""

    def __init__(self, shape: tuple[int, int], *, row_totals: bool = True) -> None:
        self.rows, self.columns = shape
        # A line of one cell has no total worth publishing: it is the cell. Rows whose columns
        # measure different things (contacts beside hours) have no total either.
        self.row_totals = self.columns > 1 and row_totals
        self.column_totals = self.rows > 1
        # Without both kinds of line total, the one kind there is serves as the grand total.
        self.grand_total = self.row_totals and self.column_totals
        self.free = -1  # every line without an equation

    def candidates(self) -> list[Cell]:
        """Every number that could be hidden: cells, existing totals, the grand total."""
        found = [(r, c) for r in range(self.rows) for c in range(self.columns)]
        if self.row_totals:
            found += [(r, self.columns) for r in range(self.rows)]
        if self.column_totals:
            found += [(self.rows, c) for c in range(self.columns)]
        if self.grand_total:
            found.append((self.rows, self.columns))
        return found

    def ends(self, cell: Cell) -> tuple[int, int]:
        row, column = cell
        row_node = row if self._row_has_equation(row) else self.free
        column_node = self.rows + 1 + column if self._column_has_equation(column) else self.free
        return row_node, column_node

    def _row_has_equation(self, row: int) -> bool:
        # Row r: its cells add up to its total; the column-totals row: they add up to the grand.
        return self.row_totals if row < self.rows else self.grand_total

    def _column_has_equation(self, column: int) -> bool:
        return self.column_totals if column < self.columns else self.grand_total


def _bridges(edges: Sequence[tuple[int, int]]) -> set[int]:
    """The indices of the edges on no cycle (parallel edges and loops are cycles)."""
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for index, (a, b) in enumerate(edges):
        adjacent.setdefault(a, []).append((b, index))
        adjacent.setdefault(b, []).append((a, index))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found: set[int] = set()
    for root in adjacent:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # node, edge in, next neighbour
        while stack:
            node, via, position = stack[-1]
            if position < len(adjacent[node]):
                stack[-1] = (node, via, position + 1)
                neighbour, index = adjacent[node][position]
                if index == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, index, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.add(via)
    return found


def _hidden_numbers(
    shape: tuple[int, int],
    hidden: Iterable[Cell],
    hidden_row_totals: Iterable[int],
    hidden_column_totals: Iterable[int],
    hidden_grand_total: bool,
    row_totals: bool = True,
) -> list[Cell]:
    lines = _Lines(shape, row_totals=row_totals)
    numbers = set(hidden)
    if lines.row_totals:
        numbers |= {(r, lines.columns) for r in hidden_row_totals}
    if lines.column_totals:
        numbers |= {(lines.rows, c) for c in hidden_column_totals}
    if hidden_grand_total and lines.grand_total:
        numbers.add((lines.rows, lines.columns))
    return sorted(numbers)


def equations(
    shape: tuple[int, int],
    hidden: frozenset[Cell],
    hidden_row_totals: frozenset[int] = frozenset(),
    hidden_column_totals: frozenset[int] = frozenset(),
    hidden_grand_total: bool = False,
    *,
    row_totals: bool = True,
) -> tuple[list[Cell], list[list[int]]]:
    """The published table as equations over its hidden numbers (cells and totals, in the
    extended positions): (unknowns, coefficient rows); totals enter with a minus sign."""
    rows, columns = shape
    lines = _Lines(shape, row_totals=row_totals)
    unknowns = _hidden_numbers(
        shape, hidden, hidden_row_totals, hidden_column_totals, hidden_grand_total, row_totals
    )

    def line(members: Iterable[Cell], total: Cell) -> list[int]:
        wanted = set(members)
        return [1 if u in wanted else -1 if u == total else 0 for u in unknowns]

    matrix: list[list[int]] = []
    if lines.row_totals:
        matrix += [line([(r, c) for c in range(columns)], (r, columns)) for r in range(rows)]
    if lines.column_totals:
        matrix += [line([(r, c) for r in range(rows)], (rows, c)) for c in range(columns)]
    if lines.grand_total:
        matrix.append(line([(r, columns) for r in range(rows)], (rows, columns)))
        matrix.append(line([(rows, c) for c in range(columns)], (rows, columns)))
    return unknowns, [equation for equation in matrix if any(equation)]


def determined_cells(
    shape: tuple[int, int],
    hidden: frozenset[Cell],
    hidden_row_totals: frozenset[int] = frozenset(),
    hidden_column_totals: frozenset[int] = frozenset(),
    hidden_grand_total: bool = False,
    *,
    row_totals: bool = True,
) -> frozenset[Cell]:
    """The hidden numbers (cells and totals, extended positions) that what is published pins
    down exactly: the bridges of the hidden numbers' graph. These give a count away."""
    lines = _Lines(shape, row_totals=row_totals)
    numbers = _hidden_numbers(
        shape, hidden, hidden_row_totals, hidden_column_totals, hidden_grand_total, row_totals
    )
    bridges = _bridges([lines.ends(cell) for cell in numbers])
    return frozenset(numbers[index] for index in bridges)


def protect(
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    row_totals: bool = True,
    force_hidden: Iterable[Cell] = (),
    max_rounds: int = 200,
) -> Protected:
    """Hide the small counts, and enough others that none can be worked out from what is
    published. ``row_totals=False``: the columns measure different things, so rows have no
    total. ``force_hidden``: cells to hide whatever their count (a cell another table
    published alongside hides), protected like the small ones."""
    table = _check(counts, threshold)
    rows, columns = len(table), len(table[0])
    lines = _Lines((rows, columns), row_totals=row_totals)
    values = {cell: _value(table, cell) for cell in lines.candidates()}
    primary_numbers = {cell for cell, value in values.items() if _small(value, threshold)}
    forced = {cell for cell in force_hidden if values.get(cell, 0) > 0}
    must_hide = primary_numbers | forced
    hidden = set(must_hide)
    if must_hide:
        hidden = _secondary(lines, values, must_hide, threshold, max_rounds)
    return _result(table, lines, hidden, primary_numbers, threshold)


def _value(table: tuple[tuple[int, ...], ...], cell: Cell) -> int:
    rows, columns = len(table), len(table[0])
    row, column = cell
    if row < rows and column < columns:
        return table[row][column]
    if row < rows:
        return sum(table[row])
    if column < columns:
        return sum(line[column] for line in table)
    return sum(map(sum, table))


def _result(
    table: tuple[tuple[int, ...], ...],
    lines: _Lines,
    hidden: set[Cell],
    primary: set[Cell],
    threshold: int,
) -> Protected:
    rows, columns = lines.rows, lines.columns

    def inner(cells: set[Cell]) -> frozenset[Cell]:
        return frozenset(cell for cell in cells if cell[0] < rows and cell[1] < columns)

    return Protected(
        table,
        inner(hidden),
        inner(primary),
        frozenset(r for r in range(rows) if (r, columns) in hidden),
        frozenset(c for c in range(columns) if (rows, c) in hidden),
        threshold,
        hidden_grand_total=(rows, columns) in hidden,
        has_row_totals=lines.row_totals,
        has_column_totals=lines.column_totals,
    )


def _secondary(
    lines: _Lines, values: dict[Cell, int], must_hide: set[Cell], threshold: int, max_rounds: int
) -> set[Cell]:
    # Zero is never hidden: an empty cell reveals nobody, and a hidden zero would let "n.d."
    # mean "0 or at least the threshold", which narrows what the other hidden cells can be.
    candidates = [cell for cell, value in values.items() if value > 0]
    ends = {cell: lines.ends(cell) for cell in candidates}
    model = cp_model.CpModel()
    hide = {cell: model.new_bool_var(f"hide_{cell[0]}_{cell[1]}") for cell in candidates}
    for cell in must_hide:
        model.add(hide[cell] == 1)
    touching: dict[int, list[Cell]] = {}
    for cell, (a, b) in ends.items():
        if a != b:
            touching.setdefault(a, []).append(cell)
            touching.setdefault(b, []).append(cell)
    for node, cells in touching.items():
        if node == lines.free:
            continue
        # A line with an equation holds no hidden number or at least two of them.
        used = model.new_bool_var("")
        model.add(sum(hide[cell] for cell in cells) >= 2).only_enforce_if(used)
        model.add(sum(hide[cell] for cell in cells) == 0).only_enforce_if(~used)
    # The fewest people hidden, then the fewest numbers.
    model.minimize(sum((values[cell] * 100 + 1) * hide[cell] for cell in candidates))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    for _round in range(max_rounds):
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        chosen = [cell for cell in candidates if solver.value(hide[cell])]
        edges = [ends[cell] for cell in chosen]
        bridges = _bridges(edges)
        for index in bridges:
            side = _side(edges, index)
            crossing = [
                cell
                for cell in candidates
                if cell != chosen[index] and (ends[cell][0] in side) != (ends[cell][1] in side)
            ]
            # Hidden, this number needs a cycle: another hidden number must cross its cut.
            model.add(sum(hide[cell] for cell in crossing) >= hide[chosen[index]])
        if not bridges:
            narrow = _pinned(lines, values, set(chosen), must_hide, threshold)
            if not narrow:
                return set(chosen)
            # From here the pattern only grows: hiding more adds room and never takes any
            # away, so each round frees every cell it targets and none is pinned again.
            for cell in chosen:
                model.add(hide[cell] == 1)
            for cell in narrow:
                # What the marks say ("<5" is 1 to 4, "n.d." at least the threshold) still pins
                # it: hide one of the numbers that would give it room, or at least another.
                spare = _unpinning(lines, values, set(chosen), cell, candidates, threshold) or [
                    other for other in candidates if other not in chosen
                ]
                if not spare:
                    raise DisclosureError("no safe suppression exists for this table")
                model.add(sum(hide[other] for other in spare) >= 1)
        model.clear_hints()  # type: ignore[no-untyped-call]
        for cell in candidates:
            model.add_hint(hide[cell], solver.value(hide[cell]))
    everything = set(candidates)
    if _bridges([ends[cell] for cell in candidates]) or _pinned(
        lines, values, everything, must_hide, threshold
    ):
        raise DisclosureError("no safe suppression exists for this table")
    return everything


def _pinned(
    lines: _Lines,
    values: dict[Cell, int],
    hidden: set[Cell],
    sensitive: set[Cell],
    threshold: int,
) -> set[Cell]:
    """The sensitive hidden numbers an attacker pins to one value from everything published:
    the numbers shown, the totals' equations, and what each mark says (a "<5" cell is 1 to 4,
    an "n.d." cell at least the threshold, since zeros are shown; a hidden total at least 1).

    With the totals written negated, the equations are flow conservation on the lines' graph
    (each number flows from its row line to its column line; a line without an equation is a
    free node), so a hidden number can move, keeping everything else consistent, exactly when
    the residual graph of the true table holds a path between its two ends avoiding it: it can
    grow along a path from its column end back to its row end, shrink along the reverse. Each
    arc of that graph is a hidden number with room to grow (forward) or to shrink (backward)."""
    room, arcs = _residual(lines, values, hidden, threshold)
    pinned: set[Cell] = set()
    for cell in sorted(sensitive & hidden):
        row_end, column_end = lines.ends(cell)
        grow, shrink = room[cell]
        if not (
            (grow and _reaches(arcs, column_end, row_end, cell))
            or (shrink and _reaches(arcs, row_end, column_end, cell))
        ):
            pinned.add(cell)
    return pinned


Arcs = dict[int, list[tuple[int, Cell]]]


def _residual(
    lines: _Lines, values: dict[Cell, int], hidden: Iterable[Cell], threshold: int
) -> tuple[dict[Cell, tuple[bool, bool]], Arcs]:
    """Each hidden number's room to grow and to shrink (as it enters the equations, totals
    negated), and the residual graph's arcs."""
    rows, columns = lines.rows, lines.columns
    room: dict[Cell, tuple[bool, bool]] = {}
    arcs: Arcs = {}
    for cell in hidden:
        row_end, column_end = lines.ends(cell)
        value = values[cell]
        if cell[0] < rows and cell[1] < columns:
            if _small(value, threshold):
                room[cell] = (value < threshold - 1, value > 1)
            else:
                room[cell] = (True, value > threshold)
        else:  # a total enters negated: it can grow while the total is above 1
            room[cell] = (value > 1, True)
        grow, shrink = room[cell]
        if grow:
            arcs.setdefault(row_end, []).append((column_end, cell))
        if shrink:
            arcs.setdefault(column_end, []).append((row_end, cell))
    return room, arcs


def _unpinning(
    lines: _Lines,
    values: dict[Cell, int],
    hidden: set[Cell],
    cell: Cell,
    candidates: Iterable[Cell],
    threshold: int,
) -> list[Cell]:
    """The numbers still shown whose hiding would give the pinned ``cell`` room: each joins a
    node the cell's one end reaches with a node that reaches its other end."""
    own, arcs = _residual(lines, values, hidden, threshold)
    backwards: Arcs = {}
    for tail, targets in arcs.items():
        for head, number in targets:
            backwards.setdefault(head, []).append((tail, number))
    row_end, column_end = lines.ends(cell)
    # Only the ways the cell itself can move: a count at its ceiling can only go down.
    grows, shrinks = own[cell]
    pairs = []
    if grows:
        pairs.append((_reachable(arcs, column_end, cell), _reachable(backwards, row_end, cell)))
    if shrinks:
        pairs.append((_reachable(arcs, row_end, cell), _reachable(backwards, column_end, cell)))
    room, _arcs = _residual(lines, values, [c for c in candidates if c not in hidden], threshold)
    found = []
    for other, (grow, shrink) in room.items():
        a, b = lines.ends(other)
        if any(
            (grow and a in out and b in back) or (shrink and b in out and a in back)
            for out, back in pairs
        ):
            found.append(other)
    return found


def _reachable(arcs: Arcs, start: int, avoid: Cell) -> set[int]:
    seen = {start}
    frontier = [start]
    while frontier:
        for node, number in arcs.get(frontier.pop(), []):
            if number != avoid and node not in seen:
                seen.add(node)
                frontier.append(node)
    return seen


def _reaches(arcs: Arcs, start: int, goal: int, avoid: Cell) -> bool:
    """Whether the residual graph leads from start to goal without using ``avoid``'s arcs."""
    if start == goal:
        return True  # both ends free: the number is alone in lines without equations
    seen = {start}
    frontier = [start]
    while frontier:
        for node, cell in arcs.get(frontier.pop(), []):
            if cell == avoid or node in seen:
                continue
            if node == goal:
                return True
            seen.add(node)
            frontier.append(node)
    return False


def _side(edges: Sequence[tuple[int, int]], bridge: int) -> set[int]:
    """The nodes reachable from the bridge's first end without crossing it."""
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for index, (a, b) in enumerate(edges):
        if index != bridge:
            adjacent.setdefault(a, []).append((b, index))
            adjacent.setdefault(b, []).append((a, index))
    start = edges[bridge][0]
    side = {start}
    frontier = [start]
    while frontier:
        for other, _index in adjacent.get(frontier.pop(), []):
            if other not in side:
                side.add(other)
                frontier.append(other)
    return side


@dataclass(frozen=True)
class LabelledTable:
    """A table as it leaves the system: row and column labels around protected counts."""

    title: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    protected: Protected

    def published_rows(self, *, total_label: str = "Totale") -> list[list[str]]:
        """Header, one line per row (with its total where rows have one), and the column totals
        (where columns have them), as text: hidden cells and totals carry their marks, so the
        numbers cannot leave unprotected. A table of one column ends with its column's total,
        which is the grand total; a table of one row with its row's."""
        protected = self.protected
        with_row_totals = protected.has_row_totals
        header = ["", *self.column_labels] + ([total_label] if with_row_totals else [])
        lines = [header]
        for r, label in enumerate(self.row_labels):
            cells = [str(protected.shown(r, c)) for c in range(len(self.column_labels))]
            if with_row_totals:
                hidden = r in protected.hidden_row_totals
                cells.append("n.d." if hidden else str(protected.row_totals[r]))
            lines.append([label, *cells])
        if protected.has_column_totals:
            totals = [
                "n.d." if c in protected.hidden_column_totals else str(total)
                for c, total in enumerate(protected.column_totals)
            ]
            if with_row_totals:
                grand = sum(protected.row_totals)
                totals.append("n.d." if protected.hidden_grand_total else str(grand))
            lines.append([total_label, *totals])
        return lines


def labelled(
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    counts: Sequence[Sequence[int]],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    row_totals: bool = True,
    force_hidden: Iterable[Cell] = (),
) -> LabelledTable:
    """Protect a labelled table; the labels must match the counts' shape."""
    if len(row_labels) != len(counts) or any(len(row) != len(column_labels) for row in counts):
        raise DisclosureError("the labels do not match the table's rows and columns")
    return LabelledTable(
        title,
        tuple(row_labels),
        tuple(column_labels),
        protect(counts, threshold=threshold, row_totals=row_totals, force_hidden=force_hidden),
    )
