"""Tests for the demand forecast kernel on hand-made histories (no Django, no database)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello.rota.forecast import (
    DEFAULT_TREND_BOUNDS,
    forecast_demand,
    mean_handling_seconds,
    slot_start,
)

MONDAY = 0
TUESDAY = 1
# Four Mondays of November 2026 and the Tuesdays after them.
MONDAYS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
TUESDAYS = [day + timedelta(days=1) for day in MONDAYS]


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute)


def calls(day, hour, minute, count):
    return [at(day, hour, minute)] * count


# --- slots -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "start"),
    [
        (time(9, 30), time(9, 30)),
        (time(9, 59, 59), time(9, 30)),
        (time(10, 0), time(10, 0)),
        (time(10, 29), time(10, 0)),
        (time(17, 45), time(17, 30)),
        (time(0, 0), time(0, 0)),
    ],
)
def test_half_hours_are_aligned_to_the_hour_and_the_half(moment, start):
    assert slot_start(moment) == start
    assert slot_start(datetime.combine(date(2026, 11, 2), moment)) == start


# --- the mean of the same half-hour ------------------------------------------------------------


def test_the_mean_of_the_same_half_hour_over_the_last_n_open_days_of_that_weekday():
    arrivals = [
        *calls(MONDAYS[0], 9, 35, 10),  # too old for N = 3
        *calls(MONDAYS[1], 9, 31, 2),
        *calls(MONDAYS[2], 9, 50, 4),
        *calls(MONDAYS[3], 9, 30, 6),
        *calls(MONDAYS[3], 10, 5, 3),
        *calls(TUESDAYS[3], 17, 45, 1),
    ]

    result = forecast_demand(
        arrivals, MONDAYS + TUESDAYS, weeks=3, until=date(2026, 11, 30), use_trend=False
    )

    assert result.days_by_weekday[MONDAY] == tuple(MONDAYS[1:])
    assert result.expected(MONDAY, time(9, 30)) == pytest.approx((2 + 4 + 6) / 3)
    assert result.expected(MONDAY, time(10, 0)) == pytest.approx(3 / 3)
    # Only one Tuesday has a contact, but three open Tuesdays are averaged.
    assert result.expected(TUESDAY, time(17, 30)) == pytest.approx(1 / 3)
    assert result.expected(MONDAY, time(11, 0)) == 0.0
    assert [(item.weekday, item.start) for item in result.slots] == [
        (MONDAY, time(9, 30)),
        (MONDAY, time(10, 0)),
        (TUESDAY, time(17, 30)),
    ]
    monday_morning = result.slot(MONDAY, time(9, 30))
    assert monday_morning.days_counted == 3
    assert monday_morning.mean_arrivals == monday_morning.forecast


def test_a_holiday_is_not_counted_as_a_day_nobody_called():
    # 8 December 2025 is a Monday and a public holiday (the desk was also closed on the 7th).
    mondays = [date(2025, 11, 24), date(2025, 12, 1), date(2025, 12, 15)]
    holiday = date(2025, 12, 8)
    arrivals = [*calls(mondays[0], 10, 0, 3), *calls(mondays[1], 10, 0, 6)]
    arrivals += [*calls(mondays[2], 10, 0, 9), *calls(holiday, 10, 0, 1)]  # a call on a closed day

    result = forecast_demand(arrivals, mondays, weeks=3, until=date(2025, 12, 22), use_trend=False)

    assert holiday not in result.days_by_weekday[MONDAY]
    assert result.days_by_weekday[MONDAY] == tuple(mondays)
    # The mean of three open Mondays (6), not four Mondays with a zero (4.5), and the call
    # logged on the holiday is not demand of an open day.
    assert result.expected(MONDAY, time(10, 0)) == pytest.approx(6.0)


def test_a_short_history_averages_the_days_it_has():
    result = forecast_demand(calls(MONDAYS[3], 11, 0, 4), [MONDAYS[3]], weeks=8, use_trend=False)

    assert result.slot(MONDAY, time(11, 0)).days_counted == 1
    assert result.expected(MONDAY, time(11, 0)) == 4.0
    assert result.until == MONDAYS[3] + timedelta(days=1)


def test_history_on_or_after_until_is_ignored():
    arrivals = [*calls(MONDAYS[2], 10, 0, 2), *calls(MONDAYS[3], 10, 0, 100)]

    result = forecast_demand(arrivals, MONDAYS, weeks=1, until=MONDAYS[3], use_trend=False)

    assert result.days_by_weekday[MONDAY] == (MONDAYS[2],)
    assert result.expected(MONDAY, time(10, 0)) == 2.0


def test_requested_slots_are_reported_even_when_empty_and_the_rest_counted_apart():
    opening = [(MONDAY, time(9, 30)), (MONDAY, time(10, 0)), (TUESDAY, time(9, 30))]
    arrivals = [*calls(MONDAYS[3], 9, 40, 2), *calls(MONDAYS[3], 20, 15, 5)]

    result = forecast_demand(arrivals, MONDAYS[3:], weeks=1, slots=opening, use_trend=False)

    assert [(item.weekday, item.start) for item in result.slots] == opening
    assert result.expected(MONDAY, time(9, 30)) == 2.0
    assert result.slot(MONDAY, time(10, 0)).mean_arrivals == 0.0
    # No Tuesday was open in the history: nothing to average, nothing expected.
    assert result.slot(TUESDAY, time(9, 30)).days_counted == 0
    assert result.expected(TUESDAY, time(9, 30)) == 0.0
    assert result.unslotted_arrivals == 5
    assert result.slot(MONDAY, time(20, 0)) is None


# --- the trend ---------------------------------------------------------------------------------


def four_weeks(first_two, last_two):
    """Mondays of four weeks: ``first_two`` calls at 10:00 on each of the first two, then
    ``last_two`` on each of the last two."""
    arrivals = []
    for day in MONDAYS[:2]:
        arrivals += calls(day, 10, 0, first_two)
    for day in MONDAYS[2:]:
        arrivals += calls(day, 10, 0, last_two)
    return arrivals


def test_the_trend_factor_scales_the_mean_and_says_what_it_came_from():
    result = forecast_demand(four_weeks(4, 6), MONDAYS, weeks=2, until=date(2026, 11, 30))

    trend = result.trend
    assert (trend.recent_arrivals, trend.recent_open_days) == (12, 2)
    assert (trend.earlier_arrivals, trend.earlier_open_days) == (8, 2)
    assert trend.raw == pytest.approx(1.5)
    assert trend.applied == pytest.approx(1.5)
    assert not trend.clamped
    assert trend.recent_from == date(2026, 11, 16)
    assert trend.earlier_from == date(2026, 11, 2)
    item = result.slot(MONDAY, time(10, 0))
    assert item.mean_arrivals == pytest.approx(6.0)
    assert item.forecast == pytest.approx(9.0)


def test_the_trend_is_clamped_and_says_so():
    surge = forecast_demand(four_weeks(1, 10), MONDAYS, weeks=2, until=date(2026, 11, 30))
    drop = forecast_demand(four_weeks(10, 1), MONDAYS, weeks=2, until=date(2026, 11, 30))

    assert surge.trend.raw == pytest.approx(10.0)
    assert surge.trend.applied == DEFAULT_TREND_BOUNDS[1] == 2.0
    assert surge.trend.clamped
    assert surge.expected(MONDAY, time(10, 0)) == pytest.approx(20.0)
    assert drop.trend.applied == DEFAULT_TREND_BOUNDS[0] == 0.5
    narrow = forecast_demand(
        four_weeks(1, 10), MONDAYS, weeks=2, until=date(2026, 11, 30), trend_bounds=(0.8, 1.25)
    )
    assert narrow.trend.applied == 1.25


def test_the_trend_compares_calls_per_open_day_so_a_holiday_week_is_no_drop():
    # Same demand every open day, but the recent window lost a day to a holiday.
    days = [*MONDAYS, *TUESDAYS]
    days.remove(TUESDAYS[3])
    arrivals = [call for day in days for call in calls(day, 10, 0, 5)]

    result = forecast_demand(arrivals, days, weeks=2, until=date(2026, 11, 30))

    assert (result.trend.recent_arrivals, result.trend.earlier_arrivals) == (15, 20)
    assert result.trend.raw == pytest.approx(1.0)
    assert result.expected(TUESDAY, time(10, 0)) == pytest.approx(5.0)


def test_no_trend_without_an_earlier_window_or_when_turned_off():
    young = forecast_demand(four_weeks(4, 6)[-12:], MONDAYS[2:], weeks=2)
    quiet_before = forecast_demand(four_weeks(0, 6), MONDAYS, weeks=2, until=date(2026, 11, 30))
    off = forecast_demand(
        four_weeks(4, 6), MONDAYS, weeks=2, until=date(2026, 11, 30), use_trend=False
    )

    assert young.trend.raw is None
    assert young.trend.earlier_open_days == 0
    assert young.trend.applied == 1.0
    assert quiet_before.trend.raw is None
    assert quiet_before.trend.applied == 1.0
    assert off.trend.raw == pytest.approx(1.5)
    assert off.trend.applied == 1.0
    assert off.expected(MONDAY, time(10, 0)) == pytest.approx(6.0)


def test_no_history_at_all_forecasts_nothing():
    result = forecast_demand([], [], weeks=4, slots=[(MONDAY, time(9, 30))])

    assert result.expected(MONDAY, time(9, 30)) == 0.0
    assert result.trend.raw is None
    assert result.days_by_weekday == {}


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("weeks", [0, -1, 1.5, True, "4"])
def test_weeks_must_be_a_positive_whole_number(weeks):
    with pytest.raises(ValueError, match="weeks"):
        forecast_demand([], MONDAYS, weeks=weeks)


def test_aware_arrivals_are_refused():
    with pytest.raises(ValueError, match="naive"):
        forecast_demand([datetime(2026, 11, 2, 9, 30, tzinfo=UTC)], MONDAYS, weeks=1)


@pytest.mark.parametrize("bounds", [(0, 2), (1.2, 2), (0.5, 0.9), (0.5, math.inf)])
def test_trend_bounds_must_bracket_one(bounds):
    with pytest.raises(ValueError, match="trend_bounds"):
        forecast_demand([], MONDAYS, weeks=1, trend_bounds=bounds)


@pytest.mark.parametrize("slot", [(7, time(9, 30)), (-1, time(9, 30)), (0, time(9, 15))])
def test_requested_slots_must_be_half_hours_of_the_week(slot):
    with pytest.raises(ValueError, match="slot"):
        forecast_demand([], MONDAYS, weeks=1, slots=[slot])


# --- handling time -----------------------------------------------------------------------------


def test_the_mean_handling_time_of_the_sessions_held():
    assert mean_handling_seconds([600, 1200, 1800], default_s=900) == 1200.0
    assert mean_handling_seconds(iter([300.5, 299.5]), default_s=900) == 300.0


def test_no_sessions_yet_gives_the_default():
    assert mean_handling_seconds([], default_s=900) == 900.0
    # A session recorded without its length says nothing about how long sessions take.
    assert mean_handling_seconds([0, 0], default_s=900) == 900.0
    assert mean_handling_seconds([0, 1200], default_s=900) == 1200.0


@pytest.mark.parametrize("durations", [[-1], [math.nan], [math.inf], ["600"]])
def test_impossible_durations_are_refused(durations):
    with pytest.raises(ValueError, match="duration"):
        mean_handling_seconds(durations, default_s=900)


@pytest.mark.parametrize("default", [0, -60, math.nan, None])
def test_the_default_must_be_a_positive_time(default):
    with pytest.raises(ValueError, match="default_s"):
        mean_handling_seconds([600], default_s=default)


@given(st.lists(st.floats(min_value=1, max_value=36_000), min_size=1, max_size=50))
def test_the_mean_lies_between_the_shortest_and_the_longest(durations):
    mean = mean_handling_seconds(durations, default_s=1.0)
    assert min(durations) - 1e-6 <= mean <= max(durations) + 1e-6
