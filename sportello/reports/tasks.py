"""Background work of the statistics: the periodic refresh of the daily figures."""

from celery import shared_task  # type: ignore[import-untyped]  # Celery ships no type hints

from sportello.reports import rollups


@shared_task(name="sportello.reports.tasks.refresh_rollups")
def refresh_rollups() -> int:
    """Recompute the days touched since the last run; a refresh already running makes this one
    wait for it (the state row's lock), then find little or nothing left to do."""
    return rollups.refresh_pending()
