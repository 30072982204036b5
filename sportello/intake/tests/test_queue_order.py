"""Tests for the queue-ordering kernel: plain functions, runnable without Django or a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from random import Random
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.intake.queue_order import (
    NaiveDatetimeError,
    Priority,
    QueueEntry,
    RankedEntry,
    Taker,
    WaitLevel,
    can_take,
    is_due,
    next_for,
    priority_of,
    rank,
    wait_level,
)
from sportello.services.opening_calendar import Interval, OpeningCalendar

ROME = ZoneInfo("Europe/Rome")
MINUTE = timedelta(minutes=1)

# Monday..Saturday 9:30-18:00 in Rome, as the desk runs in production (holidays left out).
CALENDAR = OpeningCalendar(
    timezone=ROME,
    weekly={weekday: (Interval(time(9, 30), time(18)),) for weekday in range(6)},
)

SERVICES = ("emergency", "listening", "family")
COMPETENCES = ("clinical_psychology", "crisis_intervention", "mediation")


class WallClock:
    """Counts every minute, as if the desk never closed."""

    def working_minutes(self, start: datetime, end: datetime) -> float:
        # Same-zone datetimes compare by wall clock; the DST night needs the UTC comparison.
        assert start.astimezone(UTC) <= end.astimezone(UTC), "rank asked for a negative span"
        return (end.astimezone(UTC) - start.astimezone(UTC)) / MINUTE


WALL = WallClock()
MONDAY_10 = datetime(2025, 3, 3, 10, 0, tzinfo=ROME)


def live(
    contact_id: int,
    received_at: datetime,
    *,
    danger_now: bool = False,
    callback_due_at: datetime | None = None,
) -> QueueEntry:
    return QueueEntry(contact_id, "emergency", received_at, danger_now, callback_due_at)


def ids(ranked: list[RankedEntry]) -> list[int]:
    return [r.entry.contact_id for r in ranked]


# Examples ---------------------------------------------------------------------------------------


def test_danger_now_goes_first_even_when_it_arrived_last() -> None:
    now = MONDAY_10
    entries = [
        live(1, now - 50 * MINUTE),
        live(2, now - 90 * MINUTE, callback_due_at=now - 40 * MINUTE),
        live(3, now - MINUTE, danger_now=True),
    ]
    ranked = rank(entries, now, WALL)
    assert ids(ranked) == [3, 2, 1]
    assert [r.priority for r in ranked] == [
        Priority.DANGER_NOW,
        Priority.CALLBACK_DUE,
        Priority.WAITING,
    ]


def test_callbacks_not_yet_due_are_left_out() -> None:
    now = MONDAY_10
    later = live(1, now - 60 * MINUTE, callback_due_at=now + MINUTE)
    exactly_now = live(2, now - 60 * MINUTE, callback_due_at=now)
    assert not is_due(later, now)
    assert is_due(exactly_now, now)
    assert ids(rank([later, exactly_now], now, WALL)) == [2]


def test_due_callback_comes_before_a_contact_waiting_longer() -> None:
    now = MONDAY_10
    waiting = live(1, now - 120 * MINUTE)
    callback = live(2, now - 180 * MINUTE, callback_due_at=now - 5 * MINUTE)
    ranked = rank([waiting, callback], now, WALL)
    assert ids(ranked) == [2, 1]
    # The callback waits from its due time, not from when the request was first received.
    assert ranked[0].due_since == now - 5 * MINUTE
    assert ranked[0].waited_minutes == 5


def test_equal_priority_is_first_come_first_served_then_by_contact_id() -> None:
    now = MONDAY_10
    entries = [live(9, now - 10 * MINUTE), live(4, now - 30 * MINUTE), live(7, now - 10 * MINUTE)]
    ranked = rank(entries, now, WALL)
    assert ids(ranked) == [4, 7, 9]
    assert [r.position for r in ranked] == [1, 2, 3]
    assert [r.waited_minutes for r in ranked] == [30, 10, 10]


def test_a_danger_flag_does_not_bring_a_scheduled_callback_forward() -> None:
    now = MONDAY_10
    entry = live(1, now - 60 * MINUTE, danger_now=True, callback_due_at=now + 5 * MINUTE)
    assert priority_of(entry) is Priority.DANGER_NOW
    assert rank([entry], now, WALL) == []
    assert rank([entry], now + 5 * MINUTE, WALL)[0].priority is Priority.DANGER_NOW


def test_contact_arriving_after_now_has_waited_zero() -> None:
    # Clocks of the web servers drift; a future arrival must not count a negative wait.
    (ranked,) = rank([live(1, MONDAY_10 + MINUTE)], MONDAY_10, WALL)
    assert ranked.waited_minutes == 0


def test_duplicate_contact_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        rank([live(1, MONDAY_10), live(1, MONDAY_10 - MINUTE)], MONDAY_10, WALL)


def test_order_follows_instants_on_the_night_clocks_go_back() -> None:
    # 2:30 CEST (fold=0) is 00:30 UTC; 2:10 CET (fold=1) is 01:10 UTC, a later instant
    # although earlier on the wall clock.
    first = live(2, datetime(2025, 10, 26, 2, 30, tzinfo=ROME))
    second = live(1, datetime(2025, 10, 26, 2, 10, tzinfo=ROME, fold=1))
    now = datetime(2025, 10, 26, 3, 0, tzinfo=ROME)
    assert ids(rank([second, first], now, WALL)) == [2, 1]

    callback = live(3, first.received_at, callback_due_at=second.received_at)
    assert not is_due(callback, first.received_at)
    assert is_due(callback, second.received_at)


def test_overnight_arrivals_wait_zero_at_opening_and_stay_ahead() -> None:
    monday_night = datetime(2025, 3, 3, 22, 0, tzinfo=ROME)
    tuesday_3am = datetime(2025, 3, 4, 3, 0, tzinfo=ROME)
    opening = datetime(2025, 3, 4, 9, 30, tzinfo=ROME)
    entries = [live(2, tuesday_3am), live(1, monday_night)]

    ranked = rank(entries, opening, CALENDAR)
    assert [(r.entry.contact_id, r.waited_minutes) for r in ranked] == [(1, 0), (2, 0)]

    nine_forty = datetime(2025, 3, 4, 9, 40, tzinfo=ROME)
    ranked = rank([*entries, live(0, nine_forty)], nine_forty, CALENDAR)
    assert [(r.entry.contact_id, r.waited_minutes) for r in ranked] == [(1, 10), (2, 10), (0, 0)]


def test_sunday_does_not_count_as_waiting() -> None:
    saturday_evening = datetime(2025, 3, 8, 18, 30, tzinfo=ROME)
    monday_10 = datetime(2025, 3, 10, 10, 0, tzinfo=ROME)
    (ranked,) = rank([live(1, saturday_evening)], monday_10, CALENDAR)
    assert ranked.waited_minutes == 30


# Who may take what ------------------------------------------------------------------------------

CLINICAL_OR_CRISIS = frozenset({"clinical_psychology", "crisis_intervention"})


@pytest.mark.parametrize(
    ("services", "competences", "entry_service", "required", "expected"),
    [
        (frozenset({"emergency"}), frozenset(), "emergency", frozenset(), True),
        (frozenset({"listening"}), frozenset(), "emergency", frozenset(), False),
        (frozenset(), CLINICAL_OR_CRISIS, "emergency", frozenset(), False),
        (None, frozenset(), "family", frozenset(), True),
        (None, frozenset({"crisis_intervention"}), "emergency", CLINICAL_OR_CRISIS, True),
        (None, frozenset({"clinical_psychology"}), "emergency", CLINICAL_OR_CRISIS, True),
        # No service list: a coordinator, who may take anything whatever the competences.
        (None, frozenset({"mediation"}), "emergency", CLINICAL_OR_CRISIS, True),
        (None, frozenset(), "emergency", CLINICAL_OR_CRISIS, True),
        (
            frozenset({"emergency"}),
            frozenset({"mediation"}),
            "emergency",
            CLINICAL_OR_CRISIS,
            False,
        ),
        (frozenset({"listening"}), CLINICAL_OR_CRISIS, "emergency", CLINICAL_OR_CRISIS, False),
    ],
)
def test_can_take(
    services: frozenset[str] | None,
    competences: frozenset[str],
    entry_service: str,
    required: frozenset[str],
    expected: bool,
) -> None:
    entry = QueueEntry(1, entry_service, MONDAY_10, required_competences=required)
    assert can_take(Taker(services, competences), entry) is expected


def test_a_bare_string_is_not_taken_for_a_set_of_codes() -> None:
    # "emergency" in "emergency_adult" is True: a string must not slip in as a set of services.
    with pytest.raises(TypeError):
        Taker("emergency_adult", frozenset())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        QueueEntry(1, "emergency", MONDAY_10, required_competences="mediation")  # type: ignore[arg-type]


def test_next_for_skips_what_the_taker_cannot_take_and_keeps_queue_position() -> None:
    now = MONDAY_10
    entries = [
        QueueEntry(1, "family", now - 30 * MINUTE, danger_now=True),
        QueueEntry(2, "emergency", now - 20 * MINUTE, required_competences=CLINICAL_OR_CRISIS),
        QueueEntry(3, "emergency", now - 10 * MINUTE),
    ]
    crisis = Taker(frozenset({"emergency"}), frozenset({"crisis_intervention"}))
    newcomer = Taker(frozenset({"emergency"}), frozenset())
    listener = Taker(frozenset({"listening"}), CLINICAL_OR_CRISIS)

    chosen = next_for(crisis, entries, now, WALL)
    assert chosen is not None
    assert (chosen.entry.contact_id, chosen.position) == (2, 2)
    chosen = next_for(newcomer, entries, now, WALL)
    assert chosen is not None
    assert (chosen.entry.contact_id, chosen.position) == (3, 3)
    assert next_for(listener, entries, now, WALL) is None
    assert next_for(crisis, [], now, WALL) is None


# Wait levels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waited", "expected"),
    [
        (0, WaitLevel.OK),
        (4.999, WaitLevel.OK),
        (5, WaitLevel.WARNING),
        (10, WaitLevel.WARNING),
        (10.001, WaitLevel.LATE),
        (1000, WaitLevel.LATE),
    ],
)
def test_wait_level_boundaries(waited: float, expected: WaitLevel) -> None:
    assert wait_level(waited, 10) is expected


@pytest.mark.parametrize("target", [0, -1, float("nan")])
def test_wait_level_needs_a_positive_target(target: float) -> None:
    with pytest.raises(ValueError):
        wait_level(1, target)


def test_wait_level_refuses_nan_wait() -> None:
    with pytest.raises(ValueError):
        wait_level(float("nan"), 10)


# Naive datetimes --------------------------------------------------------------------------------

NAIVE = datetime(2025, 3, 3, 10, 0)


def test_naive_datetimes_are_refused() -> None:
    assert issubclass(NaiveDatetimeError, ValueError)
    entry = live(1, MONDAY_10)
    taker = Taker(None, frozenset())
    with pytest.raises(NaiveDatetimeError):
        live(1, NAIVE)
    with pytest.raises(NaiveDatetimeError):
        live(1, MONDAY_10, callback_due_at=NAIVE)
    with pytest.raises(NaiveDatetimeError):
        is_due(entry, NAIVE)
    with pytest.raises(NaiveDatetimeError):
        rank([entry], NAIVE, WALL)
    with pytest.raises(NaiveDatetimeError):
        rank([], NAIVE, WALL)
    with pytest.raises(NaiveDatetimeError):
        next_for(taker, [entry], NAIVE, WALL)


# Properties -------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)

# A window around the night clocks went back in Rome, in two zones, so folds and mixed
# offsets show up; a few fixed instants make ties in due time common.
_any_instant = st.datetimes(
    min_value=datetime(2025, 10, 24),
    max_value=datetime(2025, 10, 29),
    timezones=st.sampled_from([ROME, UTC]),
    allow_imaginary=False,
)
_FIXED = [
    datetime(2025, 10, 25, 9, 30, tzinfo=ROME),
    datetime(2025, 10, 26, 1, 30, tzinfo=UTC),
    datetime(2025, 10, 27, 12, 0, tzinfo=ROME),
]
instants = st.one_of(_any_instant, st.sampled_from(_FIXED))

entry_strategy = st.builds(
    QueueEntry,
    contact_id=st.integers(1, 60),
    service=st.sampled_from(SERVICES),
    received_at=instants,
    danger_now=st.booleans(),
    callback_due_at=st.none() | instants,
    required_competences=st.frozensets(st.sampled_from(COMPETENCES), max_size=2),
)
queues = st.lists(entry_strategy, max_size=12, unique_by=lambda e: e.contact_id)
takers = st.builds(
    Taker,
    services=st.none() | st.frozensets(st.sampled_from(SERVICES)),
    competences=st.frozensets(st.sampled_from(COMPETENCES)),
)
clocks = st.sampled_from([WALL, CALENDAR])


def _key(r: RankedEntry) -> tuple[int, datetime, int]:
    return (r.priority, r.due_since.astimezone(UTC), r.entry.contact_id)


@PROPERTY
@given(queues, instants, clocks)
def test_rank_holds_exactly_the_due_entries(
    entries: list[QueueEntry], now: datetime, clock: WallClock | OpeningCalendar
) -> None:
    ranked = rank(entries, now, clock)
    assert sorted(ids(ranked)) == sorted(e.contact_id for e in entries if is_due(e, now))
    assert [r.position for r in ranked] == list(range(1, len(ranked) + 1))
    for r in ranked:
        assert r.priority is priority_of(r.entry)
        assert r.due_since == (r.entry.callback_due_at or r.entry.received_at)


@PROPERTY
@given(queues, instants, clocks)
def test_rank_is_a_strict_order_by_priority_then_due_time(
    entries: list[QueueEntry], now: datetime, clock: WallClock | OpeningCalendar
) -> None:
    ranked = rank(entries, now, clock)
    for ahead, behind in pairwise(ranked):
        assert _key(ahead) < _key(behind)
        if ahead.priority == behind.priority:
            # Nobody is ever behind a later arrival of the same priority, and the longest
            # working wait goes first.
            assert ahead.due_since.astimezone(UTC) <= behind.due_since.astimezone(UTC)
            assert ahead.waited_minutes >= behind.waited_minutes
    danger = [r.entry.danger_now for r in ranked]
    assert danger == sorted(danger, reverse=True)


@PROPERTY
@given(queues, instants, clocks, st.randoms(use_true_random=False))
def test_rank_does_not_depend_on_input_order(
    entries: list[QueueEntry],
    now: datetime,
    clock: WallClock | OpeningCalendar,
    random: Random,
) -> None:
    shuffled = list(entries)
    random.shuffle(shuffled)
    assert rank(shuffled, now, clock) == rank(entries, now, clock)


@PROPERTY
@given(queues, instants, st.booleans())
def test_a_later_arrival_never_overtakes_anyone_of_its_priority(
    entries: list[QueueEntry], now: datetime, danger: bool
) -> None:
    before = rank(entries, now, WALL)
    latest = max((r.due_since.astimezone(UTC) for r in before), default=now)
    newcomer_id = max((e.contact_id for e in entries), default=0) + 1
    newcomer = live(newcomer_id, latest + MINUTE, danger_now=danger)
    after = {r.entry.contact_id: r for r in rank([*entries, newcomer], now, WALL)}
    for r in before:
        if r.priority <= priority_of(newcomer):
            assert after[r.entry.contact_id].position == r.position
        else:
            assert after[r.entry.contact_id].position == r.position + 1


@PROPERTY
@given(queues, instants)
def test_waited_minutes_are_working_time_within_wall_time(
    entries: list[QueueEntry], now: datetime
) -> None:
    by_calendar = rank(entries, now, CALENDAR)
    by_wall = rank(entries, now, WALL)
    assert ids(by_calendar) == ids(by_wall)
    for worked, wall in zip(by_calendar, by_wall, strict=True):
        elapsed = (now.astimezone(UTC) - wall.due_since.astimezone(UTC)) / MINUTE
        assert wall.waited_minutes == max(elapsed, 0)
        assert 0 <= worked.waited_minutes <= wall.waited_minutes


@PROPERTY
@given(takers, queues, instants)
def test_next_for_is_the_first_entry_the_taker_can_take(
    taker: Taker, entries: list[QueueEntry], now: datetime
) -> None:
    ranked = rank(entries, now, WALL)
    chosen = next_for(taker, entries, now, WALL)
    takeable = [r for r in ranked if can_take(taker, r.entry)]
    if chosen is None:
        assert takeable == []
    else:
        assert can_take(taker, chosen.entry)
        assert chosen == ranked[chosen.position - 1]
        assert not any(can_take(taker, r.entry) for r in ranked[: chosen.position - 1])


@PROPERTY
@given(takers, takers, entry_strategy)
def test_more_services_or_competences_never_take_work_away(
    small: Taker, extra: Taker, entry: QueueEntry
) -> None:
    services = (
        None
        if small.services is None or extra.services is None
        else small.services | extra.services
    )
    big = Taker(services, small.competences | extra.competences)
    if can_take(small, entry):
        assert can_take(big, entry)
    assert can_take(Taker(None, frozenset(COMPETENCES)), entry)
    assert can_take(Taker(None, frozenset()), entry)


_LEVELS = [WaitLevel.OK, WaitLevel.WARNING, WaitLevel.LATE]


@PROPERTY
@given(
    st.floats(0, 1e6, allow_nan=False),
    st.floats(0, 1e6, allow_nan=False),
    st.floats(1e-3, 1e6, allow_nan=False),
)
def test_wait_level_never_improves_with_longer_waits(a: float, b: float, target: float) -> None:
    shorter, longer = sorted((a, b))
    assert _LEVELS.index(wait_level(shorter, target)) <= _LEVELS.index(wait_level(longer, target))
