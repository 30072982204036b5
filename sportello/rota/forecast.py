"""Demand per half-hour of the week, as a plain-Python domain kernel.

The method is meant to be explained on a page in two sentences, so a coordinator can check it:

1. For each weekday, take the last N days of that weekday **on which the desk was open**
   (a holiday or a closure is skipped, not counted as a day nobody called) and average, per
   half-hour, the contacts that arrived.
2. Optionally multiply by a trend factor: contacts per open day in the last N weeks divided by
   contacts per open day in the N weeks before, clamped to a range so that one odd week does not
   double the roster. Per open day, so a week with a holiday is not mistaken for a drop.

Instants are naive local wall-clock datetimes (the desk's time zone): a half-hour of the week is
what the opening hours and the shifts are written in, and an aware datetime here would most
likely be UTC, an hour or two off. Django stays out (import-linter enforces it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

__all__ = [
    "DEFAULT_TREND_BOUNDS",
    "SLOT_MINUTES",
    "DemandForecast",
    "SlotDemand",
    "TrendFactor",
    "forecast_demand",
    "mean_handling_seconds",
    "slot_start",
]

SLOT_MINUTES = 30
DEFAULT_TREND_BOUNDS = (0.5, 2.0)


def slot_start(moment: datetime | time) -> time:
    """The half-hour an instant falls in, aligned to :00 and :30 (9:30 opens a slot)."""
    return time(moment.hour, moment.minute - moment.minute % SLOT_MINUTES)


@dataclass(frozen=True)
class SlotDemand:
    """Contacts expected in one half-hour of the week.

    ``mean_arrivals`` is the plain average over ``days_counted`` open days of that weekday;
    ``forecast`` is that average times the trend factor applied.
    """

    weekday: int  # 0 Monday .. 6 Sunday
    start: time
    mean_arrivals: float
    days_counted: int
    forecast: float


@dataclass(frozen=True)
class TrendFactor:
    """The seasonality seen in the data, with what it was computed from.

    ``raw`` is None when it cannot be computed (no open day in one of the two windows, or no
    contact at all in the earlier one); ``applied`` is then 1.0.
    """

    recent_arrivals: int
    recent_open_days: int
    earlier_arrivals: int
    earlier_open_days: int
    raw: float | None
    applied: float
    bounds: tuple[float, float]
    recent_from: date  # first day of the recent window; it ends the day before ``until``
    earlier_from: date  # first day of the earlier window, which ends where the recent begins

    @property
    def clamped(self) -> bool:
        return self.raw is not None and self.raw != self.applied


@dataclass(frozen=True)
class DemandForecast:
    weeks: int
    until: date  # history up to the day before
    slots: tuple[SlotDemand, ...]  # by weekday, then start
    days_by_weekday: Mapping[int, tuple[date, ...]]  # the open days averaged, oldest first
    trend: TrendFactor
    # Arrivals on the averaged days outside the requested slots (out of hours, say).
    unslotted_arrivals: int = 0

    def slot(self, weekday: int, start: time) -> SlotDemand | None:
        for item in self.slots:
            if item.weekday == weekday and item.start == start:
                return item
        return None

    def expected(self, weekday: int, start: time) -> float:
        """The forecast for a half-hour; 0.0 for one that never saw a contact."""
        item = self.slot(weekday, start)
        return item.forecast if item is not None else 0.0


def forecast_demand(
    arrivals: Iterable[datetime],
    open_days: Iterable[date],
    weeks: int,
    *,
    until: date | None = None,
    slots: Iterable[tuple[int, time]] | None = None,
    use_trend: bool = True,
    trend_bounds: tuple[float, float] = DEFAULT_TREND_BOUNDS,
) -> DemandForecast:
    """Contacts per half-hour of the week from the history.

    ``arrivals``: when each contact arrived, naive local time. ``open_days``: the past days the
    desk was open (arrivals on other days are ignored). ``weeks``: N, how many past open days of
    each weekday to average, and the length of each trend window. ``until``: only history
    before this day is used (default: the day after the last open day). ``slots``: the
    (weekday, start) half-hours to report, e.g. the opening hours, zero where nobody called;
    by default every half-hour that saw a contact. ``trend_bounds``: (lowest, highest) factor.
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a whole number >= 1, not {weeks!r}")
    low, high = trend_bounds
    if not (0 < low <= 1 <= high and math.isfinite(high)):
        raise ValueError(f"trend_bounds must satisfy 0 < low <= 1 <= high, not {trend_bounds!r}")
    wanted = None if slots is None else sorted(set(_checked_slots(slots)))

    days = sorted(set(open_days))
    if until is None:
        until = days[-1] + timedelta(days=1) if days else date.max
    days = [day for day in days if day < until]
    open_set = set(days)

    per_day_slot: Counter[tuple[date, time]] = Counter()
    per_day: Counter[date] = Counter()
    for moment in arrivals:
        if moment.tzinfo is not None:
            raise ValueError(f"arrivals must be naive local datetimes, not {moment.isoformat()}")
        day = moment.date()
        if day in open_set:
            per_day_slot[day, slot_start(moment)] += 1
            per_day[day] += 1

    days_by_weekday: dict[int, tuple[date, ...]] = {}
    for weekday in range(7):
        same = [day for day in days if day.weekday() == weekday]
        if same:
            days_by_weekday[weekday] = tuple(same[-weeks:])

    trend = _trend(per_day, days, until, weeks, use_trend, (low, high))

    counts: Counter[tuple[int, time]] = Counter()
    for (day, start), count in per_day_slot.items():
        if day in days_by_weekday.get(day.weekday(), ()):
            counts[day.weekday(), start] += count
    keys = wanted if wanted is not None else sorted(counts)
    reported = set(keys)
    unslotted = sum(count for key, count in counts.items() if key not in reported)

    result = []
    for weekday, start in keys:
        counted = len(days_by_weekday.get(weekday, ()))
        mean = counts[weekday, start] / counted if counted else 0.0
        result.append(
            SlotDemand(
                weekday=weekday,
                start=start,
                mean_arrivals=mean,
                days_counted=counted,
                forecast=mean * trend.applied,
            )
        )
    return DemandForecast(
        weeks=weeks,
        until=until,
        slots=tuple(result),
        days_by_weekday=days_by_weekday,
        trend=trend,
        unslotted_arrivals=unslotted,
    )


def _checked_slots(slots: Iterable[tuple[int, time]]) -> Iterable[tuple[int, time]]:
    for weekday, start in slots:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"a slot's weekday is 0 (Monday) to 6 (Sunday), not {weekday!r}")
        if slot_start(start) != start or start.second or start.microsecond:
            raise ValueError(f"a slot starts at :00 or :30, not {start.isoformat()}")
        yield weekday, start


def _trend(
    per_day: Counter[date],
    days: list[date],
    until: date,
    weeks: int,
    use_trend: bool,
    bounds: tuple[float, float],
) -> TrendFactor:
    span = timedelta(weeks=weeks)
    recent_from = _before(until, span)
    earlier_from = _before(recent_from, span)
    recent = [day for day in days if recent_from <= day < until]
    earlier = [day for day in days if earlier_from <= day < recent_from]
    recent_arrivals = sum(per_day[day] for day in recent)
    earlier_arrivals = sum(per_day[day] for day in earlier)
    raw = None
    if recent and earlier and earlier_arrivals:
        raw = (recent_arrivals / len(recent)) / (earlier_arrivals / len(earlier))
    applied = 1.0
    if use_trend and raw is not None:
        applied = min(bounds[1], max(bounds[0], raw))
    return TrendFactor(
        recent_arrivals=recent_arrivals,
        recent_open_days=len(recent),
        earlier_arrivals=earlier_arrivals,
        earlier_open_days=len(earlier),
        raw=raw,
        applied=applied,
        bounds=bounds,
        recent_from=recent_from,
        earlier_from=earlier_from,
    )


def _before(day: date, span: timedelta) -> date:
    try:
        return day - span
    except OverflowError:  # a history that starts at the calendar's first day
        return date.min


def mean_handling_seconds(durations_s: Iterable[float], default_s: float) -> float:
    """Mean handling time of the sessions held, or ``default_s`` when there is none yet.

    A duration of zero is a session recorded without its length, not a session that took no
    time: counting it would shrink the handling time and understaff the desk, so it is left out.
    """
    if isinstance(default_s, bool) or not (
        isinstance(default_s, int | float) and math.isfinite(default_s) and default_s > 0
    ):
        raise ValueError(f"default_s must be a number of seconds > 0, not {default_s!r}")
    total = 0.0
    count = 0
    for duration in durations_s:
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise ValueError(f"a duration must be a number of seconds, not {duration!r}")
        if not math.isfinite(duration) or duration < 0:
            raise ValueError(f"a duration must be a finite number of seconds >= 0, not {duration}")
        if duration > 0:
            total += duration
            count += 1
    return total / count if count else float(default_s)
