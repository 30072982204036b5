"""A roster proposal solved by a real Celery worker through a real broker (PostgreSQL + Redis in
CI): the page's request commits, the worker solves, and the run's progress and result land in
the database where any web server reads them."""

import time
from decimal import Decimal

import pytest

from sportello import celery_app
from sportello.rota import solving
from sportello.rota.models import Contract, CoverageRequirement, ShiftKind, SolverRun, SolveState

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def through_the_broker(celery_worker_process):
    conf = celery_app.conf
    eager = conf.task_always_eager
    conf.task_always_eager = False
    yield celery_worker_process
    conf.task_always_eager = eager


def wait_for(run_id, worker, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = SolverRun.objects.select_related("plan").get(pk=run_id)
        if run.state in (SolveState.DONE, SolveState.FAILED):
            return run
        time.sleep(0.2)
    pytest.fail(f"the run did not finish within {seconds} s:\n{worker.log_tail()}")


def test_a_worker_solves_the_proposal_and_fills_the_draft_plan(
    through_the_broker, milan, make_staff
):
    coordinator = make_staff("coordinator", "carla")
    team = [
        make_staff("professional", f"op{n}", competences=("psychotraumatology",)) for n in range(4)
    ]
    for user in team:
        Contract.objects.create(
            user=user,
            hours_per_week=Decimal(30),
            weekdays_available=[0, 1, 2, 3, 4, 5],
            max_shifts_per_week=6,
        )
    for kind in ShiftKind.objects.all():
        for weekday in kind.weekdays:
            CoverageRequirement.objects.create(shift_kind=kind, weekday=weekday, minimum=2)

    run = solving.request_pattern(coordinator, weeks=1, time_limit_s=20)

    run = wait_for(run.pk, through_the_broker)
    assert run.state == SolveState.DONE, run.error
    assert run.outcome == "optimal" and run.progress
    # Two on each of the twelve shifts of the week, the same number the requirements ask.
    assert run.plan.assignments.count() >= 24
    per_shift = {}
    for assignment in run.plan.assignments.all():
        key = (assignment.weekday, assignment.shift_kind_id)
        per_shift[key] = per_shift.get(key, 0) + 1
    assert len(per_shift) == 12 and min(per_shift.values()) >= 2
