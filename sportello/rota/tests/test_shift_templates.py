import datetime
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello.rota.shift_templates import Gap, ShiftTemplate, derive_templates, uncovered

T = datetime.time
MILAN = {day: [(T(9, 30), T(18, 0))] for day in range(6)}


def test_milan_cut_at_13_45_gives_a_morning_and_an_afternoon_on_six_days():
    assert derive_templates(MILAN, [T(13, 45)]) == [
        ShiftTemplate(T(9, 30), T(13, 45), (0, 1, 2, 3, 4, 5)),
        ShiftTemplate(T(13, 45), T(18, 0), (0, 1, 2, 3, 4, 5)),
    ]
    assert uncovered(MILAN, derive_templates(MILAN, [T(13, 45)])) == []


def test_days_with_other_hours_get_their_own_templates():
    weekly = {**MILAN, 5: [(T(9, 30), T(13, 0))]}
    templates = derive_templates(weekly, [T(13, 45)])
    assert ShiftTemplate(T(9, 30), T(13, 0), (5,)) in templates
    assert ShiftTemplate(T(13, 45), T(18, 0), (0, 1, 2, 3, 4)) in templates


def test_uncovered_names_every_bare_stretch():
    templates = [ShiftTemplate(T(10, 0), T(13, 0), (0,)), ShiftTemplate(T(14, 0), T(17, 0), (0,))]
    assert uncovered({0: [(T(9, 30), T(18, 0))]}, templates) == [
        Gap(0, T(9, 30), T(10, 0)),
        Gap(0, T(13, 0), T(14, 0)),
        Gap(0, T(17, 0), T(18, 0)),
    ]


def test_bad_hours_are_refused():
    with pytest.raises(ValueError, match="weekday"):
        derive_templates({7: [(T(9, 0), T(10, 0))]})
    with pytest.raises(ValueError, match="open before"):
        derive_templates({0: [(T(10, 0), T(9, 0))]})


quarter_hours = st.integers(min_value=0, max_value=95).map(lambda q: T(q // 4, q % 4 * 15))


@st.composite
def weeks(draw):
    weekly = {}
    for day in draw(st.sets(st.integers(0, 6), min_size=1)):
        a, b = sorted(draw(st.lists(quarter_hours, min_size=2, max_size=2, unique=True)))
        weekly[day] = [(a, b)]
    return weekly


@given(weekly=weeks(), cuts=st.lists(quarter_hours, max_size=3))
def test_derived_templates_cover_every_open_minute_once(weekly, cuts):
    templates = derive_templates(weekly, cuts)
    assert uncovered(weekly, templates) == []
    for day, intervals in weekly.items():
        on_day = sorted((t.starts, t.ends) for t in templates if day in t.weekdays)
        # Contiguous and non-overlapping: each piece starts where the previous ended.
        assert on_day[0][0] == intervals[0][0] and on_day[-1][1] == intervals[0][1]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(on_day))
