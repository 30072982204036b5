"""Property tests for the opening-calendar kernel, runnable without Django."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.services.opening_calendar import DayOverride, Interval, OpeningCalendar

ROME = ZoneInfo("Europe/Rome")
US = timedelta(microseconds=1)
ZERO = timedelta(0)

ITALY_MI = holidays.Italy(subdiv="MI")
PRODUCTION = OpeningCalendar(
    timezone=ROME,
    weekly={weekday: (Interval(time(9, 30), time(18)),) for weekday in range(6)},
    holidays=ITALY_MI,
    patron_days=[(12, 7, "Sant'Ambrogio")],
)


def production_model_is_open(t: datetime) -> bool:
    local = t.astimezone(ROME)
    day = local.date()
    return (
        day.weekday() < 6
        and time(9, 30) <= local.time() < time(18)
        and day not in ITALY_MI
        and (day.month, day.day) != (12, 7)
    )


PROPERTY = settings(max_examples=200, deadline=None)


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


DST_SUNDAYS = [last_sunday(year, month) for year in range(2024, 2031) for month in (3, 10)]

# Uniform instants rarely land on an opening edge or a DST night, so mix those in on purpose.
EDGE_TIMES = [
    time(0),
    time(2),
    time(2, 30),
    time(3),
    time(9, 29, 59, 999999),
    time(9, 30),
    time(17, 59, 59, 999999),
    time(18),
    time(23, 59, 59, 999999),
]
any_day = st.dates(date(2024, 1, 1), date(2030, 12, 31))
dst_day = st.builds(
    lambda sunday, shift: sunday + timedelta(days=shift),
    st.sampled_from(DST_SUNDAYS),
    st.integers(-2, 2),
)


@st.composite
def edge_instants(draw: st.DrawFn) -> datetime:
    day = draw(st.one_of(any_day, dst_day))
    wall = draw(st.sampled_from(EDGE_TIMES)).replace(fold=draw(st.integers(0, 1)))
    return datetime.combine(day, wall, tzinfo=ROME).astimezone(UTC)


instants = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)),
    edge_instants(),
)
spans = st.one_of(
    st.timedeltas(ZERO, timedelta(hours=12)),
    st.timedeltas(ZERO, timedelta(days=20)),
)


def utc(value: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo compare and subtract by wall clock; UTC avoids that.
    return value.astimezone(UTC)


def check_instant(cal: OpeningCalendar, t: datetime) -> None:
    is_open = cal.is_open(t)
    closes = cal.closes_at(t)
    opening = cal.next_opening(t)
    assert is_open == bool(cal.open_intervals(t, t + US))
    for value in (closes, opening):
        assert value is None or value.tzinfo is ROME

    if opening is not None:
        n = utc(opening)
        assert n > t
        assert cal.is_open(n)
        assert not cal.is_open(n - US)  # periods never touch, so an opening follows a gap

    if is_open:
        assert closes is not None
        c = utc(closes)
        assert c > t
        assert cal.is_open(c - US)
        assert not cal.is_open(c)
        assert cal.working_time(t, c) == c - t
        if opening is not None:
            assert utc(opening) > c
            assert cal.working_time(c, opening) == ZERO
    else:
        assert closes is None
        if opening is not None:
            assert cal.working_time(t, opening) == ZERO


def check_range(cal: OpeningCalendar, a: datetime, b: datetime) -> None:
    pieces = [(utc(s), utc(e)) for s, e in cal.open_intervals(a, b)]
    total = cal.working_time(a, b)
    assert total == sum((e - s for s, e in pieces), ZERO)
    assert ZERO <= total <= b - a
    assert cal.working_minutes(a, b) == total / timedelta(minutes=1)
    previous_end: datetime | None = None
    for s, e in pieces:
        assert a <= s < e <= b
        if previous_end is not None:
            assert previous_end < s  # sorted, disjoint and not touching
        assert cal.is_open(s)
        assert cal.is_open(e - US)
        if s > a:
            assert not cal.is_open(s - US)
        if e < b:
            assert not cal.is_open(e)
        previous_end = e


def check_wall_merge(
    raw: tuple[Interval, ...], merged: tuple[Interval, ...], probes: list[time]
) -> None:
    """Merging only tidies the hours: sorted, apart, and the same wall-clock times open."""
    for before, after in pairwise(merged):
        assert before.closes < after.opens
    for probe in [*probes, *(iv.opens for iv in raw), *(iv.closes for iv in raw)]:
        assert any(iv.opens <= probe < iv.closes for iv in merged) == any(
            iv.opens <= probe < iv.closes for iv in raw
        )


# --- the production calendar -----------------------------------------------------------------


@PROPERTY
@given(instants)
def test_instant_queries_agree(t: datetime) -> None:
    check_instant(PRODUCTION, t)
    assert PRODUCTION.is_open(t) == production_model_is_open(t)
    # The desk opens every week, so there is always a next opening within the horizon.
    assert PRODUCTION.next_opening(t) is not None


@PROPERTY
@given(instants, spans)
def test_open_intervals_are_well_formed(a: datetime, span: timedelta) -> None:
    check_range(PRODUCTION, a, a + span)


@PROPERTY
@given(instants, spans, spans)
def test_working_time_is_additive(a: datetime, first: timedelta, second: timedelta) -> None:
    b, c = a + first, a + first + second
    assert PRODUCTION.working_time(a, b) + PRODUCTION.working_time(b, c) == (
        PRODUCTION.working_time(a, c)
    )
    if b < c:
        pieces = PRODUCTION.open_intervals(a, c)
        assert PRODUCTION.is_open(b) == any(utc(s) <= b < utc(e) for s, e in pieces)


@PROPERTY
@given(instants, spans)
def test_results_do_not_depend_on_the_input_zone(a: datetime, span: timedelta) -> None:
    b = a + span
    a_rome, b_rome = a.astimezone(ROME), b.astimezone(ROME)
    assert PRODUCTION.is_open(a) == PRODUCTION.is_open(a_rome)
    assert PRODUCTION.closes_at(a) == PRODUCTION.closes_at(a_rome)
    assert PRODUCTION.next_opening(a) == PRODUCTION.next_opening(a_rome)
    assert PRODUCTION.working_time(a, b) == PRODUCTION.working_time(a_rome, b_rome)
    assert PRODUCTION.open_intervals(a, b) == PRODUCTION.open_intervals(a_rome, b_rome)


# --- random schedules around the 2026 DST changes --------------------------------------------

WINDOWS = [(date(2026, 3, 22), date(2026, 4, 5)), (date(2026, 10, 18), date(2026, 11, 1))]
window_day = st.one_of(*(st.dates(lo, hi) for lo, hi in WINDOWS))
window_instant = st.one_of(
    *(
        st.datetimes(
            datetime.combine(lo, time.min), datetime.combine(hi, time.max), timezones=st.just(UTC)
        )
        for lo, hi in WINDOWS
    )
)
wall_time = st.one_of(st.times(), st.sampled_from([*EDGE_TIMES, time(1), time(4), time.max]))
interval = (
    st.tuples(wall_time, wall_time)
    .filter(lambda p: p[0] != p[1])
    .map(lambda p: Interval(min(p), max(p)))
)
intervals = st.lists(interval, max_size=3).map(tuple)
weekly_schedule = st.dictionaries(st.integers(0, 6), intervals, max_size=7)
override_list = st.lists(
    st.builds(DayOverride, day=window_day, intervals=intervals, reason=st.just("override")),
    max_size=4,
    unique_by=lambda o: o.day,
)
holiday_dict = st.dictionaries(window_day, st.just("holiday"), max_size=3)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[OpeningCalendar, dict[date, tuple[Interval, ...]]]:
    """A random calendar plus, for each window day, the hours it should have."""
    weekly = draw(weekly_schedule)
    overrides = draw(override_list)
    closed = draw(holiday_dict)
    cal = OpeningCalendar(timezone=ROME, weekly=weekly, holidays=closed, overrides=overrides)
    by_day = {o.day: o.intervals for o in overrides}
    expected = {}
    for lo, hi in WINDOWS:
        day = lo
        while day <= hi:
            if day in by_day:
                expected[day] = by_day[day]
            else:
                expected[day] = () if day in closed else tuple(weekly.get(day.weekday(), ()))
            day += timedelta(days=1)
    return cal, expected


def model_is_open(expected: dict[date, tuple[Interval, ...]], t: datetime) -> bool | None:
    """Independent answer for days without a DST change, where wall clock maps 1:1."""
    local = t.astimezone(ROME)
    day = local.date()
    midnight = datetime.combine(day, time.min, tzinfo=ROME)
    if day not in expected or midnight.utcoffset() != (midnight + timedelta(days=1)).utcoffset():
        return None
    return any(iv.opens <= local.time() < iv.closes for iv in expected[day])


@settings(max_examples=150, deadline=None)
@given(calendars(), window_instant, st.timedeltas(ZERO, timedelta(days=3)))
def test_random_schedules_keep_the_invariants(
    calendar: tuple[OpeningCalendar, dict[date, tuple[Interval, ...]]],
    t: datetime,
    span: timedelta,
) -> None:
    cal, expected = calendar
    check_instant(cal, t)
    check_range(cal, t, t + span)
    assert cal.working_time(t, t + span) + cal.working_time(t + span, t + 2 * span) == (
        cal.working_time(t, t + 2 * span)
    )
    model = model_is_open(expected, t)
    if model is not None:
        assert cal.is_open(t) == model
    local_day = t.astimezone(ROME).date()
    if local_day in expected:
        check_wall_merge(expected[local_day], cal.intervals_on(local_day), EDGE_TIMES)


# --- the DST nights themselves ---------------------------------------------------------------

DST_NIGHTS = [date(2026, 3, 29), date(2026, 10, 25)]
# A quarter-hour grid over the small hours hits the gap, the repeated hour and their edges often.
NIGHT_GRID = [time(hour, minute) for hour in range(4) for minute in (0, 15, 30, 45)] + [time(4)]
SPRING_GAP = [time(2, minute) for minute in (0, 15, 30, 45)]


@st.composite
def night_hours(draw: st.DrawFn) -> tuple[Interval, ...]:
    cuts = sorted(set(draw(st.lists(st.sampled_from(NIGHT_GRID), min_size=2, max_size=6))))
    hours = [Interval(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    if draw(st.booleans()):
        # Closing inside the spring gap really closes an hour later, so this interval can come
        # to touch or swallow hours starting from 03:00: exactly where merging matters.
        closes = draw(st.sampled_from(SPRING_GAP))
        opens = draw(st.sampled_from([t for t in NIGHT_GRID if t < closes]))
        hours.append(Interval(opens, closes))
    return tuple(hours)


@st.composite
def night_instants(draw: st.DrawFn, day: date) -> datetime:
    wall = draw(st.sampled_from(NIGHT_GRID)).replace(fold=draw(st.integers(0, 1)))
    nudge = draw(st.sampled_from([-US, ZERO, US]))
    return datetime.combine(day, wall, tzinfo=ROME).astimezone(UTC) + nudge


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(DST_NIGHTS).flatmap(lambda d: st.tuples(st.just(d), night_instants(d))),
    night_hours(),
)
def test_dst_nights_keep_the_invariants(
    day_and_instant: tuple[date, datetime], hours: tuple[Interval, ...]
) -> None:
    day, t = day_and_instant
    cal = OpeningCalendar(timezone=ROME, weekly={}, overrides=[DayOverride(day, hours)])
    check_instant(cal, t)
    midnight = datetime.combine(day, time.min, tzinfo=ROME).astimezone(UTC)
    check_range(cal, midnight, midnight + timedelta(days=1))
    check_range(cal, t, t + timedelta(hours=3))

    # The invariants above hold for any self-consistent answer; this model pins the answer.
    # Hours are merged as wall-clock times first, so how they were split cannot matter.
    merged = cal.intervals_on(day)
    check_wall_merge(hours, merged, NIGHT_GRID)
    real = [(real_instant(day, iv.opens), real_instant(day, iv.closes)) for iv in merged]
    real = [(s, e) for s, e in real if s < e]
    assert cal.is_open(t) == any(s <= t < e for s, e in real)
    assert cal.working_time(midnight, midnight + timedelta(days=1)) == union_length(real)


def real_instant(day: date, wall: time) -> datetime:
    return datetime.combine(day, wall, tzinfo=ROME).astimezone(UTC)


def union_length(pieces: list[tuple[datetime, datetime]]) -> timedelta:
    total, reach = ZERO, datetime.min.replace(tzinfo=UTC)
    for s, e in sorted(pieces):
        total += max(ZERO, e - max(s, reach))
        reach = max(reach, e)
    return total
