"""The Curtois & Qu benchmark format through the adapter, solved by the product's engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.rota.shift_scheduling_format import load, parse
from sportello.rota.solver import CoverTarget, Preference, check, penalties_of, solve

# Instance 1 of the Curtois & Qu benchmark (schedulingbenchmarks.org, EJOR 2014), verbatim, so
# the suite does not depend on a checkout beside the repository; when that copy is there
# (../shared/benchmarks/shift-scheduling), the test checks the two agree.
SHARED_INSTANCE1 = (
    Path(__file__).resolve().parents[3].parent / "shared/benchmarks/shift-scheduling/Instance1.txt"
)
INSTANCE1 = (
    """# This is a comment. Comments start with #

SECTION_HORIZON
# All instances start on a Monday
# The horizon length in days:
14

SECTION_SHIFTS
# ShiftID, Length in mins, Shifts which cannot follow this shift | separated
D,480,

SECTION_STAFF
"""
    # The one line longer than the project allows, joined back.
    "# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, "
    "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends\n"
    """A,D=14,4320,3360,5,2,2,1
B,D=14,4320,3360,5,2,2,1
C,D=14,4320,3360,5,2,2,1
D,D=14,4320,3360,5,2,2,1
E,D=14,4320,3360,5,2,2,1
F,D=14,4320,3360,5,2,2,1
G,D=14,4320,3360,5,2,2,1
H,D=14,4320,3360,5,2,2,1

SECTION_DAYS_OFF
# EmployeeID, DayIndexes (start at zero)
A,0
B,5
C,8
D,2
E,9
F,5
G,1
H,7

SECTION_SHIFT_ON_REQUESTS
# EmployeeID, Day, ShiftID, Weight
A,2,D,2
A,3,D,2
B,0,D,3
B,1,D,3
B,2,D,3
B,3,D,3
B,4,D,3
C,0,D,1
C,1,D,1
C,2,D,1
C,3,D,1
C,4,D,1
D,8,D,2
D,9,D,2
F,0,D,2
F,1,D,2
H,9,D,1
H,10,D,1
H,11,D,1
H,12,D,1
H,13,D,1

SECTION_SHIFT_OFF_REQUESTS
# EmployeeID, Day, ShiftID, Weight
C,12,D,1
C,13,D,1
F,8,D,3
H,2,D,3
H,3,D,3

SECTION_COVER
# Day, ShiftID, Requirement, Weight for under, Weight for over
0,D,5,100,1
1,D,7,100,1
2,D,6,100,1
3,D,4,100,1
4,D,5,100,1
5,D,5,100,1
6,D,5,100,1
7,D,6,100,1
8,D,7,100,1
9,D,4,100,1
10,D,2,100,1
11,D,5,100,1
12,D,6,100,1
13,D,4,100,1
"""
)


def instance(
    *,
    horizon: int = 3,
    shifts: str = "D,480,",
    staff: str = "A,D=14,4320,0,5,2,1,2",
    days_off: str = "",
    on: str = "",
    off: str = "",
    cover: str = "",
) -> str:
    return f"""# A comment
SECTION_HORIZON
{horizon}

SECTION_SHIFTS
{shifts}

SECTION_STAFF
{staff}

SECTION_DAYS_OFF
{days_off}

SECTION_SHIFT_ON_REQUESTS
{on}

SECTION_SHIFT_OFF_REQUESTS
{off}

SECTION_COVER
{cover}
"""


def test_instance1_is_read_section_by_section() -> None:
    if SHARED_INSTANCE1.exists():
        assert SHARED_INSTANCE1.read_text(encoding="utf-8") == INSTANCE1
    problem = parse(INSTANCE1)
    assert len(problem.days) == 14
    assert [day.weekday for day in problem.days[:7]] == [0, 1, 2, 3, 4, 5, 6]
    assert all(day.shifts == ("D",) for day in problem.days)
    (shift,) = problem.shift_types
    assert (shift.code, shift.duration_minutes, shift.forbidden_next) == ("D", 480, frozenset())
    assert [operator.id for operator in problem.operators] == list("ABCDEFGH")
    first = problem.operators[0]
    assert dict(first.max_shifts_per_type) == {"D": 14}
    assert (first.max_minutes, first.min_minutes, first.total_minutes_over_horizon) == (
        4320,
        3360,
        True,
    )
    assert (first.max_consecutive_days, first.min_consecutive_days) == (5, 2)
    assert (first.min_consecutive_days_off, first.max_weekends) == (2, 1)
    assert first.unavailable_days == frozenset({0})
    assert problem.operators[7].unavailable_days == frozenset({7})
    assert len([p for p in problem.preferences if p.wanted]) == 21
    assert [p for p in problem.preferences if not p.wanted][2] == Preference("F", 8, "D", False, 3)
    assert len(problem.cover_targets) == 14
    assert problem.cover_targets[1] == CoverTarget(1, "D", 7, 100, 1)
    assert problem.requirements == ()
    assert not problem.cyclic


def test_instance1_solves_to_its_proven_optimum_607() -> None:
    problem = parse(INSTANCE1)
    solution = solve(problem, time_limit_s=60, workers=2)
    assert solution.status == "optimal"
    assert solution.objective == solution.best_bound == 607
    assert check(problem, solution.assignments) == ()
    assert sum(penalty.cost for penalty in penalties_of(problem, solution.assignments)) == 607
    assert {penalty.kind for penalty in solution.penalties} <= {
        "under_cover",
        "over_cover",
        "preference_wanted",
        "preference_unwanted",
    }


def test_a_stretch_touching_the_horizon_edge_is_exempt_from_the_minimum() -> None:
    # Min consecutive shifts 2: working day 0 alone touches the edge, so it is allowed.
    problem = parse(instance(cover="0,D,1,10,3\n1,D,0,10,3\n2,D,0,10,3"))
    edge = solve(problem)
    assert (edge.status, edge.objective) == ("optimal", 0)
    assert edge.assignments == frozenset({("A", 0, "D")})
    # The middle day alone is a stretch of one between two days off: refused.
    middle = parse(instance(cover="0,D,0,10,3\n1,D,1,10,3\n2,D,0,10,3"))
    solution = solve(middle)
    assert solution.objective == 3  # a second day beside it costs one over-cover
    assert len(solution.assignments) == 2
    (violation,) = check(middle, frozenset({("A", 1, "D")}))
    assert (violation.rule, violation.day, violation.needed) == ("min_consecutive_days", 1, 2)


def test_a_single_day_off_between_shifts_is_refused() -> None:
    # Min consecutive days off 2: days 0 and 2 with day 1 off would leave one day off.
    problem = parse(
        instance(staff="A,D=14,4320,0,5,1,2,2", cover="0,D,1,10,3\n1,D,0,10,3\n2,D,1,10,3")
    )
    solution = solve(problem)
    assert solution.objective == 3  # working day 1 too (over-cover 3) beats losing 10
    assert solution.assignments == frozenset({("A", day, "D") for day in range(3)})
    violations = check(problem, frozenset({("A", 0, "D"), ("A", 2, "D")}))
    assert [v.rule for v in violations] == ["min_consecutive_days_off"]


def test_forbidden_successions_limits_and_requests() -> None:
    problem = parse(
        instance(
            horizon=7,
            shifts="E,480,\nL,480,E",
            staff="A,E=7|L=1,4320,0,7,1,1,0",
            days_off="A,6",
            on="A,0,L,5\nA,1,E,4\nA,3,L,3",
            off="A,4,E,1",
        )
    )
    late, early = problem.shift_types[1], problem.shift_types[0]
    assert late.forbidden_next == frozenset({"E"}) and early.forbidden_next == frozenset()
    assert dict(problem.operators[0].max_shifts_per_type) == {"E": 7, "L": 1}
    assert problem.operators[0].max_weekends == 0
    solution = solve(problem)
    # One late shift at most, and no early shift right after a late one: the late of day 0
    # (5) would lose day 1's early (4) and day 3's late (3), so it is the one given up.
    assert solution.objective == 5
    assert {("A", 1, "E"), ("A", 3, "L")} <= solution.assignments
    assert ("A", 0, "L") not in solution.assignments
    assert not {slot for slot in solution.assignments if slot[1] in (5, 6)}  # no weekends
    assert check(problem, frozenset({("A", 0, "L"), ("A", 1, "E")}))[0].rule == "rest"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SECTION_HORIZON\n14\nSECTION_NOPE\n", "line 3: unknown section SECTION_NOPE"),
        ("7\n", "line 1: data before the first section"),
        (instance(shifts="D,eight hours,"), "'eight hours' is not an integer"),
        (instance(staff="A,D=14,4320"), "expected 8 fields, found 3"),
        (instance(staff="A,D14,4320,0,5,2,1,2"), "'D14' is not SHIFT=count"),
        (instance(horizon=0), "the horizon must be positive"),
    ],
)
def test_malformed_text_names_the_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(text)


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text(instance(cover="0,D,1,10,3"), encoding="utf-8")
    assert len(load(path).days) == 3
