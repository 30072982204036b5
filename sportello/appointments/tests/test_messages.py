"""Messages to the person: what they say (and never say), the calendar invitation, sending each
once, retrying, withholding, and the reminder sweep."""

import datetime
import email
import re

import pytest
from django.core import mail
from icalendar import Calendar

from sportello import celery_app
from sportello.appointments import compose, delivery, links, operations, tasks
from sportello.appointments.models import (
    Appointment,
    DeliveryStatus,
    Medium,
    Message,
    MessageKind,
)
from sportello.appointments.sms import GatewayError
from sportello.rota.tests.conftest import publish
from sportello.testing import rome

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 11, 30)
TUESDAY_1030 = rome(2026, 12, 1, 10, 30)
TUESDAY_1130 = rome(2026, 12, 1, 11, 30)
PHONE = "+393331234567"
ADDRESS = "persona@example.org"
HEALTH_REASON = "Attacchi di panico notturni dopo il lutto"


@pytest.fixture
def sms_dir(settings, tmp_path):
    folder = tmp_path / "sms"
    folder.mkdir()
    settings.SPORTELLO_SMS_BACKEND = "file"
    settings.SPORTELLO_SMS_FILE_DIR = str(folder)
    settings.SPORTELLO_SITE_URL = "https://sportello.comune.milano.it"
    settings.SPORTELLO_MESSAGE_EMAIL_FROM = "appuntamenti@comune.example.it"
    return folder


@pytest.fixture
def desk(milan, make_professional, make_coordinator, make_case, frozen_now, sms_dir):
    """Paola Bianchi works Tuesday mornings; her case's person may be written to by e-mail
    and SMS."""
    frozen_now(rome(2026, 12, 1, 10, 0))
    paola = make_professional("paola")
    paola.first_name, paola.last_name = "Paola", "Bianchi"
    paola.save()
    coordinator = make_coordinator("carla")
    publish(coordinator, MONDAY, [(paola, 1, "morning")])
    case = make_case(paola, goals="Elaborare il lutto, ridurre gli attacchi di panico")
    person = case.person
    person.safe_to_message = True
    person.email = ADDRESS
    person.phone = PHONE
    person.save()
    frozen_now(rome(2026, 12, 1, 8, 0))
    return {"paola": paola, "coordinator": coordinator, "case": case, "sms_dir": sms_dir}


def book(desk, starts_at=TUESDAY_1030, channel="phone"):
    return operations.book(
        desk["paola"],
        case=desk["case"],
        professional=desk["paola"],
        starts_at=starts_at,
        channel=channel,
    )


def sms_files(folder):
    return sorted(folder.glob("*.sms"))


def ics_of(message):
    """The calendar part of a sent e-mail, parsed, with the part's own method parameter."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    (part,) = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True)), part.get_param("method")


# What the messages say ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("channel", ["phone", "video"])
def test_no_message_names_the_service_the_case_the_professional_or_a_reason(
    desk, language, channel
):
    case = desk["case"]
    first = book(desk, channel=channel)
    moved = operations.reschedule(
        desk["paola"], first, professional=desk["paola"], starts_at=TUESDAY_1130,
        channel=channel, reason=HEALTH_REASON,
    )  # fmt: skip
    offer = operations.offer_slots(
        desk["paola"], case=case, channel=channel, choices=[(desk["paola"], TUESDAY_1030)]
    )
    kinds = [
        (moved, MessageKind.CONFIRMATION),
        (moved, MessageKind.REMINDER),
        (moved, MessageKind.RESCHEDULED),
        (first, MessageKind.CANCELLED),
    ]
    texts = {
        kind: compose.compose(Message(appointment=appointment, kind=kind, language=language))
        for appointment, kind in kinds
    }
    texts[MessageKind.OFFER] = compose.compose(
        Message(offer=offer, kind=MessageKind.OFFER, language=language)
    )
    forbidden = [
        case.reference,
        case.service.name_it,
        case.service.name_en,
        "Bianchi",
        "Paola",
        "paola",
        HEALTH_REASON,
        "panico",
        "lutto",
        case.person.pseudonym,
    ]
    for kind, text in texts.items():
        for words in (text.subject, text.body, text.sms):
            for secret in forbidden:
                assert secret not in words, (kind, secret)
            assert "020202" in words or words == text.subject
        assert len(text.sms) <= compose.SMS_MAX_CHARACTERS, (kind, len(text.sms), text.sms)
    # Date and time written out in the message's language, in the desk's zone.
    day = "martedì 1 dicembre 2026" if language == "it" else "Tuesday 1 December 2026"
    assert f"{day}" in texts[MessageKind.CONFIRMATION].body
    assert "11:30" in texts[MessageKind.CONFIRMATION].sms
    assert "10:30" in texts[MessageKind.CANCELLED].sms  # the cancelled one was at 10:30
    # The citizen's own link (in their language) to move or cancel, or to choose a slot.
    for kind in (MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.RESCHEDULED):
        (url,) = set(LINK.findall(texts[kind].body)) | set(LINK.findall(texts[kind].sms))
        assert url.startswith("https://sportello.comune.milano.it/")
        assert url.startswith("https://sportello.comune.milano.it/en/") is (language == "en")
        assert linked(url, links.appointment_from_token) == moved
    assert LINK.findall(texts[MessageKind.CANCELLED].body) == []  # a dead link is not sent
    (url,) = set(LINK.findall(texts[MessageKind.OFFER].sms))
    assert linked(url, links.offer_from_token) == offer


LINK = re.compile(r"https?://\S+")


def linked(url, resolve):
    token = url.rstrip("/").rsplit("/", 1)[1]
    return resolve(token, now=rome(2026, 12, 1, 8, 0))


def test_the_channel_says_how_the_session_happens(desk):
    phone = compose.compose(
        Message(appointment=book(desk), kind=MessageKind.CONFIRMATION, language="it")
    )
    video = compose.compose(
        Message(
            appointment=book(desk, TUESDAY_1130, "video"),
            kind=MessageKind.CONFIRMATION,
            language="it",
        )
    )
    assert "ti chiameremo noi" in phone.body.lower() and "videochiamata" not in phone.body
    assert "videochiamata" in video.body.lower() and "chiameremo" not in video.body


# The calendar invitation ----------------------------------------------------------------------


def test_the_invitation_is_a_request_then_a_move_then_a_cancel_of_one_event(
    desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = book(desk)
    (confirmation,) = mail.outbox
    assert confirmation.to == [ADDRESS]
    assert confirmation.from_email == "appuntamenti@comune.example.it"
    calendar, method = ics_of(confirmation)
    (event,) = calendar.events
    assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert event.start == TUESDAY_1030 and event.end == rome(2026, 12, 1, 11, 15)
    assert event["UID"] == f"appointment-{first.pk}@sportello.comune.milano.it"
    assert int(event["SEQUENCE"]) == 0
    assert "Bianchi" not in calendar.to_ical().decode()

    with django_capture_on_commit_callbacks(execute=True):
        moved = operations.reschedule(
            desk["paola"], first, professional=desk["paola"], starts_at=TUESDAY_1130,
            channel="phone", reason=HEALTH_REASON,
        )  # fmt: skip
    calendar, method = ics_of(mail.outbox[1])
    (event,) = calendar.events
    # The same event, moved: calendar apps replace it instead of keeping both.
    assert method == "REQUEST" and event["UID"].startswith(f"appointment-{first.pk}@")
    assert int(event["SEQUENCE"]) == 1 and event.start == TUESDAY_1130

    with django_capture_on_commit_callbacks(execute=True):
        operations.cancel(desk["paola"], moved, reason=HEALTH_REASON)
    calendar, method = ics_of(mail.outbox[2])
    (event,) = calendar.events
    assert method == "CANCEL" and calendar["METHOD"] == "CANCEL"
    assert event["UID"].startswith(f"appointment-{first.pk}@") and event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2
    assert HEALTH_REASON not in mail.outbox[2].body


# Sending once, retrying, withholding ---------------------------------------------------------


def test_a_booking_is_confirmed_by_email_and_sms_once_even_if_the_task_runs_twice(
    desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    messages = {m.medium: m for m in Message.objects.filter(appointment=appointment)}
    assert set(messages) == {Medium.EMAIL, Medium.SMS}
    assert {m.status for m in messages.values()} == {DeliveryStatus.SENT}
    assert {m.attempts for m in messages.values()} == {1}
    for message in messages.values():
        assert tasks.send_message.delay(message.pk).get() == DeliveryStatus.SENT
        tasks.send_message.apply(args=[message.pk])
    assert len(mail.outbox) == 1
    (sms,) = sms_files(desk["sms_dir"])
    content = sms.read_text(encoding="utf-8")
    assert content.startswith(f"To: {PHONE}\n") and "020202" in content
    sent = Message.objects.get(pk=messages[Medium.SMS].pk)
    assert sent.attempts == 1 and sent.gateway_reference == sms.stem


class FlakyGateway:
    """Fails with the given errors, then takes the SMS."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.sent = []

    def send(self, to, text, reference):
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((to, text, reference))
        return f"gw-{len(self.sent)}"


@pytest.fixture
def gateway(monkeypatch):
    def install(*errors):
        flaky = FlakyGateway(*errors)
        monkeypatch.setattr(delivery.sms_settings, "gateway_from_settings", lambda: flaky)
        return flaky

    return install


@pytest.fixture
def retries_run_at_once():
    """Eager tasks run a retry at once, unless the Retry propagates out of the first call."""
    conf = celery_app.conf
    propagates = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = propagates


@pytest.fixture
def countdowns(monkeypatch, retries_run_at_once):
    seen = []
    original = tasks.backoff_seconds

    def recording(attempts):
        seen.append(original(attempts))
        return seen[-1]

    monkeypatch.setattr(tasks, "backoff_seconds", recording)
    return seen


def test_a_transient_failure_is_retried_with_growing_back_off_then_sent(
    desk, gateway, countdowns, settings, django_capture_on_commit_callbacks
):
    settings.SPORTELLO_MESSAGE_RETRY_SECONDS = 30
    settings.SPORTELLO_MESSAGE_RETRY_MAX_SECONDS = 3600
    flaky = gateway(
        GatewayError("gateway: HTTP 503", transient=True),
        GatewayError("gateway: HTTP 503", transient=True),
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)
    assert sms.status == DeliveryStatus.SENT and sms.attempts == 3
    assert sms.gateway_reference == "gw-1" and sms.last_error == ""
    assert countdowns == [30, 60]
    assert len(flaky.sent) == 1 and flaky.sent[0][0] == PHONE


def test_after_the_last_attempt_the_message_is_failed(
    desk, gateway, settings, retries_run_at_once, django_capture_on_commit_callbacks
):
    settings.SPORTELLO_MESSAGE_MAX_ATTEMPTS = 3
    flaky = gateway(*[GatewayError("gateway: HTTP 503", transient=True)] * 5)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)
    assert sms.status == DeliveryStatus.FAILED and sms.attempts == 3
    assert sms.last_error == "gateway: HTTP 503"
    assert flaky.sent == [] and len(flaky.errors) == 2


def test_an_unexpected_error_is_counted_retried_and_finally_failed(
    desk, monkeypatch, settings, retries_run_at_once, django_capture_on_commit_callbacks
):
    """A misconfigured gateway or a bug does not leave the message pending for ever."""
    settings.SPORTELLO_MESSAGE_MAX_ATTEMPTS = 2

    def broken():
        raise RuntimeError("SPORTELLO_TWILIO_FROM is missing")

    monkeypatch.setattr(delivery.sms_settings, "gateway_from_settings", broken)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, 2)
    assert sms.last_error == "error: RuntimeError"
    assert Message.objects.get(appointment=appointment, medium=Medium.EMAIL).status == "sent"


def test_a_permanent_failure_is_not_retried(desk, gateway, django_capture_on_commit_callbacks):
    gateway(GatewayError("gateway: HTTP 400, error 21211", transient=False))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, 1)
    assert sms.last_error == "gateway: HTTP 400, error 21211"


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.SPORTELLO_MESSAGE_RETRY_SECONDS = 60
    settings.SPORTELLO_MESSAGE_RETRY_MAX_SECONDS = 600
    assert [tasks.backoff_seconds(n) for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


@pytest.mark.parametrize(
    "change",
    [
        {"no_messages": True},
        {"safe_to_message": False},
        {"phone": "+393339999999", "email": "nuova@example.org"},
    ],
    ids=["opted-out", "no-longer-safe", "address-changed"],
)
def test_a_person_who_may_no_longer_be_written_to_gets_nothing(desk, change):
    appointment = book(desk)  # the messages are written; their tasks run at commit
    person = desk["case"].person
    for field, value in change.items():
        setattr(person, field, value)
    person.save()
    for message in Message.objects.filter(appointment=appointment):
        assert tasks.send_message.delay(message.pk).get() == DeliveryStatus.WITHHELD
    assert mail.outbox == [] and sms_files(desk["sms_dir"]) == []
    assert set(
        Message.objects.filter(appointment=appointment).values_list("status", "attempts")
    ) == {(DeliveryStatus.WITHHELD, 0)}


def test_a_confirmation_of_an_appointment_cancelled_before_it_left_is_withheld(desk):
    appointment = book(desk)
    operations.cancel(desk["paola"], appointment, reason="Non serve più")
    for message in Message.objects.filter(appointment=appointment):
        tasks.send_message.delay(message.pk)
    statuses = dict(
        Message.objects.filter(appointment=appointment).values_list("dedup_key", "status")
    )
    assert {k: v for k, v in statuses.items() if ":confirmation:" in k} == {
        f"a{appointment.pk}:confirmation:0:email": DeliveryStatus.WITHHELD,
        f"a{appointment.pk}:confirmation:0:sms": DeliveryStatus.WITHHELD,
    }
    # The cancellation itself does go out.
    assert {v for k, v in statuses.items() if ":cancelled:" in k} == {DeliveryStatus.SENT}
    assert [m.subject for m in mail.outbox] == ["Sportello: appuntamento annullato"]


# The reminder sweep ---------------------------------------------------------------------------


def reminders(appointment):
    return sorted(
        Message.objects.filter(appointment=appointment, kind=MessageKind.REMINDER).values_list(
            "lead_minutes", "medium"
        )
    )


def reminder_subjects():
    # The sweep also sends the confirmations whose task this test never ran.
    return [m.subject for m in mail.outbox if "promemoria" in m.subject]


def test_each_reminder_is_written_once_however_often_the_sweep_runs(
    desk, settings, frozen_now, django_capture_on_commit_callbacks
):
    settings.SPORTELLO_REMINDER_LEADS_MINUTES = [120, 60]
    appointment = book(desk)  # at 8:00 for 10:30
    cancelled = book(desk, TUESDAY_1130)
    operations.cancel(desk["paola"], cancelled, reason="Non serve più")

    frozen_now(rome(2026, 12, 1, 8, 10))
    tasks.send_reminders()
    assert reminders(appointment) == []

    frozen_now(rome(2026, 12, 1, 8, 31))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminders() == 2
        assert tasks.send_reminders() == 0
    assert reminders(appointment) == [(120, "email"), (120, "sms")]
    assert reminder_subjects() == ["Sportello: promemoria del tuo appuntamento"]

    frozen_now(rome(2026, 12, 1, 9, 30))
    for _ in range(3):
        tasks.send_reminders()
    assert reminders(appointment) == [(60, "email"), (60, "sms"), (120, "email"), (120, "sms")]

    frozen_now(rome(2026, 12, 1, 10, 31))  # started: nothing more
    tasks.send_reminders()
    assert len(reminders(appointment)) == 4
    assert reminders(cancelled) == []


def test_a_longer_lead_overtaken_by_a_shorter_one_is_skipped(desk, settings, frozen_now):
    settings.SPORTELLO_REMINDER_LEADS_MINUTES = [120, 60]
    appointment = book(desk)
    frozen_now(rome(2026, 12, 1, 9, 40))  # the sweep was down at 8:30: only the 1-hour one
    tasks.send_reminders()
    tasks.send_reminders()
    assert reminders(appointment) == [(60, "email"), (60, "sms")]


def test_no_reminder_for_a_moment_before_the_booking_or_a_past_start(desk, settings, frozen_now):
    settings.SPORTELLO_REMINDER_LEADS_MINUTES = [1440]
    appointment = book(desk)  # booked 2½ hours ahead: the confirmation says it all
    tasks.send_reminders()
    assert reminders(appointment) == []
    frozen_now(rome(2026, 12, 1, 10, 45))
    Appointment.objects.filter(pk=appointment.pk).update(booked_at=rome(2026, 11, 20, 9, 0))
    tasks.send_reminders()  # started a quarter of an hour ago
    assert reminders(appointment) == []


def test_a_reminder_that_waited_past_the_start_is_withheld(desk, settings, frozen_now):
    settings.SPORTELLO_REMINDER_LEADS_MINUTES = [60]
    book(desk)
    frozen_now(rome(2026, 12, 1, 9, 35))
    tasks.send_reminders()  # written; its task is lost until after the start
    frozen_now(rome(2026, 12, 1, 10, 40))
    for message in Message.objects.filter(kind=MessageKind.REMINDER):
        tasks.send_message.delay(message.pk)
    assert set(
        Message.objects.filter(kind=MessageKind.REMINDER).values_list("status", flat=True)
    ) == {DeliveryStatus.WITHHELD}
    assert reminder_subjects() == []
    assert not [p for p in sms_files(desk["sms_dir"]) if "promemoria" in p.read_text()]


def test_the_sweep_enqueues_again_the_messages_a_lost_task_left_pending(
    desk, frozen_now, monkeypatch
):
    appointment = book(desk)  # at 8:00: two confirmations, their tasks never run
    email_message, sms_message = Message.objects.filter(appointment=appointment).order_by("medium")
    Message.objects.filter(pk=sms_message.pk).update(
        attempts=1, last_attempt_at=rome(2026, 12, 1, 8, 2)
    )
    enqueued = []
    monkeypatch.setattr(tasks.send_message, "delay", enqueued.append)
    frozen_now(rome(2026, 12, 1, 8, 3))
    assert tasks.send_reminders() == 0  # too recent to be lost
    frozen_now(rome(2026, 12, 1, 8, 6))
    assert tasks.send_reminders() == 1 and enqueued == [email_message.pk]
    # The SMS was tried at 8:02: its retry may still be waiting for the back-off.
    frozen_now(rome(2026, 12, 1, 8, 2) + tasks.LOST_AFTER + datetime.timedelta(seconds=5))
    enqueued.clear()
    tasks.send_reminders()
    assert enqueued == [email_message.pk, sms_message.pk]
