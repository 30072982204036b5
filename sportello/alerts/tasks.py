"""Background work of the alerts: the e-mail of each sending, and the sweep that repeats
unacknowledged alerts and re-enqueues e-mails whose message was lost."""

import logging

from celery import shared_task  # type: ignore[import-untyped]  # Celery ships no type hints
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from sportello.alerts import operations
from sportello.alerts.models import Alert, AlertEvent
from sportello.services import queries as catalogue

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return settings.SPORTELLO_SITE_URL.rstrip("/") + path


def _message(alert: Alert) -> EmailMessage:
    # Staff read Sportello in Italian first; the alert's own text was written in Italian.
    with translation.override(settings.LANGUAGE_CODE):
        if alert.send_count > 1:
            subject = _("[Sportello] Ancora da prendere in visione: %(title)s")
        else:
            subject = _("[Sportello] %(title)s")
        lines = [alert.body, ""] if alert.body else []
        if alert.link:
            lines.append(_("Apri in Sportello: %(url)s") % {"url": _absolute(alert.link)})
        lines += [
            _("Prendi visione dell'avviso: %(url)s") % {"url": _absolute(reverse("alerts:list"))},
            _(
                "Finché nessuno ne prende visione, l'avviso viene ripetuto ogni %(minutes)s "
                "minuti a te e ai colleghi a cui è stato inviato."
            )
            % {"minutes": settings.SPORTELLO_ALERT_REPEAT_MINUTES},
            "",
            _(
                "Questo messaggio non contiene dati personali: i dettagli si leggono solo in "
                "Sportello, dopo l'accesso."
            ),
        ]
        return EmailMessage(
            subject=subject % {"title": alert.title},
            body="\n".join(lines),
            from_email=settings.SPORTELLO_ALERT_EMAIL_FROM,
            to=[alert.recipient.email],
        )


@shared_task(name="sportello.alerts.tasks.send_alert_email")
def send_alert_email(alert_id: int) -> bool:
    """E-mail one sending of an alert to its recipient; True when an e-mail left.

    Idempotent: the row lock and email_sent_for make a re-delivered message (acks_late, a
    sweep's re-enqueue) a no-op for a sending already e-mailed. An acknowledged alert is not
    e-mailed any more; a recipient without an address has the header badge only."""
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=alert_id)
            .first()
        )
        if alert is None:
            logger.warning("Alert %s no longer exists: its e-mail is dropped.", alert_id)
            return False
        if alert.acknowledged_at is not None or alert.email_sent_for >= alert.send_count:
            return False
        sent = bool(alert.recipient.email)
        if sent:
            # Sent inside the transaction: if the send fails, nothing is recorded and the
            # sweep tries again; a crash between send and commit may send twice, never zero.
            _message(alert).send()
            alert.email_sent_at = catalogue.now()
            AlertEvent.objects.create(
                alert=alert,
                at=alert.email_sent_at,
                action="emailed",
                detail={"send": alert.send_count},
            )
        alert.email_sent_for = alert.send_count
        alert.save(update_fields=["email_sent_at", "email_sent_for"])
    return sent


@shared_task(name="sportello.alerts.tasks.sweep_unsent")
def sweep_unsent() -> int:
    """Every few minutes (beat): repeat the alerts nobody acknowledged, then re-enqueue e-mails
    a lost message left unsent; returns how many e-mails were enqueued."""
    now = catalogue.now()
    # Repeats first: they enqueue their own e-mail and are then no longer "lost".
    return operations.resend_due(now) + operations.requeue_lost_emails(now)
