"""The Curtois & Qu shift-scheduling benchmark format, read into the roster solver's problem.

The public "Employee Shift Scheduling Benchmark Data Sets" (schedulingbenchmarks.org) are text
files of sections; this adapter maps each onto the same ``RosterProblem`` the desk uses, so the
benchmark measures the product's engine, not a separate model:

- SECTION_HORIZON: the number of days; day 0 is a Monday, no cycle.
- SECTION_SHIFTS ``id,minutes,next|next``: shift types with no start time (start 0, so the rest
  rule never binds) and the types that may not follow on the next day.
- SECTION_STAFF ``id,T=n|U=m,max_min,min_min,max_cons,min_cons,min_off,max_weekends``: the
  contract; minutes count over the whole horizon; a stretch touching the edge of the horizon is
  exempt from the minimum stretch rules (the days around the horizon are unknown).
- SECTION_DAYS_OFF ``id,day,day...``: hard unavailability.
- SECTION_SHIFT_ON_REQUESTS / SECTION_SHIFT_OFF_REQUESTS ``id,day,shift,weight``: preferences.
- SECTION_COVER ``day,shift,requirement,under_weight,over_weight``: soft cover targets.

Fairness and stability weigh nothing here: the format's objective is cover plus requests only.
Malformed text raises ``ValueError`` naming the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sportello.rota.solver import (
    CoverTarget,
    Day,
    Operator,
    Preference,
    RosterProblem,
    ShiftType,
    Weights,
)

__all__ = ["SECTIONS", "load", "parse"]

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def load(path: str | Path) -> RosterProblem:
    return parse(Path(path).read_text(encoding="utf-8"))


def parse(text: str) -> RosterProblem:
    sections = _sections(text)
    horizon_rows = sections.get("SECTION_HORIZON", [])
    if len(horizon_rows) != 1 or len(horizon_rows[0][1]) != 1:
        raise ValueError("SECTION_HORIZON must hold exactly one number")
    line, (length,) = horizon_rows[0]
    horizon = _int(length, line)
    if horizon <= 0:
        raise ValueError(f"line {line}: the horizon must be positive")

    shift_types = tuple(_shift(fields, line) for line, fields in sections.get("SECTION_SHIFTS", []))
    if not shift_types:
        raise ValueError("SECTION_SHIFTS holds no shift")
    codes = tuple(shift.code for shift in shift_types)
    days = tuple(
        Day(index=day, weekday=day % 7, label=f"{_WEEKDAYS[day % 7]} {day}", shifts=codes)
        for day in range(horizon)
    )

    days_off: dict[str, frozenset[int]] = {}
    for line, fields in sections.get("SECTION_DAYS_OFF", []):
        days_off[fields[0]] = frozenset(_int(value, line) for value in fields[1:] if value)
    operators = tuple(
        _operator(fields, line, days_off) for line, fields in sections.get("SECTION_STAFF", [])
    )

    preferences = tuple(
        _preference(fields, line, wanted)
        for name, wanted in (
            ("SECTION_SHIFT_ON_REQUESTS", True),
            ("SECTION_SHIFT_OFF_REQUESTS", False),
        )
        for line, fields in sections.get(name, [])
    )
    cover_targets = tuple(
        _cover(fields, line) for line, fields in sections.get("SECTION_COVER", [])
    )
    return RosterProblem(
        days=days,
        shift_types=shift_types,
        operators=operators,
        cover_targets=cover_targets,
        preferences=preferences,
        weights=Weights(saturday_fairness=0, afternoon_fairness=0, stability=0),
        min_rest_minutes=0,
        cyclic=False,
    )


def _sections(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    """Rows of comma-separated fields under each section header, with their line numbers."""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise ValueError(f"line {number}: unknown section {line}")
            current = line
            sections.setdefault(current, [])
            continue
        if current is None:
            raise ValueError(f"line {number}: data before the first section")
        sections[current].append((number, [field.strip() for field in line.split(",")]))
    return sections


def _int(value: str, line: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"line {line}: {value!r} is not an integer") from None


def _expect(fields: list[str], count: int, line: int) -> None:
    if len(fields) != count:
        raise ValueError(f"line {line}: expected {count} fields, found {len(fields)}")


def _shift(fields: list[str], line: int) -> ShiftType:
    _expect(fields, 3, line)
    code, minutes, successors = fields
    return ShiftType(
        code=code,
        start_minute=0,
        duration_minutes=_int(minutes, line),
        forbidden_next=frozenset(_split(successors, "|")),
    )


def _operator(fields: list[str], line: int, days_off: dict[str, frozenset[int]]) -> Operator:
    _expect(fields, 8, line)
    code, per_type, max_minutes, min_minutes, max_run, min_run, min_off, max_weekends = fields
    limits: dict[str, int] = {}
    for item in _split(per_type, "|"):
        shift, separator, value = item.partition("=")
        if not separator:
            raise ValueError(f"line {line}: {item!r} is not SHIFT=count")
        limits[shift.strip()] = _int(value.strip(), line)
    return Operator(
        id=code,
        max_shifts_per_type=limits,
        max_minutes=_int(max_minutes, line),
        min_minutes=_int(min_minutes, line),
        total_minutes_over_horizon=True,
        max_consecutive_days=_int(max_run, line),
        min_consecutive_days=_int(min_run, line),
        min_consecutive_days_off=_int(min_off, line),
        max_weekends=_int(max_weekends, line),
        unavailable_days=days_off.get(code, frozenset()),
    )


def _preference(fields: list[str], line: int, wanted: bool) -> Preference:
    _expect(fields, 4, line)
    operator, day, shift, weight = fields
    return Preference(
        operator=operator,
        day=_int(day, line),
        shift=shift,
        wanted=wanted,
        weight=_int(weight, line),
    )


def _cover(fields: list[str], line: int) -> CoverTarget:
    _expect(fields, 5, line)
    day, shift, target, under, over = fields
    return CoverTarget(
        day=_int(day, line),
        shift=shift,
        target=_int(target, line),
        under_weight=_int(under, line),
        over_weight=_int(over, line),
    )


def _split(text: str, separator: str) -> Iterable[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]
