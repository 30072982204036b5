"""Background work of referrals: e-mailing the letter (to the service's address or PEC), and the
quarter-hour sweep that reminds the professional of a referral left unanswered and tries again
the letters not yet delivered.

Whether a letter left is written in the audit log (referral_email_delivered, or a failed try,
or the final failure after SPORTELLO_MESSAGE_MAX_ATTEMPTS tries): the sweep reads it, so a task
lost with its broker message is sent again, and a letter already sent is never sent twice."""

import datetime
import logging

from celery import shared_task  # type: ignore[import-untyped]  # Celery ships no type hints
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.alerts.models import Kind as AlertKind
from sportello.alerts.operations import raise_alert
from sportello.cases.models import Referral, ReferralStatus, ReferralUrgency, SentHow
from sportello.cases.models import Status as CaseStatus
from sportello.cases.referral_letter import letter_pdf, reference_of
from sportello.cases.referral_queries import overdue_at
from sportello.privacy.models import AuditEvent
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue

logger = logging.getLogger(__name__)

SYSTEM = "sistema (invii)"
DELIVERED = "referral_email_delivered"
ATTEMPT_FAILED = "referral_email_attempt_failed"
FAILED = "referral_email_failed"
# A letter not delivered this long after sending lost its task (or its last try failed): the
# sweep tries again.
LOST_AFTER = datetime.timedelta(minutes=5)
# Past this, a letter still undelivered is the professional's to send another way (the page
# shows it as not delivered).
GIVE_UP_AFTER = datetime.timedelta(days=7)
BY_EMAIL = (SentHow.EMAIL, SentHow.PEC)


def _audit(referral: Referral, action: str, **detail: object) -> None:
    record_audit(
        None,
        object_type="referral",
        object_id=referral.pk,
        action=action,
        case_id=referral.case_id,
        actor_label=SYSTEM,
        **detail,
    )


def _events(referral_id: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="referral", object_id=str(referral_id)).values_list(
            "action", flat=True
        )
    )


def delivery_status(referral: Referral) -> str:
    """ "": not sent by e-mail; else "delivered", "failed" or "pending"."""
    if referral.sent_how not in BY_EMAIL:
        return ""
    events = _events(referral.pk)
    if DELIVERED in events:
        return "delivered"
    if FAILED in events:
        return "failed"
    return "pending"


def _responsible(referral: Referral) -> User:
    return referral.case.primary_professional or referral.created_by


def _message(referral: Referral) -> EmailMessage:
    # The receiving services are Italian; the body says nothing about the person (the letter,
    # attached, holds what they agreed to share).
    with translation.override("it"):
        organisation = catalogue.current_organisation()
        reference = reference_of(referral)
        body = "\n".join(
            [
                _("Buongiorno,"),
                "",
                _(
                    "in allegato la lettera di invio %(reference)s dello sportello "
                    "%(organisation)s (urgenza: %(urgency)s)."
                )
                % {
                    "reference": reference,
                    "organisation": organisation.name_it,
                    "urgency": ReferralUrgency(referral.urgency).label,
                },
                _(
                    "Per la risposta chiamate il numero %(phone)s citando il riferimento "
                    "%(reference)s."
                )
                % {"phone": organisation.switchboard_number, "reference": reference},
            ]
        )
        message = EmailMessage(
            subject=_("Lettera di invio %(reference)s") % {"reference": reference},
            body=body,
            from_email=settings.SPORTELLO_MESSAGE_EMAIL_FROM,
            to=[referral.sent_to],
        )
        message.attach(f"lettera-invio-{reference}.pdf", letter_pdf(referral), "application/pdf")
        return message


@shared_task(name="sportello.cases.referral_tasks.send_referral_email")
def send_referral_email(referral_id: int) -> bool:
    """E-mail the letter once; True when it left now. Idempotent: the row lock and the audit
    log make a repeated task (acks_late, the sweep) a no-op once the letter was delivered."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related(
                "case__person", "case__primary_professional", "to_service__organization"
            )
            .select_related("created_by")
            .filter(pk=referral_id)
            .first()
        )
        if referral is None or referral.sent_how not in BY_EMAIL or not referral.sent_to:
            return False
        if referral.status not in (ReferralStatus.SENT, ReferralStatus.ACCEPTED):
            # Closed or refused meanwhile (the person withdrew): the letter stays here.
            return False
        events = _events(referral.pk)
        if DELIVERED in events or FAILED in events:
            return False
        try:
            _message(referral).send()
        except Exception as error:  # any transport error counts as one failed try
            attempts = events.count(ATTEMPT_FAILED) + 1
            logger.warning("Referral %s: e-mail try %s failed: %s", referral_id, attempts, error)
            _audit(referral, ATTEMPT_FAILED, attempt=attempts, error=type(error).__name__)
            if attempts >= int(settings.SPORTELLO_MESSAGE_MAX_ATTEMPTS):
                _audit(referral, FAILED, attempts=attempts)
                _tell_failed(referral)
            return False
        _audit(referral, DELIVERED, sent_to=referral.sent_to)
        return True


def _tell_failed(referral: Referral) -> None:
    with translation.override("it"):
        raise_alert(
            [_responsible(referral)],
            kind=AlertKind.REFERRAL,
            title=_("Lettera di invio %(reference)s non recapitata: inviala in altro modo")
            % {"reference": reference_of(referral)},
            body="",
            link=reverse("cases:referral", args=[referral.case_id, referral.pk]),
            group_key=f"referral:{referral.pk}:email-failed",
            about_type="cases.referral",
            about_id=referral.pk,
        )


def _remind(referral_id: int, now: datetime.datetime) -> bool:
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("case", "case__primary_professional", "created_by")
            .filter(overdue_at(now), pk=referral_id, reminded_at__isnull=True)
            .first()
        )
        if referral is None:
            return False
        with translation.override("it"):
            raise_alert(
                [_responsible(referral)],
                kind=AlertKind.REFERRAL,
                title=_(
                    "Invio %(reference)s senza risposta: sollecita il servizio "
                    "(presa in carico %(case)s)"
                )
                % {"reference": reference_of(referral), "case": referral.case.reference},
                body="",
                link=reverse("cases:referral", args=[referral.case_id, referral.pk]),
                group_key=f"referral:{referral.pk}:follow-up",
                about_type="cases.referral",
                about_id=referral.pk,
            )
        referral.reminded_at = now
        referral.save(update_fields=["reminded_at"])
        _audit(referral, "referral_reminded")
        return True


@shared_task(name="sportello.cases.referral_tasks.remind_unanswered")
def remind_unanswered() -> int:
    """Every quarter of an hour (beat): alert the professional of each referral sent and still
    unanswered at its follow-up time, once; then enqueue again the letters not delivered.
    Returns how many reminders were raised."""
    now = catalogue.now()
    due = list(
        Referral.objects.filter(overdue_at(now), reminded_at__isnull=True)
        .exclude(case__status=CaseStatus.CLOSED)
        .values_list("pk", flat=True)
    )
    reminded = sum(_remind(referral_id, now) for referral_id in due)
    _requeue_undelivered(now)
    return reminded


def _requeue_undelivered(now: datetime.datetime) -> None:
    candidates = [
        str(referral_id)
        for referral_id in Referral.objects.filter(
            status=ReferralStatus.SENT,
            sent_how__in=BY_EMAIL,
            sent_at__lte=now - LOST_AFTER,
            sent_at__gte=now - GIVE_UP_AFTER,
        ).values_list("pk", flat=True)
    ]
    settled = set(
        AuditEvent.objects.filter(
            object_type="referral", object_id__in=candidates, action__in=(DELIVERED, FAILED)
        ).values_list("object_id", flat=True)
    )
    for referral_id in candidates:
        if referral_id not in settled:
            send_referral_email.delay(int(referral_id))
