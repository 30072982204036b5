"""Solver runs end to end: requested in a transaction, solved by the Celery task after commit
(eager in tests), progress and results written on the run, the draft plan filled."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from sportello.privacy.models import AuditEvent
from sportello.rota import problems, solving, tasks
from sportello.rota import solver as kernel
from sportello.rota.models import (
    Contract,
    CoverageRequirement,
    PlanStatus,
    RosterPlan,
    ShiftKind,
    ShiftPreference,
    SolveKind,
    SolverRun,
    SolveState,
)
from sportello.services.models import Competence
from sportello.testing import rome

from .conftest import publish

pytestmark = pytest.mark.django_db

TUESDAY_10 = rome(2026, 12, 1, 10, 0)
SATURDAY, MONDAY = 5, 0


@pytest.fixture
def small_desk(milan, make_staff, frozen_now):
    """Four operators, Monday to Saturday, one of them a criminologist; every shift needs
    someone, and Rossi wants both Monday shifts (one a day: one wish is always unmet)."""
    frozen_now(TUESDAY_10)
    coordinator = make_staff("coordinator", username="carla")
    operators = {}
    for username, competences in (
        ("rossi", ("clinical_psychology",)),
        ("bianchi", ("clinical_psychology",)),
        ("verdi", ("psychotraumatology",)),
        ("neri", ("criminology",)),
    ):
        user = make_staff("professional", username=username, competences=competences)
        user.first_name, user.last_name = username.capitalize(), "Test"
        user.save(update_fields=["first_name", "last_name"])
        Contract.objects.create(
            user=user,
            hours_per_week=Decimal(36),
            weekdays_available=[0, 1, 2, 3, 4, 5],
            max_shifts_per_week=5,
        )
        operators[username] = user
    kinds = {kind.code: kind for kind in ShiftKind.objects.all()}
    for kind in kinds.values():
        for weekday in kind.weekdays:
            CoverageRequirement.objects.create(shift_kind=kind, weekday=weekday, minimum=1)
    for code, weight in (("morning", 3), ("afternoon", 2)):
        ShiftPreference.objects.create(
            user=operators["rossi"], weekday=MONDAY, shift_kind=kinds[code], wanted=True,
            weight=weight,
        )  # fmt: skip
    return {"coordinator": coordinator, **operators, **kinds}


def solve(coordinator, capture, **options) -> SolverRun:
    with capture(execute=True) as callbacks:
        run = solving.request_pattern(coordinator, **{"weeks": 1, "time_limit_s": 30, **options})
    assert len(callbacks) == 1  # the task is enqueued once, after commit
    run.refresh_from_db()
    return run


def test_a_small_desk_is_solved_to_the_optimum_and_fills_the_draft(
    small_desk, django_capture_on_commit_callbacks
):
    run = solve(small_desk["coordinator"], django_capture_on_commit_callbacks)
    assert run.kind == SolveKind.PATTERN and run.state == SolveState.DONE
    assert run.outcome == "optimal"
    # The only cost is Rossi's unmet wish: the afternoon (weight 2) gives way to the morning.
    assert run.objective == run.best_bound == 2
    assert kernel.relative_gap(run.objective, run.best_bound) == 0
    assert [(p["kind"], p["cost"], p["operator_name"]) for p in run.penalties] == [
        ("preference_wanted", 2, "Rossi Test")
    ]
    assert run.penalties[0]["day_label"] == {"it": "lunedì", "en": "Monday"}
    assert run.shortfalls == [] and run.error == ""
    assert run.started_at == run.finished_at == TUESDAY_10
    plan = run.plan
    assert plan.status == PlanStatus.DRAFT and plan.pattern_weeks == 1
    assert plan.assignments.filter(
        user=small_desk["rossi"], weekday=MONDAY, shift_kind=small_desk["morning"]
    ).exists()
    built = problems.pattern_problem(1)
    assert kernel.check(built.problem, problems.plan_slots(plan)) == ()
    assert set(plan.assignments.values_list("source", flat=True)) == {"solver"}


def test_the_run_keeps_its_progress(small_desk, django_capture_on_commit_callbacks):
    run = solve(small_desk["coordinator"], django_capture_on_commit_callbacks)
    assert run.progress, "at least the first solution is reported"
    for step in run.progress:
        assert set(step) == {"seconds", "objective", "bound"}
        assert step["bound"] <= step["objective"]
    assert [step["seconds"] for step in run.progress] == sorted(s["seconds"] for s in run.progress)
    assert run.progress[-1]["objective"] == run.objective
    assert run.seconds_to_first is not None and run.seconds_to_first <= run.seconds


def test_an_impossible_desk_is_explained_and_gets_no_assignments(
    small_desk, django_capture_on_commit_callbacks
):
    CoverageRequirement.objects.create(
        shift_kind=small_desk["afternoon"],
        weekday=SATURDAY,
        competence=Competence.objects.get(code="criminology"),
        minimum=2,
    )
    run = solve(small_desk["coordinator"], django_capture_on_commit_callbacks)
    assert run.state == SolveState.DONE and run.outcome == "infeasible"
    assert [row["text"]["it"] for row in run.shortfalls] == [
        "sabato, Pomeriggio: servono 2 operatori con la competenza «Criminologia», "
        "ne è disponibile 1."
    ]
    assert run.shortfalls[0]["reason"] == "not_enough_qualified"
    assert run.objective is None and run.penalties == []
    assert not run.plan.assignments.exists()


def test_a_redelivered_task_does_nothing_twice(small_desk, django_capture_on_commit_callbacks):
    run = solve(small_desk["coordinator"], django_capture_on_commit_callbacks)
    assignments = sorted(run.plan.assignments.values_list("pk", flat=True))
    assert assignments
    assert tasks.solve_run.delay(run.pk).get() is None
    again = SolverRun.objects.get(pk=run.pk)
    assert (again.state, again.finished_at, again.progress) == (
        SolveState.DONE,
        run.finished_at,
        run.progress,
    )
    assert sorted(run.plan.assignments.values_list("pk", flat=True)) == assignments


def test_a_run_from_the_plan_in_force_keeps_it_when_nothing_changed(
    small_desk, django_capture_on_commit_callbacks
):
    first = solve(small_desk["coordinator"], django_capture_on_commit_callbacks)
    plan = first.plan
    plan.status, plan.valid_from = PlanStatus.PUBLISHED, datetime.date(2026, 11, 30)
    plan.published_by, plan.published_at = small_desk["coordinator"], TUESDAY_10
    plan.save()
    second = solve(small_desk["coordinator"], django_capture_on_commit_callbacks, based_on=plan)
    assert second.outcome == "optimal" and second.plan.based_on == plan
    assert problems.plan_slots(second.plan) == problems.plan_slots(plan)
    assert not [p for p in second.penalties if p["kind"].startswith("stability")]


def test_a_two_week_cycle_stays_in_step_with_the_plan_in_force(
    milan, make_staff, frozen_now, django_capture_on_commit_callbacks
):
    """The plan in force since Monday 30/11 alternates Rossi and Bianchi on Monday mornings;
    on Tuesday 1/12 a new two-week proposal starts next Monday, the plan's second week: kept
    stable, its first week is Bianchi's, not the plan's first week replayed out of step."""
    frozen_now(TUESDAY_10)
    coordinator = make_staff("coordinator", username="carla")
    rossi, bianchi = (make_staff("professional", username=name) for name in ("rossi", "bianchi"))
    for user in (rossi, bianchi):
        Contract.objects.create(
            user=user, hours_per_week=Decimal(36), weekdays_available=[0, 1, 2, 3, 4, 5],
            max_shifts_per_week=5,
        )  # fmt: skip
    morning = ShiftKind.objects.get(code="morning")
    rows = [(rossi, 0, 0, "morning"), (bianchi, 1, 0, "morning")]
    in_force = publish(coordinator, datetime.date(2026, 11, 30), rows, weeks=2)
    run = solve(coordinator, django_capture_on_commit_callbacks, weeks=2, based_on=in_force)
    assert run.outcome == "optimal"
    assert sorted(
        (a.week, a.user.username) for a in run.plan.assignments.filter(shift_kind=morning)
    ) == [(0, "bianchi"), (1, "rossi")]


def test_only_coordinators_request_runs_and_a_refusal_writes_nothing(small_desk):
    """The same refusal as every roster operation: PermissionDenied (a 403), not a crash."""
    professional = small_desk["rossi"]
    plan = publish(small_desk["coordinator"], datetime.date(2026, 11, 30), [])
    with pytest.raises(PermissionDenied):
        solving.request_pattern(professional, weeks=1)
    with pytest.raises(PermissionDenied):
        solving.request_cover(
            professional,
            plan,
            first_day=datetime.date(2026, 12, 2),
            last_day=datetime.date(2026, 12, 3),
        )
    assert list(RosterPlan.objects.all()) == [plan]
    assert not SolverRun.objects.exists()
    assert not AuditEvent.objects.filter(object_type="rota.plan").exists()
