"""Order of the live contact queue, as a plain-Python domain kernel.

Django stays out of this module (import-linter enforces it) so that the rule deciding who is
answered next can be type-checked strictly and tested without a database. The SQL query that
lets a professional claim a contact mirrors ``rank``'s sort key; change them together.

Datetimes are compared as UTC instants: two aware datetimes sharing one ``tzinfo`` compare by
wall clock and ignore ``fold``, so on the night clocks go back a contact could jump ahead of
one that really arrived earlier.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Protocol

from sportello.services.opening_calendar import NaiveDatetimeError

__all__ = [
    "NaiveDatetimeError",
    "Priority",
    "QueueEntry",
    "RankedEntry",
    "Taker",
    "WaitLevel",
    "WorkingClock",
    "can_take",
    "is_due",
    "next_for",
    "priority_of",
    "rank",
    "wait_level",
]


class Priority(IntEnum):
    """Lower values are answered first."""

    DANGER_NOW = 0
    CALLBACK_DUE = 1
    WAITING = 2


@dataclass(frozen=True)
class QueueEntry:
    contact_id: int
    service: str
    received_at: datetime
    danger_now: bool = False
    # Set for callbacks and retries, None for live contacts.
    callback_due_at: datetime | None = None
    required_competences: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _require_aware(self.received_at, "received_at")
        if self.callback_due_at is not None:
            _require_aware(self.callback_due_at, "callback_due_at")
        object.__setattr__(
            self,
            "required_competences",
            _as_frozenset(self.required_competences, "required_competences"),
        )


@dataclass(frozen=True)
class Taker:
    """The professional asking for work."""

    services: frozenset[str] | None  # None: coordinators may take any service
    competences: frozenset[str]

    def __post_init__(self) -> None:
        if self.services is not None:
            object.__setattr__(self, "services", _as_frozenset(self.services, "services"))
        object.__setattr__(self, "competences", _as_frozenset(self.competences, "competences"))


class WorkingClock(Protocol):
    """What ``rank`` needs from ``OpeningCalendar``: time counted only while the desk is open."""

    def working_minutes(self, start: datetime, end: datetime) -> float: ...


@dataclass(frozen=True)
class RankedEntry:
    entry: QueueEntry
    priority: Priority
    due_since: datetime
    waited_minutes: float
    position: int  # 1-based


class WaitLevel(StrEnum):
    OK = "ok"
    WARNING = "warning"
    LATE = "late"


def is_due(entry: QueueEntry, now: datetime) -> bool:
    """Live contacts are always due; callbacks only from their scheduled time.

    A danger flag does not bring a callback forward: whoever scheduled it chose that time.
    """
    _require_aware(now, "now")
    return entry.callback_due_at is None or _utc(entry.callback_due_at) <= _utc(now)


def priority_of(entry: QueueEntry) -> Priority:
    if entry.danger_now:
        return Priority.DANGER_NOW
    if entry.callback_due_at is not None:
        return Priority.CALLBACK_DUE
    return Priority.WAITING


def rank(entries: Iterable[QueueEntry], now: datetime, clock: WorkingClock) -> list[RankedEntry]:
    """The due entries in the order they are to be answered.

    The key is ``(priority, due_since, contact_id)``, and the SQL claim query mirrors it.
    Working minutes only grow with the instant they are counted to, so the earliest
    ``due_since`` has waited longest in working time too; sorting on the instant also keeps
    the arrival order among contacts with equal working wait, such as two that came in
    overnight and have both waited 0 minutes at opening. ``contact_id`` makes the order total,
    so it never depends on the order the rows were read in.
    """
    _require_aware(now, "now")
    due: list[tuple[Priority, datetime, QueueEntry]] = []
    seen: set[int] = set()
    for entry in entries:
        if entry.contact_id in seen:
            # With a duplicate the order would depend on the input order after all.
            raise ValueError(f"Contact {entry.contact_id} is in the queue more than once")
        seen.add(entry.contact_id)
        if is_due(entry, now):
            due.append((priority_of(entry), _due_since(entry), entry))
    due.sort(key=lambda item: (item[0], _utc(item[1]), item[2].contact_id))
    return [
        RankedEntry(
            entry=entry,
            priority=priority,
            due_since=due_since,
            waited_minutes=(
                clock.working_minutes(due_since, now) if _utc(due_since) < _utc(now) else 0.0
            ),
            position=position,
        )
        for position, (priority, due_since, entry) in enumerate(due, start=1)
    ]


def can_take(taker: Taker, entry: QueueEntry) -> bool:
    """Whether the taker may answer the entry.

    One required competence is enough: a service lists two (say clinical psychology and
    crisis intervention) that a shift covers together, not each professional alone. A taker
    without a service list (a coordinator) may take anything.
    """
    if taker.services is None:
        return True
    if entry.service not in taker.services:
        return False
    return not entry.required_competences or bool(entry.required_competences & taker.competences)


def next_for(
    taker: Taker, entries: Iterable[QueueEntry], now: datetime, clock: WorkingClock
) -> RankedEntry | None:
    """The first entry in the queue the taker can answer, keeping its place in the whole queue."""
    return next(
        (ranked for ranked in rank(entries, now, clock) if can_take(taker, ranked.entry)), None
    )


def wait_level(waited_minutes: float, target_minutes: float) -> WaitLevel:
    """OK below half the target, WARNING from half up to the target, LATE beyond it."""
    if not target_minutes > 0:  # also refuses NaN
        raise ValueError(f"target_minutes must be positive, got {target_minutes}")
    if math.isnan(waited_minutes):
        raise ValueError("waited_minutes is NaN")
    if waited_minutes < target_minutes / 2:
        return WaitLevel.OK
    if waited_minutes <= target_minutes:
        return WaitLevel.WARNING
    return WaitLevel.LATE


def _due_since(entry: QueueEntry) -> datetime:
    return entry.received_at if entry.callback_due_at is None else entry.callback_due_at


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetimeError(f"{name} must be an aware datetime, got naive {at.isoformat()}")


def _as_frozenset(values: Iterable[str], name: str) -> frozenset[str]:
    # A bare string would pass as an iterable of letters, and "in" on it matches substrings.
    if isinstance(values, str):
        raise TypeError(f"{name} must be a collection of codes, not the string {values!r}")
    return frozenset(values)
