"""Raising, acknowledging and repeating alerts, and their e-mails (eager Celery, mail.outbox)."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from sportello.alerts import operations, queries, tasks
from sportello.alerts.models import Alert, AlertEvent
from sportello.testing import rome

RAISED_AT = rome(2026, 12, 1, 10, 0)


def minutes_later(minutes: int) -> datetime.datetime:
    return RAISED_AT + datetime.timedelta(minutes=minutes)


@pytest.fixture
def staff_with_email(milan, make_staff):
    def make(role: str = "coordinator", **fields):
        user = make_staff(role)
        user.email = fields.pop("email", f"{user.username}@example.org")
        for name, value in fields.items():
            setattr(user, name, value)
        user.save()
        return user

    return make


@pytest.fixture
def raise_for(frozen_now):
    """Raise an alert about escalation 12 (or another group) at RAISED_AT unless told when."""

    def raise_(recipients, group_key="escalation:12", at=RAISED_AT, **fields):
        frozen_now(at)
        arguments = {
            "kind": "high_risk",
            "title": "Rischio alto: contatto SP-2026-000012",
            "body": "Un contatto valutato a rischio alto aspetta una presa in carico.",
            "link": "/personale/contatti/12/",
            "about_type": "contact",
            "about_id": 12,
        }
        arguments.update(fields)
        return operations.raise_alert(recipients, group_key=group_key, **arguments)

    return raise_


def test_one_alert_per_recipient_and_its_email_leaves_after_commit(
    staff_with_email, raise_for, django_capture_on_commit_callbacks
):
    first, second = staff_with_email(), staff_with_email()
    with django_capture_on_commit_callbacks() as callbacks:
        alerts = raise_for([first, second, first])
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert {alert.recipient for alert in alerts} == {first, second}
    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.email, second.email])
    message = mail.outbox[0]
    assert message.subject == "[Sportello] Rischio alto: contatto SP-2026-000012"
    assert "http://127.0.0.1:8000/personale/contatti/12/" in message.body
    assert "http://127.0.0.1:8000/personale/avvisi/" in message.body
    stored = Alert.objects.get(recipient=first)
    assert stored.send_count == 1 and stored.email_sent_for == 1
    assert stored.email_sent_at == RAISED_AT and stored.about_id == "12"
    assert list(stored.events.values_list("action", flat=True)) == ["raised", "emailed"]


def test_a_rolled_back_escalation_alerts_nobody(
    staff_with_email, raise_for, django_capture_on_commit_callbacks
):
    coordinator = staff_with_email()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        raise_for([coordinator])
        raise RuntimeError("the escalation failed after raising")
    assert callbacks == [] and mail.outbox == []
    assert not Alert.objects.exists()


def test_an_open_alert_is_not_raised_twice_and_is_repeated_only_when_due(
    staff_with_email, raise_for, django_capture_on_commit_callbacks
):
    coordinator = staff_with_email()
    with django_capture_on_commit_callbacks(execute=True):
        raise_for([coordinator])
    with django_capture_on_commit_callbacks(execute=True):
        assert raise_for([coordinator], at=minutes_later(5)) == []
    alert = Alert.objects.get()
    assert alert.send_count == 1 and len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert raise_for([coordinator], at=minutes_later(15)) == []
    alert.refresh_from_db()
    assert alert.send_count == 2 and alert.last_sent_at == minutes_later(15)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("[Sportello] Ancora da prendere in visione:")


def test_another_group_or_recipient_gets_its_own_alert(staff_with_email, raise_for):
    first, second = staff_with_email(), staff_with_email()
    raise_for([first])
    assert len(raise_for([first], group_key="escalation:13")) == 1
    assert [alert.recipient for alert in raise_for([first, second])] == [second]
    assert Alert.objects.count() == 3


def test_inactive_staff_and_nobody_get_no_alert(staff_with_email, raise_for):
    gone = staff_with_email(is_active=False)
    assert raise_for([gone]) == []
    assert raise_for([]) == []
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": ""}, "manca il campo «kind»"),
        ({"title": "  "}, "manca il campo «title»"),
        ({"group_key": ""}, "manca il campo «group_key»"),
        ({"title": "x" * 201}, "«title» supera 200 caratteri"),
        ({"link": "/" + "x" * 300}, "«link» supera 300 caratteri"),
        ({"about_id": "1" * 41}, "«about_id» supera 40 caratteri"),
        ({"group_key": "escalation:" + "1" * 90}, "«group_key» supera 100 caratteri"),
        ({"title": "Rischio alto\nBcc: someone@example.org"}, "stare su una riga"),
        ({"link": "https://example.org/phishing"}, "indirizzo interno"),
        ({"link": "//example.org/phishing"}, "indirizzo interno"),
    ],
)
def test_bad_alerts_are_refused_in_italian_and_nothing_is_written(
    staff_with_email, raise_for, django_capture_on_commit_callbacks, fields, message
):
    coordinator = staff_with_email()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as refused,
    ):
        raise_for([coordinator], **fields)
    assert message in " ".join(refused.value.messages)
    assert callbacks == [] and not Alert.objects.exists() and not AlertEvent.objects.exists()


def test_one_acknowledgement_stops_the_whole_group_for_everyone(
    staff_with_email, raise_for, frozen_now
):
    first, second = staff_with_email(), staff_with_email()
    elsewhere = staff_with_email("professional")
    raise_for([first, second])
    other_group = raise_for([elsewhere, first], group_key="break_glass:5")
    assert not queries.is_acknowledged("escalation:12")

    frozen_now(minutes_later(3))
    mine = Alert.objects.get(recipient=first, group_key="escalation:12")
    acknowledged = operations.acknowledge(first, mine.pk)

    assert (
        acknowledged.acknowledged_at == minutes_later(3) and acknowledged.acknowledged_by == first
    )
    group = Alert.objects.filter(group_key="escalation:12")
    assert set(group.values_list("acknowledged_by", flat=True)) == {first.pk}
    assert queries.is_acknowledged("escalation:12")
    assert queries.count_unacknowledged(first) == 1  # the break-glass alert still waits
    assert queries.count_unacknowledged(second) == 0
    assert all(
        alert.acknowledged_at is None
        for alert in Alert.objects.filter(pk__in=[a.pk for a in other_group])
    )
    events = AlertEvent.objects.filter(action="acknowledged")
    assert events.count() == 2 and {event.actor for event in events} == {first}
    # Both rows name the alert the acknowledgement came through.
    assert {event.detail["through"] for event in events} == {mine.pk}


def test_only_the_recipient_acknowledges_and_a_refusal_writes_nothing(staff_with_email, raise_for):
    first, second = staff_with_email(), staff_with_email()
    (alert,) = raise_for([first])
    with pytest.raises(PermissionDenied):
        operations.acknowledge(second, alert.pk)
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AlertEvent.objects.filter(action="acknowledged").exists()


def test_a_second_acknowledgement_is_refused_naming_who_saw_it_first(
    staff_with_email, raise_for, frozen_now
):
    first = staff_with_email(first_name="Giulia", last_name="Neri")
    second = staff_with_email()
    raise_for([first, second])
    frozen_now(minutes_later(2))
    operations.acknowledge(first, Alert.objects.get(recipient=first).pk)
    events_before = AlertEvent.objects.count()
    for who in (first, second):
        with pytest.raises(ValidationError) as refused:
            operations.acknowledge(who, Alert.objects.get(recipient=who).pk)
        assert refused.value.messages == [
            "Questo avviso è già stato preso in visione da Giulia Neri il 01/12/2026 10:02."
        ]
    assert AlertEvent.objects.count() == events_before
    assert set(Alert.objects.values_list("acknowledged_by", flat=True)) == {first.pk}


def test_after_an_acknowledgement_a_new_raise_opens_the_group_again(staff_with_email, raise_for):
    coordinator = staff_with_email()
    (alert,) = raise_for([coordinator])
    operations.acknowledge(coordinator, alert.pk)
    assert len(raise_for([coordinator], at=minutes_later(30))) == 1
    assert not queries.is_acknowledged("escalation:12")
    assert not queries.is_acknowledged("nothing:raised")


def test_unacknowledged_alerts_are_sent_again_every_repeat_interval(
    staff_with_email, raise_for, django_capture_on_commit_callbacks, settings
):
    settings.SPORTELLO_ALERT_REPEAT_MINUTES = 15
    first, second = staff_with_email(), staff_with_email()
    with django_capture_on_commit_callbacks(execute=True):
        raise_for([first, second])
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert operations.resend_due(minutes_later(14)) == 0
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert operations.resend_due(minutes_later(15)) == 2
    assert len(mail.outbox) == 4
    assert set(Alert.objects.values_list("send_count", "last_sent_at")) == {(2, minutes_later(15))}
    assert AlertEvent.objects.filter(action="resent").count() == 2

    operations.acknowledge(first, Alert.objects.get(recipient=first).pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert operations.resend_due(minutes_later(45)) == 0
    assert len(mail.outbox) == 4


def test_a_redelivered_email_message_sends_nothing_twice(
    staff_with_email, raise_for, django_capture_on_commit_callbacks
):
    coordinator = staff_with_email()
    with django_capture_on_commit_callbacks(execute=True):
        (alert,) = raise_for([coordinator])
    assert tasks.send_alert_email.delay(alert.pk).get() is False
    assert len(mail.outbox) == 1
    assert AlertEvent.objects.filter(action="emailed").count() == 1


def test_acknowledged_alerts_and_staff_without_address_get_no_email(
    staff_with_email, raise_for, django_capture_on_commit_callbacks
):
    no_address = staff_with_email(email="")
    coordinator = staff_with_email()
    with django_capture_on_commit_callbacks() as callbacks:
        raise_for([no_address], group_key="escalation:13")
        raise_for([coordinator])
    operations.acknowledge(coordinator, Alert.objects.get(recipient=coordinator).pk)
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    alert = Alert.objects.get(recipient=no_address)
    # Dealt with: the sweep does not take it for a lost message.
    assert alert.email_sent_for == 1 and alert.email_sent_at is None
    assert operations.requeue_lost_emails(minutes_later(10)) == 0


def test_the_sweep_sends_what_a_lost_message_left_behind(
    staff_with_email, raise_for, django_capture_on_commit_callbacks, frozen_now
):
    coordinator = staff_with_email()
    with django_capture_on_commit_callbacks(execute=False):
        (alert,) = raise_for([coordinator])  # the message never reaches a worker
    frozen_now(minutes_later(4))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_unsent.delay().get() == 0
    assert mail.outbox == []
    frozen_now(minutes_later(5))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_unsent.delay().get() == 1
    assert len(mail.outbox) == 1
    alert.refresh_from_db()
    assert alert.send_count == 1 and alert.email_sent_for == 1  # a late e-mail, not a repeat


def test_the_sweep_repeats_due_alerts_once(
    staff_with_email, raise_for, django_capture_on_commit_callbacks, frozen_now
):
    coordinator = staff_with_email()
    with django_capture_on_commit_callbacks(execute=False):
        raise_for([coordinator])  # lost too: the repeat covers it
    frozen_now(minutes_later(16))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.sweep_unsent.delay().get() == 1
    assert len(callbacks) == 1 and len(mail.outbox) == 1
    assert Alert.objects.get().send_count == 2


def test_an_email_for_an_alert_that_is_gone_is_dropped(db):
    assert tasks.send_alert_email.delay(987654).get() is False
    assert mail.outbox == []


def test_coordinators_are_found_by_role(staff_with_email):
    from sportello.accounts.roles import Role

    coordinator = staff_with_email()
    staff_with_email("professional")
    staff_with_email(is_active=False)
    assert list(queries.staff_with_role(Role.COORDINATOR)) == [coordinator]


def test_a_matter_dealt_with_elsewhere_closes_its_alerts_for_everyone(
    staff_with_email, raise_for, frozen_now
):
    first, second = staff_with_email(), staff_with_email()
    raise_for([first, second])
    raise_for([first], group_key="escalation:13")
    assert queries.acknowledged_by("escalation:12") is None
    frozen_now(minutes_later(7))
    assert operations.acknowledge_group("escalation:12", second) == 2
    assert queries.acknowledged_by("escalation:12") == second
    assert set(
        Alert.objects.filter(group_key="escalation:12").values_list(
            "acknowledged_by", "acknowledged_at"
        )
    ) == {(second.pk, minutes_later(7))}
    assert queries.count_unacknowledged(first) == 1  # escalation 13 still waits
    details = AlertEvent.objects.filter(action="acknowledged").values_list("detail", flat=True)
    assert list(details) == [{"through": "escalation:12"}] * 2
    assert operations.acknowledge_group("escalation:12", first) == 0
    assert queries.acknowledged_by("escalation:12") == second
