"""Tests for the roster solver kernel: plain Python on CP-SAT, no Django, no database."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.rota.solver import (
    CoverTarget,
    Day,
    Operator,
    Preference,
    Progress,
    Requirement,
    RosterProblem,
    ShiftType,
    Shortfall,
    Solution,
    Weights,
    check,
    penalties_of,
    solve,
)

Slot = tuple[str, int, str]

# The desk's shifts: Monday to Saturday, 9:30-13:45 and 13:45-18:00; Sunday closed.
MORNING = ShiftType("M", 9 * 60 + 30, 255)
AFTERNOON = ShiftType("A", 13 * 60 + 45, 255, afternoon=True)
SHIFTS = (MORNING, AFTERNOON)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NO_SOFT = Weights(saturday_fairness=0, afternoon_fairness=0, stability=0)
# 18:00 to 9:30 the next morning is 15.5 h: a 16 h rest forbids an afternoon then a morning.
LONG_REST = 16 * 60


def desk_days(weeks: int = 1, *, sunday: bool = False) -> tuple[Day, ...]:
    return tuple(
        Day(
            index,
            index % 7,
            WEEKDAYS[index % 7],
            ("M", "A") if index % 7 < 6 or sunday else (),
        )
        for index in range(7 * weeks)
    )


def problem(operators: Iterable[Operator], **options: object) -> RosterProblem:
    values: dict[str, object] = {
        "days": desk_days(),
        "shift_types": SHIFTS,
        "operators": tuple(operators),
        "weights": NO_SOFT,
    }
    values.update(options)
    return RosterProblem(**values)  # type: ignore[arg-type]


def rules(solution_or_violations: Iterable[object]) -> set[str]:
    return {getattr(item, "rule") for item in solution_or_violations}  # noqa: B009


def solved(roster: RosterProblem) -> Solution:
    solution = solve(roster, time_limit_s=20, workers=2)
    if solution.status in ("optimal", "feasible"):
        # Whatever the solver returns must pass the independent rule check and cost what
        # the objective says.
        assert check(roster, solution.assignments) == ()
        assert roster.fixed <= solution.assignments
        assert sum(p.cost for p in penalties_of(roster, solution.assignments)) == solution.objective
    return solution


def brute_force(roster: RosterProblem) -> int | None:
    """The optimum by enumeration (at most one shift a day per operator), None if infeasible."""
    choices = [
        [None, *((operator.id, day.index, shift) for shift in day.shifts)]
        for operator in roster.operators
        for day in roster.days
    ]
    best: int | None = None
    for picked in itertools.product(*choices):
        roster_slots = frozenset(slot for slot in picked if slot is not None)
        if not roster.fixed <= roster_slots or check(roster, roster_slots):
            continue
        cost = sum(p.cost for p in penalties_of(roster, roster_slots))
        best = cost if best is None else min(best, cost)
    return best


# Known optima ------------------------------------------------------------------------------


def test_a_small_case_reaches_the_optimum_computed_by_enumeration() -> None:
    # Monday and Wednesday hold a morning only (fewer rosters to enumerate).
    days = tuple(
        Day(d.index, d.weekday, d.label, d.shifts if d.index == 1 else ("M",))
        for d in desk_days()[:3]
    )
    roster = problem(
        [Operator("ana", frozenset({"crim"})), Operator("bea"), Operator("carlo", max_shifts=2)],
        days=days,
        requirements=(
            Requirement(0, "M", 2),
            Requirement(1, "A", 1, competence="crim"),
            Requirement(2, "M", 1),
        ),
        preferences=(
            Preference("ana", 1, "A", wanted=False, weight=4),
            Preference("bea", 0, "M", wanted=False, weight=1),
            Preference("carlo", 0, "M", wanted=False, weight=2),
            Preference("carlo", 2, "M", wanted=True, weight=3),
        ),
        min_rest_minutes=LONG_REST,
    )
    solution = solved(roster)
    # ana, the only criminologist, must take Tuesday afternoon (4); the 16 h rest then keeps
    # her off Wednesday morning; Monday morning takes two of three, ana and bea the cheapest
    # (1); carlo gets his wanted Wednesday morning: 4 + 1 = 5.
    assert solution.status == "optimal"
    assert solution.objective == 5 == brute_force(roster)
    assert solution.best_bound == 5
    assert solution.gap == 0.0
    assert {("ana", 1, "A"), ("carlo", 2, "M"), ("ana", 0, "M"), ("bea", 0, "M")} <= set(
        solution.assignments
    )
    assert {(p.kind, p.operator, p.cost) for p in solution.penalties} == {
        ("preference_unwanted", "ana", 4),
        ("preference_unwanted", "bea", 1),
    }


def test_preferences_weigh_wanted_and_unwanted_shifts() -> None:
    roster = problem(
        [Operator("ana"), Operator("bea")],
        requirements=(Requirement(0, "M", 1),),
        preferences=(
            Preference("ana", 0, "M", wanted=False, weight=3),
            Preference("bea", 0, "M", wanted=False, weight=2),
            Preference("ana", 3, "A", wanted=True, weight=7),
        ),
    )
    solution = solved(roster)
    # bea's refusal is the cheaper one to overrule; ana's wish is free to grant.
    assert solution.objective == 2
    assert ("bea", 0, "M") in solution.assignments
    assert ("ana", 3, "A") in solution.assignments
    assert solution.penalties == (
        solution.penalties[0].__class__("preference_unwanted", 2, "bea", 0, "M"),
    )


def test_saturday_fairness_outweighs_a_light_preference() -> None:
    # Two weeks of mornings only; one operator a Saturday (a second one costs 10).
    days = tuple(Day(d.index, d.weekday, d.label, d.shifts[:1]) for d in desk_days(2))
    saturdays = (5, 12)
    covers = tuple(CoverTarget(day, "M", 1, under_weight=0, over_weight=10) for day in saturdays)
    requirements = tuple(Requirement(day, "M", 1) for day in saturdays)
    weights = Weights(saturday_fairness=2, afternoon_fairness=0, stability=0)

    def with_wishes(weight: int) -> Solution:
        return solved(
            problem(
                [Operator("ana"), Operator("bea")],
                days=days,
                requirements=requirements,
                cover_targets=covers,
                preferences=tuple(
                    Preference("ana", day, "M", wanted=True, weight=weight) for day in saturdays
                ),
                weights=weights,
            )
        )

    fair = with_wishes(1)
    # Both Saturdays to ana: spread 2 x 2 = 4; one each: spread 0 and one wish lost = 1.
    assert fair.objective == 1
    assert {p.kind for p in fair.penalties} == {"preference_wanted"}
    unfair = with_wishes(5)
    # Now losing a wish costs 5, the spread 4: ana gets both, fairness is paid for.
    assert unfair.objective == 4
    (penalty,) = unfair.penalties
    assert (penalty.kind, penalty.amount, penalty.cost) == ("saturday_fairness", 2, 4)
    assert "ana (2)" in penalty.detail and "bea (0)" in penalty.detail


def test_afternoon_fairness_spreads_afternoons() -> None:
    # Four afternoons, one operator each (a second one costs 10), mornings not held.
    days = tuple(Day(d.index, d.weekday, d.label, ("A",)) for d in desk_days()[:4])
    solution = solved(
        problem(
            [Operator("ana"), Operator("bea")],
            days=days,
            requirements=tuple(Requirement(day, "A", 1) for day in range(4)),
            cover_targets=tuple(CoverTarget(day, "A", 1, 0, 10) for day in range(4)),
            preferences=(Preference("ana", 0, "A", wanted=True, weight=1),),
            weights=Weights(saturday_fairness=0, afternoon_fairness=1, stability=0),
        )
    )
    assert solution.objective == 0
    afternoons = [operator for operator, _, shift in solution.assignments if shift == "A"]
    assert sorted(afternoons) == ["ana", "ana", "bea", "bea"]


def test_stability_keeps_the_current_plan_unless_a_wish_is_worth_two_changes() -> None:
    current = frozenset({("ana", 0, "M")})
    weights = Weights(saturday_fairness=0, afternoon_fairness=0, stability=5)

    def with_wish(weight: int) -> Solution:
        return solved(
            problem(
                [Operator("ana"), Operator("bea")],
                requirements=(Requirement(0, "M", 1),),
                preferences=(Preference("bea", 0, "M", wanted=True, weight=weight),),
                # One operator on Monday morning: a second one costs 100.
                cover_targets=(CoverTarget(0, "M", 1, under_weight=0, over_weight=100),),
                current=current,
                weights=weights,
                forbidden=frozenset({("ana", 0, "A"), ("bea", 0, "A")}),
            )
        )

    kept = with_wish(9)  # swapping costs 5 added + 5 removed = 10 > 9
    assert kept.assignments == current
    assert kept.objective == 9
    moved = with_wish(11)
    assert moved.assignments == frozenset({("bea", 0, "M")})
    assert moved.objective == 10
    assert {(p.kind, p.operator) for p in moved.penalties} == {
        ("stability_added", "bea"),
        ("stability_removed", "ana"),
    }


def test_without_a_current_plan_stability_costs_nothing() -> None:
    solution = solved(
        problem(
            [Operator("ana", min_shifts=3)],
            weights=Weights(saturday_fairness=0, afternoon_fairness=0, stability=5),
        )
    )
    assert solution.objective == 0
    assert len(solution.assignments) == 3


# Hard rules --------------------------------------------------------------------------------


def test_at_most_one_shift_a_day() -> None:
    roster = problem(
        [Operator("ana"), Operator("bea")],
        requirements=(Requirement(0, "M", 1), Requirement(0, "A", 1)),
        preferences=(
            Preference("ana", 0, "M", wanted=True, weight=5),
            Preference("ana", 0, "A", wanted=True, weight=5),
        ),
    )
    solution = solved(roster)
    assert solution.objective == 5  # ana gets one of her two wishes, bea the other shift
    assert len([slot for slot in solution.assignments if slot[0] == "ana"]) == 1


def test_rest_between_an_afternoon_and_the_next_morning() -> None:
    requirements = (Requirement(0, "A", 1), Requirement(1, "M", 1))
    wishes = tuple(Preference("ana", r.day, r.shift, wanted=True, weight=1) for r in requirements)
    rested = solved(
        problem(
            [Operator("ana"), Operator("bea")],
            requirements=requirements,
            preferences=wishes,
            min_rest_minutes=LONG_REST,
        )
    )
    assert rested.objective == 1  # ana cannot have both
    short = solved(
        problem(
            [Operator("ana"), Operator("bea")],
            requirements=requirements,
            preferences=wishes,
            min_rest_minutes=15 * 60,
        )
    )
    assert short.objective == 0


def test_a_forbidden_succession_is_refused() -> None:
    night = ShiftType("N", 22 * 60, 480, forbidden_next=frozenset({"D"}))
    day_shift = ShiftType("D", 14 * 60, 300)
    days = tuple(Day(i, i, WEEKDAYS[i], ("N", "D")) for i in range(2))
    roster = problem(
        [Operator("ana")],
        days=days,
        shift_types=(night, day_shift),
        preferences=(
            Preference("ana", 0, "N", wanted=True, weight=2),
            Preference("ana", 1, "D", wanted=True, weight=1),
        ),
    )
    solution = solved(roster)
    assert solution.assignments == frozenset({("ana", 0, "N")})
    # A night ending 6:00 and a day shift at 14:00 leave 8 h: an 8.5 h rest forbids it too.
    overlap = solved(
        problem(
            [Operator("ana")],
            days=days,
            shift_types=(ShiftType("N", 22 * 60, 480), day_shift),
            preferences=roster.preferences,
            min_rest_minutes=510,
        )
    )
    assert overlap.objective == 1


def test_contract_limits_per_week() -> None:
    roster = problem(
        [Operator("ana", max_shifts=3, max_minutes=3 * 255), Operator("bea", min_shifts=2)],
        preferences=tuple(Preference("ana", day, "M", wanted=True, weight=1) for day in range(6)),
    )
    solution = solved(roster)
    assert len([slot for slot in solution.assignments if slot[0] == "ana"]) == 3
    assert len([slot for slot in solution.assignments if slot[0] == "bea"]) >= 2
    assert solution.objective == 3
    minutes = solved(
        problem(
            [Operator("ana", max_minutes=2 * 255 + 100)],
            preferences=roster.preferences,
        )
    )
    assert minutes.objective == 4  # two shifts fit in 610 minutes


def test_unavailable_forbidden_and_fixed() -> None:
    roster = problem(
        [
            Operator("ana", unavailable_days=frozenset({0}), unavailable=frozenset({(1, "M")})),
            Operator("bea"),
            Operator("carlo"),
        ],
        requirements=(Requirement(0, "M", 1), Requirement(1, "M", 1), Requirement(2, "M", 1)),
        forbidden=frozenset({("bea", 2, "M")}),
        fixed=frozenset({("bea", 3, "A")}),
        preferences=(
            Preference("ana", 0, "M", wanted=True, weight=1),
            Preference("ana", 1, "M", wanted=True, weight=1),
            Preference("bea", 2, "M", wanted=True, weight=1),
            Preference("bea", 3, "A", wanted=False, weight=9),
        ),
    )
    solution = solved(roster)
    assert ("bea", 3, "A") in solution.assignments  # fixed beats the unwanted weight 9
    assert not {("ana", 0, "M"), ("ana", 1, "M"), ("bea", 2, "M")} & solution.assignments
    assert solution.objective == 3 + 9


def test_max_consecutive_days_wrap_around_a_cyclic_pattern() -> None:
    days = desk_days(sunday=True)
    requirements = tuple(Requirement(day, "M", 1) for day in (5, 6, 0))
    linear = solved(
        problem(
            [Operator("ana", max_consecutive_days=2)],
            days=days,
            requirements=requirements,
        )
    )
    assert linear.status == "optimal"  # Saturday, Sunday and the next Monday are apart
    cyclic = solved(
        problem(
            [Operator("ana", max_consecutive_days=2)],
            days=days,
            requirements=requirements,
            cyclic=True,
        )
    )
    assert cyclic.status == "infeasible"
    assert cyclic.assignments == frozenset()
    assert {s.reason for s in cyclic.shortfalls} == {"conflict"}
    assert {s.requirement for s in cyclic.shortfalls if s.requirement} == set(requirements)
    assert [s.operator for s in cyclic.shortfalls if s.requirement is None] == ["ana"]


def test_a_cyclic_pattern_rests_from_the_last_day_to_the_first() -> None:
    days = desk_days(sunday=True)
    requirements = (Requirement(6, "A", 1), Requirement(0, "M", 1))
    cyclic = solved(
        problem(
            [Operator("ana")],
            days=days,
            requirements=requirements,
            min_rest_minutes=LONG_REST,
            cyclic=True,
        )
    )
    assert cyclic.status == "infeasible"
    linear = solved(
        problem([Operator("ana")], days=days, requirements=requirements, min_rest_minutes=LONG_REST)
    )
    assert linear.status == "optimal"


# Infeasibility explained -------------------------------------------------------------------


def sentence(roster: RosterProblem, shortfall: Shortfall) -> str:
    """What the product writes from a shortfall and the day's label."""
    requirement = shortfall.requirement
    assert requirement is not None
    day = {"Sat": "Saturday"}[roster.days[requirement.day].label]
    shift = {"A": "afternoon"}[requirement.shift]
    return (
        f"{day} {shift} needs {shortfall.needed} {requirement.competence}s, "
        f"{shortfall.available} is available"
    )


def test_not_enough_criminologists_on_saturday_afternoon() -> None:
    roster = problem(
        [Operator("ana", frozenset({"criminologist"})), Operator("bea", frozenset({"psy"}))],
        requirements=(
            Requirement(0, "M", 1),
            Requirement(5, "A", 2, competence="criminologist"),
        ),
    )
    solution = solved(roster)
    assert solution.status == "infeasible"
    assert solution.assignments == frozenset()
    assert solution.objective is None
    (shortfall,) = solution.shortfalls
    assert shortfall.reason == "not_enough_qualified"
    assert shortfall.requirement == Requirement(5, "A", 2, competence="criminologist")
    assert (shortfall.needed, shortfall.available, shortfall.detail) == (2, 1, "ana")
    assert sentence(roster, shortfall) == (
        "Saturday afternoon needs 2 criminologists, 1 is available"
    )


def test_an_absence_makes_a_requirement_unqualified() -> None:
    roster = problem(
        [Operator("ana", frozenset({"crim"}), unavailable_days=frozenset({1}))],
        requirements=(Requirement(1, "A", 1, competence="crim"),),
    )
    (shortfall,) = solved(roster).shortfalls
    assert (shortfall.reason, shortfall.needed, shortfall.available) == (
        "not_enough_qualified",
        1,
        0,
    )


def test_requirements_beyond_the_contracts_of_a_competence() -> None:
    requirements = tuple(Requirement(day, "M", 1, competence="crim") for day in range(4))
    roster = problem(
        [Operator("ana", frozenset({"crim"}), max_shifts=3), Operator("bea")],
        requirements=requirements,
    )
    (shortfall,) = solved(roster).shortfalls
    assert shortfall.reason == "not_enough_capacity"
    assert (shortfall.competence, shortfall.needed, shortfall.available) == ("crim", 4, 3)
    assert shortfall.day is None
    assert shortfall.requirement == requirements[0]


def test_two_shifts_of_one_day_need_two_people() -> None:
    roster = problem(
        [Operator("ana", services=frozenset({"family"})), Operator("bea")],
        requirements=(
            Requirement(2, "M", 1, service="family"),
            Requirement(2, "A", 1, service="family"),
        ),
    )
    (shortfall,) = solved(roster).shortfalls
    assert shortfall.reason == "not_enough_capacity"
    assert (shortfall.service, shortfall.day, shortfall.needed, shortfall.available) == (
        "family",
        2,
        2,
        1,
    )


def test_a_conflict_only_the_solver_finds_is_reported_as_its_core() -> None:
    # One criminologist, Monday afternoon and Tuesday morning: each requirement alone is fine,
    # the capacity is there, but the rest between the two shifts rules them out together.
    requirements = (
        Requirement(0, "A", 1, competence="crim"),
        Requirement(1, "M", 1, competence="crim"),
        Requirement(3, "M", 2),
    )
    roster = problem(
        [Operator("ana", frozenset({"crim"})), Operator("bea"), Operator("carlo")],
        requirements=requirements,
        min_rest_minutes=LONG_REST,
    )
    solution = solved(roster)
    assert solution.status == "infeasible"
    assert {(s.reason, s.requirement) for s in solution.shortfalls} == {
        ("conflict", requirements[0]),
        ("conflict", requirements[1]),
    }
    assert all(s.available == 1 and s.detail == "ana" for s in solution.shortfalls)


def test_a_fixed_assignment_on_an_absence_is_explained() -> None:
    roster = problem(
        [Operator("ana", unavailable_days=frozenset({2}))],
        fixed=frozenset({("ana", 2, "M")}),
    )
    (shortfall,) = solved(roster).shortfalls
    assert (shortfall.reason, shortfall.operator, shortfall.day) == ("conflict", "ana", 2)


def test_a_contract_that_cannot_be_met_is_named() -> None:
    roster = problem([Operator("ana", min_shifts=3, unavailable_days=frozenset(range(1, 7)))])
    solution = solved(roster)
    assert solution.status == "infeasible"
    assert [(s.reason, s.requirement, s.operator) for s in solution.shortfalls] == [
        ("conflict", None, "ana")
    ]


def test_malformed_problems_are_invalid() -> None:
    sunday = problem([Operator("ana")], requirements=(Requirement(6, "M", 1),))
    solution = solve(sunday)
    assert solution.status == "invalid"
    assert solution.errors == ("requirement on day 6: shift M not held",)
    with pytest.raises(ValueError, match="shift M not held"):
        check(sunday, frozenset())
    unknown = solve(problem([Operator("ana")], preferences=(Preference("zoe", 0, "M", True, 1),)))
    assert unknown.status == "invalid"
    assert "unknown operator zoe" in unknown.errors[0]


# Dated horizon: absences as exceptions to the pattern --------------------------------------


# The weekly pattern of seven operators (Monday to Saturday, two a shift, a psychologist on
# every shift), as a solved pattern would give it; written out so the test is deterministic.
PATTERN = {
    0: (("ana", "bea"), ("carlo", "dora")),
    1: (("ana", "ezio"), ("bea", "fede")),
    2: (("carlo", "gino"), ("ana", "dora")),
    3: (("bea", "ezio"), ("fede", "gino")),
    4: (("ana", "dora"), ("carlo", "ezio")),
    5: (("fede", "gino"), ("bea", "carlo")),
}
PSYCHOLOGISTS = {"ana", "bea", "carlo", "fede", "gino"}


def team(absences: dict[str, frozenset[int]] | None = None) -> list[Operator]:
    absences = absences or {}
    return [
        Operator(
            name,
            frozenset({"psy"}) if name in PSYCHOLOGISTS else frozenset(),
            max_shifts=5,
            unavailable_days=absences.get(name, frozenset()),
        )
        for name in ("ana", "bea", "carlo", "dora", "ezio", "fede", "gino")
    ]


def desk_requirements(days: Iterable[Day]) -> tuple[Requirement, ...]:
    return tuple(
        requirement
        for day in days
        for shift in day.shifts
        for requirement in (
            Requirement(day.index, shift, 2),
            Requirement(day.index, shift, 1, competence="psy"),
        )
    )


def test_the_hand_written_pattern_is_a_valid_cyclic_roster() -> None:
    days = desk_days()
    pattern = frozenset(
        (name, day, shift)
        for day, (morning, afternoon) in PATTERN.items()
        for shift, names in (("M", morning), ("A", afternoon))
        for name in names
    )
    roster = problem(team(), days=days, requirements=desk_requirements(days), cyclic=True)
    assert check(roster, pattern) == ()


def test_an_absence_changes_the_fewest_assignments() -> None:
    weeks = 2
    days = tuple(
        Day(index, index % 7, f"2026-03-{index + 2:02d}", desk_days()[index % 7].shifts)
        for index in range(7 * weeks)
    )
    current = frozenset(
        (name, week * 7 + day, shift)
        for week in range(weeks)
        for day, (morning, afternoon) in PATTERN.items()
        for shift, names in (("M", morning), ("A", afternoon))
        for name in names
    )
    absence = frozenset({8, 9})  # ana's Tuesday and Wednesday of the second week
    dated = problem(
        team({"ana": absence}),
        days=days,
        requirements=desk_requirements(days),
        current=current,
        weights=Weights(saturday_fairness=0, afternoon_fairness=0, stability=5),
    )
    solution = solved(dated)
    lost = {("ana", 8, "M"), ("ana", 9, "A")}
    assert solution.status == "optimal"
    # Only ana's shifts in her absence go; each gets one substitute, a psychologist (ana was
    # the only one on both shifts) free that day and under the weekly maximum.
    assert current - solution.assignments == lost
    added = solution.assignments - current
    assert {(day, shift) for _, day, shift in added} == {(8, "M"), (9, "A")}
    assert {name for name, _, _ in added} <= PSYCHOLOGISTS - {"ana"}
    assert solution.objective == 5 * 4
    assert sorted(p.kind for p in solution.penalties) == [
        "stability_added",
        "stability_added",
        "stability_removed",
        "stability_removed",
    ]


# check() -----------------------------------------------------------------------------------


def test_check_reports_each_broken_rule() -> None:
    roster = problem(
        [
            Operator("ana", unavailable_days=frozenset({4})),
            Operator("bea", max_shifts=1, max_minutes=255),
            Operator("carlo", min_shifts=2, min_minutes=600),
            Operator("dora", max_consecutive_days=2),
            Operator("ezio", frozenset({"crim"})),
        ],
        requirements=(Requirement(3, "A", 1, competence="crim"),),
        forbidden=frozenset({("ana", 5, "M")}),
        min_rest_minutes=LONG_REST,
    )
    roster_slots = frozenset(
        {
            ("ana", 0, "M"),
            ("ana", 0, "A"),  # two shifts a day
            ("ana", 2, "A"),
            ("ana", 3, "M"),  # rest after the afternoon
            ("ana", 4, "M"),  # unavailable
            ("ana", 5, "M"),  # forbidden
            ("bea", 1, "M"),
            ("bea", 2, "M"),  # max shifts, max minutes
            ("carlo", 1, "M"),  # min shifts, min minutes
            ("dora", 0, "M"),
            ("dora", 1, "M"),
            ("dora", 2, "M"),  # three days in a row
            ("ezio", 6, "M"),  # Sunday holds no shift
            ("zoe", 1, "M"),  # unknown operator
        }
    )
    violations = check(roster, roster_slots)
    assert rules(violations) == {
        "two_shifts_a_day",
        "rest",
        "unavailable",
        "forbidden",
        "max_shifts",
        "max_minutes",
        "min_shifts",
        "min_minutes",
        "max_consecutive_days",
        "unknown_shift",
        "coverage",
    }
    by_rule = {v.rule: v for v in violations}
    assert (by_rule["two_shifts_a_day"].operator, by_rule["two_shifts_a_day"].day) == ("ana", 0)
    assert (by_rule["rest"].operator, by_rule["rest"].day, by_rule["rest"].shift) == (
        "ana",
        2,
        "A",
    )
    assert (by_rule["unavailable"].day, by_rule["forbidden"].day) == (4, 5)
    assert (by_rule["max_shifts"].operator, by_rule["max_shifts"].available) == ("bea", 2)
    assert (by_rule["min_minutes"].operator, by_rule["min_minutes"].needed) == ("carlo", 600)
    assert by_rule["max_consecutive_days"].operator == "dora"
    coverage = by_rule["coverage"]
    assert coverage.requirement == Requirement(3, "A", 1, competence="crim")
    assert (coverage.needed, coverage.available) == (1, 0)
    assert {v.detail for v in violations if v.rule == "unknown_shift"} == {
        "shift not held that day",
        "unknown operator",
    }
    # The same roster minus the faults passes.
    fine = frozenset({("ezio", 3, "A"), ("carlo", 1, "M"), ("carlo", 2, "M"), ("carlo", 3, "M")})
    assert check(roster, fine) == ()


def test_check_refuses_a_swap_that_breaks_coverage() -> None:
    roster = problem(
        [Operator("ana", frozenset({"crim"})), Operator("bea")],
        requirements=(Requirement(1, "A", 1, competence="crim"),),
    )
    assert check(roster, frozenset({("ana", 1, "A")})) == ()
    (violation,) = check(roster, frozenset({("bea", 1, "A"), ("ana", 2, "A")}))
    assert (violation.rule, violation.needed, violation.available) == ("coverage", 1, 0)


# Progress ----------------------------------------------------------------------------------


def test_progress_is_reported_for_each_improving_solution() -> None:
    seen: list[Progress] = []
    roster = problem(
        [Operator(name, max_shifts=4) for name in ("ana", "bea", "carlo", "dora")],
        requirements=tuple(Requirement(day, shift, 1) for day in range(6) for shift in "MA"),
        weights=Weights(saturday_fairness=2, afternoon_fairness=1, stability=0),
        preferences=tuple(
            Preference(name, day, "A", wanted=False, weight=1 + day % 3)
            for name in ("ana", "bea")
            for day in range(6)
        ),
    )
    solution = solve(roster, time_limit_s=20, on_progress=seen.append)
    assert solution.status == "optimal"
    assert seen
    assert solution.seconds_to_first is not None
    assert 0 <= solution.seconds_to_first <= solution.seconds
    assert [p.solutions for p in seen] == list(range(1, len(seen) + 1))
    assert all(p.best_bound <= p.objective for p in seen)
    assert seen[-1].objective == solution.objective


# Properties --------------------------------------------------------------------------------


@st.composite
def tiny_problems(draw: st.DrawFn) -> RosterProblem:
    n_operators = draw(st.integers(1, 3))
    n_days = draw(st.integers(1, 6 // n_operators))
    first = draw(st.integers(0, 6))
    days = tuple(
        Day(
            index,
            (first + index) % 7,
            WEEKDAYS[(first + index) % 7],
            tuple(draw(st.sampled_from([("M", "A"), ("M",), ("A",), ()]))),
        )
        for index in range(n_days)
    )
    optional = st.none() | st.integers(0, 3)
    operators = tuple(
        Operator(
            name,
            competences=draw(st.frozensets(st.sampled_from(["crim", "psy"]))),
            services=draw(st.frozensets(st.sampled_from(["emergency"]))),
            max_shifts=draw(optional),
            max_minutes=draw(st.none() | st.sampled_from([255, 510])),
            min_minutes=draw(st.none() | st.sampled_from([0, 255])),
            total_minutes_over_horizon=draw(st.booleans()),
            max_shifts_per_type=draw(st.sampled_from([{}, {"A": 1}])),
            max_consecutive_days=draw(st.none() | st.integers(1, 2)),
            min_consecutive_days=draw(st.none() | st.integers(1, 3)),
            min_consecutive_days_off=draw(st.none() | st.integers(1, 2)),
            max_weekends=draw(st.none() | st.integers(0, 1)),
            unavailable_days=draw(st.frozensets(st.integers(0, n_days - 1), max_size=1)),
        )
        for name in ("ana", "bea", "carlo")[:n_operators]
    )
    held = [(day.index, shift) for day in days for shift in day.shifts]
    slots = [(o.id, day, shift) for o in operators for day, shift in held]
    requirements: tuple[Requirement, ...] = ()
    cover_targets: tuple[CoverTarget, ...] = ()
    preferences: tuple[Preference, ...] = ()
    fixed: frozenset[Slot] = frozenset()
    forbidden: frozenset[Slot] = frozenset()
    current: frozenset[Slot] = frozenset()
    if held:
        requirements = tuple(
            Requirement(
                *draw(st.sampled_from(held)),
                draw(st.integers(0, 2)),
                draw(st.sampled_from([None, "crim", "psy"])),
                draw(st.sampled_from([None, "emergency"])),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        cover_targets = tuple(
            CoverTarget(*draw(st.sampled_from(held)), *draw(st.tuples(*[st.integers(0, 3)] * 3)))
            for _ in range(draw(st.integers(0, 2)))
        )
        preferences = tuple(
            Preference(*draw(st.sampled_from(slots)), draw(st.booleans()), draw(st.integers(0, 4)))
            for _ in range(draw(st.integers(0, 3)))
        )
        fixed = draw(st.frozensets(st.sampled_from(slots), max_size=1))
        forbidden = draw(st.frozensets(st.sampled_from(slots), max_size=2)) - fixed
        current = draw(st.frozensets(st.sampled_from(slots), max_size=3))
    return RosterProblem(
        days=days,
        shift_types=SHIFTS,
        operators=operators,
        requirements=requirements,
        cover_targets=cover_targets,
        preferences=preferences,
        current=current,
        fixed=fixed,
        forbidden=forbidden,
        weights=Weights(*draw(st.tuples(*[st.integers(0, 3)] * 3))),
        min_rest_minutes=draw(st.sampled_from([0, LONG_REST])),
        cyclic=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_the_solver_agrees_with_enumeration_and_its_rosters_pass_check(
    roster: RosterProblem,
) -> None:
    solution = solved(roster)  # any roster returned passes check() with no violation
    best = brute_force(roster)
    if best is None:
        assert solution.status == "infeasible"
        assert solution.shortfalls
        assert solution.assignments == frozenset()
    else:
        assert solution.status == "optimal"
        assert solution.objective == best
