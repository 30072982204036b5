"""Tests for the free-slot kernel, runnable without Django."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.appointments.slots import (
    NaiveDatetimeError,
    Period,
    Slot,
    SlotRule,
    fits,
    free_slots,
    overlaps,
)
from sportello.services.opening_calendar import Interval, OpeningCalendar

ROME = ZoneInfo("Europe/Rome")
MINUTE = timedelta(minutes=1)
SESSION = timedelta(minutes=45)
GAP = timedelta(minutes=15)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def rome(y: int, m: int, d: int, hh: int = 0, mm: int = 0, fold: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, fold=fold, tzinfo=ROME)


def rule(**overrides: object) -> SlotRule:
    params: dict[str, object] = {"length": SESSION, "gap": GAP, "earliest": LONG_AGO}
    params.update(overrides)
    return SlotRule(**params)  # type: ignore[arg-type]


def starts(slots: list[Slot]) -> list[tuple[time, int]]:
    """Local wall-clock start and fold of each slot: what a person in Milan would read."""
    return [(s.start.astimezone(ROME).time(), s.start.astimezone(ROME).fold) for s in slots]


def at(*clock: tuple[int, int]) -> list[tuple[time, int]]:
    return [(time(hh, mm), 0) for hh, mm in clock]


# A Tuesday in winter: the desk opens 9:30-18:00, the professional has the morning shift.
DAY = (2026, 3, 10)
OPEN_DAY = [(rome(*DAY, 9, 30), rome(*DAY, 18))]
MORNING = [(rome(*DAY, 9, 30), rome(*DAY, 13, 45))]
AFTERNOON = [(rome(*DAY, 13, 45), rome(*DAY, 18))]
MORNING_SLOTS = at((9, 30), (10, 30), (11, 30), (12, 30))


# Hand cases -----------------------------------------------------------------------------------


def test_a_milan_morning_shift_gives_four_sessions_of_45_minutes_with_15_minute_gaps():
    slots = free_slots(MORNING, OPEN_DAY, [], rule())
    # 12:30-13:15 fits before the shift ends at 13:45; 13:30-14:15 would not.
    assert starts(slots) == MORNING_SLOTS
    assert all(s.end - s.start == SESSION for s in slots)
    assert slots[-1] == Slot(rome(*DAY, 12, 30), rome(*DAY, 13, 15))


def test_a_booked_session_removes_exactly_its_slot():
    busy = [(rome(*DAY, 10, 30), rome(*DAY, 11, 15))]
    assert starts(free_slots(MORNING, OPEN_DAY, busy, rule())) == at((9, 30), (11, 30), (12, 30))


def test_a_booked_session_keeps_its_gap_on_both_sides():
    # Booked off the grid at 10:20: 9:30-10:15 leaves only 5 minutes before it, 10:30 is inside.
    busy = [(rome(*DAY, 10, 20), rome(*DAY, 11, 5))]
    assert starts(free_slots(MORNING, OPEN_DAY, busy, rule())) == at((11, 30), (12, 30))
    # Ending at 11:20 leaves 10 minutes before 11:30: not enough for the gap.
    busy = [(rome(*DAY, 10, 35), rome(*DAY, 11, 20))]
    assert starts(free_slots(MORNING, OPEN_DAY, busy, rule())) == at((9, 30), (12, 30))


def test_without_a_gap_sessions_may_sit_back_to_back_with_a_booked_one():
    busy = [(rome(*DAY, 10, 15), rome(*DAY, 11))]
    # Without a gap the grid steps by 45 minutes; 9:30-10:15 ends as the booked one starts.
    assert starts(free_slots(MORNING, OPEN_DAY, busy, rule(gap=timedelta()))) == at(
        (9, 30), (11, 0), (11, 45), (12, 30)
    )
    assert starts(free_slots(MORNING, OPEN_DAY, busy, rule())) == at((11, 30), (12, 30))


def test_busy_intervals_in_another_zone_are_compared_by_instant():
    # 9:30 UTC is 10:30 in Milan in March, before the clocks change.
    busy = [(datetime(*DAY, 9, 30, tzinfo=UTC), datetime(*DAY, 10, 15, tzinfo=UTC))]
    assert starts(free_slots(MORNING, OPEN_DAY, busy, rule())) == at((9, 30), (11, 30), (12, 30))


def test_slots_stay_within_the_opening_hours_even_when_the_shift_is_longer():
    shift = [(rome(*DAY, 8), rome(*DAY, 14))]
    assert starts(free_slots(shift, OPEN_DAY, [], rule())) == MORNING_SLOTS


def test_a_closed_day_has_no_slots():
    assert free_slots(MORNING, [], [], rule()) == []
    assert free_slots([], OPEN_DAY, [], rule()) == []


def test_back_to_back_shifts_form_one_window_and_the_grid_does_not_restart():
    slots = free_slots(AFTERNOON + MORNING, OPEN_DAY, [], rule())
    # 13:30-14:15 straddles the change of shift; a grid restarting at 13:45 would miss it.
    assert starts(slots) == at(*((hh, 30) for hh in range(9, 17)))


def test_a_midday_closure_splits_the_window_and_each_part_starts_its_own_grid():
    split_day = [(rome(*DAY, 9, 30), rome(*DAY, 12)), (rome(*DAY, 14), rome(*DAY, 18))]
    shift = [(rome(*DAY, 9, 30), rome(*DAY, 18))]
    assert starts(free_slots(shift, split_day, [], rule())) == at(
        (9, 30), (10, 30), (14, 0), (15, 0), (16, 0), (17, 0)
    )


def test_earliest_drops_early_slots_without_moving_the_grid():
    assert starts(free_slots(MORNING, OPEN_DAY, [], rule(earliest=rome(*DAY, 9, 40)))) == at(
        (10, 30), (11, 30), (12, 30)
    )
    assert starts(free_slots(MORNING, OPEN_DAY, [], rule(earliest=rome(*DAY, 10, 30)))) == at(
        (10, 30), (11, 30), (12, 30)
    )


def test_a_longer_step_spaces_the_candidates():
    step = timedelta(minutes=90)
    assert starts(free_slots(MORNING, OPEN_DAY, [], rule(step=step))) == at(
        (9, 30), (11, 0), (12, 30)
    )


def test_a_month_long_absence_leaves_the_first_grid_slot_after_it_and_its_gap():
    shift = [(rome(2026, 3, 1), rome(2026, 4, 1))]
    busy = [(rome(2026, 3, 1), rome(2026, 3, 31, 22))]
    slots = free_slots(shift, shift, busy, rule())
    # The booked stretch and its gap end at 22:15; the next hour on the grid is 23:00.
    assert starts(slots) == at((23, 0))
    assert slots[0] == Slot(rome(2026, 3, 31, 23), rome(2026, 3, 31, 23, 45))


def test_spring_forward_night_has_one_hour_less_of_slots():
    night = [(rome(2026, 3, 29, 0), rome(2026, 3, 29, 6))]  # five real hours
    slots = free_slots(night, night, [], rule())
    assert starts(slots) == at((0, 0), (1, 0), (3, 0), (4, 0), (5, 0))
    assert all(s.end - s.start == SESSION for s in slots)


def test_fall_back_night_offers_both_two_oclocks():
    night = [(rome(2026, 10, 25, 0), rome(2026, 10, 25, 6))]  # seven real hours
    slots = free_slots(night, night, [], rule())
    assert starts(slots) == [
        (time(0), 0),
        (time(1), 0),
        (time(2), 0),
        (time(2), 1),
        (time(3), 0),
        (time(4), 0),
        (time(5), 0),
    ]
    # Booking the first 2:00 leaves the second one, an hour later, free.
    busy = [(rome(2026, 10, 25, 2, fold=0), rome(2026, 10, 25, 2, 45, fold=0))]
    assert (time(2), 1) in starts(free_slots(night, night, busy, rule()))
    assert (time(2), 0) not in starts(free_slots(night, night, busy, rule()))


def test_slots_follow_the_opening_calendar_across_the_march_clock_change():
    calendar = OpeningCalendar(
        timezone=ROME,
        weekly={weekday: (Interval(time(9, 30), time(18)),) for weekday in range(6)},
        holidays=holidays.Italy(subdiv="MI"),
        patron_days=[(12, 7, "Sant'Ambrogio")],
    )
    opening = calendar.open_intervals(rome(2026, 3, 28), rome(2026, 3, 31))
    # Saturday, the Sunday of the clock change (closed) and Monday.
    shifts = [(rome(2026, 3, d, 9, 30), rome(2026, 3, d, 13, 45)) for d in (28, 29, 30)]
    slots = free_slots(shifts, opening, [], rule())
    assert [s.start.astimezone(ROME).date().day for s in slots] == [28] * 4 + [30] * 4
    assert starts(slots) == MORNING_SLOTS * 2
    assert slots[0].start.hour == 8 and slots[4].start.hour == 7  # UTC: the offset changed


# Slot, rule and input validation ---------------------------------------------------------------


def test_slots_are_kept_in_utc_so_equal_instants_are_equal_slots():
    slot = Slot(rome(*DAY, 10, 30), rome(*DAY, 11, 15))
    assert slot.start.tzinfo is UTC
    assert slot == Slot(datetime(*DAY, 9, 30, tzinfo=UTC), datetime(*DAY, 10, 15, tzinfo=UTC))
    first = Slot(rome(2026, 10, 25, 2, fold=0), rome(2026, 10, 25, 2, 45, fold=0))
    second = Slot(rome(2026, 10, 25, 2, fold=1), rome(2026, 10, 25, 2, 45, fold=1))
    assert first != second
    assert len({first, second}) == 2


def test_naive_datetimes_are_refused():
    naive = datetime(*DAY, 9, 30)
    with pytest.raises(NaiveDatetimeError, match="aware"):
        free_slots([(naive, rome(*DAY, 13))], OPEN_DAY, [], rule())
    with pytest.raises(NaiveDatetimeError, match="aware"):
        free_slots(MORNING, OPEN_DAY, [(rome(*DAY, 10), naive)], rule())
    with pytest.raises(NaiveDatetimeError, match="earliest"):
        rule(earliest=naive)
    with pytest.raises(NaiveDatetimeError):
        Slot(naive, rome(*DAY, 10, 15))
    assert issubclass(NaiveDatetimeError, ValueError)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"length": timedelta()}, "length must be positive"),
        ({"length": -SESSION}, "length must be positive"),
        ({"gap": -MINUTE}, "Gap between sessions must not be negative"),
        ({"step": SESSION - MINUTE}, "Step must be at least the session length"),
    ],
)
def test_a_bad_rule_is_refused_with_a_clear_message(overrides: dict[str, object], message: str):
    with pytest.raises(ValueError, match=message):
        rule(**overrides)


def test_a_rule_steps_by_length_plus_gap_unless_told_otherwise():
    assert rule().stride == SESSION + GAP
    assert rule(step=SESSION).stride == SESSION


def test_inverted_intervals_and_slots_are_refused():
    with pytest.raises(ValueError, match="shift ends before it starts"):
        free_slots([(rome(*DAY, 13), rome(*DAY, 9))], OPEN_DAY, [], rule())
    with pytest.raises(ValueError, match="busy interval ends before it starts"):
        fits(
            Slot(rome(*DAY, 9, 30), rome(*DAY, 10, 15)),
            MORNING,
            OPEN_DAY,
            [(rome(*DAY, 11), rome(*DAY, 10))],
            rule(),
        )
    with pytest.raises(ValueError, match="start before it ends"):
        Slot(rome(*DAY, 10), rome(*DAY, 10))


# overlaps and fits ------------------------------------------------------------------------------


def test_overlaps_treats_intervals_as_half_open():
    a = (rome(*DAY, 9, 30), rome(*DAY, 10, 15))
    assert overlaps(a, (rome(*DAY, 10), rome(*DAY, 11)))
    assert overlaps(a, Slot(rome(*DAY, 9), rome(*DAY, 12)))
    assert not overlaps(a, (rome(*DAY, 10, 15), rome(*DAY, 11)))  # touching
    assert not overlaps(a, (rome(*DAY, 10), rome(*DAY, 10)))  # empty
    assert overlaps(a, (datetime(*DAY, 9, 0, tzinfo=UTC), datetime(*DAY, 9, 5, tzinfo=UTC)))


def test_overlaps_tells_the_two_october_half_past_twos_apart():
    first = (rome(2026, 10, 25, 2, 30, fold=0), rome(2026, 10, 25, 2, 50, fold=0))
    second = (rome(2026, 10, 25, 2, 30, fold=1), rome(2026, 10, 25, 2, 50, fold=1))
    assert not overlaps(first, second)
    assert overlaps(first, first)


def test_fits_rechecks_a_chosen_slot():
    chosen = Slot(rome(*DAY, 10, 30), rome(*DAY, 11, 15))
    assert fits(chosen, MORNING, OPEN_DAY, [], rule())
    booked = [(chosen.start, chosen.end)]
    assert not fits(chosen, MORNING, OPEN_DAY, booked, rule())
    assert not fits(chosen, MORNING, [], [], rule())  # the desk is closed
    assert not fits(chosen, AFTERNOON, OPEN_DAY, [], rule())  # not on shift
    assert not fits(chosen, MORNING, OPEN_DAY, [], rule(earliest=rome(*DAY, 10, 31)))
    assert not fits(Slot(chosen.start, chosen.end + MINUTE), MORNING, OPEN_DAY, [], rule())


def test_fits_accepts_an_off_grid_time_a_coordinator_picks():
    off_grid = Slot(rome(*DAY, 9, 45), rome(*DAY, 10, 30))
    assert off_grid not in free_slots(MORNING, OPEN_DAY, [], rule())
    assert fits(off_grid, MORNING, OPEN_DAY, [], rule())
    # Across the change of shift, the same professional is on duty throughout.
    seam = Slot(rome(*DAY, 13, 30), rome(*DAY, 14, 15))
    assert fits(seam, MORNING + AFTERNOON, OPEN_DAY, [], rule())
    assert not fits(seam, MORNING, OPEN_DAY, [], rule())


# Properties -------------------------------------------------------------------------------------
#
# Everything is drawn on a minute grid counted from BASE (a DST weekend), so an independent model
# can count minutes in sets; each endpoint is then shown in a random zone, which the kernel must
# not care about.

BASE = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
HORIZON = 2 * 24 * 60
ZONES: list[tzinfo] = [UTC, ROME, timezone(timedelta(hours=-5))]
PROPERTY = settings(max_examples=300, deadline=None)

MinutePeriod = tuple[int, int]


def instant(minute: int, zone: tzinfo = UTC) -> datetime:
    return (BASE + minute * MINUTE).astimezone(zone)


def minute_of(value: datetime) -> int:
    return (value - BASE) // MINUTE


@st.composite
def minute_periods(draw: st.DrawFn, max_size: int = 6) -> list[MinutePeriod]:
    periods = []
    for _ in range(draw(st.integers(0, max_size))):
        start = draw(st.integers(0, HORIZON))
        periods.append((start, start + draw(st.integers(0, 8 * 60))))
    return periods


@st.composite
def in_zones(draw: st.DrawFn, periods: list[MinutePeriod]) -> list[Period]:
    return [
        (instant(a, draw(st.sampled_from(ZONES))), instant(b, draw(st.sampled_from(ZONES))))
        for a, b in periods
    ]


@st.composite
def slot_rules(draw: st.DrawFn) -> SlotRule:
    length = draw(st.integers(1, 120))
    step = draw(st.none() | st.integers(length, length + 90))
    return SlotRule(
        length=length * MINUTE,
        gap=draw(st.integers(0, 60)) * MINUTE,
        step=None if step is None else step * MINUTE,
        earliest=instant(draw(st.integers(-60, HORIZON)), draw(st.sampled_from(ZONES))),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Period], list[Period], list[Period], SlotRule]:
    return (
        draw(in_zones(draw(minute_periods()))),
        draw(in_zones(draw(minute_periods()))),
        draw(in_zones(draw(minute_periods(max_size=8)))),
        draw(slot_rules()),
    )


def minutes(periods: list[Period]) -> set[int]:
    return {m for a, b in periods for m in range(minute_of(a), minute_of(b))}


def blocked_minutes(busy: list[Period], gap: int) -> set[int]:
    return {m for a, b in busy if a < b for m in range(minute_of(a) - gap, minute_of(b) + gap)}


def model_fits(
    start: int, shifts: list[Period], opening: list[Period], busy: list[Period], slot_rule: SlotRule
) -> bool:
    length = slot_rule.length // MINUTE
    session = set(range(start, start + length))
    return (
        instant(start) >= slot_rule.earliest
        and session <= minutes(shifts) & minutes(opening)
        and not session & blocked_minutes(busy, slot_rule.gap // MINUTE)
    )


def model_free_slots(
    shifts: list[Period], opening: list[Period], busy: list[Period], slot_rule: SlotRule
) -> list[Slot]:
    available = minutes(shifts) & minutes(opening)
    length, stride = slot_rule.length // MINUTE, slot_rule.stride // MINUTE
    expected = []
    for window_start in sorted(m for m in available if m - 1 not in available):
        window_end = window_start
        while window_end in available:
            window_end += 1
        for start in range(window_start, window_end - length + 1, stride):
            if model_fits(start, shifts, opening, busy, slot_rule):
                expected.append(Slot(instant(start), instant(start + length)))
    return expected


@PROPERTY
@given(scenarios())
def test_no_slot_lies_outside_a_shift_or_the_opening_hours_or_near_a_busy_interval(scenario):
    shifts, opening, busy, slot_rule = scenario
    allowed = minutes(shifts) & minutes(opening)
    blocked = blocked_minutes(busy, slot_rule.gap // MINUTE)
    for slot in free_slots(shifts, opening, busy, slot_rule):
        session = set(range(minute_of(slot.start), minute_of(slot.end)))
        assert session <= allowed
        assert not session & blocked
        assert slot.end - slot.start == slot_rule.length
        assert slot.start >= slot_rule.earliest


@PROPERTY
@given(scenarios())
def test_slots_are_sorted_and_never_overlap_each_other(scenario):
    slots = free_slots(*scenario)
    for earlier, later in itertools.pairwise(slots):
        assert earlier.end <= later.start
        assert not overlaps(earlier, later)


@PROPERTY
@given(scenarios())
def test_free_slots_are_exactly_the_grid_candidates_the_model_accepts(scenario):
    assert free_slots(*scenario) == model_free_slots(*scenario)


@PROPERTY
@given(scenarios(), st.data())
def test_removing_a_busy_interval_never_removes_a_slot(scenario, data):
    shifts, opening, busy, slot_rule = scenario
    if not busy:
        return
    dropped = data.draw(st.integers(0, len(busy) - 1))
    fewer = busy[:dropped] + busy[dropped + 1 :]
    before = set(free_slots(shifts, opening, busy, slot_rule))
    after = set(free_slots(shifts, opening, fewer, slot_rule))
    assert before <= after


@PROPERTY
@given(scenarios())
def test_fits_agrees_with_membership_for_slots_on_the_grid(scenario):
    shifts, opening, busy, slot_rule = scenario
    offered = free_slots(shifts, opening, busy, slot_rule)
    # With nothing booked and no notice, every grid candidate is offered.
    unconstrained = SlotRule(
        length=slot_rule.length, gap=slot_rule.gap, step=slot_rule.step, earliest=LONG_AGO
    )
    grid = free_slots(shifts, opening, [], unconstrained)
    assert set(offered) <= set(grid)
    for candidate in grid:
        assert fits(candidate, shifts, opening, busy, slot_rule) == (candidate in offered)


@PROPERTY
@given(scenarios(), st.integers(-60, HORIZON))
def test_fits_agrees_with_the_model_anywhere(scenario, start):
    shifts, opening, busy, slot_rule = scenario
    # Shown in Rome, but built in UTC: wall-clock arithmetic would stretch it over a DST jump.
    slot = Slot(instant(start, ROME), instant(start) + slot_rule.length)
    assert fits(slot, shifts, opening, busy, slot_rule) == model_fits(start, *scenario)


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_order_of_the_inputs_does_not_matter(scenario, random):
    shifts, opening, busy, slot_rule = scenario
    expected = free_slots(shifts, opening, busy, slot_rule)
    for periods in (shifts, opening, busy):
        random.shuffle(periods)
    assert free_slots(shifts, opening, busy, slot_rule) == expected
