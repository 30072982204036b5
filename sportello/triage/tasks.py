"""Background work of the safety net (Celery beat runs `escalate` every minute)."""

from celery import shared_task

from sportello.triage import operations


@shared_task(name="sportello.triage.tasks.escalate")
def escalate() -> dict[str, int]:
    report = operations.escalate()
    return {
        "raised": len(report.raised),
        "acknowledged": len(report.acknowledged),
        "notified": report.notified,
    }
