"""Running the solver: a run is requested in a transaction and solved by a Celery task after
commit; progress and results land on the ``SolverRun`` row so any web server can show them."""

from __future__ import annotations

import datetime
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.rota import policies, problems, queries
from sportello.rota import solver as kernel
from sportello.rota.models import (
    ChangeReason,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftChange,
    SolveKind,
    SolverRun,
    SolveState,
)
from sportello.rota.wording import person_name
from sportello.services import queries as catalogue

logger = logging.getLogger(__name__)

MAX_TIME_LIMIT_S = 3600
MAX_COVER_DAYS = 62
# Progress is written at most this often: a long run finds hundreds of improving solutions.
PROGRESS_EVERY_S = 0.5
# The outcomes that come with a roster; any other comes with an explanation only.
SOLVED_OUTCOMES = ("optimal", "feasible")


def _require_planner(actor: User) -> None:
    if not policies.plans_roster(actor):
        raise PermissionDenied(_("Solo i coordinatori preparano il piano turni."))


def _time_limit(value: int | None) -> int:
    limit = settings.SPORTELLO_ROTA_TIME_LIMIT_SECONDS if value is None else value
    if not 1 <= limit <= MAX_TIME_LIMIT_S:
        raise ValidationError(
            _("Il tempo massimo di calcolo va da 1 a %(max)d secondi.") % {"max": MAX_TIME_LIMIT_S}
        )
    return limit


def _enqueue(run: SolverRun) -> None:
    from sportello.rota.tasks import solve_run

    transaction.on_commit(partial(solve_run.delay, run.pk))


@transaction.atomic
def request_pattern(
    actor: User, *, weeks: int, time_limit_s: int | None = None, based_on: RosterPlan | None = None
) -> SolverRun:
    """A new draft plan and the run that will fill it."""
    _require_planner(actor)
    if not 1 <= weeks <= 4:
        raise ValidationError(_("Lo schema si ripete ogni 1, 2, 3 o 4 settimane."))
    limit = _time_limit(time_limit_s)
    at = catalogue.now()
    plan = RosterPlan.objects.create(
        pattern_weeks=weeks, based_on=based_on, created_by=actor, created_at=at
    )
    run = SolverRun.objects.create(
        kind=SolveKind.PATTERN,
        plan=plan,
        time_limit_s=limit,
        requested_by=actor,
        requested_at=at,
    )
    record_audit(actor, object_type="rota.plan", object_id=plan.pk, action="generate", run=run.pk)
    _enqueue(run)
    return run


@transaction.atomic
def request_cover(
    actor: User,
    plan: RosterPlan,
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    time_limit_s: int | None = None,
) -> SolverRun:
    """Substitutes for the absences between two dates, changing the fewest shifts."""
    _require_planner(actor)
    if plan.status != PlanStatus.PUBLISHED:
        raise ValidationError(_("Le sostituzioni si cercano solo su un piano pubblicato."))
    if last_day < first_day:
        raise ValidationError(_("Il periodo finisce prima di cominciare."))
    if (last_day - first_day).days + 1 > MAX_COVER_DAYS:
        raise ValidationError(
            _("Le sostituzioni si cercano su al massimo %(days)d giorni.")
            % {"days": MAX_COVER_DAYS}
        )
    limit = _time_limit(time_limit_s)
    run = SolverRun.objects.create(
        kind=SolveKind.COVER,
        plan=plan,
        first_day=first_day,
        last_day=last_day,
        time_limit_s=limit,
        requested_by=actor,
        requested_at=catalogue.now(),
    )
    record_audit(
        actor,
        object_type="rota.plan",
        object_id=plan.pk,
        action="cover",
        run=run.pk,
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
    )
    _enqueue(run)
    return run


def _both_languages(render: Any) -> dict[str, str]:
    texts = {}
    for language in ("it", "en"):
        with translation.override(language):
            texts[language] = str(render())
    return texts


def _penalty_rows(built: problems.Built, solution: kernel.Solution) -> list[dict[str, Any]]:
    rows = []
    for penalty in solution.penalties:
        user = built.users.get(penalty.operator or "")
        rows.append(
            {
                "kind": penalty.kind,
                "cost": penalty.cost,
                "amount": penalty.amount,
                "operator": int(penalty.operator) if penalty.operator else None,
                "operator_name": person_name(user) if user else "",
                "day": penalty.day,
                "shift": penalty.shift,
                "day_label": _both_languages(lambda p=penalty: built.day_label(p.day))
                if penalty.day is not None
                else None,
            }
        )
    return rows


def _shortfall_rows(built: problems.Built, solution: kernel.Solution) -> list[dict[str, Any]]:
    return [
        {
            "reason": shortfall.reason,
            "needed": shortfall.needed,
            "available": shortfall.available,
            "text": _both_languages(lambda s=shortfall: problems.explain_shortfall(built, s)),
        }
        for shortfall in solution.shortfalls
    ]


def _build(run: SolverRun) -> problems.Built:
    if run.kind == SolveKind.PATTERN:
        return problems.pattern_problem(
            run.plan.pattern_weeks,
            current=run.plan.based_on,
            starting=queries.next_monday(queries.desk_today()),
        )
    assert run.first_day is not None and run.last_day is not None
    # Whole weeks, so contracts' weekly limits count the shifts around the absence too.
    return problems.dated_problem(
        queries.monday_of(run.first_day),
        queries.monday_of(run.last_day) + datetime.timedelta(days=6),
        editable=(run.first_day, run.last_day),
    )


def execute(run_id: int) -> SolverRun | None:
    """Solve one run; called by the Celery task. A run already finished is left alone, so a
    re-delivered message does nothing twice."""
    with transaction.atomic():
        run = SolverRun.objects.select_for_update().select_related("plan").get(pk=run_id)
        if run.state in (SolveState.DONE, SolveState.FAILED):
            return None
        run.state = SolveState.RUNNING
        run.started_at = catalogue.now()
        run.progress = []
        run.save(update_fields=["state", "started_at", "progress"])
    try:
        built = _build(run)
        solution, progress = _solve_reporting(run, built)
        _store(run, built, solution, progress)
    except Exception as error:
        logger.exception("solver run %s failed", run.pk)
        SolverRun.objects.filter(pk=run.pk).update(
            state=SolveState.FAILED, finished_at=catalogue.now(), error=str(error)[:2000]
        )
        raise
    run.refresh_from_db()
    return run


def _solve_reporting(
    run: SolverRun, built: problems.Built
) -> tuple[kernel.Solution, list[dict[str, float]]]:
    """Solve in a thread of its own while this thread writes the progress to the run: CP-SAT
    calls back from its search threads, which must not open database connections."""
    progress: list[dict[str, float]] = []
    lock = threading.Lock()

    def on_progress(step: kernel.Progress) -> None:
        with lock:
            progress.append(
                {
                    "seconds": round(step.seconds, 2),
                    "objective": step.objective,
                    "bound": step.best_bound,
                }
            )

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rota-solver") as pool:
        future = pool.submit(
            kernel.solve,
            built.problem,
            time_limit_s=run.time_limit_s,
            workers=settings.SPORTELLO_ROTA_SOLVER_WORKERS,
            on_progress=on_progress,
        )
        written = 0
        while True:
            try:
                solution = future.result(timeout=PROGRESS_EVERY_S)
                break
            except FuturesTimeout:
                with lock:
                    snapshot = list(progress)
                if len(snapshot) != written:
                    written = len(snapshot)
                    SolverRun.objects.filter(pk=run.pk).update(progress=snapshot)
    return solution, progress


@transaction.atomic
def _store(
    run: SolverRun,
    built: problems.Built,
    solution: kernel.Solution,
    progress: list[dict[str, float]],
) -> None:
    run = SolverRun.objects.select_for_update().select_related("plan").get(pk=run.pk)
    if run.state == SolveState.DONE:
        return  # a duplicate delivery finished first: its results stand
    run.state = SolveState.DONE
    run.finished_at = catalogue.now()
    run.outcome = solution.status
    run.objective = solution.objective
    run.best_bound = solution.best_bound
    run.seconds = round(solution.seconds, 3)
    run.seconds_to_first = solution.seconds_to_first
    run.progress = progress
    run.penalties = _penalty_rows(built, solution)
    run.shortfalls = _shortfall_rows(built, solution)
    run.save()
    if solution.status not in SOLVED_OUTCOMES:
        return  # never a partial roster: the explanation is all there is
    if run.kind == SolveKind.PATTERN:
        run.plan.assignments.all().delete()
        assignments = problems.pattern_assignments(built, solution.assignments)
        for assignment in assignments:
            assignment.plan = run.plan
        PatternAssignment.objects.bulk_create(assignments)
        return
    _propose_cover(run, built, solution)


def _propose_cover(run: SolverRun, built: problems.Built, solution: kernel.Solution) -> None:
    at = catalogue.now()
    proposed = []
    for slots, on_shift in (
        (solution.assignments - built.problem.current, True),
        (built.problem.current - solution.assignments, False),
    ):
        for operator, day, shift in sorted(slots):
            proposed.append(
                ShiftChange(
                    day=built.date_of(day),
                    shift_kind=built.kinds[shift],
                    user=built.users[operator],
                    on_shift=on_shift,
                    reason=ChangeReason.SUBSTITUTE,
                    run=run,
                    applied=False,
                    created_by=run.requested_by,
                    created_at=at,
                )
            )
    ShiftChange.objects.bulk_create(proposed)


def stale_runs(now: datetime.datetime) -> list[int]:
    """Runs whose message was lost or whose worker died: queued for over two minutes, or running
    well past their time limit."""
    queued = SolverRun.objects.filter(
        state=SolveState.QUEUED, requested_at__lt=now - datetime.timedelta(minutes=2)
    ).values_list("pk", flat=True)
    running = [
        run.pk
        for run in SolverRun.objects.filter(state=SolveState.RUNNING)
        if run.started_at is not None
        and run.started_at + datetime.timedelta(seconds=run.time_limit_s + 300) < now
    ]
    return [*queued, *running]
