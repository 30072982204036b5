"""Tests for the Erlang staffing kernel: plain functions, runnable without Django or a database."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.rota.erlang import (
    MAX_TRAFFIC_ERLANGS,
    StaffingResult,
    StaffingTarget,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    rostered_staff,
    service_level,
    staffing,
    traffic_erlangs,
)

TEXTBOOK = StaffingTarget(service_level=0.8, target_s=20)

# --- the textbook case -------------------------------------------------------------------------


def test_the_textbook_case_exactly():
    # 100 calls in 30 minutes, 180 s handling time, 80% answered within 20 s.
    result = staffing(100, 1800, 180, TEXTBOOK)

    assert result.agents == 14
    assert round(result.service_level, 4) == 0.8884
    assert round(result.probability_waiting, 4) == 0.1741
    assert round(result.average_speed_of_answer_s, 2) == 7.84
    assert result.traffic_erlangs == 10.0
    assert result.occupancy == pytest.approx(10 / 14)
    assert result.rostered == 14


def test_the_textbook_case_one_operator_short_misses_the_target():
    assert service_level(100, 1800, 180, 13, 20) < 0.8 <= service_level(100, 1800, 180, 14, 20)
    assert round(service_level(100, 1800, 180, 13, 20), 4) == 0.7956
    assert round(erlang_c(10, 13), 4) == 0.2853
    assert round(average_speed_of_answer(100, 1800, 180, 14), 2) == 7.84


def test_erlang_b_known_values():
    # Tables of Erlang B: 1 line offered 1 Erlang blocks half the calls; 10 Erlangs on 10 lines.
    assert erlang_b(1.0, 1) == 0.5
    assert erlang_b(2.0, 2) == pytest.approx(0.4)
    assert round(erlang_b(10.0, 10), 4) == 0.2146
    assert erlang_b(5.0, 0) == 1.0


def test_erlang_b_is_stable_where_the_closed_form_overflows():
    # A**n / n! overflows a float for A = 1000, n = 1000; the recursion does not.
    blocking = erlang_b(1000.0, 1000)
    assert 0 < blocking < 0.03
    assert 0 < erlang_c(1000.0, 1050) < 0.1


# --- edges ---------------------------------------------------------------------------------------


def test_no_calls_need_no_operators_and_nobody_waits():
    result = staffing(0, 1800, 180, StaffingTarget(0.8, 60, max_occupancy=0.85, shrinkage=0.3))

    assert result == StaffingResult(
        agents=0,
        service_level=1.0,
        probability_waiting=0.0,
        average_speed_of_answer_s=0.0,
        occupancy=0.0,
        traffic_erlangs=0.0,
        rostered=0,
    )
    assert erlang_c(0.0, 0) == 0.0
    assert service_level(0, 1800, 180, 0, 20) == 1.0


def test_too_few_operators_means_everyone_waits_forever():
    assert erlang_c(10.0, 10) == 1.0
    assert erlang_c(10.0, 3) == 1.0
    assert service_level(100, 1800, 180, 10, 20) == 0.0
    assert average_speed_of_answer(100, 1800, 180, 9) == math.inf


def test_the_occupancy_cap_adds_operators_the_service_level_alone_would_not():
    # 10 Erlangs answered by 14 operators keeps them busy 71% of the time; a 60% cap needs 17.
    result = staffing(100, 1800, 180, StaffingTarget(0.8, 20, max_occupancy=0.6))

    assert result.agents == 17
    assert result.occupancy <= 0.6
    assert result.service_level > 0.8884


def test_an_occupancy_cap_met_exactly_is_met():
    # 22.1 Erlangs at an 85% cap: 26 operators are exactly 85% busy (22.1 / 0.85 is
    # 26.000000000000004 in floating point), so a 27th is not needed.
    result = staffing(221, 3600, 360, StaffingTarget(0.01, 0, max_occupancy=0.85))

    assert result.traffic_erlangs == pytest.approx(22.1)
    assert result.agents == 26


def test_shrinkage_turns_agents_into_rostered_staff():
    result = staffing(100, 1800, 180, StaffingTarget(0.8, 20, shrinkage=0.3))

    assert result.agents == 14
    assert result.rostered == 20
    # 21 / 0.7 is 30 exactly, and 30.000000000000004 in floating point: not 31.
    assert rostered_staff(21, 0.3) == 30
    assert rostered_staff(4, 0.8) == 20
    assert rostered_staff(15, 0.3) == 22
    assert rostered_staff(0, 0.5) == 0


def test_a_longer_target_time_needs_no_more_operators():
    quick = staffing(100, 1800, 180, StaffingTarget(0.8, 20))
    relaxed = staffing(100, 1800, 180, StaffingTarget(0.8, 60))

    assert relaxed.agents == 13
    assert relaxed.agents <= quick.agents


def test_large_traffic_is_fast_enough_and_sensible():
    result = staffing(50_000, 1800, 360, StaffingTarget(0.9, 20))

    assert result.traffic_erlangs == 10_000
    assert 10_000 < result.agents < 10_200
    assert result.service_level >= 0.9


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traffic", "agents", "name"),
    [
        (-1.0, 3, "traffic"),
        (math.nan, 3, "traffic"),
        (math.inf, 3, "traffic"),
        ("3", 2, "traffic"),
        (1.0, -1, "agents"),
        (1.0, 2.5, "agents"),
        (1.0, True, "agents"),
    ],
)
def test_erlang_refuses_impossible_arguments(traffic, agents, name):
    with pytest.raises(ValueError, match=name):
        erlang_b(traffic, agents)
    with pytest.raises(ValueError, match=name):
        erlang_c(traffic, agents)


def test_traffic_beyond_the_bound_is_refused():
    with pytest.raises(ValueError, match="exceeds"):
        erlang_b(MAX_TRAFFIC_ERLANGS * 2, 3)
    with pytest.raises(ValueError, match="exceeds"):
        staffing(100_000, 1, 3600, TEXTBOOK)


@pytest.mark.parametrize(
    ("calls", "period_s", "aht_s", "message"),
    [
        (-1, 1800, 180, "calls"),
        (math.nan, 1800, 180, "calls"),
        (10, 0, 180, "period_s"),
        (10, -5, 180, "period_s"),
        (10, 1800, 0, "aht_s"),
        (10, 1800, math.inf, "aht_s"),
    ],
)
def test_staffing_refuses_impossible_demand(calls, period_s, aht_s, message):
    with pytest.raises(ValueError, match=message):
        staffing(calls, period_s, aht_s, TEXTBOOK)
    with pytest.raises(ValueError, match=message):
        traffic_erlangs(calls, period_s, aht_s)


def test_service_level_refuses_a_negative_target_time():
    with pytest.raises(ValueError, match="target_s"):
        service_level(100, 1800, 180, 14, -1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service_level": 0}, "service_level"),
        ({"service_level": 1}, "service_level"),
        ({"service_level": 80}, "service_level"),
        ({"service_level": math.nan}, "service_level"),
        ({"target_s": -1}, "target_s"),
        ({"target_s": math.inf}, "target_s"),
        ({"max_occupancy": 0}, "max_occupancy"),
        ({"max_occupancy": 1.2}, "max_occupancy"),
        ({"max_occupancy": 85}, "max_occupancy"),
        ({"shrinkage": 1}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"shrinkage": 30}, "shrinkage"),
    ],
)
def test_a_staffing_target_out_of_range_is_refused_with_its_name(fields, message):
    arguments = {"service_level": 0.8, "target_s": 20.0, **fields}
    with pytest.raises(ValueError, match=message):
        StaffingTarget(**arguments)


def test_a_full_occupancy_cap_and_no_shrinkage_are_allowed():
    target = StaffingTarget(0.8, 0, max_occupancy=1.0, shrinkage=0.0)
    assert staffing(100, 1800, 180, target).agents >= 11


def test_rostered_staff_refuses_bad_shrinkage():
    with pytest.raises(ValueError, match="shrinkage"):
        rostered_staff(10, 1.0)
    with pytest.raises(ValueError, match="agents"):
        rostered_staff(-1, 0.3)


# --- properties ----------------------------------------------------------------------------------

traffics = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
agent_counts = st.integers(min_value=0, max_value=260)
fractions = st.floats(min_value=0.01, max_value=0.99)


@given(traffics, agent_counts)
def test_erlang_b_and_c_are_probabilities(traffic, agents):
    assert 0.0 <= erlang_b(traffic, agents) <= 1.0
    assert 0.0 <= erlang_c(traffic, agents) <= 1.0
    # Waiting is at least as likely as being turned away: callers who would be blocked wait
    # (with no traffic and no line B is 1 by definition, and nobody ever waits).
    if traffic > 0:
        assert erlang_c(traffic, agents) >= erlang_b(traffic, agents) - 1e-12


@given(traffics, agent_counts, st.floats(min_value=0.0, max_value=600.0))
def test_one_more_operator_never_lowers_the_service_level_nor_raises_waiting(
    traffic, agents, target_s
):
    aht_s = 300.0
    calls = traffic * 1800 / aht_s
    assert (
        service_level(calls, 1800, aht_s, agents + 1, target_s)
        >= service_level(calls, 1800, aht_s, agents, target_s) - 1e-12
    )
    assert erlang_c(traffic, agents + 1) <= erlang_c(traffic, agents) + 1e-12
    assert erlang_b(traffic, agents + 1) <= erlang_b(traffic, agents) + 1e-12
    assert average_speed_of_answer(calls, 1800, aht_s, agents + 1) <= average_speed_of_answer(
        calls, 1800, aht_s, agents
    )


# Periods of five minutes or more keep the traffic under the kernel's ceiling (100,000 Erlangs).
@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=2000.0),
    st.floats(min_value=300.0, max_value=3600.0),
    st.floats(min_value=10.0, max_value=3600.0),
    fractions,
    st.floats(min_value=0.0, max_value=300.0),
    st.one_of(st.none(), st.floats(min_value=0.3, max_value=1.0)),
    st.floats(min_value=0.0, max_value=0.9),
)
def test_the_staffing_result_meets_the_target_with_the_fewest_operators(
    calls, period_s, aht_s, level, target_s, cap, shrinkage
):
    target = StaffingTarget(level, target_s, max_occupancy=cap, shrinkage=shrinkage)
    result = staffing(calls, period_s, aht_s, target)

    assert result.service_level >= level
    assert result.service_level == pytest.approx(
        service_level(calls, period_s, aht_s, result.agents, target_s)
    )
    if result.agents:
        assert result.occupancy == pytest.approx(result.traffic_erlangs / result.agents)
        assert result.agents > result.traffic_erlangs
    if cap is not None:
        assert result.occupancy <= cap + 1e-9
    assert result.rostered >= result.agents
    # One operator fewer would miss the service level or break the occupancy cap.
    fewer = result.agents - 1
    if fewer >= 0 and result.traffic_erlangs > 0:
        misses = service_level(calls, period_s, aht_s, fewer, target_s) < level
        overworked = cap is not None and (fewer == 0 or result.traffic_erlangs / fewer > cap)
        assert misses or overworked


@given(st.integers(min_value=0, max_value=500), fractions, fractions)
def test_more_shrinkage_never_lowers_rostered_staff(agents, one, other):
    low, high = sorted((one, other))
    assert rostered_staff(agents, 0.0) == agents
    assert agents <= rostered_staff(agents, low) <= rostered_staff(agents, high)
