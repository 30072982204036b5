"""Shift templates derived from the weekly opening hours, and the open minutes they leave bare.

A plain-Python kernel: the opening hours come in as wall-clock intervals per weekday, so the
same rules serve Milan's 9:30–18:00 and a city that opens evenings or Sundays."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time

__all__ = ["Gap", "ShiftTemplate", "derive_templates", "uncovered"]


@dataclass(frozen=True)
class ShiftTemplate:
    starts: time
    ends: time
    weekdays: tuple[int, ...]


@dataclass(frozen=True)
class Gap:
    weekday: int
    starts: time
    ends: time


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def derive_templates(
    weekly: Mapping[int, Sequence[tuple[time, time]]], split_at: Sequence[time] = ()
) -> list[ShiftTemplate]:
    """Cut each day's opening intervals at ``split_at`` times; weekdays with the same cuts share
    one template, so Monday to Saturday 9:30–18:00 cut at 13:45 gives a morning and an afternoon
    shift on six days. Every open minute lies in exactly one template by construction."""
    cuts = sorted({_minutes(moment) for moment in split_at})
    pieces: dict[tuple[int, int], list[int]] = {}
    for weekday in sorted(weekly):
        if weekday not in range(7):
            raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {weekday}")
        for opens, closes in weekly[weekday]:
            start, end = _minutes(opens), _minutes(closes)
            if not start < end:
                raise ValueError(f"opening interval must open before it closes: {opens}-{closes}")
            bounds = [start, *(cut for cut in cuts if start < cut < end), end]
            for lo, hi in itertools.pairwise(bounds):
                pieces.setdefault((lo, hi), []).append(weekday)
    return [
        ShiftTemplate(_clock(lo), _clock(hi), tuple(days))
        for (lo, hi), days in sorted(pieces.items())
    ]


def uncovered(
    weekly: Mapping[int, Sequence[tuple[time, time]]], templates: Sequence[ShiftTemplate]
) -> list[Gap]:
    """The open stretches of each weekday that no template covers, in order."""
    gaps: list[Gap] = []
    for weekday in sorted(weekly):
        covering = sorted(
            (_minutes(t.starts), _minutes(t.ends)) for t in templates if weekday in t.weekdays
        )
        for opens, closes in sorted(weekly[weekday]):
            cursor, end = _minutes(opens), _minutes(closes)
            for lo, hi in covering:
                if hi <= cursor or lo >= end:
                    continue
                if lo > cursor:
                    gaps.append(Gap(weekday, _clock(cursor), _clock(lo)))
                cursor = max(cursor, hi)
                if cursor >= end:
                    break
            if cursor < end:
                gaps.append(Gap(weekday, _clock(cursor), _clock(end)))
    return gaps
