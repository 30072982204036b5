"""The escalation sweep through a real broker and a real Celery worker (PostgreSQL + Redis in CI):
an overdue follow-up committed here is escalated there, and the coordinator's e-mail is sent."""

import datetime
import time

import pytest
from django.utils import timezone

from sportello import celery_app
from sportello.alerts.models import Alert
from sportello.intake import operations as intake
from sportello.triage import operations, tasks
from sportello.triage.models import Escalation, EscalationKind

from .conftest import screening_input

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def through_the_broker(celery_worker_process):
    conf = celery_app.conf
    eager = conf.task_always_eager
    conf.task_always_eager = False
    yield celery_worker_process
    conf.task_always_eager = eager


def desk_open_all_day(*moments: datetime.datetime) -> None:
    """The desk open round the clock on the days of these moments, whatever the hour or the
    holiday this test runs on: out of hours a contact without a number would be closed."""
    from sportello.services.models import CalendarException
    from sportello.services.queries import current_organisation

    organisation = current_organisation()
    for day in {timezone.localdate(moment) for moment in moments}:
        CalendarException.objects.update_or_create(
            organisation=organisation,
            day=day,
            defaults={
                "kind": CalendarException.Kind.HOURS,
                "opens": datetime.time(0, 0),
                "closes": datetime.time(23, 59, 59),
            },
        )


def test_a_worker_escalates_an_overdue_follow_up_and_emails_the_coordinator(
    through_the_broker, milan, make_staff, make_contact, frozen_now
):
    # The worker lives in real time: the follow-up was due an hour ago, set up two hours ago.
    real_now = timezone.now()
    desk_open_all_day(real_now - datetime.timedelta(hours=2), real_now)
    frozen_now(real_now - datetime.timedelta(hours=2))
    professional = make_staff("professional", "paola")
    coordinator = make_staff("coordinator", "carla")
    coordinator.email = "carla@example.org"
    coordinator.save()
    contact = make_contact(real_now - datetime.timedelta(hours=2))
    intake.take_contact(professional, contact.pk)
    intake.start_conversation(professional, contact.pk)
    operations.record_screening(professional, contact.pk, screening_input("moderate"))
    operations.schedule_follow_up(
        professional, contact.pk, due_at=real_now - datetime.timedelta(hours=1)
    )

    tasks.escalate.apply_async()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        alert = Alert.objects.filter(recipient=coordinator, email_sent_at__isnull=False).first()
        if alert is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no escalation e-mail within 30 s:\n{through_the_broker.log_tail()}")
    escalation = Escalation.objects.get()
    assert escalation.kind == EscalationKind.FOLLOW_UP_OVERDUE
    assert alert.group_key == escalation.group_key and contact.reference in alert.title
    # The worker serves the whole session: pick this test's e-mail among the files it wrote.
    mails = [path.read_text() for path in through_the_broker.email_dir.iterdir()]
    assert any("carla@example.org" in mail and contact.reference in mail for mail in mails)
