"""The effective roster: the published pattern for each day, holidays without shifts, absences,
applied dated changes, plans taking over from each other, and who is on shift at an instant."""

import datetime

import pytest

from sportello.rota import queries
from sportello.rota.models import (
    Absence,
    AbsenceKind,
    ChangeReason,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftChange,
    ShiftKind,
)
from sportello.testing import rome

D = datetime.date


@pytest.fixture
def coordinator(milan, make_staff):
    return make_staff("coordinator", "carla")


@pytest.fixture
def staff(milan, make_staff):
    """Two professionals: Mario Rossi (clinical psychology) and Anna Bianchi (criminology)."""

    def make(username, first, last, competences):
        user = make_staff("professional", username, competences=competences)
        user.first_name, user.last_name = first, last
        user.save()
        return user

    return {
        "rossi": make("rossi", "Mario", "Rossi", ("clinical_psychology",)),
        "bianchi": make("bianchi", "Anna", "Bianchi", ("criminology",)),
    }


@pytest.fixture
def publish(coordinator):
    """A published plan from ``valid_from``: assignments as (user, week, weekday, shift code)."""

    def make(valid_from, assignments, weeks=1):
        plan = RosterPlan.objects.create(
            status=PlanStatus.PUBLISHED,
            pattern_weeks=weeks,
            valid_from=valid_from,
            created_by=coordinator,
            created_at=rome(2026, 11, 1, 9, 0),
            published_by=coordinator,
            published_at=rome(2026, 11, 1, 9, 0),
        )
        for user, week, weekday, code in assignments:
            PatternAssignment.objects.create(
                plan=plan,
                user=user,
                week=week,
                weekday=weekday,
                shift_kind=ShiftKind.objects.get(code=code),
            )
        return plan

    return make


def names(day_roster, code):
    kind = ShiftKind.objects.get(code=code)
    return [entry.user.username for entry in day_roster.on(kind)]


def one_day(day):
    return queries.roster_between(day, day)[0]


def change(coordinator, user, day, code, *, on_shift, applied=True):
    return ShiftChange.objects.create(
        day=day,
        shift_kind=ShiftKind.objects.get(code=code),
        user=user,
        on_shift=on_shift,
        reason=ChangeReason.MANUAL,
        applied=applied,
        created_by=coordinator,
        created_at=rome(2026, 12, 1, 9, 0),
    )


def test_a_one_week_plan_repeats_every_week(staff, publish):
    publish(
        D(2026, 11, 30), [(staff["rossi"], 0, 0, "morning"), (staff["bianchi"], 0, 1, "afternoon")]
    )
    week = queries.roster_between(D(2026, 12, 14), D(2026, 12, 20))
    assert [day.day for day in week] == [
        D(2026, 12, 14) + datetime.timedelta(days=i) for i in range(7)
    ]
    assert names(week[0], "morning") == ["rossi"] and names(week[0], "afternoon") == []
    assert names(week[1], "afternoon") == ["bianchi"] and names(week[1], "morning") == []
    entry = week[0].rostered[0]
    assert (entry.starts_at, entry.ends_at) == (
        rome(2026, 12, 14, 9, 30),
        rome(2026, 12, 14, 13, 45),
    )
    assert entry.change is None
    assert week[6].shifts == [] and week[6].rostered == []  # Sunday: closed
    assert names(one_day(D(2026, 12, 21)), "morning") == ["rossi"]


def test_a_two_week_plan_alternates_from_the_monday_of_its_start(staff, publish):
    # Valid from a Thursday: its cycle still counts weeks from that week's Monday (30/11).
    publish(
        D(2026, 12, 3),
        [(staff["rossi"], 0, 2, "morning"), (staff["bianchi"], 1, 2, "morning")],
        weeks=2,
    )
    assert names(one_day(D(2026, 12, 2)), "morning") == []  # before the plan
    assert names(one_day(D(2026, 12, 9)), "morning") == ["bianchi"]
    assert names(one_day(D(2026, 12, 16)), "morning") == ["rossi"]
    assert names(one_day(D(2026, 12, 23)), "morning") == ["bianchi"]
    assert names(one_day(D(2026, 12, 30)), "morning") == ["rossi"]


def test_public_holidays_and_the_patron_saint_have_no_shifts(staff, publish):
    publish(D(2026, 11, 30), [(staff["rossi"], 0, 0, "morning"), (staff["rossi"], 0, 1, "morning")])
    patron, immaculate, monday, tuesday = queries.roster_between(D(2026, 12, 7), D(2026, 12, 8)) + (
        queries.roster_between(D(2026, 12, 14), D(2026, 12, 15))
    )
    for closed in (patron, immaculate):  # Milan's Sant'Ambrogio, then 8 December
        assert closed.shifts == [] and closed.rostered == [] and closed.absent == []
    assert names(monday, "morning") == ["rossi"] and names(tuesday, "morning") == ["rossi"]


def test_an_absence_takes_the_operator_off_and_lists_them_absent(staff, publish, coordinator):
    rossi = staff["rossi"]
    publish(D(2026, 11, 30), [(rossi, 0, 0, "morning"), (rossi, 0, 2, "morning")])
    Absence.objects.create(
        user=rossi,
        kind=AbsenceKind.SICKNESS,
        first_day=D(2026, 12, 14),
        last_day=D(2026, 12, 15),
        recorded_by=coordinator,
        recorded_at=rome(2026, 12, 13, 9, 0),
    )
    monday, _tuesday, wednesday = queries.roster_between(D(2026, 12, 14), D(2026, 12, 16))
    assert names(monday, "morning") == []
    assert [(user.username, kind.code) for user, kind in monday.absent] == [("rossi", "morning")]
    assert names(wednesday, "morning") == ["rossi"] and wednesday.absent == []


def test_a_cancelled_absence_no_longer_counts(staff, publish, coordinator):
    rossi = staff["rossi"]
    publish(D(2026, 11, 30), [(rossi, 0, 0, "morning")])
    Absence.objects.create(
        user=rossi,
        kind=AbsenceKind.LEAVE,
        first_day=D(2026, 12, 14),
        last_day=D(2026, 12, 14),
        recorded_by=coordinator,
        recorded_at=rome(2026, 12, 13, 9, 0),
        cancelled_at=rome(2026, 12, 13, 10, 0),
    )
    assert names(one_day(D(2026, 12, 14)), "morning") == ["rossi"]


def test_applied_changes_add_and_remove_operators(staff, publish, coordinator):
    rossi, bianchi = staff["rossi"], staff["bianchi"]
    publish(D(2026, 11, 30), [(rossi, 0, 0, "morning")])
    change(coordinator, rossi, D(2026, 12, 14), "morning", on_shift=False)
    added = change(coordinator, bianchi, D(2026, 12, 14), "afternoon", on_shift=True)
    monday = one_day(D(2026, 12, 14))
    assert names(monday, "morning") == []
    assert names(monday, "afternoon") == ["bianchi"]
    assert monday.on(ShiftKind.objects.get(code="afternoon"))[0].change == added
    assert names(one_day(D(2026, 12, 21)), "morning") == ["rossi"]  # only that day


def test_proposed_changes_not_yet_applied_are_ignored(staff, publish, coordinator):
    rossi, bianchi = staff["rossi"], staff["bianchi"]
    publish(D(2026, 11, 30), [(rossi, 0, 0, "morning")])
    change(coordinator, rossi, D(2026, 12, 14), "morning", on_shift=False, applied=False)
    change(coordinator, bianchi, D(2026, 12, 14), "morning", on_shift=True, applied=False)
    assert names(one_day(D(2026, 12, 14)), "morning") == ["rossi"]


def test_a_change_on_a_holiday_adds_nobody(staff, publish, coordinator):
    publish(D(2026, 11, 30), [])
    change(coordinator, staff["bianchi"], D(2026, 12, 8), "morning", on_shift=True)
    assert one_day(D(2026, 12, 8)).rostered == []


def test_a_newer_published_plan_takes_over_from_its_start(staff, publish):
    rossi, bianchi = staff["rossi"], staff["bianchi"]
    publish(D(2026, 11, 30), [(rossi, 0, 0, "morning"), (rossi, 0, 3, "morning")])
    publish(D(2026, 12, 16), [(bianchi, 0, 0, "morning"), (bianchi, 0, 3, "morning")])
    days = {day.day: day for day in queries.roster_between(D(2026, 12, 14), D(2026, 12, 24))}
    assert names(days[D(2026, 12, 14)], "morning") == ["rossi"]  # before the new start
    assert names(days[D(2026, 12, 17)], "morning") == ["bianchi"]  # Thursday, new plan
    assert names(days[D(2026, 12, 21)], "morning") == ["bianchi"]
    # A range starting after both starts reads only the newer plan.
    assert names(one_day(D(2026, 12, 28)), "morning") == ["bianchi"]
    assert queries.plan_in_force(D(2026, 12, 15)).valid_from == D(2026, 11, 30)
    assert queries.plan_in_force(D(2026, 12, 16)).valid_from == D(2026, 12, 16)


def test_a_users_roster_lists_only_their_shifts(staff, publish):
    rossi, bianchi = staff["rossi"], staff["bianchi"]
    publish(D(2026, 11, 30), [(rossi, 0, 0, "morning"), (bianchi, 0, 0, "afternoon")])
    shifts = queries.shifts_of(bianchi, D(2026, 12, 14), D(2026, 12, 20))
    assert [(s.day, s.shift_kind.code, s.user.username) for s in shifts] == [
        (D(2026, 12, 14), "afternoon", "bianchi")
    ]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (rome(2026, 12, 14, 9, 29), []),
        (rome(2026, 12, 14, 9, 30), ["rossi"]),
        (rome(2026, 12, 14, 13, 44), ["rossi"]),
        (rome(2026, 12, 14, 13, 45), ["bianchi"]),  # the morning ends as the afternoon starts
        (rome(2026, 12, 14, 17, 59), ["bianchi"]),
        (rome(2026, 12, 14, 18, 0), []),
        # 8:45 UTC is 9:45 in Milan: the desk's zone decides, not UTC's wall clock.
        (datetime.datetime(2026, 12, 14, 8, 45, tzinfo=datetime.UTC), ["rossi"]),
        # 23:30 UTC on Sunday is already Monday 0:30 in Milan: nobody works at night.
        (datetime.datetime(2026, 12, 13, 23, 30, tzinfo=datetime.UTC), []),
        (rome(2026, 12, 8, 10, 0), []),  # a holiday
        # Summer time: Milan is UTC+2, so 7:45 UTC is 9:45 and 7:15 UTC is 9:15.
        (datetime.datetime(2027, 6, 14, 7, 45, tzinfo=datetime.UTC), ["rossi"]),
        (datetime.datetime(2027, 6, 14, 7, 15, tzinfo=datetime.UTC), []),
        # The first Tuesday of summer time (30/3/2027): the afternoon starts at 11:45 UTC.
        (datetime.datetime(2027, 3, 30, 11, 44, tzinfo=datetime.UTC), []),
        (datetime.datetime(2027, 3, 30, 11, 45, tzinfo=datetime.UTC), ["bianchi"]),
    ],
)
def test_who_is_on_shift_at_an_instant(staff, publish, at, expected):
    publish(
        D(2026, 11, 30),
        [
            (staff["rossi"], 0, 0, "morning"),
            (staff["bianchi"], 0, 0, "afternoon"),
            (staff["bianchi"], 0, 1, "afternoon"),
        ],
    )
    assert [entry.user.username for entry in queries.on_shift_at(at)] == expected


def test_on_shift_tells_competences_and_services(staff, publish, frozen_now):
    publish(D(2026, 11, 30), [(staff["bianchi"], 0, 0, "afternoon")])
    frozen_now(rome(2026, 12, 14, 15, 0))
    (entry,) = queries.on_shift_at()
    assert entry.shift_kind.code == "afternoon"
    assert entry.competences == frozenset({"criminology"})
    assert entry.services == frozenset({"emergency"})
    assert entry.starts_at == rome(2026, 12, 14, 13, 45)
