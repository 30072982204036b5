"""Staffing from demand: the contact history read into a forecast, the handling time, the operators
required and rostered per half-hour, the proposed head counts and adopting them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sportello.cases.models import Case, Person, Session
from sportello.privacy.models import AuditEvent
from sportello.rota import demand, erlang
from sportello.rota.demand_operations import apply_demand_requirements
from sportello.rota.models import (
    CoverageRequirement,
    RequirementSource,
    ShiftKind,
)
from sportello.services.models import Competence, Service
from sportello.services.opening_calendar import Interval
from sportello.testing import rome

from .conftest import DEMAND_MONDAY as MONDAY
from .conftest import DEMAND_WEEKS as WEEKS
from .conftest import kind

pytestmark = pytest.mark.django_db

T = datetime.time
FRIDAY = datetime.date(2026, 5, 15)
# Mean over the open Fridays 17/4, 24/4, 8/5: (3 + 1 + 2) / 3.
FRIDAY_TEN_MEAN = 2.0
# Trend: 3 contacts over the 16 open days from 20/4 (25/4 and 1/5 are holidays) against 3 over
# the 2 open days before (the history starts with the first contact, on 17/4): 0.1875 / 1.5.
TREND_RAW = 0.125
TREND_APPLIED = 0.5  # clamped to the lower bound
HANDLING_S = 1500.0  # conversations of 20 and 30 minutes; a 5-hour one is left out
TARGET = erlang.StaffingTarget(service_level=0.8, target_s=60, max_occupancy=0.85, shrinkage=0.3)


def half_hour(week: demand.WeekStaffing, day: datetime.date, start: datetime.time):
    found = next(item for item in week.days if item.day == day)
    return next(half for half in found.half_hours if half.start == start)


# Opening hours into half-hours -------------------------------------------------------------------


def test_open_half_hours_follow_the_opening_hours():
    halves = demand.open_half_hours([Interval(T(9, 30), T(18, 0))])

    assert halves[0] == (T(9, 30), 1800)
    assert halves[-1] == (T(17, 30), 1800)
    assert len(halves) == 17


def test_a_half_hour_the_desk_opens_late_counts_only_its_open_minutes():
    halves = demand.open_half_hours([Interval(T(9, 15), T(10, 0)), Interval(T(14, 0), T(14, 45))])

    assert halves == [(T(9, 0), 900), (T(9, 30), 1800), (T(14, 0), 1800), (T(14, 30), 900)]


# The forecast ----------------------------------------------------------------------------------


def test_the_forecast_is_the_mean_of_the_open_fridays_times_the_clamped_trend(contact_history):
    contact_history()

    history = demand.demand_history(WEEKS, until=MONDAY)

    slot = history.forecast.slot(4, T(10, 0))
    assert slot.days_counted == 3
    assert slot.mean_arrivals == pytest.approx(FRIDAY_TEN_MEAN)
    # Labour Day is not among the Fridays averaged, though five contacts arrived on it.
    assert datetime.date(2026, 5, 1) not in history.days_counted(4)
    assert history.days_counted(4) == (
        datetime.date(2026, 4, 17),
        datetime.date(2026, 4, 24),
        datetime.date(2026, 5, 8),
    )
    trend = history.forecast.trend
    assert trend.raw == pytest.approx(TREND_RAW)
    assert trend.clamped
    assert trend.applied == TREND_APPLIED
    assert history.forecast.expected(4, T(10, 0)) == pytest.approx(FRIDAY_TEN_MEAN * TREND_APPLIED)
    assert history.forecast.expected(4, T(9, 30)) == 0.0
    assert history.has_history
    # The history starts with the first contact, not with N weeks of days nobody recorded.
    assert history.first_day == datetime.date(2026, 4, 17)


def test_a_service_forecast_counts_only_that_services_contacts(contact_history):
    contact_history("victims")

    assert demand.demand_history(WEEKS, until=MONDAY).has_history
    assert demand.demand_history(
        WEEKS, until=MONDAY, service=Service.objects.get(code="victims")
    ).has_history
    assert not demand.demand_history(
        WEEKS, until=MONDAY, service=Service.objects.get(code="emergency")
    ).has_history


def test_weeks_outside_one_to_fifty_two_are_refused(milan):
    with pytest.raises(ValueError, match="weeks"):
        demand.demand_history(0, until=MONDAY)
    with pytest.raises(ValueError, match="weeks"):
        demand.demand_history(53, until=MONDAY)


# Handling time -----------------------------------------------------------------------------------


def test_handling_time_is_the_mean_conversation_of_the_contacts(contact_history):
    contact_history()

    handling = demand.demand_history(WEEKS, until=MONDAY).handling

    assert handling.source == demand.HANDLING_FROM_CONTACTS
    assert handling.samples == 2  # the five-hour conversation is a contact left open
    assert handling.seconds == pytest.approx(HANDLING_S)


def test_without_conversations_handling_time_comes_from_the_sessions(
    milan, before_opening, coordinator
):
    case = Case.objects.create(
        reference="PC-2026-000001",
        person=Person.objects.create(pseudonym="P-TEST-1", created_at=rome(2026, 4, 20, 10, 0)),
        service=Service.objects.get(code="emergency"),
        opened_at=rome(2026, 4, 20, 10, 0),
        opened_by=coordinator,
    )
    for minutes in (30, 50):
        Session.objects.create(
            case=case,
            held_at=rome(2026, 4, 21, 11, 0),
            mode="phone",
            duration_minutes=minutes,
            recorded_by=coordinator,
            recorded_at=rome(2026, 4, 21, 12, 0),
        )

    handling = demand.handling_time(datetime.date(2026, 4, 1), MONDAY)

    assert handling.source == demand.HANDLING_FROM_SESSIONS
    assert handling.samples == 2
    assert handling.seconds == 40 * 60


def test_without_any_duration_handling_time_is_the_setting(milan, before_opening, settings):
    settings.SPORTELLO_ROTA_DEFAULT_HANDLING_SECONDS = 900

    handling = demand.handling_time(datetime.date(2026, 4, 1), MONDAY)

    assert handling.source == demand.HANDLING_FROM_SETTING
    assert handling.seconds == 900
    assert handling.samples == 0


def test_the_erlang_targets_come_from_settings(settings):
    settings.SPORTELLO_ROTA_SERVICE_LEVEL = 0.9
    settings.SPORTELLO_ROTA_TARGET_SECONDS = 20
    settings.SPORTELLO_ROTA_MAX_OCCUPANCY = 0.8
    settings.SPORTELLO_ROTA_SHRINKAGE = 0.25

    assert demand.staffing_target() == erlang.StaffingTarget(0.9, 20, 0.8, 0.25)


# Required and rostered per half-hour --------------------------------------------------------------


def test_required_operators_are_erlang_for_the_forecast(contact_history, published_plan):
    contact_history()
    published_plan()

    week = demand.week_staffing(MONDAY, weeks=WEEKS)

    ten = half_hour(week, FRIDAY, T(10, 0))
    by_hand = erlang.staffing(FRIDAY_TEN_MEAN * TREND_APPLIED, 1800, HANDLING_S, TARGET)
    # 1 contact in 30 minutes of 25: 0.83 Erlang; 2 operators answer 76.6% within 60 s, 3 answer
    # 94.7%; 3 / (1 - 0.3) = 4.3, so 5 on the roster.
    assert (by_hand.agents, by_hand.rostered) == (3, 5)
    assert ten.demand == pytest.approx(1.0)
    assert ten.agents == 3
    assert ten.required == 5
    # No contact expected: still one operator while the desk is open.
    assert half_hour(week, FRIDAY, T(9, 30)).required == 1
    assert week.required_from == demand.REQUIRED_FROM_DEMAND


def test_rostered_operators_count_in_every_half_hour_their_shift_touches(
    contact_history, published_plan
):
    contact_history()
    published_plan()

    week = demand.week_staffing(MONDAY, weeks=WEEKS)

    assert week.has_plan
    assert half_hour(week, FRIDAY, T(9, 30)).rostered == 2
    assert half_hour(week, FRIDAY, T(13, 0)).rostered == 2
    # Morning ends at 13:45, afternoon starts then: the half-hour holds all three.
    assert half_hour(week, FRIDAY, T(13, 30)).rostered == 3
    assert half_hour(week, FRIDAY, T(14, 0)).rostered == 1
    assert half_hour(week, MONDAY, T(10, 0)).rostered == 0


def test_gaps_are_the_half_hours_with_fewer_rostered_than_required(contact_history, published_plan):
    contact_history()
    published_plan()

    week = demand.week_staffing(MONDAY, weeks=WEEKS)

    ten = half_hour(week, FRIDAY, T(10, 0))
    assert ten.shortfall == 3  # 5 required, 2 rostered
    assert half_hour(week, FRIDAY, T(13, 30)).shortfall == 0
    friday = next(item for item in week.days if item.day == FRIDAY)
    assert [half.start for half in friday.gaps] == [T(10, 0)]
    # Nobody is rostered on Monday: all 17 open half-hours are short of their one operator.
    monday = next(item for item in week.days if item.day == MONDAY)
    assert len(monday.gaps) == 17
    assert [day.day.weekday() for day in week.days] == [0, 1, 2, 3, 4, 5]


def test_a_service_counts_only_the_operators_who_serve_it(contact_history, published_plan):
    contact_history()
    published_plan()

    week = demand.week_staffing(MONDAY, weeks=WEEKS, service=Service.objects.get(code="victims"))

    # Only Carla (victims, psychotraumatology) serves the victims' service.
    assert half_hour(week, FRIDAY, T(10, 0)).rostered == 0
    assert half_hour(week, FRIDAY, T(14, 0)).rostered == 1
    assert week.proposal == ()


def test_a_holiday_in_the_week_shown_is_closed(contact_history):
    contact_history()

    week = demand.week_staffing(datetime.date(2026, 4, 29), weeks=WEEKS)

    labour_day = next(item for item in week.days if item.day == datetime.date(2026, 5, 1))
    assert not labour_day.is_open
    assert labour_day.closed_reason
    assert week.monday == datetime.date(2026, 4, 27)


def test_without_history_the_required_operators_are_the_minimums_in_force(
    milan, before_opening, published_plan
):
    published_plan()
    CoverageRequirement.objects.create(shift_kind=kind("morning"), weekday=4, minimum=3)
    CoverageRequirement.objects.create(shift_kind=kind("afternoon"), weekday=4, minimum=2)

    week = demand.week_staffing(MONDAY, weeks=WEEKS)

    assert not week.history.has_history
    assert week.required_from == demand.REQUIRED_FROM_REQUIREMENTS
    ten = half_hour(week, FRIDAY, T(10, 0))
    assert (ten.demand, ten.required, ten.rostered, ten.shortfall) == (None, 3, 2, 1)
    assert half_hour(week, FRIDAY, T(13, 30)).required == 3  # the larger of the two shifts'
    assert half_hour(week, FRIDAY, T(14, 0)).required == 2
    assert half_hour(week, MONDAY, T(10, 0)).required is None
    assert week.proposal == ()


def test_without_history_or_minimums_nothing_is_required(milan, before_opening):
    week = demand.week_staffing(MONDAY, weeks=WEEKS)

    assert week.required_from == demand.REQUIRED_UNKNOWN
    assert week.gaps == []
    assert demand.propose_requirements(week.history) == []


# The proposal ----------------------------------------------------------------------------------


def test_the_proposal_is_the_busiest_half_hour_of_each_shift(contact_history):
    contact_history()
    CoverageRequirement.objects.create(shift_kind=kind("morning"), weekday=4, minimum=2)

    proposal = demand.propose_requirements(demand.demand_history(WEEKS, until=MONDAY))

    by_shift = {(item.weekday, item.shift_kind.code): item for item in proposal}
    assert len(proposal) == 12  # morning and afternoon, Monday to Saturday
    friday_morning = by_shift[(4, "morning")]
    assert friday_morning.minimum == 5
    assert friday_morning.peak_start == T(10, 0)
    assert friday_morning.peak_demand == pytest.approx(1.0)
    assert friday_morning.current == 2
    assert friday_morning.change == 3
    # Quiet shifts keep the floor of one operator where the desk is open.
    assert by_shift[(4, "afternoon")].minimum == 1
    assert by_shift[(4, "afternoon")].peak_start is None
    assert by_shift[(0, "morning")].minimum == 1
    assert by_shift[(0, "morning")].current is None


def test_head_counts_are_not_proposed_from_one_service(contact_history):
    contact_history()

    history = demand.demand_history(
        WEEKS, until=MONDAY, service=Service.objects.get(code="emergency")
    )

    with pytest.raises(ValueError, match="whole desk"):
        demand.propose_requirements(history)


# Adopting the proposal ---------------------------------------------------------------------------


@pytest.fixture
def requirements_in_force(milan):
    """A head count by the coordinator, and competence and service minimums."""
    return {
        "head": CoverageRequirement.objects.create(
            shift_kind=kind("morning"), weekday=4, minimum=2
        ),
        "competence": CoverageRequirement.objects.create(
            shift_kind=kind("morning"),
            weekday=1,
            minimum=1,
            competence=Competence.objects.get(code="criminology"),
        ),
        "service": CoverageRequirement.objects.create(
            shift_kind=kind("afternoon"),
            weekday=3,
            minimum=1,
            service=Service.objects.get(code="victims"),
        ),
    }


def test_the_coordinator_applies_the_proposal(contact_history, coordinator, requirements_in_force):
    contact_history()
    proposal = demand.propose_requirements(demand.demand_history(WEEKS, until=MONDAY))

    created = apply_demand_requirements(coordinator, proposal)

    head_counts = CoverageRequirement.objects.filter(competence=None, service=None)
    assert len(created) == head_counts.count() == 12
    assert set(head_counts.values_list("source", flat=True)) == {RequirementSource.DEMAND}
    assert head_counts.get(weekday=4, shift_kind__code="morning").minimum == 5
    assert not CoverageRequirement.objects.filter(pk=requirements_in_force["head"].pk).exists()
    # Who must be there is the coordinator's: untouched.
    for name in ("competence", "service"):
        row = requirements_in_force[name]
        assert CoverageRequirement.objects.get(pk=row.pk).minimum == row.minimum
    audit = AuditEvent.objects.get(object_type="rota.coverage")
    assert audit.action == "applied_from_demand"
    assert audit.actor == coordinator
    assert audit.detail["replaced"] == {f"4:{kind('morning').pk}": 2}
    assert audit.detail["minimums"][f"4:{kind('morning').pk}"] == 5


@pytest.mark.parametrize("role", ["professional", "switchboard", "dpo"])
def test_only_coordinators_apply_the_proposal(
    contact_history, make_staff, requirements_in_force, role
):
    contact_history()
    proposal = demand.propose_requirements(demand.demand_history(WEEKS, until=MONDAY))
    before = list(CoverageRequirement.objects.values_list("pk", "minimum", "source"))

    with pytest.raises(PermissionDenied):
        apply_demand_requirements(make_staff(role), proposal)

    assert list(CoverageRequirement.objects.values_list("pk", "minimum", "source")) == before
    assert not AuditEvent.objects.filter(object_type="rota.coverage").exists()


def test_an_empty_proposal_is_refused_and_changes_nothing(coordinator, requirements_in_force):
    with pytest.raises(ValidationError, match="storico"):
        apply_demand_requirements(coordinator, [])

    assert CoverageRequirement.objects.count() == 3
    assert not AuditEvent.objects.filter(object_type="rota.coverage").exists()


def test_a_proposal_for_a_shift_no_longer_in_use_is_refused(
    contact_history, coordinator, requirements_in_force
):
    contact_history()
    proposal = demand.propose_requirements(demand.demand_history(WEEKS, until=MONDAY))
    ShiftKind.objects.filter(code="afternoon").update(is_active=False)

    with pytest.raises(ValidationError, match="non è più in uso"):
        apply_demand_requirements(coordinator, proposal)

    assert CoverageRequirement.objects.filter(pk=requirements_in_force["head"].pk).exists()
    assert CoverageRequirement.objects.count() == 3
