"""The roster solver, a plain-Python domain kernel on OR-Tools CP-SAT.

CONTRACT (written before the implementation; the Django layer and the benchmark adapter build a
``RosterProblem`` and call ``solve``). Days are indexes into ``RosterProblem.days``; a weekly
pattern is a cyclic horizon of 7 x weeks days, a dated plan is a non-cyclic horizon of dates.

One engine serves the desk's weekly pattern, the dated plan with its absences and the Curtois &
Qu benchmark format, so every rule below holds for all three.

Days and time
  Day ``i + 1`` is the calendar day after day ``i``; when ``cyclic``, day 0 follows the last
  day (a pattern repeats); a non-cyclic plan knows nothing before its first day or after its
  last. "Per 7 days" means the horizon's blocks of days 0-6, 7-13, ...: a
  maximum applies to a shorter last block too, a minimum only to a full block.

Hard rules (never broken by a solution; ``check`` reports each one broken by hand edits)
  At most one shift a day. Rest: a shift ``t`` the day after ``s`` needs
  ``1440 + t.start_minute - (s.start_minute + s.duration_minutes) >= min_rest_minutes`` (so
  overlapping shifts are refused even with no rest rule) and ``t`` not in ``s.forbidden_next``.
  Availability (``unavailable_days``, ``unavailable``), ``forbidden``, ``fixed``; every
  ``Requirement``; each operator's contract: shifts and minutes per 7 days (minutes over the
  whole horizon when ``total_minutes_over_horizon``), shifts per type over the horizon,
  consecutive working days (windows wrap around when cyclic), minimum working stretches and
  stretches off (a stretch touching the edge of a non-cyclic horizon is exempt: the days
  before and after are unknown), working weekends (a Saturday and the following Sunday count
  once).

Soft terms (the objective is their sum; ``Solution.penalties`` lists each non-zero one)
  A wanted preference not granted costs its weight, an unwanted one granted too. Saturday and
  afternoon fairness: the weight times (max - min) of the Saturday (afternoon) shifts among
  the operators able to work at least one of them. Stability, only when ``current`` is not
  empty: the weight per assignment added or removed (an entry of ``current`` that the problem
  no longer allows, e.g. an absence, is a removal every solution pays). Cover targets: the
  under weight per missing operator, the over weight per operator too many. Nothing else
  costs: operators beyond a requirement's minimum are free, so contracts (maximum shifts and
  minutes) bound how many work; a cover target penalises overstaffing where it matters.

Malformed input (a requirement on a shift not held that day, an unknown operator or shift type,
negative weights, a day whose index is not its position, ...) makes ``solve`` return status
"invalid" with ``Solution.errors`` saying what is wrong, and makes ``check`` raise
``ValueError``. Unavailable days outside the horizon are ignored (absences are clipped).

Proving an optimum: a max - min spread gives CP-SAT a weak bound, so before the real solve the
hard rules alone are asked whether each spread can be 0, 1, ...; each "no" proven is added as a
lower bound of that spread (valid, and often what closes the gap).

Infeasibility is explained, never answered with a partial roster: first per requirement (fewer
eligible operators available than the minimum: "not_enough_qualified"), then per competence,
service and head count (the minimums of a day, or of the whole horizon, exceed what the
operators' availability and contracts allow: "not_enough_capacity", naming the group's first
requirement), and when CP-SAT alone proves it, the requirements and operator contracts that
cannot hold together ("conflict", a core shrunk to be minimal within the time limit).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ortools.sat.python import cp_model

Status = Literal["optimal", "feasible", "infeasible", "unknown", "invalid"]


@dataclass(frozen=True)
class ShiftType:
    code: str
    start_minute: int  # minutes after local midnight (0 when the format gives no start time)
    duration_minutes: int
    afternoon: bool = False
    # Shift types that may not be worked the day after this one (besides the rest rule).
    forbidden_next: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Day:
    index: int
    weekday: int  # 0 Monday .. 6 Sunday
    label: str  # "Mon" in a pattern, an ISO date in a dated plan: for explanations only
    shifts: tuple[str, ...]  # shift types held that day; a holiday or Sunday has none


@dataclass(frozen=True)
class Operator:
    id: str
    competences: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    max_shifts: int | None = None  # per 7 days of the horizon (a contract's shifts per week)
    min_shifts: int | None = None  # per 7 days of the horizon
    max_shifts_per_type: Mapping[str, int] = field(default_factory=dict)  # over the horizon
    max_minutes: int | None = None  # per 7 days (contract hours per week x 60)
    min_minutes: int | None = None  # per 7 days
    total_minutes_over_horizon: bool = False  # Curtois: min/max minutes count the whole horizon
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None  # a working stretch touching the horizon edge is exempt
    min_consecutive_days_off: int | None = None  # idem for stretches off
    max_weekends: int | None = None  # weekends (Sat or Sun worked) over the horizon
    unavailable_days: frozenset[int] = frozenset()  # absences, days not in the contract
    unavailable: frozenset[tuple[int, str]] = frozenset()  # (day, shift) pairs


@dataclass(frozen=True)
class Preference:
    operator: str
    day: int
    shift: str
    wanted: bool  # True: penalise not assigning it; False: penalise assigning it
    weight: int


@dataclass(frozen=True)
class Requirement:
    """Hard: at least ``minimum`` operators on (day, shift) with the competence / service
    (neither set: a head count)."""

    day: int
    shift: str
    minimum: int
    competence: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class CoverTarget:
    """Soft cover (the Curtois & Qu format): penalise each operator under or over ``target``."""

    day: int
    shift: str
    target: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class Weights:
    saturday_fairness: int = 2  # per unit of (max - min) Saturday shifts among eligible operators
    afternoon_fairness: int = 1  # idem for afternoon shifts
    stability: int = 5  # per assignment added or removed against ``RosterProblem.current``


@dataclass(frozen=True)
class RosterProblem:
    days: tuple[Day, ...]
    shift_types: tuple[ShiftType, ...]
    operators: tuple[Operator, ...]
    requirements: tuple[Requirement, ...] = ()
    cover_targets: tuple[CoverTarget, ...] = ()
    preferences: tuple[Preference, ...] = ()
    current: frozenset[tuple[str, int, str]] = frozenset()  # (operator, day, shift)
    fixed: frozenset[tuple[str, int, str]] = frozenset()  # must stay (hand edits kept)
    forbidden: frozenset[tuple[str, int, str]] = frozenset()  # must not be assigned
    weights: Weights = Weights()
    min_rest_minutes: int = 0  # between the end of one shift and the start of the next
    cyclic: bool = False  # a repeating pattern: the day after the last is the first


@dataclass(frozen=True)
class Penalty:
    """One soft term that cost something, so the coordinator sees why the roster is as it is."""

    kind: Literal[
        "preference_wanted",
        "preference_unwanted",
        "saturday_fairness",
        "afternoon_fairness",
        "stability_added",
        "stability_removed",
        "under_cover",
        "over_cover",
    ]
    cost: int
    operator: str | None = None
    day: int | None = None
    shift: str | None = None
    amount: int = 1  # e.g. the spread for fairness, the missing operators for under-cover
    # Fairness: "most: <id> (n), fewest: <id> (m)", so the coordinator sees between whom.
    detail: str = ""


@dataclass(frozen=True)
class Shortfall:
    """Why a problem is infeasible, in terms a coordinator can act on."""

    reason: Literal[
        "not_enough_qualified",  # fewer eligible operators than the requirement on that shift
        "not_enough_capacity",  # the requirements of a competence/service exceed contracts
        "conflict",  # CP-SAT's core of requirements that cannot hold together
    ]
    requirement: Requirement | None
    needed: int
    available: int
    detail: str = ""  # a code or operator ids; the Django layer writes the sentence
    # not_enough_capacity: the group (competence, service, or neither for a head count) and the
    # day when the shortfall is within one day (None: over the whole horizon).
    competence: str | None = None
    service: str | None = None
    day: int | None = None
    # conflict: an operator whose own rules (contract, fixed shifts) are part of the core.
    operator: str | None = None


@dataclass(frozen=True)
class Progress:
    seconds: float
    objective: int
    best_bound: int
    solutions: int


@dataclass(frozen=True)
class Solution:
    status: Status
    assignments: frozenset[tuple[str, int, str]]  # empty unless optimal or feasible
    objective: int | None
    best_bound: int | None
    seconds: float
    seconds_to_first: float | None
    penalties: tuple[Penalty, ...] = ()
    shortfalls: tuple[Shortfall, ...] = ()
    errors: tuple[str, ...] = ()  # status "invalid": what is malformed in the problem

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.best_bound)


def relative_gap(objective: float | None, best_bound: float | None) -> float | None:
    """How far the best roster found may still be from the best possible one, as a fraction of
    its cost (0: proven optimal); None until the search has both figures."""
    if objective is None or best_bound is None:
        return None
    if objective == 0:
        return 0.0
    return abs(objective - best_bound) / abs(objective)


def solve(
    problem: RosterProblem,
    *,
    time_limit_s: float = 30.0,
    workers: int = 2,
    on_progress: Callable[[Progress], None] | None = None,
) -> Solution:
    """The cheapest roster under the hard rules, or why there is none.

    ``time_limit_s`` bounds the whole call (a tenth of it, at most 10 s, first proves lower
    bounds of the fairness spreads; explaining an infeasible problem may take up to the rest
    again, at least 1 s). ``on_progress`` runs in a CP-SAT thread on each improving solution;
    ``seconds`` and ``seconds_to_first`` count from the call."""
    started = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - started

    errors = _problems(problem)
    if errors:
        return Solution("invalid", frozenset(), None, None, elapsed(), None, errors=errors)
    index = _Index(problem)
    shortfalls = _fixed_shortfalls(index) + _qualified_shortfalls(index)
    if not shortfalls:
        shortfalls = _capacity_shortfalls(index)
    if shortfalls:
        return Solution("infeasible", frozenset(), None, None, elapsed(), None, (), shortfalls)

    floors = _fairness_floors(index, min(0.1 * time_limit_s, 10.0), workers)
    built = _build(index, explain=False, floors=floors)
    solver = _solver(max(0.01, time_limit_s - elapsed()), workers)
    callback = _Callback(started, on_progress)
    status = solver.solve(built.model, callback)
    first = callback.first

    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignments = frozenset(key for key, var in built.x.items() if solver.boolean_value(var))
        penalties = penalties_of(problem, assignments)
        objective = sum(penalty.cost for penalty in penalties)
        bound = objective if status == cp_model.OPTIMAL else _ceil(solver.best_objective_bound)
        return Solution(
            "optimal" if status == cp_model.OPTIMAL else "feasible",
            assignments,
            objective,
            min(bound, objective),
            elapsed(),
            first if first is not None else elapsed(),
            penalties,
        )
    if status == cp_model.INFEASIBLE:
        budget = max(1.0, time_limit_s - elapsed())
        return Solution(
            "infeasible", frozenset(), None, None, elapsed(), None, (), _explain(index, budget)
        )
    if status == cp_model.MODEL_INVALID:
        message = built.model.validate() or "CP-SAT refused the model"
        return Solution("invalid", frozenset(), None, None, elapsed(), None, errors=(message,))
    return Solution("unknown", frozenset(), None, None, elapsed(), None)


def check(
    problem: RosterProblem, assignments: frozenset[tuple[str, int, str]]
) -> tuple[Violation, ...]:
    """Every hard rule ``assignments`` breaks (hand edits, swaps), without solving.

    ``fixed`` is a solver input, not a rule of the roster: a missing fixed assignment is not a
    violation. For contract rules, ``needed`` is the limit and ``available`` the count found."""
    errors = _problems(problem)
    if errors:
        raise ValueError("; ".join(errors))
    horizon = len(problem.days)
    operators = {operator.id: operator for operator in problem.operators}
    types = {shift.code: shift for shift in problem.shift_types}
    found: list[Violation] = []

    valid: set[_Slot] = set()
    for operator_id, day, shift in sorted(assignments):
        if operator_id not in operators:
            reason = "unknown operator"
        elif not 0 <= day < horizon:
            reason = "unknown day"
        elif shift not in problem.days[day].shifts:
            reason = "shift not held that day"
        else:
            valid.add((operator_id, day, shift))
            continue
        found.append(Violation("unknown_shift", operator_id, day, shift, detail=reason))

    by_day: dict[tuple[str, int], list[str]] = defaultdict(list)
    for operator_id, day, shift in sorted(valid):
        by_day[(operator_id, day)].append(shift)
    conflicts = _succession_conflicts(problem, types)

    for operator in problem.operators:
        days_of = {day: by_day.get((operator.id, day), []) for day in range(horizon)}
        for day, shifts in days_of.items():
            if len(shifts) > 1:
                found.append(
                    Violation(
                        "two_shifts_a_day",
                        operator.id,
                        day,
                        detail=",".join(shifts),
                        needed=1,
                        available=len(shifts),
                    )
                )
            for shift in shifts:
                if day in operator.unavailable_days or (day, shift) in operator.unavailable:
                    found.append(Violation("unavailable", operator.id, day, shift))
                if (operator.id, day, shift) in problem.forbidden:
                    found.append(Violation("forbidden", operator.id, day, shift))
                following = _next_day(day, horizon, problem.cyclic)
                if following is None:
                    continue
                for later in days_of[following]:
                    why = conflicts.get((shift, later))
                    if why is not None:
                        found.append(
                            Violation(
                                "rest",
                                operator.id,
                                day,
                                shift,
                                detail=f"{later} on day {following}: {why}",
                            )
                        )
        found.extend(_contract_violations(problem, operator, types, days_of))

    for requirement in problem.requirements:
        count = sum(
            1
            for operator_id in _assigned_on(valid, requirement.day, requirement.shift)
            if _eligible(operators[operator_id], requirement)
        )
        if count < requirement.minimum:
            found.append(
                Violation(
                    "coverage",
                    None,
                    requirement.day,
                    requirement.shift,
                    requirement=requirement,
                    needed=requirement.minimum,
                    available=count,
                )
            )
    return tuple(found)


@dataclass(frozen=True)
class Violation:
    rule: Literal[
        "two_shifts_a_day",
        "unavailable",
        "max_shifts",
        "min_shifts",
        "max_minutes",
        "min_minutes",
        "max_consecutive_days",
        "rest",
        "forbidden",
        "coverage",
        "unknown_shift",
        # The Curtois format's rules, which the desk's contracts do not use.
        "min_consecutive_days",
        "min_consecutive_days_off",
        "max_weekends",
    ]
    operator: str | None
    day: int | None
    shift: str | None = None
    requirement: Requirement | None = None  # for "coverage": which requirement fell short
    needed: int = 0
    available: int = 0
    detail: str = ""


def penalties_of(
    problem: RosterProblem, assignments: frozenset[tuple[str, int, str]]
) -> tuple[Penalty, ...]:
    """The non-zero soft terms of a roster (the objective is their sum): what ``solve`` reports,
    and what a hand-edited roster costs. Assumes a well-formed problem."""
    index = _Index(problem)
    weights = problem.weights
    found: list[Penalty] = []
    for preference in problem.preferences:
        if preference.weight == 0:
            continue
        given = (preference.operator, preference.day, preference.shift) in assignments
        if preference.wanted and not given:
            kind: Literal["preference_wanted", "preference_unwanted"] = "preference_wanted"
        elif not preference.wanted and given:
            kind = "preference_unwanted"
        else:
            continue
        found.append(
            Penalty(kind, preference.weight, preference.operator, preference.day, preference.shift)
        )
    fairness_terms: tuple[tuple[_Fairness, int, Mapping[str, list[_Slot]]], ...] = (
        ("saturday_fairness", weights.saturday_fairness, index.saturday_slots),
        ("afternoon_fairness", weights.afternoon_fairness, index.afternoon_slots),
    )
    for fairness, weight, slots in fairness_terms:
        counts = {
            operator: sum(1 for slot in mine if slot in assignments)
            for operator, mine in slots.items()
        }
        if weight == 0 or len(counts) < 2:
            continue
        most = max(counts, key=lambda operator: (counts[operator], operator))
        fewest = min(counts, key=lambda operator: (counts[operator], operator))
        spread = counts[most] - counts[fewest]
        if spread:
            found.append(
                Penalty(
                    fairness,
                    weight * spread,
                    amount=spread,
                    detail=f"most: {most} ({counts[most]}), fewest: {fewest} ({counts[fewest]})",
                )
            )
    if problem.current and weights.stability:
        for operator, day, shift in sorted(assignments - problem.current):
            found.append(Penalty("stability_added", weights.stability, operator, day, shift))
        for operator, day, shift in sorted(problem.current - assignments):
            found.append(Penalty("stability_removed", weights.stability, operator, day, shift))
    for target in problem.cover_targets:
        cover = len(_assigned_on(assignments, target.day, target.shift))
        if cover < target.target and target.under_weight:
            missing = target.target - cover
            found.append(
                Penalty(
                    "under_cover",
                    target.under_weight * missing,
                    day=target.day,
                    shift=target.shift,
                    amount=missing,
                )
            )
        if cover > target.target and target.over_weight:
            extra = cover - target.target
            found.append(
                Penalty(
                    "over_cover",
                    target.over_weight * extra,
                    day=target.day,
                    shift=target.shift,
                    amount=extra,
                )
            )
    return tuple(found)


# Implementation ---------------------------------------------------------------------------

_Slot = tuple[str, int, str]
_MINUTES_A_DAY = 24 * 60
_SATURDAY, _SUNDAY = 5, 6
_Fairness = Literal["saturday_fairness", "afternoon_fairness"]
_ContractRule = Literal[
    "max_shifts",
    "min_shifts",
    "max_minutes",
    "min_minutes",
    "max_consecutive_days",
    "min_consecutive_days",
    "min_consecutive_days_off",
    "max_weekends",
]


def _problems(problem: RosterProblem) -> tuple[str, ...]:
    """What makes the problem malformed (empty when it is well formed)."""
    errors: list[str] = []
    horizon = len(problem.days)
    codes = [shift.code for shift in problem.shift_types]
    types = set(codes)
    if len(types) != len(codes):
        errors.append("duplicate shift type codes")
    for shift in problem.shift_types:
        if shift.duration_minutes <= 0:
            errors.append(f"shift type {shift.code}: duration must be positive")
        if not 0 <= shift.start_minute < _MINUTES_A_DAY:
            errors.append(f"shift type {shift.code}: start minute out of the day")
        if not shift.forbidden_next <= types:
            errors.append(f"shift type {shift.code}: unknown shift type in forbidden_next")
    for position, day in enumerate(problem.days):
        if day.index != position:
            errors.append(f"day {day.label}: index {day.index} is not its position {position}")
        if not 0 <= day.weekday <= 6:
            errors.append(f"day {day.label}: weekday {day.weekday} out of 0..6")
        if not set(day.shifts) <= types:
            errors.append(f"day {day.label}: unknown shift type")
        if len(set(day.shifts)) != len(day.shifts):
            errors.append(f"day {day.label}: a shift type listed twice")
    operators = {operator.id for operator in problem.operators}
    if len(operators) != len(problem.operators):
        errors.append("duplicate operator ids")
    for operator in problem.operators:
        limits = (
            operator.max_shifts,
            operator.min_shifts,
            operator.max_minutes,
            operator.min_minutes,
            operator.max_consecutive_days,
            operator.min_consecutive_days,
            operator.min_consecutive_days_off,
            operator.max_weekends,
            *operator.max_shifts_per_type.values(),
        )
        if any(limit is not None and limit < 0 for limit in limits):
            errors.append(f"operator {operator.id}: a negative contract limit")
        if not set(operator.max_shifts_per_type) <= types:
            errors.append(f"operator {operator.id}: unknown shift type in max_shifts_per_type")

    def held(day: int, shift: str) -> bool:
        return 0 <= day < horizon and shift in problem.days[day].shifts

    for requirement in problem.requirements:
        if not held(requirement.day, requirement.shift):
            errors.append(
                f"requirement on day {requirement.day}: shift {requirement.shift} not held"
            )
        if requirement.minimum < 0:
            errors.append(f"requirement on day {requirement.day}: negative minimum")
    for target in problem.cover_targets:
        if not held(target.day, target.shift):
            errors.append(f"cover target on day {target.day}: shift {target.shift} not held")
        if min(target.target, target.under_weight, target.over_weight) < 0:
            errors.append(f"cover target on day {target.day}: negative target or weight")
    for preference in problem.preferences:
        if preference.operator not in operators:
            errors.append(f"preference of unknown operator {preference.operator}")
        if not held(preference.day, preference.shift):
            errors.append(f"preference on day {preference.day}: shift {preference.shift} not held")
        if preference.weight < 0:
            errors.append(f"preference of {preference.operator}: negative weight")
    for name, slots in (("current", problem.current), ("fixed", problem.fixed)):
        for who, when, what in sorted(slots):
            # A current plan may hold a shift the problem no longer has (it is then removed).
            ok = 0 <= when < horizon and what in types if name == "current" else held(when, what)
            if who not in operators or not ok:
                errors.append(f"{name} assignment ({who}, {when}, {what}) is unknown")
    for who, when, what in sorted(problem.forbidden):
        if who not in operators or not 0 <= when < horizon or what not in types:
            errors.append(f"forbidden assignment ({who}, {when}, {what}) is unknown")
    for slot in sorted(problem.fixed & problem.forbidden):
        errors.append(f"assignment {slot} is both fixed and forbidden")
    weights = problem.weights
    if min(weights.saturday_fairness, weights.afternoon_fairness, weights.stability) < 0:
        errors.append("negative weights")
    if problem.min_rest_minutes < 0:
        errors.append("negative minimum rest")
    return tuple(errors)


class _Index:
    """Who may work what: the variables of the model, and the lookups built once."""

    def __init__(self, problem: RosterProblem) -> None:
        self.problem = problem
        self.horizon = len(problem.days)
        self.types = {shift.code: shift for shift in problem.shift_types}
        self.operators = {operator.id: operator for operator in problem.operators}
        # (operator, day) -> the shifts that operator may work that day (availability, forbidden)
        self.options: dict[tuple[str, int], tuple[str, ...]] = {}
        for operator in problem.operators:
            for day in problem.days:
                if day.index in operator.unavailable_days:
                    continue
                shifts = tuple(
                    shift
                    for shift in day.shifts
                    if (day.index, shift) not in operator.unavailable
                    and (operator.id, day.index, shift) not in problem.forbidden
                )
                if shifts:
                    self.options[(operator.id, day.index)] = shifts
        self.slots: tuple[_Slot, ...] = tuple(
            (operator, day, shift)
            for (operator, day), shifts in self.options.items()
            for shift in shifts
        )
        self.slot_set = frozenset(self.slots)
        self.saturday_slots: dict[str, list[_Slot]] = defaultdict(list)
        self.afternoon_slots: dict[str, list[_Slot]] = defaultdict(list)
        for slot in self.slots:
            if problem.days[slot[1]].weekday == _SATURDAY:
                self.saturday_slots[slot[0]].append(slot)
            if self.types[slot[2]].afternoon:
                self.afternoon_slots[slot[0]].append(slot)

    def shifts_of(self, operator: str, day: int) -> tuple[str, ...]:
        return self.options.get((operator, day), ())

    def available_for(self, requirement: Requirement) -> list[str]:
        return [
            operator.id
            for operator in self.problem.operators
            if _eligible(operator, requirement)
            and requirement.shift in self.shifts_of(operator.id, requirement.day)
        ]


def _eligible(operator: Operator, requirement: Requirement) -> bool:
    return (requirement.competence is None or requirement.competence in operator.competences) and (
        requirement.service is None or requirement.service in operator.services
    )


def _assigned_on(assignments: Iterable[_Slot], day: int, shift: str) -> list[str]:
    return [operator for operator, d, s in assignments if d == day and s == shift]


def _next_day(day: int, horizon: int, cyclic: bool) -> int | None:
    if day + 1 < horizon:
        return day + 1
    return 0 if cyclic and horizon > 1 else None


def _succession_conflicts(
    problem: RosterProblem, types: Mapping[str, ShiftType]
) -> dict[tuple[str, str], str]:
    """(shift, shift the next day) pairs that may not follow each other, with the reason."""
    found: dict[tuple[str, str], str] = {}
    for first in types.values():
        for second in types.values():
            rest = (
                _MINUTES_A_DAY + second.start_minute - first.start_minute - first.duration_minutes
            )
            if second.code in first.forbidden_next:
                found[(first.code, second.code)] = f"{second.code} may not follow {first.code}"
            elif rest < problem.min_rest_minutes:
                found[(first.code, second.code)] = (
                    f"rest {rest} min, at least {problem.min_rest_minutes}"
                )
    return found


def _blocks(horizon: int) -> list[range]:
    return [range(start, min(start + 7, horizon)) for start in range(0, horizon, 7)]


def _max_windows(horizon: int, most: int, cyclic: bool) -> list[tuple[tuple[int, ...], int]]:
    """(days, bound) pairs: at most ``bound`` of ``days`` worked, so no run exceeds ``most``."""
    length = most + 1
    if length <= horizon:
        starts = range(horizon) if cyclic else range(horizon - length + 1)
        return [(tuple((start + i) % horizon for i in range(length)), most) for start in starts]
    # A longer run fits only by wrapping around a cycle worked every day.
    return [(tuple(range(horizon)), horizon - 1)] if cyclic else []


def _short_stretches(
    horizon: int, least: int, cyclic: bool
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(inside, borders): stretches shorter than ``least`` with both borders in the horizon; a
    stretch touching the edge of a non-cyclic horizon is exempt."""
    found = []
    for length in range(1, least):
        for start in range(horizon):
            if cyclic:
                if length >= horizon:
                    continue
                inside = tuple((start + i) % horizon for i in range(length))
                borders = tuple(sorted({(start - 1) % horizon, (start + length) % horizon}))
            else:
                if start == 0 or start + length >= horizon:
                    continue
                inside = tuple(range(start, start + length))
                borders = (start - 1, start + length)
            found.append((inside, borders))
    return found


def _weekends(days: Sequence[Day]) -> list[tuple[int, ...]]:
    found: list[tuple[int, ...]] = []
    for day in days:
        if day.weekday == _SATURDAY:
            following = day.index + 1
            if following < len(days) and days[following].weekday == _SUNDAY:
                found.append((day.index, following))
            else:
                found.append((day.index,))
        elif day.weekday == _SUNDAY and not (
            day.index > 0 and days[day.index - 1].weekday == _SATURDAY
        ):
            found.append((day.index,))
    return found


def _ceil(bound: float) -> int:
    # The objective is integral: a bound of 606.9999 proves 607.
    return math.ceil(bound - 1e-6)


# Contract rules, once for checking a roster and once for the model -----------------------


def _contract_violations(
    problem: RosterProblem,
    operator: Operator,
    types: Mapping[str, ShiftType],
    days_of: Mapping[int, list[str]],
) -> list[Violation]:
    horizon = len(problem.days)
    found: list[Violation] = []

    def add(rule: _ContractRule, day: int | None, limit: int, count: int, detail: str) -> None:
        found.append(Violation(rule, operator.id, day, None, None, limit, count, detail))

    def shifts_in(days: Iterable[int]) -> int:
        return sum(len(days_of[day]) for day in days)

    def minutes_in(days: Iterable[int]) -> int:
        return sum(types[shift].duration_minutes for day in days for shift in days_of[day])

    for block in _blocks(horizon):
        span = f"days {block.start}-{block.stop - 1}"
        full = len(block) == 7
        count = shifts_in(block)
        if operator.max_shifts is not None and count > operator.max_shifts:
            add("max_shifts", block.start, operator.max_shifts, count, span)
        if operator.min_shifts is not None and full and count < operator.min_shifts:
            add("min_shifts", block.start, operator.min_shifts, count, span)
        if not operator.total_minutes_over_horizon:
            minutes = minutes_in(block)
            if operator.max_minutes is not None and minutes > operator.max_minutes:
                add("max_minutes", block.start, operator.max_minutes, minutes, span)
            if operator.min_minutes is not None and full and minutes < operator.min_minutes:
                add("min_minutes", block.start, operator.min_minutes, minutes, span)
    if operator.total_minutes_over_horizon:
        minutes = minutes_in(range(horizon))
        if operator.max_minutes is not None and minutes > operator.max_minutes:
            add("max_minutes", None, operator.max_minutes, minutes, "over the horizon")
        if operator.min_minutes is not None and minutes < operator.min_minutes:
            add("min_minutes", None, operator.min_minutes, minutes, "over the horizon")
    for code, most in sorted(operator.max_shifts_per_type.items()):
        count = sum(days_of[day].count(code) for day in range(horizon))
        if count > most:
            found.append(
                Violation("max_shifts", operator.id, None, code, None, most, count, "per type")
            )

    worked = {day for day in range(horizon) if days_of[day]}
    if operator.max_consecutive_days is not None:
        for window, bound in _max_windows(horizon, operator.max_consecutive_days, problem.cyclic):
            count = sum(1 for day in window if day in worked)
            if count > bound:
                add("max_consecutive_days", window[0], operator.max_consecutive_days, count, "")
    for rule, least, on_inside in (
        ("min_consecutive_days", operator.min_consecutive_days, True),
        ("min_consecutive_days_off", operator.min_consecutive_days_off, False),
    ):
        if least is None:
            continue
        for inside, borders in _short_stretches(horizon, least, problem.cyclic):
            if all((day in worked) == on_inside for day in inside) and all(
                (day in worked) != on_inside for day in borders
            ):
                add(
                    "min_consecutive_days" if on_inside else "min_consecutive_days_off",
                    inside[0],
                    least,
                    len(inside),
                    rule,
                )
    if operator.max_weekends is not None:
        weekends = sum(
            1 for weekend in _weekends(problem.days) if any(day in worked for day in weekend)
        )
        if weekends > operator.max_weekends:
            add("max_weekends", None, operator.max_weekends, weekends, "")
    return found


@dataclass
class _Built:
    model: cp_model.CpModel
    x: dict[_Slot, cp_model.IntVar]
    # Explanation mode: one literal per requirement, one per operator's own rules.
    requirement_literals: list[cp_model.IntVar] = field(default_factory=list)
    operator_literals: dict[str, cp_model.IntVar] = field(default_factory=dict)


def _build(
    index: _Index,
    *,
    explain: bool,
    soft: bool = True,
    floors: Mapping[_Fairness, int] | None = None,
) -> _Built:
    """The CP-SAT model. With ``explain``, no objective, and each requirement and each
    operator's own rules hold only under an assumption literal (the rest, at most a shift a day
    and the successions, always holds: an empty roster satisfies it). Without ``soft``, the
    hard rules alone. ``floors``: proven lower bounds of the fairness spreads."""
    problem = index.problem
    model = cp_model.CpModel()
    x = {slot: model.new_bool_var(f"x[{slot[0]},{slot[1]},{slot[2]}]") for slot in index.slots}
    built = _Built(model, x)
    horizon = index.horizon
    conflicts = _succession_conflicts(problem, index.types)

    for operator in problem.operators:
        for day in range(horizon):
            today = [x[(operator.id, day, shift)] for shift in index.shifts_of(operator.id, day)]
            if len(today) > 1:
                model.add_at_most_one(today)
            following = _next_day(day, horizon, problem.cyclic)
            if following is None:
                continue
            for shift in index.shifts_of(operator.id, day):
                for later in index.shifts_of(operator.id, following):
                    if (shift, later) in conflicts:
                        model.add_bool_or(
                            [
                                x[(operator.id, day, shift)].negated(),
                                x[(operator.id, following, later)].negated(),
                            ]
                        )
        literal = None
        if explain:
            literal = model.new_bool_var(f"rules[{operator.id}]")
            built.operator_literals[operator.id] = literal
        _add_contract(model, index, operator, x, literal)

    for position, requirement in enumerate(problem.requirements):
        eligible = [
            x[(operator, requirement.day, requirement.shift)]
            for operator in index.available_for(requirement)
        ]
        constraint = model.add(cp_model.LinearExpr.sum(eligible) >= requirement.minimum)
        if explain:
            literal = model.new_bool_var(f"requirement[{position}]")
            built.requirement_literals.append(literal)
            constraint.only_enforce_if(literal)

    if soft and not explain:
        _add_objective(model, index, x, floors or {})
        if problem.current:
            for slot, var in x.items():
                model.add_hint(var, slot in problem.current)
    return built


def _add_contract(
    model: cp_model.CpModel,
    index: _Index,
    operator: Operator,
    x: Mapping[_Slot, cp_model.IntVar],
    literal: cp_model.IntVar | None,
) -> None:
    problem = index.problem
    horizon = index.horizon

    def enforce(constraint: cp_model.Constraint) -> None:
        if literal is not None:
            constraint.only_enforce_if(literal)

    def shifts_on(days: Iterable[int]) -> list[cp_model.IntVar]:
        return [x[(operator.id, day, s)] for day in days for s in index.shifts_of(operator.id, day)]

    def worked(days: Iterable[int]) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.sum(shifts_on(days))

    def minutes(days: Iterable[int]) -> cp_model.LinearExpr:
        chosen = [(operator.id, day, s) for day in days for s in index.shifts_of(operator.id, day)]
        return cp_model.LinearExpr.weighted_sum(
            [x[slot] for slot in chosen], [index.types[slot[2]].duration_minutes for slot in chosen]
        )

    for slot in sorted(problem.fixed):
        if slot[0] == operator.id:
            enforce(model.add(x[slot] == 1))
    for block in _blocks(horizon):
        full = len(block) == 7
        if operator.max_shifts is not None:
            enforce(model.add(worked(block) <= operator.max_shifts))
        if operator.min_shifts is not None and full:
            enforce(model.add(worked(block) >= operator.min_shifts))
        if not operator.total_minutes_over_horizon:
            if operator.max_minutes is not None:
                enforce(model.add(minutes(block) <= operator.max_minutes))
            if operator.min_minutes is not None and full:
                enforce(model.add(minutes(block) >= operator.min_minutes))
    if operator.total_minutes_over_horizon:
        if operator.max_minutes is not None:
            enforce(model.add(minutes(range(horizon)) <= operator.max_minutes))
        if operator.min_minutes is not None:
            enforce(model.add(minutes(range(horizon)) >= operator.min_minutes))
    for code, most in operator.max_shifts_per_type.items():
        of_type = [
            x[(operator.id, day, code)]
            for day in range(horizon)
            if code in index.shifts_of(operator.id, day)
        ]
        enforce(model.add(cp_model.LinearExpr.sum(of_type) <= most))
    if operator.max_consecutive_days is not None:
        for window, bound in _max_windows(horizon, operator.max_consecutive_days, problem.cyclic):
            enforce(model.add(worked(window) <= bound))
    # A stretch pattern is refused by "a border worked, or an inside day off" (working days);
    # the same with the roles swapped for stretches off.
    for least, on_inside in (
        (operator.min_consecutive_days, True),
        (operator.min_consecutive_days_off, False),
    ):
        if least is None:
            continue
        for inside, borders in _short_stretches(horizon, least, problem.cyclic):
            if on_inside:
                breaking = worked(borders) + len(inside) - worked(inside)
            else:
                breaking = worked(inside) + len(borders) - worked(borders)
            enforce(model.add(breaking >= 1))
    if operator.max_weekends is not None:
        counted = []
        for weekend in _weekends(problem.days):
            shifts = shifts_on(weekend)
            if not shifts:
                continue
            weekend_worked = model.new_bool_var(f"weekend[{operator.id},{weekend[0]}]")
            for var in shifts:
                model.add_implication(var, weekend_worked)
            counted.append(weekend_worked)
        enforce(model.add(cp_model.LinearExpr.sum(counted) <= operator.max_weekends))


def _add_objective(
    model: cp_model.CpModel,
    index: _Index,
    x: Mapping[_Slot, cp_model.IntVar],
    floors: Mapping[_Fairness, int],
) -> None:
    """The same terms as ``penalties_of``, as a linear objective."""
    problem = index.problem
    weights = problem.weights
    coefficients: dict[_Slot, int] = defaultdict(int)
    constant = 0
    extra: list[cp_model.LinearExpr] = []

    for preference in problem.preferences:
        slot = (preference.operator, preference.day, preference.shift)
        if preference.wanted:
            constant += preference.weight
            if slot in x:
                coefficients[slot] -= preference.weight
        elif slot in x:
            coefficients[slot] += preference.weight

    for kind, weight, slots in _fairness_groups(index):
        most = model.new_int_var(0, index.horizon, f"most[{kind}]")
        fewest = model.new_int_var(0, index.horizon, f"fewest[{kind}]")
        for mine in slots.values():
            count = cp_model.LinearExpr.sum([x[slot] for slot in mine])
            model.add(most >= count)
            model.add(fewest <= count)
        model.add(most - fewest >= floors.get(kind, 0))
        extra.append(weight * (most - fewest))

    if problem.current and weights.stability:
        for slot in x:
            coefficients[slot] += (
                -weights.stability if slot in problem.current else weights.stability
            )
        constant += weights.stability * len(problem.current)

    for position, target in enumerate(problem.cover_targets):
        on_shift = [
            x[(operator.id, target.day, target.shift)]
            for operator in problem.operators
            if (operator.id, target.day, target.shift) in x
        ]
        size = len(problem.operators) + target.target
        under = model.new_int_var(0, size, f"under[{position}]")
        over = model.new_int_var(0, size, f"over[{position}]")
        model.add(cp_model.LinearExpr.sum(on_shift) + under - over == target.target)
        extra.append(target.under_weight * under + target.over_weight * over)

    used = [slot for slot, coefficient in coefficients.items() if coefficient]
    objective = cp_model.LinearExpr.weighted_sum(
        [x[slot] for slot in used], [coefficients[slot] for slot in used]
    )
    model.minimize(objective + cp_model.LinearExpr.sum(extra) + constant)


def _fairness_groups(
    index: _Index,
) -> list[tuple[_Fairness, int, Mapping[str, list[_Slot]]]]:
    """The fairness terms that cost something: a weight and at least two operators to compare."""
    weights = index.problem.weights
    groups: list[tuple[_Fairness, int, Mapping[str, list[_Slot]]]] = [
        ("saturday_fairness", weights.saturday_fairness, index.saturday_slots),
        ("afternoon_fairness", weights.afternoon_fairness, index.afternoon_slots),
    ]
    return [group for group in groups if group[1] > 0 and len(group[2]) >= 2]


def _fairness_floors(index: _Index, budget_s: float, workers: int) -> dict[_Fairness, int]:
    """The smallest spread each fairness term can have, proven on the hard rules alone.

    A max - min spread gives CP-SAT a weak bound: it finds the optimum quickly but may not prove
    it (e.g. "not every operator can work this Saturday" is a separate infeasibility proof). So
    first ask, while a small budget lasts, whether the spread can be 0, 1, ...: each "no" proven
    becomes a valid lower bound of the spread in the real model."""
    deadline = time.perf_counter() + budget_s
    floors: dict[_Fairness, int] = {}
    for kind, _, slots in _fairness_groups(index):
        floor = 0
        widest = max(len(mine) for mine in slots.values())  # no spread exceeds it
        while floor < widest:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            built = _build(index, explain=False, soft=False)
            level = built.model.new_int_var(0, index.horizon, "level")
            for mine in slots.values():
                count = cp_model.LinearExpr.sum([built.x[slot] for slot in mine])
                built.model.add(count >= level)
                built.model.add(count <= level + floor)
            if _solver(remaining, workers).solve(built.model) != cp_model.INFEASIBLE:
                break
            floor += 1
        floors[kind] = floor
    return floors


def _solver(time_limit_s: float, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit_s)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = 0
    return solver


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float, on_progress: Callable[[Progress], None] | None) -> None:
        super().__init__()
        self.started = started
        self.on_progress = on_progress
        self.first: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        seconds = time.perf_counter() - self.started
        self.count += 1
        if self.first is None:
            self.first = seconds
        if self.on_progress is not None:
            objective = round(self.objective_value)
            bound = min(_ceil(self.best_objective_bound), objective)
            self.on_progress(Progress(seconds, objective, bound, self.count))


# Explanations ------------------------------------------------------------------------------


def _fixed_shortfalls(index: _Index) -> tuple[Shortfall, ...]:
    return tuple(
        Shortfall(
            "conflict",
            None,
            1,
            0,
            detail=f"fixed on day {day} ({shift}) but unavailable",
            day=day,
            operator=operator,
        )
        for operator, day, shift in sorted(index.problem.fixed)
        if (operator, day, shift) not in index.slot_set
    )


def _qualified_shortfalls(index: _Index) -> tuple[Shortfall, ...]:
    found = []
    for requirement in index.problem.requirements:
        available = index.available_for(requirement)
        if len(available) < requirement.minimum:
            found.append(
                Shortfall(
                    "not_enough_qualified",
                    requirement,
                    requirement.minimum,
                    len(available),
                    detail=",".join(available),
                    competence=requirement.competence,
                    service=requirement.service,
                    day=requirement.day,
                )
            )
    return tuple(found)


def _capacity_shortfalls(index: _Index) -> tuple[Shortfall, ...]:
    """Per competence, per service and per head count: the minimums of one day, then of the
    whole horizon, against what the group's operators can work (one shift a day, their weekly
    shifts and minutes). Requirements of one group on the same shift share operators, so the
    largest minimum of each shift counts."""
    groups: dict[tuple[str | None, str | None], list[Requirement]] = defaultdict(list)
    for requirement in index.problem.requirements:
        groups[(None, None)].append(requirement)
        if requirement.competence is not None:
            groups[(requirement.competence, None)].append(requirement)
        if requirement.service is not None:
            groups[(None, requirement.service)].append(requirement)
    found: list[Shortfall] = []
    for (competence, service), requirements in sorted(groups.items(), key=lambda g: str(g[0])):
        found.extend(_group_shortfalls(index, competence, service, requirements))
    return tuple(found)


def _group_shortfalls(
    index: _Index, competence: str | None, service: str | None, requirements: list[Requirement]
) -> list[Shortfall]:
    probe = Requirement(0, "", 0, competence, service)
    members = [operator for operator in index.problem.operators if _eligible(operator, probe)]
    need: dict[tuple[int, str], int] = defaultdict(int)
    first_of: dict[tuple[int, str], Requirement] = {}
    for requirement in requirements:
        key = (requirement.day, requirement.shift)
        need[key] = max(need[key], requirement.minimum)
        first_of.setdefault(key, requirement)
    needed_shifts: dict[int, set[str]] = defaultdict(set)
    for (day, shift), minimum in need.items():
        if minimum:
            needed_shifts[day].add(shift)

    def can_work(operator: Operator, day: int) -> bool:
        return bool(needed_shifts[day] & set(index.shifts_of(operator.id, day)))

    def shortfall(needed: int, available: int, day: int | None) -> Shortfall:
        # The group's first requirement (of that day) lets the product say where it bites.
        keys = sorted(key for key in need if need[key] and (day is None or key[0] == day))
        return Shortfall(
            "not_enough_capacity",
            first_of[keys[0]],
            needed,
            available,
            detail="horizon" if day is None else f"day {day}",
            competence=competence,
            service=service,
            day=day,
        )

    found = []
    for day in sorted(needed_shifts):
        needed = sum(need[(day, shift)] for shift in needed_shifts[day])
        available = sum(1 for operator in members if can_work(operator, day))
        if needed > available:
            found.append(shortfall(needed, available, day))
    if found:
        return found
    total = sum(need.values())
    capacity = sum(_capacity(index, operator, can_work) for operator in members)
    return [shortfall(total, capacity, None)] if total > capacity else []


def _capacity(index: _Index, operator: Operator, can_work: Callable[[Operator, int], bool]) -> int:
    """At most how many of the group's needed shifts one operator can work over the horizon."""
    shortest = min((shift.duration_minutes for shift in index.types.values()), default=1)
    total = 0
    for block in _blocks(index.horizon):
        limit = sum(1 for day in block if can_work(operator, day))
        if operator.max_shifts is not None:
            limit = min(limit, operator.max_shifts)
        if operator.max_minutes is not None and not operator.total_minutes_over_horizon:
            limit = min(limit, operator.max_minutes // shortest)
        total += limit
    if operator.max_minutes is not None and operator.total_minutes_over_horizon:
        total = min(total, operator.max_minutes // shortest)
    return total


def _explain(index: _Index, budget_s: float) -> tuple[Shortfall, ...]:
    """The requirements and operators' rules that cannot hold together: CP-SAT's sufficient
    assumptions, then shrunk one literal at a time while the time budget lasts."""
    deadline = time.perf_counter() + budget_s
    built = _build(index, explain=True)
    operators = list(built.operator_literals)
    literals = built.requirement_literals + list(built.operator_literals.values())
    position_of = {literal.index: position for position, literal in enumerate(literals)}

    def infeasible_core(subset: Sequence[int]) -> list[int] | None:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None
        built.model.clear_assumptions()
        built.model.add_assumptions([literals[position] for position in subset])
        solver = _solver(remaining, 1)  # a core comes with one worker
        if solver.solve(built.model) != cp_model.INFEASIBLE:
            return None
        return sorted(
            position_of[literal]
            for literal in solver.sufficient_assumptions_for_infeasibility()
            if literal in position_of
        )

    core = infeasible_core(range(len(literals)))
    if not core:
        return (
            Shortfall("conflict", None, 0, 0, detail="no explanation found within the time limit"),
        )
    position = 0
    while position < len(core):
        smaller = infeasible_core(core[:position] + core[position + 1 :])
        if smaller is None:
            position += 1
        else:
            core = smaller
    found = []
    requirements = index.problem.requirements
    for position in core:
        if position < len(requirements):
            requirement = requirements[position]
            available = index.available_for(requirement)
            found.append(
                Shortfall(
                    "conflict",
                    requirement,
                    requirement.minimum,
                    len(available),
                    detail=",".join(available),
                    competence=requirement.competence,
                    service=requirement.service,
                    day=requirement.day,
                )
            )
        else:
            operator = operators[position - len(requirements)]
            found.append(Shortfall("conflict", None, 0, 0, detail="contract", operator=operator))
    return tuple(found)
