"""Background work of appointments: sending each message to the person (retried with back-off),
and the minute's sweep that writes the reminders now due and re-enqueues messages whose task
was lost."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task  # type: ignore[import-untyped]  # Celery ships no type hints
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from sportello.appointments import delivery, messaging
from sportello.appointments.models import (
    Appointment,
    AppointmentStatus,
    DeliveryStatus,
    Message,
    MessageKind,
)
from sportello.services import queries as catalogue

logger = logging.getLogger(__name__)

# A pending message older than this that nobody tried lately lost its task (a broker restart, a
# commit whose on_commit hook never ran): the sweep enqueues it again.
LOST_AFTER = datetime.timedelta(minutes=5)


def backoff_seconds(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones: doubling from
    SPORTELLO_MESSAGE_RETRY_SECONDS, at most SPORTELLO_MESSAGE_RETRY_MAX_SECONDS."""
    first = max(1, int(settings.SPORTELLO_MESSAGE_RETRY_SECONDS))
    cap = max(first, int(settings.SPORTELLO_MESSAGE_RETRY_MAX_SECONDS))
    return int(min(cap, first * 2 ** min(max(attempts - 1, 0), 30)))


def reminder_leads() -> list[int]:
    """The configured leads in minutes, longest first, each once."""
    return sorted(
        {int(lead) for lead in settings.SPORTELLO_REMINDER_LEADS_MINUTES if lead}, reverse=True
    )


@shared_task(bind=True, name="sportello.appointments.tasks.send_message", max_retries=None)
def send_message(self, message_id: int) -> str:
    """Send one message; a transient failure tries again later, up to
    SPORTELLO_MESSAGE_MAX_ATTEMPTS (counted on the row, so a re-enqueued task counts too)."""
    try:
        return delivery.deliver(message_id)
    except delivery.RetryableDeliveryError as error:
        countdown = backoff_seconds(error.attempts)
        logger.info("%s; next try in %s s", error, countdown)
        raise self.retry(exc=error, countdown=countdown) from None


def due_lead(appointment: Appointment, leads: list[int], now: datetime.datetime) -> int | None:
    """The reminder to write now, if any: the shortest lead whose moment has come (a longer one
    would reach the person after the shorter one's moment, so it is skipped), unless the person
    booked after that moment (the confirmation they just got says the same)."""
    due = [
        lead for lead in leads if appointment.starts_at - datetime.timedelta(minutes=lead) <= now
    ]
    if not due or now >= appointment.starts_at:
        return None
    lead = min(due)
    if appointment.starts_at - datetime.timedelta(minutes=lead) < appointment.booked_at:
        return None
    return lead


@shared_task(name="sportello.appointments.tasks.send_reminders")
def send_reminders() -> int:
    """Every minute (beat): write the reminders now due (once each: the dedup key), then
    re-enqueue lost messages. Returns how many messages were written or enqueued again."""
    now = catalogue.now()
    leads = reminder_leads()
    written = 0
    if leads:
        upcoming = Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            messages_allowed=True,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(minutes=max(leads)),
        ).select_related("case__person__preferred_language", "case__opened_from")
        reminded = set(
            Message.objects.filter(kind=MessageKind.REMINDER, appointment__in=upcoming).values_list(
                "appointment_id", "lead_minutes"
            )
        )
        for appointment in upcoming:
            lead = due_lead(appointment, leads, now)
            if lead is None or (appointment.pk, lead) in reminded:
                continue
            with transaction.atomic():
                written += len(
                    messaging.announce(appointment, MessageKind.REMINDER, lead_minutes=lead)
                )
    return written + requeue_lost(now)


def requeue_lost(now: datetime.datetime) -> int:
    """Pending messages whose task is gone: old enough, and not tried within the longest
    back-off (a retry may still be waiting in the broker until then)."""
    quiet_since = (
        now
        - LOST_AFTER
        - datetime.timedelta(seconds=int(settings.SPORTELLO_MESSAGE_RETRY_MAX_SECONDS))
    )
    lost = list(
        Message.objects.filter(
            status=DeliveryStatus.PENDING,
            created_at__lte=now - LOST_AFTER,
        )
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=quiet_since))
        .values_list("pk", flat=True)
    )
    for message_id in lost:
        send_message.delay(message_id)
    if lost:
        logger.info("Enqueued again %s message(s) whose task was lost.", len(lost))
    return len(lost)
