"""A real Celery worker sends the person's messages from the broker: once, retried with back-off
while the SMS gateway is down, and not at all to a person who opted out (PostgreSQL and a
broker only)."""

import datetime
import email
import re
import time
import uuid

import pytest
from django.db import transaction
from icalendar import Calendar

from sportello import celery_app
from sportello.appointments import links
from sportello.appointments.models import Appointment, DeliveryStatus, Medium, Message
from sportello.appointments.tests import test_messages as shared
from sportello.appointments.tests.test_messages import book

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

desk = shared.desk
sms_dir = shared.sms_dir


@pytest.fixture
def through_the_broker(celery_worker_process):
    """This process runs tasks eagerly; here a task must travel through the broker."""
    conf = celery_app.conf
    eager = conf.task_always_eager
    conf.task_always_eager = False
    yield celery_worker_process
    conf.task_always_eager = eager


@pytest.fixture
def person(desk):
    """The case's person, with an address and a number no other test of the session uses (the
    worker and its folders serve the whole session)."""
    person = desk["case"].person
    person.email = f"persona-{uuid.uuid4().hex[:8]}@example.org"
    person.phone = f"+39333{uuid.uuid4().int % 10**7:07d}"
    person.save()
    return person


def wait_for(condition, worker, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds} s:\n{worker.log_tail()}")


def statuses(appointment):
    return dict(Message.objects.filter(appointment=appointment).values_list("medium", "status"))


def emails_to(worker, address):
    found = []
    for path in worker.email_dir.iterdir() if worker.email_dir.exists() else ():
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk)
                if message["To"] == address:
                    found.append(message)
    return found


def sms_to(worker, phone):
    return [
        path
        for path in worker.sms_dir.glob("*.sms")
        if path.read_text(encoding="utf-8").startswith(f"To: {phone}\n")
    ]


def test_the_worker_confirms_a_booking_by_email_and_sms_exactly_once(
    through_the_broker, desk, person
):
    appointment = book(desk, channel="video")
    wait_for(
        lambda: statuses(appointment) == {"email": "sent", "sms": "sent"},
        through_the_broker,
        "the worker did not send the confirmation",
    )
    time.sleep(1)  # a second delivery would have landed by now
    (message,) = emails_to(through_the_broker, person.email)
    assert message["Subject"] == "Sportello: appuntamento confermato"
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST"
    assert calendar.events[0].start == appointment.starts_at
    (sms,) = sms_to(through_the_broker, person.phone)
    assert "020202" in sms.read_text(encoding="utf-8")
    assert Message.objects.get(appointment=appointment, medium=Medium.SMS).gateway_reference == (
        sms.stem
    )
    assert set(
        Message.objects.filter(appointment=appointment).values_list("attempts", flat=True)
    ) == {1}


def test_with_the_sms_folder_missing_the_worker_retries_with_back_off_then_sends(
    through_the_broker, desk, person
):
    folder = through_the_broker.sms_dir
    away = folder.with_name(f"sms-away-{uuid.uuid4().hex[:6]}")
    folder.rename(away)
    try:
        appointment = book(desk)
        sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)

        def tried_twice():
            sms.refresh_from_db()
            return sms.attempts >= 2

        wait_for(tried_twice, through_the_broker, "the worker did not try the SMS twice")
        assert sms.status == DeliveryStatus.PENDING and "folder" in sms.last_error
        assert person.phone not in sms.last_error
    finally:
        away.rename(folder)

    def sent():
        sms.refresh_from_db()
        return sms.status == DeliveryStatus.SENT

    wait_for(sent, through_the_broker, "the worker did not send the SMS once the folder was back")
    assert sms.attempts >= 3 and sms.last_error == ""
    assert len(sms_to(through_the_broker, person.phone)) == 1
    # Each try waited longer than the one before.
    log = through_the_broker.log_path.read_text(encoding="utf-8", errors="replace")
    for attempt, seconds in ((1, 1), (2, 2)):
        assert re.search(
            rf"message {sms.pk}, attempt {attempt}: file gateway: folder not writable "
            rf"\(\w+\); next try in {seconds} s",
            log,
        ), log
    assert len(emails_to(through_the_broker, person.email)) == 1


def test_a_person_who_opted_out_after_booking_gets_nothing_from_the_worker(
    through_the_broker, desk, person
):
    with transaction.atomic():
        appointment = book(desk)  # the confirmations are written, their tasks leave at commit
        person.no_messages = True
        person.save(update_fields=["no_messages"])
    wait_for(
        lambda: statuses(appointment) == {"email": "withheld", "sms": "withheld"},
        through_the_broker,
        "the worker did not withhold the messages",
    )
    assert emails_to(through_the_broker, person.email) == []
    assert sms_to(through_the_broker, person.phone) == []
    assert set(
        Message.objects.filter(appointment=appointment).values_list("attempts", flat=True)
    ) == {0}


def test_the_worker_sends_a_due_reminder_once_however_often_the_sweep_runs(
    through_the_broker, desk, person
):
    """The beat's sweep, run by the worker on its own clock: the 24-hour reminder of a session
    two hours away is due (the 1-hour one is not yet), and three sweeps send it once."""
    now = datetime.datetime.now(datetime.UTC)
    starts = (now + datetime.timedelta(hours=2)).replace(microsecond=0)
    appointment = Appointment.objects.create(
        case=desk["case"],
        professional=desk["paola"],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=45),
        channel="phone",
        messages_allowed=True,
        booked_by=desk["paola"],
        booked_at=now - datetime.timedelta(days=2),
        key=links.new_key(),
    )
    for _ in range(3):
        celery_app.send_task("sportello.appointments.tasks.send_reminders")

    def reminded():
        return dict(
            Message.objects.filter(appointment=appointment, kind="reminder").values_list(
                "medium", "status"
            )
        ) == {"email": "sent", "sms": "sent"}

    wait_for(reminded, through_the_broker, "the worker did not send the reminder")
    time.sleep(1)  # a second reminder would have landed by now
    reminders = Message.objects.filter(appointment=appointment, kind="reminder")
    assert set(reminders.values_list("lead_minutes", flat=True)) == {1440}
    assert reminders.count() == 2
    assert len(emails_to(through_the_broker, person.email)) == 1
    assert len(sms_to(through_the_broker, person.phone)) == 1
