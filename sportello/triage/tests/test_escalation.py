"""The periodic sweep, with time travel: overdue follow-ups and unacknowledged high risk reach
the coordinators, and keep reaching them until one acknowledges."""

import datetime

import pytest

from sportello.alerts import operations as alerts
from sportello.alerts.models import Alert
from sportello.intake import operations as intake
from sportello.testing import rome
from sportello.triage import operations, tasks
from sportello.triage.models import Escalation, EscalationKind

FOLLOW_UP_DUE = rome(2026, 12, 1, 15, 0)


@pytest.fixture
def follow_up(in_conversation, professional, screen):
    screen(professional, in_conversation, "moderate")
    return operations.schedule_follow_up(professional, in_conversation.pk, due_at=FOLLOW_UP_DUE)


def test_a_follow_up_not_yet_due_raises_nothing(follow_up, coordinator, frozen_now):
    frozen_now(FOLLOW_UP_DUE - datetime.timedelta(minutes=1))
    report = operations.escalate()
    assert report.raised == [] and Escalation.objects.count() == 0


def test_an_overdue_follow_up_is_escalated_once_to_the_coordinators(
    follow_up, coordinator, frozen_now
):
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=1))
    report = operations.escalate()
    escalation = Escalation.objects.get()
    assert report.raised == [escalation]
    assert (escalation.kind, escalation.follow_up) == (EscalationKind.FOLLOW_UP_OVERDUE, follow_up)
    alert = Alert.objects.get()
    assert alert.recipient == coordinator and follow_up.contact.reference in alert.title
    # A minute later: the same escalation, the same alert, no duplicate.
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=2))
    assert operations.escalate().raised == []
    assert (Escalation.objects.count(), Alert.objects.count()) == (1, 1)


def test_alerts_repeat_until_a_coordinator_acknowledges(
    follow_up, coordinator, frozen_now, settings
):
    settings.SPORTELLO_ALERT_REPEAT_MINUTES = 15
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=1))
    operations.escalate()
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=10))
    operations.escalate()
    assert Alert.objects.get().send_count == 1  # not yet due again
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=17))
    operations.escalate()
    assert Alert.objects.get().send_count == 2
    # Acknowledged on the alerts page: the next sweep records it and stops the repeats.
    alerts.acknowledge(coordinator, Alert.objects.get().pk)
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=40))
    report = operations.escalate()
    escalation = Escalation.objects.get()
    assert report.acknowledged == [escalation] and escalation.acknowledged_by == coordinator
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=80))
    operations.escalate()
    assert (Alert.objects.count(), Alert.objects.get().send_count) == (1, 2)


def test_doing_the_follow_up_closes_its_escalation(
    follow_up, professional, coordinator, frozen_now
):
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=5))
    operations.escalate()
    operations.complete_follow_up(professional, follow_up.pk, note="richiamata, sta meglio")
    escalation = Escalation.objects.get()
    assert escalation.acknowledged_by == professional
    assert Alert.objects.filter(acknowledged_at=None).count() == 0


def test_a_coordinator_coming_on_duty_later_receives_the_open_escalation(
    in_conversation, professional, coordinator, make_staff, screen, frozen_now
):
    intake.go_on_duty(coordinator)
    screen(professional, in_conversation, "high")
    assert Alert.objects.count() == 1
    late = make_staff("coordinator", "lucia")
    intake.go_on_duty(late)
    frozen_now(rome(2026, 12, 1, 10, 5))
    operations.escalate()
    assert set(Alert.objects.values_list("recipient__username", flat=True)) == {"carla", "lucia"}


def test_the_celery_task_runs_the_sweep(follow_up, coordinator, frozen_now):
    frozen_now(FOLLOW_UP_DUE + datetime.timedelta(minutes=1))
    assert tasks.escalate.delay().get() == {"raised": 1, "acknowledged": 0, "notified": 0}
