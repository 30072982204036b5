"""Background work of the roster: solver runs, and the sweep that restarts lost ones."""

from celery import shared_task  # type: ignore[import-untyped]  # Celery ships no type hints

from sportello.rota import solving
from sportello.services import queries as catalogue


@shared_task(name="sportello.rota.tasks.solve_run")
def solve_run(run_id: int) -> str | None:
    run = solving.execute(run_id)
    return run.outcome if run else None


@shared_task(name="sportello.rota.tasks.sweep_runs")
def sweep_runs() -> int:
    stale = solving.stale_runs(catalogue.now())
    for run_id in stale:
        solve_run.delay(run_id)
    return len(stale)
