"""The roster solver on a realistic desk, and on any Curtois & Qu benchmark file.

Without arguments: a desk generated deterministically from a seed (40 operators, 4 services,
6 competences, Monday to Saturday mornings 9:30-13:45 and afternoons 13:45-18:00, contracts of
18-36 h a week, days available, preferences, coverage per competence and per service). It solves
the weekly pattern (cyclic, with preferences, fairness of Saturdays and afternoons), then a
4-week dated plan from 30 March 2026 (Easter Monday and 25 April have no shifts) with a few
absences, where ``current`` is the pattern repeated and the solver looks for the fewest changes.
If ``../shared/benchmarks/shift-scheduling/Instance1.txt`` exists it is solved too. Every
phase reports the time to the first feasible roster, the time to the proven optimum (or the
gap at the time limit), the objective and the bound, on ``--workers`` (default 2) workers.

Baseline, measured in the same run on the same machine: the same problem with every soft term
removed (no preferences, fairness, stability or cover targets), so CP-SAT only has to find a
roster satisfying the same hard rules over the same variables; its objective is 0, so its first
solution is optimal. ``ratio`` = time to the proven optimum (or to the time limit) / baseline
time: what optimising the soft terms costs over merely finding a legal roster. Raw seconds
depend on the machine and its load; the ratio much less.

After every solve: the roster passes ``check`` with no violation, its penalties sum to the
objective, and in the dated plan nobody's shifts change outside the absences' reach (reported).
A failed check exits non-zero.

    .venv/bin/python bench/roster.py [--time-limit 60] [--workers 2] [--seed 20260330]
    .venv/bin/python bench/roster.py --instance FILE [--time-limit S]   # one JSON line
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import harness

if str(harness.ROOT) not in sys.path:
    sys.path.insert(0, str(harness.ROOT))

from sportello.rota import shift_scheduling_format
from sportello.rota.solver import (
    Day,
    Operator,
    Preference,
    Progress,
    Requirement,
    RosterProblem,
    ShiftType,
    Solution,
    Weights,
    check,
    penalties_of,
    solve,
)

NAME = "roster"
INSTANCE1 = harness.ROOT.parent / "shared" / "benchmarks" / "shift-scheduling" / "Instance1.txt"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MORNING = ShiftType("morning", 9 * 60 + 30, 255)
AFTERNOON = ShiftType("afternoon", 13 * 60 + 45, 255, afternoon=True)
SERVICES = ("emergency", "victims", "mediation", "criminology")
COMPETENCES = (
    "clinical_psychology",
    "psychotraumatology",
    "crisis_intervention",
    "victim_support",
    "criminology",
    "mediation",
)
FIRST_DAY = datetime.date(2026, 3, 30)  # a Monday
HOLIDAYS = {datetime.date(2026, 4, 6), datetime.date(2026, 4, 25)}  # Easter Monday, Liberation
MIN_REST_MINUTES = 11 * 60


# The desk


def desk_operators(rng: random.Random, count: int = 40) -> tuple[Operator, ...]:
    operators = []
    for number in range(1, count + 1):
        hours = rng.choice((18, 24, 24, 30, 36, 36))
        # 4h15 shifts, one a day, Monday to Saturday: a 36 h contract still fits six shifts
        # (its other hours are casework); the week is worked to the contract or one shift less.
        most = min(6, hours * 60 // 255)
        days_off = rng.sample(range(6), rng.choice((0, 0, 1, 2)) if most <= 4 else 0)
        services = {rng.choices(SERVICES, weights=(6, 3, 2, 2))[0]}
        if rng.random() < 0.3:
            services.add(rng.choice(SERVICES))
        competences = set(rng.sample(COMPETENCES[:4], rng.randint(1, 2)))
        if number % 3 == 0:
            competences.add("psychotraumatology")
        if number % 7 == 0 or "criminology" in services:
            competences.add("criminology")
        if "mediation" in services:
            competences.add("mediation")
        operators.append(
            Operator(
                id=f"op{number:02d}",
                competences=frozenset(competences),
                services=frozenset(services),
                max_shifts=most,
                min_shifts=most - 1,
                max_minutes=hours * 60,
                max_consecutive_days=5,
                unavailable_days=frozenset(days_off),
            )
        )
    return tuple(operators)


def pattern_days() -> tuple[Day, ...]:
    return tuple(
        Day(index, index, WEEKDAYS[index], ("morning", "afternoon") if index < 6 else ())
        for index in range(7)
    )


def dated_days(weeks: int = 4) -> tuple[Day, ...]:
    days = []
    for index in range(7 * weeks):
        date = FIRST_DAY + datetime.timedelta(days=index)
        held = date.weekday() < 6 and date not in HOLIDAYS
        days.append(
            Day(index, date.weekday(), date.isoformat(), ("morning", "afternoon") if held else ())
        )
    return tuple(days)


def requirements(days: tuple[Day, ...]) -> tuple[Requirement, ...]:
    found: list[Requirement] = []
    for day in days:
        saturday = day.weekday == 5
        for shift in day.shifts:
            morning = shift == "morning"
            heads = (10 if morning else 8) if saturday else (17 if morning else 15)
            found += [
                Requirement(day.index, shift, heads),
                Requirement(day.index, shift, 1, competence="psychotraumatology"),
                Requirement(day.index, shift, 2, competence="crisis_intervention"),
                Requirement(day.index, shift, 5 if saturday else 7, service="emergency"),
                Requirement(day.index, shift, 1 if saturday else 2, service="victims"),
                Requirement(day.index, shift, 1, service="mediation"),
            ]
            if day.weekday in (1, 3) and not morning:
                found.append(Requirement(day.index, shift, 1, competence="criminology"))
            if not saturday:
                found.append(Requirement(day.index, shift, 1, service="criminology"))
    return tuple(found)


def preferences(
    rng: random.Random, operators: tuple[Operator, ...], days: tuple[Day, ...]
) -> tuple[Preference, ...]:
    found = []
    for operator in operators:
        for _ in range(rng.randint(1, 4)):
            weekday = rng.randrange(6)
            shift = rng.choice(("morning", "afternoon"))
            wanted = rng.random() < 0.5
            weight = rng.randint(1, 5)
            found += [
                Preference(operator.id, day.index, shift, wanted, weight)
                for day in days
                if day.weekday == weekday and shift in day.shifts
            ]
    # One wish per operator and (day, shift): the last drawn wins.
    unique = {(p.operator, p.day, p.shift): p for p in found}
    return tuple(unique.values())


def pattern_problem(seed: int) -> RosterProblem:
    rng = random.Random(seed)
    operators = desk_operators(rng)
    days = pattern_days()
    return RosterProblem(
        days=days,
        shift_types=(MORNING, AFTERNOON),
        operators=operators,
        requirements=requirements(days),
        preferences=preferences(rng, operators, days),
        weights=Weights(saturday_fairness=2, afternoon_fairness=1, stability=5),
        min_rest_minutes=MIN_REST_MINUTES,
        cyclic=True,
    )


def dated_problem(
    pattern: RosterProblem, roster: frozenset[tuple[str, int, str]], seed: int
) -> RosterProblem:
    """Four weeks of the pattern with absences: only the weekly maximums stay (an absence or a
    holiday may leave fewer shifts than a contract's weekly minimum), stability weighs 10."""
    rng = random.Random(seed + 1)
    days = dated_days()
    current = frozenset(
        (operator, day.index, shift)
        for operator, weekday, shift in roster
        for day in days
        if day.weekday == weekday and shift in day.shifts
    )
    absent = rng.sample([operator.id for operator in pattern.operators], 5)
    spans = (range(7, 12), range(15, 18), range(2, 4), range(19, 20), range(22, 24))
    absences = {operator: frozenset(span) for operator, span in zip(absent, spans, strict=True)}
    operators = tuple(
        replace(
            operator,
            min_shifts=None,
            unavailable_days=frozenset(
                day.index for day in days if day.weekday in operator.unavailable_days
            )
            | absences.get(operator.id, frozenset()),
        )
        for operator in pattern.operators
    )
    return RosterProblem(
        days=days,
        shift_types=pattern.shift_types,
        operators=operators,
        requirements=requirements(days),
        current=current,
        weights=Weights(saturday_fairness=0, afternoon_fairness=0, stability=10),
        min_rest_minutes=MIN_REST_MINUTES,
    )


def hard_only(problem: RosterProblem) -> RosterProblem:
    """The baseline's problem: the same hard rules, no soft term at all."""
    return replace(
        problem,
        preferences=(),
        cover_targets=(),
        current=frozenset(),
        weights=Weights(saturday_fairness=0, afternoon_fairness=0, stability=0),
    )


# Measuring


def measure(
    name: str, problem: RosterProblem, time_limit: float, workers: int
) -> tuple[dict[str, Any], Solution]:
    progress: list[Progress] = []
    solution = solve(problem, time_limit_s=time_limit, workers=workers, on_progress=progress.append)
    baseline = solve(hard_only(problem), time_limit_s=time_limit, workers=workers)
    slots = sum(
        1
        for operator in problem.operators
        for day in problem.days
        for shift in day.shifts
        if day.index not in operator.unavailable_days
    )
    row = {
        "phase": name,
        "operators": len(problem.operators),
        "days": len(problem.days),
        "variables": slots,
        "requirements": len(problem.requirements),
        "status": solution.status,
        "first_s": solution.seconds_to_first,
        "optimum_s": solution.seconds if solution.status == "optimal" else None,
        "seconds": solution.seconds,
        "objective": solution.objective,
        "best_bound": solution.best_bound,
        "gap": solution.gap,
        "solutions": len(progress),
        "baseline_status": baseline.status,
        "baseline_s": baseline.seconds,
        "ratio": harness.ratio(solution.seconds, baseline.seconds),
        "first_ratio": harness.ratio(solution.seconds_to_first or float("nan"), baseline.seconds),
        "penalties": _penalty_summary(solution),
        "shortfalls": [str(shortfall) for shortfall in solution.shortfalls],
    }
    return row, solution


def _penalty_summary(solution: Solution) -> dict[str, int]:
    summary: dict[str, int] = {}
    for penalty in solution.penalties:
        summary[penalty.kind] = summary.get(penalty.kind, 0) + penalty.cost
    return summary


def verify(name: str, problem: RosterProblem, solution: Solution) -> dict[str, Any]:
    if solution.status not in ("optimal", "feasible"):
        print(f"  {name}: {solution.status}, nothing to check")
        return {"phase": name, "status": solution.status, "ok": False}
    violations = check(problem, solution.assignments)
    cost = sum(penalty.cost for penalty in penalties_of(problem, solution.assignments))
    ok = not violations and cost == solution.objective
    result: dict[str, Any] = {
        "phase": name,
        "violations": len(violations),
        "penalties_sum": cost,
        "objective": solution.objective,
        "ok": ok,
    }
    line = f"  {name}: {len(violations)} violations, penalties sum {cost} = objective"
    if problem.current:
        absent = {
            (operator.id, day)
            for operator in problem.operators
            for day in operator.unavailable_days
        }
        lost = {slot for slot in problem.current if (slot[0], slot[1]) in absent}
        added = solution.assignments - problem.current
        removed = problem.current - solution.assignments
        result.update(lost_to_absences=len(lost), added=len(added), removed=len(removed))
        line += (
            f"; {len(lost)} shifts lost to absences, {len(added)} added, {len(removed)} removed "
            f"of {len(problem.current)}"
        )
    print(line + (" → OK" if ok else " → FAILED"))
    return result


def solve_instance(path: Path, time_limit: float, workers: int) -> dict[str, Any]:
    problem = shift_scheduling_format.load(path)
    started = time.perf_counter()
    solution = solve(problem, time_limit_s=time_limit, workers=workers)
    return {
        "instance": path.name,
        "objective": solution.objective,
        "best_bound": solution.best_bound,
        "status": solution.status,
        "seconds": round(time.perf_counter() - started, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/roster.py", description=__doc__.split("\n")[0])
    parser.add_argument("--instance", type=Path, help="solve this Curtois & Qu file only")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=20260330, help="the desk's random seed")
    parser.add_argument("--json", type=Path, default=harness.RESULTS / f"{NAME}.json")
    args = parser.parse_args()
    if args.time_limit <= 0 or args.workers < 1:
        parser.error("--time-limit must be positive and --workers at least 1")
    if args.instance is not None:
        try:
            print(json.dumps(solve_instance(args.instance, args.time_limit, args.workers)))
        except (OSError, ValueError) as error:
            sys.exit(f"{args.instance}: {error}")
        return

    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    pattern = pattern_problem(args.seed)
    row, weekly = measure("weekly pattern", pattern, args.time_limit, args.workers)
    rows.append(row)
    checks.append(verify("weekly pattern", pattern, weekly))
    if weekly.assignments:
        dated = dated_problem(pattern, weekly.assignments, args.seed)
        row, plan = measure("4-week plan", dated, args.time_limit, args.workers)
        rows.append(row)
        checks.append(verify("4-week plan", dated, plan))
    if INSTANCE1.exists():
        instance = shift_scheduling_format.load(INSTANCE1)
        row, solution = measure("Curtois Instance1", instance, args.time_limit, args.workers)
        row["known_optimum"] = 607
        rows.append(row)
        checks.append(verify("Curtois Instance1", instance, solution))

    harness.print_table(
        f"Roster solver, {args.workers} workers, time limit {args.time_limit:g} s per solve",
        [
            harness.Column("phase", "phase"),
            harness.Column("variables", "vars"),
            harness.Column("requirements", "reqs"),
            harness.Column("status", "status"),
            harness.Column("first_s", "first s", "{:.2f}"),
            harness.Column("optimum_s", "optimum s", "{:.2f}"),
            harness.Column("objective", "objective"),
            harness.Column("best_bound", "bound"),
            harness.Column("gap", "gap", "{:.2%}"),
            harness.Column("baseline_s", "baseline s", "{:.2f}"),
            harness.Column("ratio", "ratio", "{:.1f}"),
        ],
        rows,
    )
    for row in rows:
        print(f"  {row['phase']}: penalties {row['penalties'] or 'none'}")
    path = harness.write_json(
        args.json,
        NAME,
        parameters={
            "time_limit_s": args.time_limit,
            "workers": args.workers,
            "seed": args.seed,
            "first_day": FIRST_DAY.isoformat(),
            "ortools": _version("ortools"),
        },
        rows=rows,
        checks=checks,
        notes="ratio = seconds to the proven optimum (or the time limit) / seconds to solve the "
        "same hard rules with no soft term (baseline), same run, same workers.",
    )
    print(f"JSON: {path.relative_to(harness.ROOT) if path.is_relative_to(harness.ROOT) else path}")
    if not all(check_["ok"] for check_ in checks):
        sys.exit("A check failed: see above.")


def _version(package: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:
        return None


if __name__ == "__main__":
    main()
