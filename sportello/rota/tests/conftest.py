"""Factories the roster's tests share: the swap team and its week, the planning desk and its
proposals, the demand history; and one way to name a shift kind or publish a plan."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from sportello.accounts.models import User
from sportello.intake.models import Contact
from sportello.rota import queries
from sportello.rota.models import (
    Contract,
    CoverageRequirement,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftKind,
    SolveKind,
    SolverRun,
    SolveState,
)
from sportello.services.models import Competence
from sportello.testing import rome

D = datetime.date


def kind(code: str) -> ShiftKind:
    return ShiftKind.objects.get(code=code)


def publish(coordinator, valid_from, rows, *, weeks=1):
    """A published plan from ``valid_from``: rows of (user, weekday, shift code), or of
    (user, week, weekday, shift code) for a cycle of several weeks."""
    plan = RosterPlan.objects.create(
        status=PlanStatus.PUBLISHED,
        pattern_weeks=weeks,
        valid_from=valid_from,
        created_by=coordinator,
        created_at=rome(2026, 10, 1, 9, 0),
        published_by=coordinator,
        published_at=rome(2026, 10, 1, 9, 0),
    )
    for row in rows:
        user, week, weekday, code = row if len(row) == 4 else (row[0], 0, *row[1:])
        PatternAssignment.objects.create(
            plan=plan, user=user, week=week, weekday=weekday, shift_kind=kind(code)
        )
    return plan


# The swap team: a week from Monday 30/11/2026 --------------------------------------------------

MONDAY_8 = rome(2026, 11, 30, 8, 0)  # the week of Monday 30/11/2026: no holiday until Monday 7/12
MONDAY = D(2026, 11, 30)
TUESDAY = D(2026, 12, 1)
WEDNESDAY = D(2026, 12, 2)
THURSDAY = D(2026, 12, 3)
SATURDAY = D(2026, 12, 5)
# The weekly pattern: (username, weekday, shift code).
PATTERN = (
    ("anna", 1, "afternoon"),
    ("anna", 3, "morning"),
    ("bruno", 1, "morning"),
    ("bruno", 2, "afternoon"),
    ("carla", 2, "morning"),
    ("carla", 3, "afternoon"),
    ("dario", 4, "afternoon"),
)


def rostered(make_staff, username, first, last, competences, *, active=True, services=None):
    """A professional with a contract: a place in the roster."""
    extra = {"services": services} if services is not None else {}
    user = make_staff("professional", username, competences=competences, **extra)
    user.first_name, user.last_name = first, last
    user.save()
    Contract.objects.create(
        user=user,
        hours_per_week=Decimal("36"),
        weekdays_available=[0, 1, 2, 3, 4, 5],
        max_shifts_per_week=6,
        is_active=active,
    )
    return user


@dataclass
class Team:
    coordinator: User
    anna: User  # the criminologist
    bruno: User
    carla: User
    dario: User  # a criminologist too, on Fridays

    def user(self, username: str) -> User:
        return getattr(self, username)


def make_team(make_staff, valid_from=MONDAY):
    coordinator = make_staff("coordinator", "coord")
    team = Team(
        coordinator=coordinator,
        anna=rostered(make_staff, "anna", "Anna", "Bianchi", ("criminology",)),
        bruno=rostered(make_staff, "bruno", "Bruno", "Rossi", ("clinical_psychology",)),
        carla=rostered(make_staff, "carla", "Carla", "Verdi", ("clinical_psychology",)),
        dario=rostered(make_staff, "dario", "Dario", "Neri", ("criminology",)),
    )
    publish(coordinator, valid_from, [(team.user(name), day, code) for name, day, code in PATTERN])
    return team


def on_shift(day, code):
    return sorted(
        entry.user.username for entry in queries.roster_between(day, day)[0].on(kind(code))
    )


@pytest.fixture
def team(milan, make_staff, frozen_now):
    frozen_now(MONDAY_8)
    return make_team(make_staff)


# The planning desk: Tuesday 1/12/2026 at ten ---------------------------------------------------

TUESDAY_10 = rome(2026, 12, 1, 10, 0)
MONDAY_MORNING_SHORT = (
    "lunedì, Mattina: serve 1 operatore con la competenza «Psicotraumatologia», "
    "in turno ne resterebbe 0."
)


@dataclass
class Desk:
    coordinator: User
    rossi: User  # the only psychotraumatologist
    bianchi: User
    verdi: User  # Monday to Friday, one shift a week
    morning: ShiftKind
    afternoon: ShiftKind


def add_contract(user: User, *, weekdays=(0, 1, 2, 3, 4, 5), max_shifts=6, min_shifts=0):
    return Contract.objects.create(
        user=user,
        hours_per_week=Decimal(36),
        weekdays_available=list(weekdays),
        max_shifts_per_week=max_shifts,
        min_shifts_per_week=min_shifts,
    )


def named(make_staff, username, first, last, role="professional", **profile):
    user = make_staff(role, username=username, **profile)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def build_desk(make_staff) -> Desk:
    """Three operators with contracts and one requirement: a psychotraumatologist on Monday
    mornings (only Rossi is one)."""
    coordinator = named(make_staff, "carla", "Carla", "Neri", role="coordinator")
    rossi = named(
        make_staff, "rossi", "Mario", "Rossi", competences=("psychotraumatology", "criminology")
    )
    bianchi = named(make_staff, "bianchi", "Lucia", "Bianchi")
    verdi = named(make_staff, "verdi", "Anna", "Verdi")
    add_contract(rossi)
    add_contract(bianchi)
    add_contract(verdi, weekdays=(0, 1, 2, 3, 4), max_shifts=1)
    morning = kind("morning")
    afternoon = kind("afternoon")
    CoverageRequirement.objects.create(
        shift_kind=morning,
        weekday=0,
        competence=Competence.objects.get(code="psychotraumatology"),
        minimum=1,
    )
    return Desk(coordinator, rossi, bianchi, verdi, morning, afternoon)


def make_plan(desk: Desk, rows=(), *, weeks=1, status=PlanStatus.DRAFT, valid_from=None):
    published = status in (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)
    plan = RosterPlan.objects.create(
        pattern_weeks=weeks,
        status=status,
        valid_from=valid_from,
        created_by=desk.coordinator,
        created_at=TUESDAY_10 - datetime.timedelta(days=1),
        published_by=desk.coordinator if published else None,
        published_at=TUESDAY_10 - datetime.timedelta(days=1) if published else None,
    )
    for user, week, weekday, shift_kind in rows:
        PatternAssignment.objects.create(
            plan=plan, user=user, week=week, weekday=weekday, shift_kind=shift_kind
        )
    return plan


def finished_run(plan: RosterPlan, outcome="optimal", state=SolveState.DONE) -> SolverRun:
    return SolverRun.objects.create(
        kind=SolveKind.PATTERN,
        plan=plan,
        time_limit_s=10,
        state=state,
        requested_by=plan.created_by,
        requested_at=TUESDAY_10 - datetime.timedelta(minutes=5),
        started_at=TUESDAY_10 - datetime.timedelta(minutes=5),
        finished_at=TUESDAY_10 - datetime.timedelta(minutes=4)
        if state in (SolveState.DONE, SolveState.FAILED)
        else None,
        outcome=outcome if state == SolveState.DONE else "",
    )


@pytest.fixture
def desk(milan, make_staff, frozen_now) -> Desk:
    frozen_now(TUESDAY_10)
    return build_desk(make_staff)


@pytest.fixture
def proposal(desk):
    """A solved draft: Rossi on Monday morning, Bianchi on Monday afternoon, Verdi Wednesday."""
    plan = make_plan(
        desk,
        [
            (desk.rossi, 0, 0, desk.morning),
            (desk.bianchi, 0, 0, desk.afternoon),
            (desk.verdi, 0, 2, desk.morning),
        ],
    )
    finished_run(plan)
    return plan


# The demand history: the week from Monday 11/5/2026 --------------------------------------------

DEMAND_MONDAY = D(2026, 5, 11)  # the week shown; history ends the day before
DEMAND_WEEKS = 3
# Contacts at Friday 10:00–10:30 on the last Fridays before DEMAND_MONDAY. 1 May is Labour Day:
# the desk is closed, so its five contacts (out-of-hours calls) must not count as a Friday's.
FRIDAY_TEN = {
    D(2026, 4, 17): 3,
    D(2026, 4, 24): 1,
    D(2026, 5, 1): 5,
    D(2026, 5, 8): 2,
}


@pytest.fixture
def before_opening(frozen_now):
    frozen_now(rome(2026, 5, 11, 8, 0))


@pytest.fixture
def contact_history(milan, before_opening, make_contact):
    """Contacts on known Friday half-hours, three of them with a conversation."""

    def make(service: str = "emergency") -> list[Contact]:
        made = []
        for day, count in FRIDAY_TEN.items():
            for minute in range(count):
                made.append(
                    make_contact(rome(day.year, day.month, day.day, 10, 5 + minute), service)
                )
        conversations = [
            (made[3], datetime.timedelta(minutes=20)),  # 24/4
            (made[9], datetime.timedelta(minutes=30)),  # 8/5
            (made[10], datetime.timedelta(hours=5)),  # 8/5: left open, not five hours of work
        ]
        for contact, length in conversations:
            started = contact.received_at + datetime.timedelta(minutes=2)
            Contact.objects.filter(pk=contact.pk).update(
                conversation_started_at=started, closed_at=started + length, status="closed"
            )
        return made

    return make


@pytest.fixture
def coordinator(milan, make_staff):
    return make_staff("coordinator", username="coordinator")


@pytest.fixture
def published_plan(milan, make_staff, coordinator):
    """A one-week pattern from DEMAND_MONDAY: two operators on Friday morning, one in the
    afternoon."""

    def make() -> RosterPlan:
        plan = RosterPlan.objects.create(
            status=PlanStatus.PUBLISHED,
            valid_from=DEMAND_MONDAY,
            created_by=coordinator,
            created_at=rome(2026, 5, 4, 9, 0),
            published_by=coordinator,
            published_at=rome(2026, 5, 4, 9, 0),
        )
        rows = [
            ("anna", ("emergency",), ("clinical_psychology",), "morning"),
            ("bruno", ("emergency",), ("clinical_psychology",), "morning"),
            ("carla", ("victims",), ("psychotraumatology",), "afternoon"),
        ]
        for username, services, competences, code in rows:
            user = make_staff("professional", username, services=services, competences=competences)
            Contract.objects.create(
                user=user,
                hours_per_week=20,
                weekdays_available=[0, 1, 2, 3, 4, 5],
                max_shifts_per_week=5,
            )
            PatternAssignment.objects.create(
                plan=plan, user=user, week=0, weekday=4, shift_kind=kind(code)
            )
        return plan

    return make
