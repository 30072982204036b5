"""Free appointment slots of one professional, as a plain-Python domain kernel.

A slot is offered where the professional is on shift and the desk is open, away from the
sessions already booked (each keeps its gap on both sides), and not before the booking notice.
Django stays out (import-linter enforces it): the callers turn the roster, the opening calendar
and the booked appointments into plain interval lists.

Every instant is normalised to UTC before it is compared. Aware datetimes sharing one
``tzinfo`` are compared by wall clock, ignoring ``fold``: the two 2:30 of the October DST night
in Europe/Rome would be "equal", and a slot before the change would collide with one after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = [
    "NaiveDatetimeError",
    "Period",
    "Slot",
    "SlotRule",
    "fits",
    "free_slots",
    "overlaps",
]

Period = tuple[datetime, datetime]
"""A half-open interval ``[start, end)`` of aware datetimes."""


class NaiveDatetimeError(ValueError):
    """Raised for a naive datetime: guessing its zone could move a session by hours."""


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{what} must be an aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Slot:
    """A bookable session ``[start, end)``, stored in UTC so that equality, hashing and order
    go by instant; convert with ``astimezone`` to show it."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = _utc(self.start, "Slot start"), _utc(self.end, "Slot end")
        if not start < end:
            raise ValueError(
                f"Slot must start before it ends: {start.isoformat()}-{end.isoformat()}"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


@dataclass(frozen=True, kw_only=True)
class SlotRule:
    """How sessions are laid out: ``length`` each, ``gap`` free on both sides of a booked one,
    a candidate every ``step`` from a window's start (``length + gap`` by default), none
    starting before ``earliest`` (typically now plus the booking notice)."""

    length: timedelta
    gap: timedelta
    earliest: datetime
    step: timedelta | None = None

    def __post_init__(self) -> None:
        if self.length <= timedelta():
            raise ValueError(f"Session length must be positive, got {self.length}")
        if self.gap < timedelta():
            raise ValueError(f"Gap between sessions must not be negative, got {self.gap}")
        if self.step is not None and self.step < self.length:
            # A finer grid would offer overlapping candidates, of which only one can be booked.
            raise ValueError(
                f"Step must be at least the session length ({self.length}), got {self.step}"
            )
        object.__setattr__(self, "earliest", _utc(self.earliest, "SlotRule earliest"))

    @property
    def stride(self) -> timedelta:
        """Distance between consecutive candidate starts in a window."""
        return self.length + self.gap if self.step is None else self.step


def overlaps(a: Slot | Period, b: Slot | Period) -> bool:
    """Whether two half-open intervals share an instant; touching ones do not, empty ones never."""
    a_start, a_end = _period(a, "interval")
    b_start, b_end = _period(b, "interval")
    return max(a_start, b_start) < min(a_end, b_end)


def free_slots(
    shifts: Iterable[Period],
    open_intervals: Iterable[Period],
    busy: Iterable[Period],
    rule: SlotRule,
) -> list[Slot]:
    """Slots of exactly ``rule.length`` inside the windows where a shift and an opening
    interval meet, laid from each window's start every ``rule.stride``, sorted by start.

    ``earliest`` filters candidates without moving the grid, so the slots offered at 9:40 are
    the ones offered at 9:00 minus the early ones, at the same times. For the same reason pass
    whole shifts and opening days, not intervals clipped at "now": a clipped window would
    anchor the grid at an odd minute. Slots never overlap each other, since the stride is at
    least the length and windows are disjoint.
    """
    windows = _windows(shifts, open_intervals)
    blocked = _blocked(busy, rule.gap)
    stride, length = rule.stride, rule.length
    slots: list[Slot] = []
    b = 0  # blocks ending at or before a candidate's start never matter to later candidates
    for w_start, w_end in windows:
        k = max(0, _steps_to_reach(w_start, rule.earliest, stride))
        while True:
            start = w_start + k * stride
            end = start + length
            if end > w_end:
                break
            while b < len(blocked) and blocked[b][1] <= start:
                b += 1
            if b < len(blocked) and blocked[b][0] < end:
                # Jump past the block at once: a long absence costs one step, not one per slot.
                k = max(k + 1, _steps_to_reach(w_start, blocked[b][1], stride))
                continue
            slots.append(Slot(start, end))
            k += 1
    return slots


def fits(
    slot: Slot,
    shifts: Iterable[Period],
    open_intervals: Iterable[Period],
    busy: Iterable[Period],
    rule: SlotRule,
) -> bool:
    """Whether ``slot`` could be booked now: exactly ``rule.length`` long, not before
    ``rule.earliest``, inside a shift and the opening hours, clear of every busy interval and
    its gap. The grid is not checked, so a coordinator may book an off-grid time; for a slot on
    the grid, ``fits`` agrees with membership in ``free_slots``."""
    windows = _windows(shifts, open_intervals)
    blocked = _blocked(busy, rule.gap)
    if slot.end - slot.start != rule.length or slot.start < rule.earliest:
        return False
    # Windows are merged and never touch, so a slot inside their union lies inside one of them.
    if not any(w_start <= slot.start and slot.end <= w_end for w_start, w_end in windows):
        return False
    return not any(overlaps(slot, block) for block in blocked)


# Internals ------------------------------------------------------------------------------------


def _period(value: Slot | Period, what: str) -> Period:
    if isinstance(value, Slot):
        return value.start, value.end
    start, end = value
    lo, hi = _utc(start, f"{what} start"), _utc(end, f"{what} end")
    if hi < lo:
        raise ValueError(f"{what} ends before it starts: {start.isoformat()}-{end.isoformat()}")
    return lo, hi


def _normalised(periods: Iterable[Period], what: str) -> list[Period]:
    """UTC periods with the empty ones dropped: they hold no time to offer or to block."""
    return [p for p in (_period(period, what) for period in periods) if p[0] < p[1]]


def _merge(periods: Iterable[Period]) -> list[Period]:
    merged: list[Period] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _windows(shifts: Iterable[Period], open_intervals: Iterable[Period]) -> list[Period]:
    """Where a shift and an opening interval meet; merged first, so that back-to-back shifts
    (a morning and an afternoon) form one window and the grid does not restart at the seam."""
    on_shift = _merge(_normalised(shifts, "shift"))
    open_ = _merge(_normalised(open_intervals, "opening interval"))
    meets: list[Period] = []
    i = j = 0
    while i < len(on_shift) and j < len(open_):
        start = max(on_shift[i][0], open_[j][0])
        end = min(on_shift[i][1], open_[j][1])
        if start < end:
            meets.append((start, end))
        if on_shift[i][1] < open_[j][1]:
            i += 1
        else:
            j += 1
    # Pieces cut from two merged lists never touch: a seam would need two touching intervals.
    return meets


def _blocked(busy: Iterable[Period], gap: timedelta) -> list[Period]:
    """Busy intervals widened by the gap on both sides, merged: a session needs its gap before
    the next one starts and after the previous one ends."""
    return _merge((start - gap, end + gap) for start, end in _normalised(busy, "busy interval"))


def _steps_to_reach(origin: datetime, target: datetime, stride: timedelta) -> int:
    """The fewest strides from ``origin`` landing at or after ``target`` (negative if before)."""
    return -((origin - target) // stride)
