"""Opening hours of the help desk, as a plain-Python domain kernel.

Django stays out of this module (import-linter enforces it) so that the rules about when the
desk is open can be type-checked strictly and tested without a database; the Django adapter
feeds in the holidays and the dated overrides.

Every computation happens on UTC instants. Aware datetimes sharing one ``tzinfo`` are
subtracted and compared by wall clock, ignoring offset and ``fold``, which would make a DST
night one hour too long or too short; converting to UTC first avoids that whole class of bug.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

__all__ = [
    "DayOverride",
    "HolidayLookup",
    "Interval",
    "NaiveDatetimeError",
    "OpeningCalendar",
]

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)

Period = tuple[datetime, datetime]


class NaiveDatetimeError(ValueError):
    """Raised when a query gets a naive datetime: guessing its zone could shift a deadline."""


class HolidayLookup(Protocol):
    """What the calendar needs from ``holidays.HolidayBase``; a ``dict[date, str]`` fits too."""

    def get(self, key: date, /) -> str | None: ...


@dataclass(frozen=True)
class Interval:
    """Wall-clock opening hours within a single day, half-open: ``[opens, closes)``."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("Interval times are wall-clock times and must be naive")
        if not self.opens < self.closes:
            raise ValueError(f"Interval must open before it closes: {self.opens}-{self.closes}")


@dataclass(frozen=True)
class DayOverride:
    """A dated exception to the weekly hours; ``intervals=()`` closes the day."""

    day: date
    intervals: tuple[Interval, ...]
    reason: str = ""

    def __post_init__(self) -> None:
        _require_date(self.day)
        # Callers building overrides from querysets tend to pass lists; keep the value hashable.
        object.__setattr__(self, "intervals", tuple(self.intervals))


class OpeningCalendar:
    def __init__(
        self,
        *,
        timezone: tzinfo,
        weekly: Mapping[int, Sequence[Interval]],
        holidays: HolidayLookup | None = None,
        patron_days: Sequence[tuple[int, int, str]] = (),
        overrides: Iterable[DayOverride] = (),
        horizon_days: int = 400,
    ) -> None:
        if horizon_days < 0:
            raise ValueError("horizon_days must not be negative")
        if not set(weekly) <= set(range(7)):
            raise ValueError("weekly keys must be weekdays 0 (Monday) .. 6 (Sunday)")
        self._tz = timezone
        self._horizon = timedelta(days=horizon_days)
        self._holidays = holidays
        self._weekly = {weekday: _merge(ivs) for weekday, ivs in weekly.items()}
        self._patrons: dict[tuple[int, int], str] = {}
        for month, day, name in patron_days:
            date(2000, month, day)  # a leap year, so 29 February is accepted; bad dates raise
            self._patrons[(month, day)] = name
        self._overrides: dict[date, DayOverride] = {}
        for override in overrides:
            if override.day in self._overrides:
                # Silently letting one win would depend on the order rows came out of the DB.
                raise ValueError(f"More than one override for {override.day}")
            self._overrides[override.day] = replace(override, intervals=_merge(override.intervals))

    # Day-level rules --------------------------------------------------------------------------

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """Opening hours of ``day``, sorted and merged: override > holiday/patron > weekly."""
        _require_date(day)
        override = self._overrides.get(day)
        if override is not None:
            return override.intervals
        if self._holiday_name(day) is not None:
            return ()
        return self._weekly.get(day.weekday(), ())

    def closure_reason(self, day: date) -> str | None:
        """Why ``day`` is exceptionally closed; ``None`` if it is open or just not a weekly day."""
        _require_date(day)
        override = self._overrides.get(day)
        if override is not None:
            return None if override.intervals else override.reason
        return self._holiday_name(day)

    # Instant queries --------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        return self.closes_at(at) is not None

    def closes_at(self, at: datetime) -> datetime | None:
        """End of the open period containing ``at``, or ``None`` when closed."""
        instant = self._utc(at)
        today = self._local_date(instant)
        for start, end in self._periods(today - _ONE_DAY, today + self._horizon):
            if start > instant:
                break
            if instant < end:
                return end.astimezone(self._tz)
        return None

    def next_opening(self, at: datetime) -> datetime | None:
        """Start of the first open period beginning strictly after ``at``.

        Only days up to ``horizon_days`` after the local date of ``at`` are searched, so a
        calendar that never opens again answers ``None`` instead of looping forever.
        """
        instant = self._utc(at)
        today = self._local_date(instant)
        for start, _ in self._periods(today - _ONE_DAY, today + self._horizon):
            if start > instant:
                return start.astimezone(self._tz)
        return None

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Open periods clipped to ``[start, end)``: sorted, disjoint and never touching."""
        return [(s.astimezone(self._tz), e.astimezone(self._tz)) for s, e in self._clip(start, end)]

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        return sum((e - s for s, e in self._clip(start, end)), timedelta())

    def working_minutes(self, start: datetime, end: datetime) -> float:
        return self.working_time(start, end) / _ONE_MINUTE

    def after_working_time(self, start: datetime, amount: timedelta) -> datetime | None:
        """The instant at which ``amount`` of open time has passed since ``start`` (a retry
        "in 30 working minutes" at 17:50 lands at 9:50 of the next open day); ``None`` if the
        calendar does not open enough within ``horizon_days``."""
        if amount < timedelta():
            raise ValueError(f"amount must not be negative, got {amount}")
        instant = self._utc(start)
        left = amount
        today = self._local_date(instant)
        for period_start, period_end in self._periods(today - _ONE_DAY, today + self._horizon):
            if period_end <= instant:
                continue
            begin = max(period_start, instant)
            if begin + left <= period_end:
                return (begin + left).astimezone(self._tz)
            left -= period_end - begin
        return None

    # Internals --------------------------------------------------------------------------------

    def _holiday_name(self, day: date) -> str | None:
        if self._holidays is not None:
            name = self._holidays.get(day)
            if name is not None:
                return name
        return self._patrons.get((day.month, day.day))

    def _utc(self, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise NaiveDatetimeError(f"Expected an aware datetime, got naive {at.isoformat()}")
        return at.astimezone(UTC)

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self._tz).date()

    def _instant(self, day: date, wall: time) -> datetime:
        # fold=0 picks the first of two ambiguous instants, and maps a wall time that does not
        # exist (inside the spring-forward gap) to the same distance past the jump.
        return datetime.combine(day, wall.replace(fold=0), tzinfo=self._tz).astimezone(UTC)

    def _day_periods(self, day: date) -> list[Period]:
        # intervals_on has merged the wall-clock hours already, so on a DST night the result
        # depends only on which wall-clock times are open, not on how they were split up.
        periods = []
        for interval in self.intervals_on(day):
            start, end = self._instant(day, interval.opens), self._instant(day, interval.closes)
            # Hours lying wholly inside a DST gap collapse or invert once made real: no time.
            if start < end:
                periods.append((start, end))
        return sorted(periods)

    def _periods(self, first: date, last: date) -> Iterator[Period]:
        """UTC open periods of the days ``first..last``, in order, merged when they touch."""
        buffer: list[Period] = []  # sorted and disjoint; the tail may still grow
        day = first
        while day <= last:
            merged: list[Period] = []
            for start, end in sorted(buffer + self._day_periods(day)):
                # Merging is needed even for tidy wall-clock hours: a DST gap can stretch one
                # interval into the next, and a skipped day (Samoa, 2011) shifts whole days.
                if merged and start <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                else:
                    merged.append((start, end))
            day += _ONE_DAY
            # fold=0 reads a wall time at its earliest instant, so no later day has hours before
            # its own midnight: what ends earlier is final, and is released without scanning on.
            cutoff = self._instant(day, time.min)
            while merged and merged[0][1] < cutoff:
                yield merged.pop(0)
            buffer = merged
        yield from buffer

    def _clip(self, start: datetime, end: datetime) -> list[Period]:
        lo, hi = self._utc(start), self._utc(end)
        if hi < lo:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        clipped = []
        # A day of margin each side: a zone change can move hours across local midnight (Samoa
        # skipped 30 December 2011, Alaska lived 18 October 1867 twice).
        for s, e in self._periods(self._local_date(lo) - _ONE_DAY, self._local_date(hi) + _ONE_DAY):
            if s >= hi:
                break
            piece = (max(s, lo), min(e, hi))
            if piece[0] < piece[1]:
                clipped.append(piece)
        return clipped


def _require_date(day: date) -> None:
    # datetime subclasses date but never equals one, so it would silently miss every override.
    if isinstance(day, datetime):
        raise TypeError(f"Expected a date, got a datetime: {day!r}")


def _merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda iv: (iv.opens, iv.closes)):
        if merged and interval.opens <= merged[-1].closes:
            last = merged.pop()
            interval = Interval(last.opens, max(last.closes, interval.closes))
        merged.append(interval)
    return tuple(merged)
