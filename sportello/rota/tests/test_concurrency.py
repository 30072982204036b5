"""Two coordinators clicking at the same instant: a plan published twice, two proposals for the
same day, a cover run applied twice. One wins, the other is refused with a reason (never a
crash), and the roster holds what the winner did, once. Proven on PostgreSQL's row locks, with
real concurrent connections."""

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sportello.privacy.models import AuditEvent
from sportello.rota import absence_operations, plan_operations, queries
from sportello.rota import swap_operations as swaps
from sportello.rota.models import (
    ChangeReason,
    PlanStatus,
    RosterPlan,
    ShiftChange,
    SolveKind,
    SolverRun,
    SolveState,
)

from .conftest import TUESDAY, TUESDAY_10, finished_run, kind, make_plan, on_shift, publish

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency is proven on PostgreSQL (row locks); run `make test-postgres`",
    ),
]

NEXT_MONDAY = datetime.date(2026, 12, 7)


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same instant, each on its own connection; what each returned or
    raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except BaseException as error:  # the caller looks at every outcome
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def refusals(outcomes: list[object]) -> list[str]:
    found = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            assert isinstance(outcome, ValidationError), repr(outcome)
            found.append(" ".join(outcome.messages))
    return found


def test_a_plan_published_twice_at_once_is_published_once(desk, proposal, make_staff):
    second = make_staff("coordinator", "second")
    outcomes = race(
        lambda: plan_operations.publish(desk.coordinator, proposal, valid_from=NEXT_MONDAY),
        lambda: plan_operations.publish(second, proposal, valid_from=NEXT_MONDAY),
    )
    assert len(refusals(outcomes)) == 1
    assert "non è più una proposta" in refusals(outcomes)[0]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.valid_from) == (PlanStatus.PUBLISHED, NEXT_MONDAY)
    assert AuditEvent.objects.filter(object_type="rota.plan", action="publish").count() == 1


def test_two_proposals_published_for_one_day_at_once_leave_one_plan_in_force(
    desk, proposal, make_staff
):
    other = make_plan(desk, [(desk.rossi, 0, 0, desk.morning)])
    finished_run(other)
    second = make_staff("coordinator", "second")
    outcomes = race(
        lambda: plan_operations.publish(desk.coordinator, proposal, valid_from=NEXT_MONDAY),
        lambda: plan_operations.publish(second, other, valid_from=NEXT_MONDAY),
    )
    # Either the second waited and superseded the first, or it was refused: never a crash.
    for message in refusals(outcomes):
        assert "Un altro piano è appena stato pubblicato dallo stesso giorno" in message
    assert (
        RosterPlan.objects.filter(status=PlanStatus.PUBLISHED, valid_from=NEXT_MONDAY).count() == 1
    )
    published = AuditEvent.objects.filter(object_type="rota.plan", action="publish").count()
    assert published == 2 - len(refusals(outcomes))


def test_a_cover_run_applied_twice_at_once_changes_the_roster_once(desk, make_staff):
    """Rossi works Wednesday mornings; a cover run proposes Bianchi instead."""
    frozen_day = datetime.date(2026, 12, 2)
    plan = publish(desk.coordinator, datetime.date(2026, 11, 30), [(desk.rossi, 2, "morning")])
    run = SolverRun.objects.create(
        kind=SolveKind.COVER,
        plan=plan,
        first_day=frozen_day,
        last_day=frozen_day,
        time_limit_s=10,
        state=SolveState.DONE,
        outcome="optimal",
        requested_by=desk.coordinator,
        requested_at=TUESDAY_10,
    )
    for user, on in ((desk.rossi, False), (desk.bianchi, True)):
        ShiftChange.objects.create(
            day=frozen_day,
            shift_kind=kind("morning"),
            user=user,
            on_shift=on,
            reason=ChangeReason.SUBSTITUTE,
            run=run,
            applied=False,
            created_by=desk.coordinator,
            created_at=TUESDAY_10,
        )
    second = make_staff("coordinator", "second")
    outcomes = race(
        lambda: absence_operations.apply_cover(desk.coordinator, run),
        lambda: absence_operations.apply_cover(second, run),
    )
    assert sorted(str(outcome) for outcome in outcomes if isinstance(outcome, int)) == ["2"]
    assert "già state applicate" in refusals(outcomes)[0]
    assert AuditEvent.objects.filter(object_type="rota.cover", action="apply").count() == 1
    day = queries.roster_between(frozen_day, frozen_day)[0]
    assert [entry.user.username for entry in day.on(kind("morning"))] == ["bianchi"]


def test_a_swap_approved_twice_at_once_changes_the_roster_once(team, make_staff):
    asked = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    agreed = swaps.answer_swap(team.carla, asked, agree=True)
    second = make_staff("coordinator", "second")
    outcomes = race(
        lambda: swaps.decide_swap(team.coordinator, agreed, approve=True).status,
        lambda: swaps.decide_swap(second, agreed, approve=True).status,
    )
    assert "approved" in outcomes
    assert "già stato chiuso" in refusals(outcomes)[0]
    assert ShiftChange.objects.filter(swap=agreed, applied=True).count() == 2
    assert AuditEvent.objects.filter(object_type="rota.swap", action="approve").count() == 1
    assert on_shift(TUESDAY, "afternoon") == ["carla"]
