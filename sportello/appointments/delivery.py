"""Sending one Message: by e-mail (with the calendar invitation) or by SMS through the gateway.

The row is locked while it is sent, and only a pending message is sent: a task delivered twice
(acks_late, a sweep's re-enqueue, a retry racing a late original) finds it sent and does nothing.
The send happens inside the transaction, so a crash between the send and the commit may send a
message twice, never zero times.

Whether the person may still be written to is decided again now, not only when the message was
written: someone who asked to be left alone since, or whose address changed, or whose
appointment was cancelled or moved, gets nothing, and the message says "withheld"."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from sportello.appointments import (
    calendar_invite,
    compose,
    links,
    messaging,
    operations,
    sms_settings,
)
from sportello.appointments.models import (
    AppointmentStatus,
    DeliveryStatus,
    Medium,
    Message,
    MessageKind,
)
from sportello.appointments.sms import GatewayError
from sportello.services import queries as catalogue

logger = logging.getLogger(__name__)

# The messages that point the person at a booked appointment: pointless, and confusing, once it
# is cancelled or moved.
ABOUT_A_BOOKED_APPOINTMENT = (
    MessageKind.CONFIRMATION,
    MessageKind.REMINDER,
    MessageKind.RESCHEDULED,
)
INVITING = (MessageKind.CONFIRMATION, MessageKind.RESCHEDULED)


class RetryableDeliveryError(Exception):
    """The message could not be sent this time, and may be later: the task retries it."""

    def __init__(self, message_id: int, attempts: int, reason: str) -> None:
        super().__init__(f"message {message_id}, attempt {attempts}: {reason}")
        self.message_id = message_id
        self.attempts = attempts


@dataclass(frozen=True)
class _Failure:
    reason: str  # codes and statuses only: stored in last_error
    transient: bool


def max_attempts() -> int:
    return max(1, int(settings.SPORTELLO_MESSAGE_MAX_ATTEMPTS))


def _withhold_reason(message: Message) -> str:
    """Why this message must not go out now, or "" when it may."""
    subject = message.appointment if message.appointment_id else message.offer
    assert subject is not None
    person = subject.case.person
    if not messaging.may_message(person):
        return "the person may no longer be messaged"
    if (message.medium, message.recipient) not in messaging.addresses(person):
        return "the address changed since the message was written"
    appointment = message.appointment
    if appointment is not None:
        if not appointment.messages_allowed:
            return "the appointment has no messages"
        if (
            message.kind in ABOUT_A_BOOKED_APPOINTMENT
            and appointment.status != AppointmentStatus.BOOKED
        ):
            return f"the appointment is {appointment.status}"
        if message.kind == MessageKind.REMINDER and appointment.starts_at <= catalogue.now():
            return "the appointment has started"
    elif message.offer is not None:
        state = operations.offer_state(message.offer, catalogue.now())
        if state != "open":
            return f"the offer is {state}"
    return ""


def _email(message: Message, text: compose.Text) -> EmailMessage:
    email = EmailMessage(
        subject=text.subject,
        body=text.body,
        from_email=settings.SPORTELLO_MESSAGE_EMAIL_FROM,
        to=[message.recipient],
    )
    appointment = message.appointment
    if appointment is not None and (
        message.kind in INVITING or message.kind == MessageKind.CANCELLED
    ):
        method = calendar_invite.REQUEST if message.kind in INVITING else calendar_invite.CANCEL
        ics = calendar_invite.invitation(
            appointment,
            method=method,
            language=message.language,
            attendee=message.recipient,
            url=(
                links.appointment_url(appointment, message.language)
                if method == calendar_invite.REQUEST
                else None
            ),
        )
        # Calendar apps act on the part's own method parameter (iTIP over e-mail, RFC 6047).
        part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
        part.set_param("method", method)
        part.add_header("Content-Disposition", "attachment", filename="appuntamento.ics")
        email.attach(part)
    return email


def _send(message: Message) -> tuple[str, _Failure | None]:
    """Send the message; the gateway's reference, or why it failed."""
    text = compose.compose(message)
    if message.medium == Medium.SMS:
        try:
            reference = sms_settings.gateway_from_settings().send(
                message.recipient, text.sms, f"sportello-message-{message.pk}"
            )
        except GatewayError as error:
            return "", _Failure(str(error)[:300], error.transient)
        return reference[:100], None
    try:
        _email(message, text).send()
    except smtplib.SMTPResponseException as error:
        # 4xx: try later; 5xx: the server refuses for good. The server's words may quote the
        # address: only the code is kept.
        return "", _Failure(f"smtp {error.smtp_code}", error.smtp_code < 500)
    except smtplib.SMTPRecipientsRefused as error:
        codes = sorted({code for code, _text in error.recipients.values()})
        return "", _Failure(f"smtp recipient refused {codes}", all(c < 500 for c in codes))
    except (smtplib.SMTPException, OSError) as error:  # disconnected, refused, timed out
        return "", _Failure(f"email: {type(error).__name__}", True)
    return "", None


def deliver(message_id: int) -> str:
    """Send one message if it is still pending and may still be sent; returns its status.

    Raises RetryableDeliveryError after a transient failure while attempts remain (the
    attempt is recorded first); after the last attempt the message is failed."""
    retry: RetryableDeliveryError | None = None
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            logger.warning("Message %s no longer exists: nothing to send.", message_id)
            return "missing"
        if message.status != DeliveryStatus.PENDING:
            return message.status
        reason = _withhold_reason(message)
        if reason:
            message.status = DeliveryStatus.WITHHELD
            message.last_error = reason
            message.save(update_fields=["status", "last_error"])
            return message.status
        message.attempts += 1
        message.last_attempt_at = catalogue.now()
        try:
            reference, failure = _send(message)
        except Exception as error:  # a bug or a misconfiguration: counted, retried, then failed
            logger.exception("Message %s could not be sent", message.pk)
            reference, failure = "", _Failure(f"error: {type(error).__name__}", True)
        if failure is None:
            message.status = DeliveryStatus.SENT
            message.sent_at = catalogue.now()
            message.gateway_reference = reference
            message.last_error = ""
        else:
            message.last_error = failure.reason
            if not failure.transient or message.attempts >= max_attempts():
                message.status = DeliveryStatus.FAILED
                logger.warning("Message %s not sent: %s", message.pk, failure.reason)
            else:
                retry = RetryableDeliveryError(message.pk, message.attempts, failure.reason)
        message.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "sent_at",
                "gateway_reference",
                "last_error",
            ]
        )
    if retry is not None:
        raise retry
    return message.status
