"""Every change to an alert: one function per operation, in a transaction, with its audit row.

E-mails are enqueued only after commit: a rolled-back escalation sends nothing, and the worker
never looks for an alert that is not there yet. A message lost on the way is re-enqueued by the
periodic sweep (tasks.sweep_unsent)."""

import datetime
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.alerts import policies
from sportello.alerts.models import Alert, AlertEvent
from sportello.services import queries as catalogue

logger = logging.getLogger(__name__)

# An e-mail still unsent this long after it was enqueued was lost with its message.
LOST_AFTER = datetime.timedelta(minutes=5)

# The title is a TextField (stored encrypted) but also the e-mail's subject: kept short here.
TITLE_MAX_LENGTH = 200
# What raise_alert's caller gives: the fields _check validates.
_CALLER_FIELDS = ("kind", "title", "body", "link", "group_key", "about_type", "about_id")


def _audit(
    alert: Alert,
    action: str,
    *,
    at: datetime.datetime,
    actor: User | None = None,
    **detail: object,
) -> AlertEvent:
    return AlertEvent(alert=alert, at=at, actor=actor, action=action, detail=detail)


def _send_after_commit(alert_ids: Iterable[int]) -> None:
    # Imported here: the tasks call back into this module (the sweep).
    from sportello.alerts.tasks import send_alert_email

    for alert_id in alert_ids:
        transaction.on_commit(partial(send_alert_email.delay, alert_id))


def _too_long(field: str, limit: object) -> ValidationError:
    return ValidationError(
        _("L'avviso non può essere creato: «%(field)s» supera %(limit)s caratteri."),
        params={"field": field, "limit": limit},
    )


def _check(alert: Alert) -> None:
    """Refuse, before anything is written, an alert the caller got wrong; the columns' own
    limits come from the model (clean_fields), not restated here."""
    for name in ("kind", "title", "group_key"):
        if not getattr(alert, name).strip():
            raise ValidationError(
                _("L'avviso non può essere creato: manca il campo «%(field)s»."),
                params={"field": name},
            )
    if len(alert.title) > TITLE_MAX_LENGTH:
        raise _too_long("title", TITLE_MAX_LENGTH)
    try:
        # The recipient, the dates and the counters are filled in when the alert is created.
        alert.clean_fields(
            exclude=[
                field.name
                for field in Alert._meta.concrete_fields
                if field.is_relation or field.name not in _CALLER_FIELDS
            ]
        )
    except ValidationError as error:
        for name, problems in error.error_dict.items():
            for problem in problems:
                if problem.code == "max_length" and problem.params:
                    raise _too_long(name, problem.params["limit_value"]) from error
        raise
    if "\n" in alert.title or "\r" in alert.title:
        # The title is the e-mail's subject: one line.
        raise ValidationError(_("Il titolo di un avviso deve stare su una riga."))
    link = alert.link
    # Only a path inside Sportello: the link is shown to staff and sent by e-mail.
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValidationError(
            _("Il collegamento di un avviso deve essere un indirizzo interno che inizia con «/».")
        )


def _repeat_interval() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SPORTELLO_ALERT_REPEAT_MINUTES)


def _send_again(alerts: list[Alert], at: datetime.datetime) -> list[int]:
    """Count one more sending of each alert and enqueue its e-mail."""
    ids = [alert.pk for alert in alerts]
    if not ids:
        return []
    Alert.objects.filter(pk__in=ids).update(send_count=F("send_count") + 1, last_sent_at=at)
    AlertEvent.objects.bulk_create(
        _audit(alert, "resent", at=at, send_count=alert.send_count + 1) for alert in alerts
    )
    _send_after_commit(ids)
    return ids


@transaction.atomic
def raise_alert(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str,
    link: str,
    group_key: str,
    about_type: str = "",
    about_id: object = "",
) -> list[Alert]:
    """Alert each recipient, in the header and by e-mail; returns the alerts created.

    A recipient who still has an open alert of the same group_key gets no second one: theirs is
    sent again if it is due (SPORTELLO_ALERT_REPEAT_MINUTES), else left alone, so a sweep may
    call this every minute. After someone acknowledged the group, a call raises new alerts:
    sweeps ask queries.is_acknowledged(group_key) first. Title and body leave the system by
    e-mail: a reference and what to do, never personal or clinical details."""
    fields = {
        "kind": kind,
        "title": title,
        "link": link,
        "group_key": group_key,
        "about_type": about_type,
        "about_id": str(about_id),
    }
    _check(Alert(body=body, **fields))
    at = catalogue.now()
    people = {user.pk: user for user in recipients if user.is_active}
    if not people:
        logger.warning("Alert %s (%s) has no active recipient.", group_key, kind)
        return []
    already = {
        alert.recipient_id: alert
        for alert in Alert.objects.select_for_update().filter(
            group_key=group_key, acknowledged_at__isnull=True, recipient_id__in=people
        )
    }
    created: list[Alert] = []
    for pk, person in people.items():
        if pk in already:
            continue
        try:
            # A savepoint each: a concurrent raise that got there first (the partial unique
            # constraint) costs this recipient's row only, not the whole escalation.
            with transaction.atomic():
                alert = Alert.objects.create(
                    recipient=person,
                    body=body,
                    created_at=at,
                    last_sent_at=at,
                    send_count=1,
                    **fields,
                )
        except IntegrityError:
            continue
        created.append(alert)
    AlertEvent.objects.bulk_create(_audit(alert, "raised", at=at) for alert in created)
    _send_after_commit(alert.pk for alert in created)
    cutoff = at - _repeat_interval()
    _send_again(
        [
            alert
            for alert in already.values()
            if alert.last_sent_at is None or alert.last_sent_at <= cutoff
        ],
        at,
    )
    return created


@transaction.atomic
def acknowledge(user: User, alert_id: int) -> Alert:
    """ "I have seen it": stops the repeats of every open alert of the same group, for everyone
    it went to. Only the recipient acknowledges, and only once."""
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    if not policies.can_acknowledge(user, alert):
        raise PermissionDenied(_("Questo avviso è indirizzato a un'altra persona."))
    if alert.acknowledged_at is not None:
        by = alert.acknowledged_by
        assert by is not None  # the check constraint keeps them together
        raise ValidationError(
            _("Questo avviso è già stato preso in visione da %(name)s il %(when)s."),
            params={
                "name": by.display_name,
                "when": timezone.localtime(alert.acknowledged_at).strftime("%d/%m/%Y %H:%M"),
            },
        )
    acknowledge_group(alert.group_key, user, through=alert.pk)
    alert.refresh_from_db()
    return alert


@transaction.atomic
def resend_due(now: datetime.datetime) -> int:
    """Send again every open alert last sent SPORTELLO_ALERT_REPEAT_MINUTES ago or more;
    returns how many."""
    due = list(
        Alert.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            acknowledged_at__isnull=True,
            last_sent_at__lte=now - _repeat_interval(),
            recipient__is_active=True,
        )
    )
    return len(_send_again(due, now))


def requeue_lost_emails(now: datetime.datetime) -> int:
    """Enqueue again the e-mails of open alerts still unsent LOST_AFTER after they were due:
    what a message lost between the web server and the worker left behind."""
    lost = list(
        Alert.objects.filter(
            acknowledged_at__isnull=True,
            email_sent_for__lt=F("send_count"),
            last_sent_at__lte=now - LOST_AFTER,
        ).values_list("pk", flat=True)
    )
    _send_after_commit(lost)
    return len(lost)


@transaction.atomic
def acknowledge_group(group_key: str, by: User, *, through: int | str | None = None) -> int:
    """The thing the alerts are about was dealt with elsewhere (an escalation acknowledged on
    its own page, a follow-up done): every open alert of the group stops repeating; returns
    how many. The audit rows say what it came through: the alert acknowledged on the alerts
    page (its pk), else the group key."""
    at = catalogue.now()
    group = list(
        Alert.objects.select_for_update().filter(group_key=group_key, acknowledged_at__isnull=True)
    )
    Alert.objects.filter(pk__in=[member.pk for member in group]).update(
        acknowledged_at=at, acknowledged_by=by
    )
    AlertEvent.objects.bulk_create(
        _audit(
            member,
            "acknowledged",
            at=at,
            actor=by,
            through=group_key if through is None else through,
        )
        for member in group
    )
    return len(group)
