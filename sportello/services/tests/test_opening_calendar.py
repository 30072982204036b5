"""Table tests for the opening-calendar kernel, runnable without Django."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from sportello.services.opening_calendar import (
    DayOverride,
    Interval,
    NaiveDatetimeError,
    OpeningCalendar,
)

ROME = ZoneInfo("Europe/Rome")
HOURS = Interval(time(9, 30), time(18, 0))
WEEKLY = {weekday: (HOURS,) for weekday in range(6)}  # Monday..Saturday
PATRON = (12, 7, "Sant'Ambrogio")
US = timedelta(microseconds=1)
FULL_DAY = 510  # minutes from 9:30 to 18:00


def make_calendar(**overrides: Any) -> OpeningCalendar:
    params: dict[str, Any] = {
        "timezone": ROME,
        "weekly": WEEKLY,
        "holidays": holidays.Italy(subdiv="MI"),
        "patron_days": [PATRON],
    }
    params.update(overrides)
    return OpeningCalendar(**params)


CAL = make_calendar()


def rome(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=ROME)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=UTC)


def offset_hours(value: datetime) -> float:
    offset = value.utcoffset()
    assert offset is not None
    return offset / timedelta(hours=1)


def assert_same_instant_in_rome(actual: datetime | None, expected: datetime) -> None:
    assert actual is not None
    assert actual.tzinfo is ROME
    # Compare in UTC: equality between datetimes sharing a tzinfo ignores the offset.
    assert actual.astimezone(UTC) == expected.astimezone(UTC)
    assert actual.utcoffset() == expected.astimezone(ROME).utcoffset()


# --- named closed days -----------------------------------------------------------------------

CLOSED_DAYS = [
    # 2026
    (date(2026, 1, 1), "New Year's Day"),
    (date(2026, 1, 6), "Epiphany"),
    (date(2026, 4, 6), "Easter Monday"),
    (date(2026, 4, 25), "Liberation Day"),  # a Saturday, normally open
    (date(2026, 5, 1), "Labor Day"),
    (date(2026, 6, 2), "Republic Day"),
    (date(2026, 8, 15), "Assumption Of Mary Day"),  # a Saturday
    (date(2026, 11, 1), "All Saints' Day; National Unity Day"),  # a Sunday
    (date(2026, 12, 7), "Saint Ambrose's Day"),
    (date(2026, 12, 8), "Immaculate Conception"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2026, 12, 26), "Saint Stephen's Day"),  # a Saturday
    # 2027
    (date(2027, 1, 1), "New Year's Day"),
    (date(2027, 1, 6), "Epiphany"),
    (date(2027, 3, 29), "Easter Monday"),
    (date(2027, 4, 25), "Liberation Day"),  # a Sunday
    (date(2027, 5, 1), "Labor Day"),  # a Saturday
    (date(2027, 6, 2), "Republic Day"),
    (date(2027, 8, 15), "Assumption Of Mary Day"),  # a Sunday
    (date(2027, 10, 4), "Saint Francis of Assisi, Patron Saint of Italy"),  # national from 2026
    (date(2027, 11, 1), "All Saints' Day"),
    (date(2027, 12, 7), "Saint Ambrose's Day"),
    (date(2027, 12, 8), "Immaculate Conception"),
    (date(2027, 12, 25), "Christmas Day"),  # a Saturday
    (date(2027, 12, 26), "Saint Stephen's Day"),  # a Sunday
]


@pytest.mark.parametrize(("day", "reason"), CLOSED_DAYS, ids=[str(d) for d, _ in CLOSED_DAYS])
def test_holidays_are_closed_all_day(day: date, reason: str) -> None:
    assert CAL.intervals_on(day) == ()
    assert CAL.closure_reason(day) == reason
    assert not CAL.is_open(rome(day.year, day.month, day.day, 12))
    assert CAL.closes_at(rome(day.year, day.month, day.day, 9, 30)) is None
    start = rome(day.year, day.month, day.day)
    assert CAL.working_time(start, start + timedelta(days=1)) == timedelta(0)


def test_sunday_is_closed_without_a_reason() -> None:
    sunday = date(2026, 3, 15)
    assert CAL.intervals_on(sunday) == ()
    assert CAL.closure_reason(sunday) is None
    assert not CAL.is_open(rome(2026, 3, 15, 12))


@pytest.mark.parametrize("day", [date(2026, 3, 11), date(2026, 3, 14)], ids=["wed", "sat"])
def test_ordinary_days_have_weekly_hours(day: date) -> None:
    assert CAL.intervals_on(day) == (HOURS,)
    assert CAL.closure_reason(day) is None


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (rome(2026, 3, 11, 9, 29), False),
        (rome(2026, 3, 11, 9, 29, 59, 999999), False),
        (rome(2026, 3, 11, 9, 30), True),
        (rome(2026, 3, 11, 12), True),
        (rome(2026, 3, 11, 17, 59), True),
        (rome(2026, 3, 11, 17, 59, 59, 999999), True),
        (rome(2026, 3, 11, 18), False),
        (rome(2026, 3, 14, 9, 30), True),  # Saturday
        (rome(2026, 3, 15, 9, 30), False),  # Sunday
        (utc(2026, 3, 11, 8, 30), True),  # 9:30 in Rome
        (utc(2026, 3, 11, 8, 29, 59, 999999), False),
        (utc(2026, 3, 11, 16, 59, 59, 999999), True),
        (utc(2026, 3, 11, 17), False),  # 18:00 in Rome
    ],
    ids=str,
)
def test_is_open_at_interval_edges(at: datetime, expected: bool) -> None:
    assert CAL.is_open(at) is expected


# --- next_opening ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(rome(2026, 3, 14, 18), rome(2026, 3, 16, 9, 30), id="saturday-evening"),
        pytest.param(rome(2026, 3, 11, 9, 29), rome(2026, 3, 11, 9, 30), id="before-opening"),
        pytest.param(rome(2026, 3, 11, 9, 30), rome(2026, 3, 12, 9, 30), id="strictly-after"),
        pytest.param(rome(2026, 3, 11, 12), rome(2026, 3, 12, 9, 30), id="while-open"),
        pytest.param(rome(2026, 12, 24, 18), rome(2026, 12, 28, 9, 30), id="christmas"),
        pytest.param(rome(2026, 12, 31, 18), rome(2027, 1, 2, 9, 30), id="new-year"),
        pytest.param(rome(2026, 12, 4, 18), rome(2026, 12, 5, 9, 30), id="fri-4-dec"),
        pytest.param(rome(2026, 12, 5, 18), rome(2026, 12, 9, 9, 30), id="ambrogio-immacolata"),
        pytest.param(rome(2026, 4, 4, 18), rome(2026, 4, 7, 9, 30), id="easter-2026"),
        pytest.param(rome(2027, 3, 27, 18), rome(2027, 3, 30, 9, 30), id="easter-2027"),
        pytest.param(rome(2027, 10, 2, 18), rome(2027, 10, 5, 9, 30), id="san-francesco-2027"),
        pytest.param(utc(2026, 3, 28, 17), utc(2026, 3, 30, 7, 30), id="dst-spring-utc"),
        pytest.param(utc(2026, 10, 24, 16), utc(2026, 10, 26, 8, 30), id="dst-autumn-utc"),
    ],
)
def test_next_opening(at: datetime, expected: datetime) -> None:
    assert_same_instant_in_rome(CAL.next_opening(at), expected)


def test_next_opening_is_bounded_by_the_horizon() -> None:
    at = rome(2026, 3, 1, 12)

    def only_open_on(day: date) -> OpeningCalendar:
        extra = DayOverride(day, (HOURS,), "one-off")
        return make_calendar(weekly={}, overrides=[extra], horizon_days=10)

    assert_same_instant_in_rome(
        only_open_on(date(2026, 3, 11)).next_opening(at), rome(2026, 3, 11, 9, 30)
    )
    assert only_open_on(date(2026, 3, 12)).next_opening(at) is None
    assert make_calendar(weekly={}).next_opening(at) is None


# --- closes_at -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (rome(2026, 3, 11, 9, 30), rome(2026, 3, 11, 18)),
        (rome(2026, 3, 11, 17, 59, 59, 999999), rome(2026, 3, 11, 18)),
        (utc(2026, 3, 11, 12), rome(2026, 3, 11, 18)),
        (rome(2026, 3, 11, 18), None),
        (rome(2026, 3, 11, 9, 29, 59, 999999), None),
        (rome(2026, 3, 15, 12), None),  # Sunday
        (rome(2026, 12, 8, 12), None),  # holiday
    ],
    ids=str,
)
def test_closes_at(at: datetime, expected: datetime | None) -> None:
    result = CAL.closes_at(at)
    if expected is None:
        assert result is None
    else:
        assert_same_instant_in_rome(result, expected)


# --- DST -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens_utc", "closes_utc", "offset"),
    [
        pytest.param(utc(2026, 3, 28, 8, 30), utc(2026, 3, 28, 17), 1, id="sat-before-spring"),
        pytest.param(utc(2026, 3, 30, 7, 30), utc(2026, 3, 30, 16), 2, id="mon-after-spring"),
        pytest.param(utc(2026, 10, 24, 7, 30), utc(2026, 10, 24, 16), 2, id="sat-before-autumn"),
        pytest.param(utc(2026, 10, 26, 8, 30), utc(2026, 10, 26, 17), 1, id="mon-after-autumn"),
    ],
)
def test_dst_weekends_with_utc_inputs(
    opens_utc: datetime, closes_utc: datetime, offset: int
) -> None:
    assert not CAL.is_open(opens_utc - US)
    assert CAL.is_open(opens_utc)
    assert CAL.is_open(closes_utc - US)
    assert not CAL.is_open(closes_utc)

    closes = CAL.closes_at(opens_utc)
    assert closes is not None
    assert closes == closes_utc
    assert offset_hours(closes) == offset

    opening = CAL.next_opening(opens_utc - timedelta(hours=3))
    assert opening is not None
    assert opening == opens_utc
    assert offset_hours(opening) == offset

    [(start, end)] = CAL.open_intervals(opens_utc - timedelta(hours=5), closes_utc + US)
    assert (start, end) == (opens_utc, closes_utc)
    assert offset_hours(start) == offset_hours(end) == offset


def test_dst_weekends_still_count_full_days() -> None:
    # Friday, Saturday and Monday are open around both DST Sundays.
    assert CAL.working_minutes(utc(2026, 3, 26, 23), utc(2026, 3, 30, 22)) == 3 * FULL_DAY
    assert CAL.working_minutes(utc(2026, 10, 22, 22), utc(2026, 10, 26, 23)) == 3 * FULL_DAY


def night_calendar(day: date, *intervals: Interval) -> OpeningCalendar:
    return make_calendar(overrides=[DayOverride(day, intervals, "night shift")])


def test_opening_across_the_spring_forward_gap_lasts_one_hour_less() -> None:
    cal = night_calendar(date(2026, 3, 29), Interval(time(0), time(6)))
    day_start, day_end = rome(2026, 3, 29), rome(2026, 3, 30)
    assert cal.working_time(day_start, day_end) == timedelta(hours=5)
    [(start, end)] = cal.open_intervals(day_start, day_end)
    assert (start, end) == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))
    assert (offset_hours(start), offset_hours(end)) == (1, 2)


def test_opening_across_the_fall_back_night_lasts_one_hour_more() -> None:
    cal = night_calendar(date(2026, 10, 25), Interval(time(0), time(6)))
    assert cal.working_time(rome(2026, 10, 25), rome(2026, 10, 26)) == timedelta(hours=7)
    assert cal.closes_at(utc(2026, 10, 25, 1, 30)) == utc(2026, 10, 25, 5)


def test_hours_inside_the_spring_gap_are_shifted_past_the_jump() -> None:
    cal = night_calendar(date(2026, 3, 29), Interval(time(2, 15), time(2, 45)))
    [(start, end)] = cal.open_intervals(rome(2026, 3, 29), rome(2026, 3, 30))
    assert (start, end) == (utc(2026, 3, 29, 1, 15), utc(2026, 3, 29, 1, 45))
    assert (start.hour, start.minute, offset_hours(start)) == (3, 15, 2)


def test_hours_inverted_by_the_spring_gap_give_no_open_time() -> None:
    # 02:30 does not exist and lands at 03:30, after the 03:00 closing.
    cal = night_calendar(date(2026, 3, 29), Interval(time(2, 30), time(3)))
    assert cal.working_time(rome(2026, 3, 29), rome(2026, 3, 30)) == timedelta(0)
    assert cal.open_intervals(rome(2026, 3, 29), rome(2026, 3, 30)) == []
    assert not cal.is_open(utc(2026, 3, 29, 1, 15))
    assert cal.next_opening(rome(2026, 3, 28, 18)) == rome(2026, 3, 30, 9, 30)


def test_intervals_stretched_together_by_the_spring_gap_are_merged() -> None:
    # 01:00-02:30 becomes 01:00-03:30 and overlaps 03:00-04:00.
    cal = night_calendar(
        date(2026, 3, 29), Interval(time(1), time(2, 30)), Interval(time(3), time(4))
    )
    pieces = cal.open_intervals(rome(2026, 3, 29), rome(2026, 3, 30))
    assert pieces == [(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))]
    assert cal.closes_at(utc(2026, 3, 29, 0, 30)) == utc(2026, 3, 29, 2)


def test_intervals_made_to_touch_by_the_spring_gap_are_merged() -> None:
    # 02:00 does not exist and lands on the same instant as 03:00, which opens the next interval.
    cal = night_calendar(date(2026, 3, 29), Interval(time(1), time(2)), Interval(time(3), time(4)))
    pieces = cal.open_intervals(rome(2026, 3, 29), rome(2026, 3, 30))
    assert pieces == [(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))]
    assert cal.next_opening(utc(2026, 3, 29, 0, 30)) == rome(2026, 3, 30, 9, 30)


def test_interval_swallowed_by_a_stretched_one_is_merged() -> None:
    # 01:00-02:30 becomes 00:00Z-01:30Z, which contains 03:00-03:15 (01:00Z-01:15Z).
    cal = night_calendar(
        date(2026, 3, 29), Interval(time(1), time(2, 30)), Interval(time(3), time(3, 15))
    )
    pieces = cal.open_intervals(rome(2026, 3, 29), rome(2026, 3, 30))
    assert pieces == [(utc(2026, 3, 29, 0), utc(2026, 3, 29, 1, 30))]
    assert cal.working_time(rome(2026, 3, 29), rome(2026, 3, 30)) == timedelta(minutes=90)


@pytest.mark.parametrize("fold", [0, 1])
def test_ambiguous_hours_use_the_first_occurrence(fold: int) -> None:
    hours = Interval(time(2, 30, fold=fold), time(2, 45, fold=fold))
    cal = night_calendar(date(2026, 10, 25), hours)
    assert cal.is_open(utc(2026, 10, 25, 0, 35))  # 02:35+02:00
    assert not cal.is_open(utc(2026, 10, 25, 1, 35))  # 02:35+01:00
    assert cal.working_time(rome(2026, 10, 25), rome(2026, 10, 26)) == timedelta(minutes=15)


def test_hours_of_a_day_the_time_zone_skipped_land_on_the_next_day() -> None:
    # Samoa jumped from 29 to 31 December 2011: like a DST gap, but a whole day wide, so the
    # kernel has to look at the day before the local date of the query.
    apia = ZoneInfo("Pacific/Apia")
    skipped = DayOverride(date(2011, 12, 30), (Interval(time(9, 30), time(12)),))
    after = DayOverride(date(2011, 12, 31), (Interval(time(11), time(18)),))
    cal = OpeningCalendar(timezone=apia, weekly={}, overrides=[skipped, after])
    assert cal.closes_at(datetime(2011, 12, 31, 9, 45, tzinfo=apia)) == datetime(
        2011, 12, 31, 18, tzinfo=apia
    )
    assert cal.next_opening(datetime(2011, 12, 31, 9, tzinfo=apia)) == datetime(
        2011, 12, 31, 9, 30, tzinfo=apia
    )
    day = datetime(2011, 12, 31, tzinfo=apia)
    assert cal.working_time(day, day + timedelta(days=1)) == timedelta(hours=8, minutes=30)


def test_hours_of_a_skipped_day_are_kept_in_order_with_the_next_day() -> None:
    apia = ZoneInfo("Pacific/Apia")
    late = DayOverride(date(2011, 12, 30), (Interval(time(11), time(12)),))  # lands on the 31st
    early = DayOverride(date(2011, 12, 31), (Interval(time(9, 30), time(10)),))
    cal = OpeningCalendar(timezone=apia, weekly={}, overrides=[late, early])
    day = datetime(2011, 12, 31, tzinfo=apia)
    assert cal.open_intervals(day, day + timedelta(days=1)) == [
        (datetime(2011, 12, 31, 9, 30, tzinfo=apia), datetime(2011, 12, 31, 10, tzinfo=apia)),
        (datetime(2011, 12, 31, 11, tzinfo=apia), datetime(2011, 12, 31, 12, tzinfo=apia)),
    ]
    assert cal.next_opening(day) == datetime(2011, 12, 31, 9, 30, tzinfo=apia)


def test_range_queries_look_ahead_where_the_local_date_runs_backwards() -> None:
    # Alaska went from 19 back to 18 October 1867: on the repeated 18th the desk is inside
    # the (stretched) hours of the 19th, so a range on the 18th must look at the next day.
    juneau = ZoneInfo("America/Juneau")
    cal = OpeningCalendar(timezone=juneau, weekly={day: (HOURS,) for day in range(7)})
    start = utc(1867, 10, 19, 4, 57, 41)  # 18 October, 20:00, second time round
    assert start.astimezone(juneau).date() == date(1867, 10, 18)
    assert cal.is_open(start)
    assert cal.working_time(start, start + timedelta(hours=2)) == timedelta(hours=2)


# --- working time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        pytest.param(rome(2026, 3, 11), rome(2026, 3, 12), FULL_DAY, id="weekday"),
        pytest.param(rome(2026, 3, 9), rome(2026, 3, 16), 6 * FULL_DAY, id="week"),
        pytest.param(utc(2026, 3, 8, 23), utc(2026, 3, 15, 23), 6 * FULL_DAY, id="week-utc"),
        pytest.param(rome(2026, 4, 6), rome(2026, 4, 13), 5 * FULL_DAY, id="easter-week"),
        pytest.param(rome(2026, 12, 7), rome(2026, 12, 14), 4 * FULL_DAY, id="ambrogio-week"),
        pytest.param(rome(2026, 12, 24), rome(2027, 1, 4), 6 * FULL_DAY, id="year-end"),
        pytest.param(rome(2026, 3, 11, 12), rome(2026, 3, 12, 10), 390, id="overnight"),
        pytest.param(rome(2026, 3, 11, 10), rome(2026, 3, 11, 11, 15), 75, id="inside"),
        pytest.param(rome(2026, 3, 11, 12), rome(2026, 3, 11, 12), 0, id="empty"),
        pytest.param(rome(2026, 3, 15), rome(2026, 3, 16), 0, id="sunday"),
    ],
)
def test_working_minutes(start: datetime, end: datetime, minutes: int) -> None:
    assert CAL.working_minutes(start, end) == minutes
    assert CAL.working_time(start, end) == timedelta(minutes=minutes)


def test_working_time_is_exact_to_the_microsecond() -> None:
    opening = rome(2026, 3, 11, 9, 30)
    assert CAL.working_time(opening - US, opening + US) == US
    assert CAL.working_minutes(opening, opening + timedelta(seconds=30)) == 0.5


# --- open_intervals --------------------------------------------------------------------------


def test_open_intervals_are_clipped_and_skip_closed_days() -> None:
    pieces = CAL.open_intervals(rome(2026, 12, 4, 12), rome(2026, 12, 9, 10))
    expected = [
        (rome(2026, 12, 4, 12), rome(2026, 12, 4, 18)),
        (rome(2026, 12, 5, 9, 30), rome(2026, 12, 5, 18)),
        (rome(2026, 12, 9, 9, 30), rome(2026, 12, 9, 10)),
    ]
    assert pieces == expected
    assert all(s.tzinfo is ROME and e.tzinfo is ROME for s, e in pieces)


def test_open_intervals_of_an_empty_range() -> None:
    assert CAL.open_intervals(rome(2026, 3, 11, 12), rome(2026, 3, 11, 12)) == []


@pytest.mark.parametrize(
    "intervals",
    [
        (Interval(time(9, 30), time(12)), Interval(time(12), time(18))),
        (Interval(time(12), time(18)), Interval(time(9, 30), time(13))),
        (Interval(time(9, 30), time(18)), Interval(time(10), time(11))),
    ],
    ids=["touching", "overlapping-unsorted", "nested"],
)
def test_touching_or_overlapping_intervals_are_merged(intervals: tuple[Interval, ...]) -> None:
    cal = make_calendar(weekly={2: intervals})
    assert cal.intervals_on(date(2026, 3, 11)) == (HOURS,)
    pieces = cal.open_intervals(rome(2026, 3, 11), rome(2026, 3, 12))
    assert pieces == [(rome(2026, 3, 11, 9, 30), rome(2026, 3, 11, 18))]
    assert cal.closes_at(rome(2026, 3, 11, 10)) == rome(2026, 3, 11, 18)
    assert cal.next_opening(rome(2026, 3, 11, 10)) == rome(2026, 3, 18, 9, 30)


def test_lunch_break_splits_the_day() -> None:
    morning, afternoon = Interval(time(9, 30), time(13)), Interval(time(14), time(18))
    cal = make_calendar(weekly={2: (afternoon, morning)})
    assert cal.intervals_on(date(2026, 3, 11)) == (morning, afternoon)
    assert not cal.is_open(rome(2026, 3, 11, 13, 30))
    assert cal.closes_at(rome(2026, 3, 11, 10)) == rome(2026, 3, 11, 13)
    assert cal.next_opening(rome(2026, 3, 11, 13)) == rome(2026, 3, 11, 14)
    assert cal.working_minutes(rome(2026, 3, 11), rome(2026, 3, 12)) == 210 + 240


@pytest.mark.parametrize(
    "query",
    [
        lambda cal, a, b: cal.open_intervals(a, b),
        lambda cal, a, b: cal.working_time(a, b),
        lambda cal, a, b: cal.working_minutes(a, b),
    ],
    ids=["open_intervals", "working_time", "working_minutes"],
)
def test_end_before_start_raises(
    query: Callable[[OpeningCalendar, datetime, datetime], Any],
) -> None:
    with pytest.raises(ValueError, match="before start"):
        query(CAL, rome(2026, 3, 11, 12), rome(2026, 3, 11, 12) - US)


# --- overrides -------------------------------------------------------------------------------


def test_override_closes_a_weekday() -> None:
    closed = DayOverride(date(2026, 3, 11), (), "Staff training")
    cal = make_calendar(overrides=[closed])
    assert cal.intervals_on(date(2026, 3, 11)) == ()
    assert cal.closure_reason(date(2026, 3, 11)) == "Staff training"
    assert not cal.is_open(rome(2026, 3, 11, 12))
    assert cal.next_opening(rome(2026, 3, 10, 18)) == rome(2026, 3, 12, 9, 30)
    assert cal.working_minutes(rome(2026, 3, 9), rome(2026, 3, 16)) == 5 * FULL_DAY


def test_override_opens_a_sunday() -> None:
    extra = DayOverride(date(2026, 3, 15), (Interval(time(10), time(13)),), "Open day")
    cal = make_calendar(overrides=[extra])
    assert cal.is_open(rome(2026, 3, 15, 10))
    assert not cal.is_open(rome(2026, 3, 15, 13))
    assert cal.closure_reason(date(2026, 3, 15)) is None
    assert cal.next_opening(rome(2026, 3, 14, 18)) == rome(2026, 3, 15, 10)
    assert cal.working_minutes(rome(2026, 3, 15), rome(2026, 3, 16)) == 180


def test_override_opens_a_holiday() -> None:
    extra = DayOverride(date(2026, 12, 8), [Interval(time(9), time(12))], "Emergency")  # type: ignore[arg-type]
    cal = make_calendar(overrides=[extra])
    assert cal.intervals_on(date(2026, 12, 8)) == (Interval(time(9), time(12)),)
    assert cal.is_open(rome(2026, 12, 8, 9))
    assert cal.closure_reason(date(2026, 12, 8)) is None
    assert cal.next_opening(rome(2026, 12, 5, 18)) == rome(2026, 12, 8, 9)


def test_override_shortens_a_day() -> None:
    short = DayOverride(date(2026, 12, 24), (Interval(time(9, 30), time(13)),), "Christmas Eve")
    cal = make_calendar(overrides=[short])
    assert cal.closes_at(rome(2026, 12, 24, 10)) == rome(2026, 12, 24, 13)
    assert not cal.is_open(rome(2026, 12, 24, 13))
    assert cal.closure_reason(date(2026, 12, 24)) is None
    assert cal.working_minutes(rome(2026, 12, 24), rome(2026, 12, 25)) == 210


def test_override_intervals_are_stored_as_a_tuple() -> None:
    from_list = DayOverride(date(2026, 3, 11), [HOURS])  # type: ignore[arg-type]
    assert from_list.intervals == (HOURS,)
    assert from_list == DayOverride(date(2026, 3, 11), (HOURS,))
    assert hash(from_list) == hash(DayOverride(date(2026, 3, 11), (HOURS,)))


def test_duplicate_overrides_are_rejected() -> None:
    day = date(2026, 3, 11)
    with pytest.raises(ValueError, match="More than one override"):
        make_calendar(overrides=[DayOverride(day, ()), DayOverride(day, (HOURS,))])


# --- holiday sources and reasons -------------------------------------------------------------


def test_patron_day_recurs_every_year_without_a_holiday_library() -> None:
    cal = make_calendar(holidays=None)
    for year in (2026, 2030, 2041):
        assert cal.closure_reason(date(year, 12, 7)) == "Sant'Ambrogio"
        assert cal.intervals_on(date(year, 12, 7)) == ()
    assert cal.intervals_on(date(2026, 12, 8)) == (HOURS,)  # no holiday source at all


def test_holiday_name_wins_over_patron_name() -> None:
    cal = make_calendar(holidays={date(2026, 12, 7): "Festa"})
    assert cal.closure_reason(date(2026, 12, 7)) == "Festa"
    assert cal.closure_reason(date(2027, 12, 7)) == "Sant'Ambrogio"


def test_plain_dict_works_as_holiday_lookup() -> None:
    cal = make_calendar(holidays={date(2026, 3, 11): "Strike"}, patron_days=())
    assert not cal.is_open(rome(2026, 3, 11, 12))
    assert cal.closure_reason(date(2026, 3, 11)) == "Strike"
    assert cal.is_open(rome(2026, 12, 8, 12))


def test_leap_day_patron_only_closes_leap_years() -> None:
    cal = make_calendar(holidays=None, patron_days=[(2, 29, "Leap")])
    assert cal.closure_reason(date(2028, 2, 29)) == "Leap"
    assert cal.intervals_on(date(2027, 3, 1)) == (HOURS,)


@pytest.mark.parametrize("query", ["intervals_on", "closure_reason"])
def test_day_queries_refuse_datetimes(query: str) -> None:
    with pytest.raises(TypeError):
        getattr(CAL, query)(rome(2026, 12, 8))


# --- input validation ------------------------------------------------------------------------

NAIVE = datetime(2026, 3, 11, 12)
AWARE = rome(2026, 3, 11, 12)


@pytest.mark.parametrize(
    "query",
    [
        lambda cal: cal.is_open(NAIVE),
        lambda cal: cal.closes_at(NAIVE),
        lambda cal: cal.next_opening(NAIVE),
        lambda cal: cal.open_intervals(NAIVE, AWARE),
        lambda cal: cal.open_intervals(AWARE, NAIVE),
        lambda cal: cal.working_time(NAIVE, AWARE),
        lambda cal: cal.working_time(AWARE, NAIVE),
        lambda cal: cal.working_minutes(NAIVE, AWARE),
        lambda cal: cal.working_minutes(AWARE, NAIVE),
    ],
    ids=[
        "is_open",
        "closes_at",
        "next_opening",
        "open_intervals-start",
        "open_intervals-end",
        "working_time-start",
        "working_time-end",
        "working_minutes-start",
        "working_minutes-end",
    ],
)
def test_naive_datetimes_are_rejected(query: Callable[[OpeningCalendar], Any]) -> None:
    with pytest.raises(NaiveDatetimeError):
        query(CAL)


def test_naive_datetime_error_is_a_value_error() -> None:
    assert issubclass(NaiveDatetimeError, ValueError)


def test_inputs_in_any_zone_are_accepted() -> None:
    new_york = datetime(2026, 3, 11, 4, 30, tzinfo=ZoneInfo("America/New_York"))  # 9:30 Rome
    fixed = datetime(2026, 3, 11, 9, 29, tzinfo=timezone(timedelta(hours=1)))
    assert CAL.is_open(new_york)
    assert not CAL.is_open(fixed)
    assert_same_instant_in_rome(CAL.next_opening(fixed), rome(2026, 3, 11, 9, 30))


@pytest.mark.parametrize(
    ("opens", "closes"),
    [
        (time(18), time(9, 30)),
        (time(9, 30), time(9, 30)),
        (time(9, 30, tzinfo=UTC), time(18, tzinfo=UTC)),
    ],
    ids=["inverted", "empty", "aware"],
)
def test_invalid_intervals_are_rejected(opens: time, closes: time) -> None:
    with pytest.raises(ValueError):
        Interval(opens, closes)


def test_shortest_and_longest_intervals_are_valid() -> None:
    Interval(time(9, 30), time(9, 30, 0, 1))
    Interval(time.min, time.max)


@pytest.mark.parametrize(
    "params",
    [
        {"weekly": {7: (HOURS,)}},
        {"weekly": {-1: (HOURS,)}},
        {"horizon_days": -1},
        {"patron_days": [(2, 30, "No such day")]},
        {"patron_days": [(13, 1, "No such month")]},
    ],
    ids=["weekday-7", "weekday-neg", "horizon", "patron-day", "patron-month"],
)
def test_invalid_calendar_configuration_is_rejected(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_calendar(**params)
