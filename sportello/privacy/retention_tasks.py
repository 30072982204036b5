"""The nightly retention: always a dry run, whose report the DPO reads; the real run only where
SPORTELLO_RETENTION_ENFORCE is on (the DPO turns it on after reading some dry runs)."""

import datetime

from celery import shared_task  # type: ignore[import-untyped]
from django.conf import settings
from django.core.exceptions import ValidationError

from sportello.accounts.models import User
from sportello.privacy import retention
from sportello.privacy.models import RetentionRun
from sportello.services import queries as catalogue


@shared_task(name="sportello.privacy.retention_tasks.apply_retention")
def apply_retention() -> dict[str, int | None]:
    """Returns the ids of the dry run and of the real run (None when not enforced)."""
    retention.ensure_default_rules()
    as_of = catalogue.now()
    dry = retention.apply(as_of, dry_run=True)
    if not settings.SPORTELLO_RETENTION_ENFORCE:
        return {"dry_run": dry.pk, "run": None}
    # The same instant: the real run does what the dry run just reported.
    real = retention.apply(as_of, dry_run=False)
    return {"dry_run": dry.pk, "run": real.pk}


@shared_task(name="sportello.privacy.retention_tasks.apply_retention_as_of")
def apply_retention_as_of(
    as_of: str, user_id: int | None = None, dry_run_id: int | None = None
) -> int | None:
    """The real run the DPO started from a dry run's page, repeating that dry run's instant
    and rules; None (nothing done) when the rules changed after the DPO started it."""
    by = User.objects.filter(pk=user_id).first() if user_id else None
    dry = RetentionRun.objects.filter(pk=dry_run_id).first() if dry_run_id else None
    try:
        return retention.apply(datetime.datetime.fromisoformat(as_of), by=by, repeats=dry).pk
    except ValidationError:
        return None
