"""The monthly publication of open data, run by Celery beat on the 2nd of each month.

The 2nd, not the 1st: the last day's late changes (a callback closed after midnight, a case
note dated the day before) have reached the rollups by then."""

import logging

from celery import shared_task  # type: ignore[import-untyped]  # Celery ships no type hints
from django.core.exceptions import ValidationError

from sportello.reports import open_data

logger = logging.getLogger(__name__)


@shared_task(name="sportello.reports.open_data_tasks.publish_last_month")
def publish_last_month() -> int | None:
    """Publish the month just over; the id of the new release, or None when that month is
    already published with the same figures (a beat run repeated, a worker retrying)."""
    month = open_data.last_month()
    latest = open_data.latest_release(month)
    try:
        release = open_data.publish_month(month)
    except ValidationError:
        if latest is not None:
            logger.info("Open data %s already published, unchanged", open_data.month_label(month))
            return None
        raise
    return release.pk
