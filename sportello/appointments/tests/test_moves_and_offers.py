"""Moving, cancelling and closing appointments, and slots proposed to the person who picks one
through a signed link: the operations, their refusals (nothing written) and their messages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sportello.alerts.models import Alert
from sportello.appointments import links, operations
from sportello.appointments.models import (
    Appointment,
    AppointmentStatus,
    Message,
    MessageKind,
    SlotOffer,
)
from sportello.appointments.tests.test_booking import TUESDAY_1030
from sportello.privacy.models import AuditEvent
from sportello.testing import rome

pytestmark = pytest.mark.django_db
TUESDAY_0930 = rome(2026, 12, 1, 9, 30)
TUESDAY_1130 = rome(2026, 12, 1, 11, 30)


def written():
    return (
        Appointment.objects.count(),
        SlotOffer.objects.count(),
        Message.objects.count(),
        AuditEvent.objects.count(),
        Alert.objects.count(),
    )


def refused(call, message, error=ValidationError):
    before = written()
    with pytest.raises(error) as raised:
        call()
    if error is ValidationError:
        assert message in " ".join(raised.value.messages)
    assert written() == before


def reachable(case, **flags):
    person = case.person
    person.email = "anna@example.org"
    person.phone = "+393331234567"
    person.safe_to_message = True
    for name, value in flags.items():
        setattr(person, name, value)
    person.save()


def book(desk, at=TUESDAY_1030, channel="phone"):
    return operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=at,
        channel=channel,
    )  # fmt: skip


# --- Messages the operations give rise to ----------------------------------------------------


def test_a_booking_confirms_by_email_and_sms_when_it_is_safe(
    desk, django_capture_on_commit_callbacks
):
    reachable(desk["case"])
    with django_capture_on_commit_callbacks() as callbacks:
        appointment = book(desk)
    assert appointment.messages_allowed
    messages = Message.objects.filter(appointment=appointment)
    assert sorted(messages.values_list("kind", "medium")) == [
        ("confirmation", "email"), ("confirmation", "sms")
    ]  # fmt: skip
    assert messages.get(medium="sms").recipient == "+393331234567"
    assert len(callbacks) == 2  # one task per message, enqueued after commit


@pytest.mark.parametrize(
    "flags", [{"safe_to_message": False}, {"no_messages": True}, {"email": "", "phone": ""}]
)
def test_nobody_is_messaged_unless_safe_reachable_and_willing(desk, flags):
    reachable(desk["case"], **flags)
    appointment = book(desk)
    assert not appointment.messages_allowed
    assert not Message.objects.exists()


def test_messages_are_in_the_persons_language(desk):
    from sportello.accounts.models import Language

    reachable(desk["case"], preferred_language=Language.objects.get(code="en"))
    book(desk)
    assert set(Message.objects.values_list("language", flat=True)) == {"en"}


def test_a_message_exists_once_however_often_it_is_announced(desk):
    from sportello.appointments import messaging

    reachable(desk["case"])
    appointment = book(desk)
    assert messaging.announce(appointment, MessageKind.CONFIRMATION) == []
    first = messaging.announce(appointment, MessageKind.REMINDER, lead_minutes=60)
    assert len(first) == 2
    assert messaging.announce(appointment, MessageKind.REMINDER, lead_minutes=60) == []
    assert Message.objects.filter(kind="reminder").count() == 2


# --- Staff move, cancel, close ---------------------------------------------------------------


def test_rescheduling_cancels_the_old_books_the_new_and_kills_the_old_link(desk):
    reachable(desk["case"])
    old = book(desk)
    old_token = links.appointment_token(old)
    moved = operations.reschedule(
        desk["paola"], old, professional=desk["paola"], starts_at=TUESDAY_1130,
        channel="video", reason="La persona lavora fino alle 11",
    )  # fmt: skip
    old.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED and old.cancelled_by == desk["paola"]
    assert moved.rescheduled_from == old and moved.channel == "video" and moved.room
    assert moved.starts_at == TUESDAY_1130
    assert Message.objects.filter(appointment=moved, kind="rescheduled").count() == 2
    assert links.appointment_from_token(links.appointment_token(moved), now=TUESDAY_0930) == moved
    old.key = "changed-by-test"  # the old row keeps its key: the new row is what a link finds
    assert old_token != links.appointment_token(moved)


def test_moving_onto_an_overlap_of_itself_is_allowed(desk):
    old = book(desk)
    moved = operations.reschedule(
        desk["paola"], old, professional=desk["paola"], starts_at=rome(2026, 12, 1, 10, 45),
        channel="phone", reason="Un quarto d'ora dopo",
    )  # fmt: skip
    assert moved.starts_at == rome(2026, 12, 1, 10, 45)


def test_a_refused_move_leaves_the_old_appointment_booked(desk):
    old = book(desk)
    move = lambda at, reason="Spostato": operations.reschedule(  # noqa: E731
        desk["paola"], old, professional=desk["paola"], starts_at=at, channel="phone",
        reason=reason,
    )  # fmt: skip
    refused(lambda: move(rome(2026, 12, 1, 15, 0)), "non è libero a quell'ora")
    refused(lambda: move(TUESDAY_1130, reason=" "), "Scrivi il motivo")
    refused(lambda: move(TUESDAY_1130, reason="x" * 1001), "troppo lungo")
    old.refresh_from_db()
    assert old.status == AppointmentStatus.BOOKED


def test_a_professional_outside_the_cases_service_is_refused(desk, make_professional):
    vera = make_professional("vera", ("victims",))  # the service is checked before her shifts
    refused(
        lambda: operations.book(
            desk["paola"],
            case=desk["case"],
            professional=vera,
            starts_at=TUESDAY_1030,
            channel="phone",
        ),
        "non lavora per il servizio",
    )


def test_an_outcome_is_recorded_from_the_start_and_only_once(desk, frozen_now, make_professional):
    appointment = book(desk)
    refused(
        lambda: operations.record_outcome(desk["paola"], appointment, held=True), "non è ancora"
    )
    frozen_now(rome(2026, 12, 1, 10, 40))
    refused(
        lambda: operations.record_outcome(make_professional("mario"), appointment, held=True),
        "",
        PermissionDenied,
    )
    refused(lambda: operations.cancel(desk["paola"], appointment, reason="Tardi"), "cominciato")
    noshow = operations.record_outcome(desk["paola"], appointment, held=False)
    assert (
        noshow.status == AppointmentStatus.NO_SHOW and noshow.outcome_recorded_by == desk["paola"]
    )
    refused(lambda: operations.record_outcome(desk["paola"], appointment, held=True), "già stato")


def test_a_no_show_is_made_up_for_once(desk, frozen_now):
    appointment = book(desk, at=TUESDAY_0930)
    frozen_now(rome(2026, 12, 1, 9, 50))
    operations.record_outcome(desk["paola"], appointment, held=False)
    replacement = operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1130,
        channel="phone", rescheduled_from=appointment,
    )  # fmt: skip
    assert replacement.rescheduled_from == appointment
    refused(
        lambda: operations.book(
            desk["paola"],
            case=desk["case"],
            professional=desk["paola"],
            starts_at=rome(2026, 12, 1, 12, 30),
            channel="phone",
            rescheduled_from=appointment,
        ),
        "già stato fissato un nuovo orario",
    )


# --- Slots proposed to the person ------------------------------------------------------------


def offer(desk, times=(TUESDAY_1030, TUESDAY_1130), **kwargs):
    return operations.offer_slots(
        desk["paola"], case=desk["case"], channel="video",
        choices=[(desk["paola"], at) for at in times], **kwargs,
    )  # fmt: skip


def test_slots_are_offered_only_to_a_person_who_gets_messages(desk):
    refused(lambda: offer(desk), "concorda l'orario al telefono")
    reachable(desk["case"])
    refused(lambda: offer(desk, times=()), "almeno un orario")
    refused(lambda: offer(desk, times=(TUESDAY_1030,) * 2), "due volte")
    refused(lambda: offer(desk, times=(rome(2026, 12, 1, 16, 0),)), "non è libero")
    refused(
        lambda: offer(desk, times=[TUESDAY_0930 + datetime.timedelta(hours=h) for h in range(7)]),
        "al massimo 6",
    )
    made = offer(desk)
    # It lasts while the latest slot can be booked: up to the notice before it.
    assert made.slots.count() == 2 and made.expires_at == rome(2026, 12, 1, 10, 30)
    assert Message.objects.filter(offer=made, kind="offer").count() == 2


def test_the_citizen_chooses_an_offered_slot_once(desk):
    reachable(desk["case"])
    made = offer(desk)
    token = links.offer_token(made)
    slot = made.slots.get(starts_at=TUESDAY_1130)
    appointment = operations.choose_offered_slot(made, slot.pk)
    assert appointment.booked_by is None and appointment.starts_at == TUESDAY_1130
    assert appointment.channel == "video" and appointment.room
    assert Alert.objects.filter(recipient=desk["paola"], kind="appointment").exists()
    with pytest.raises(links.LinkError):  # the link dies once the offer is answered
        links.offer_from_token(token, now=TUESDAY_0930)
    refused(lambda: operations.choose_offered_slot(made, slot.pk), "già scelto")


def test_a_slot_taken_meanwhile_leaves_the_offer_open(desk):
    reachable(desk["case"])
    made = offer(desk)
    book(desk, at=TUESDAY_1030)
    taken = made.slots.get(starts_at=TUESDAY_1030)
    refused(lambda: operations.choose_offered_slot(made, taken.pk), "non è libero")
    refused(lambda: operations.choose_offered_slot(made, 999999), "uno degli orari proposti")
    assert operations.offer_state(SlotOffer.objects.get(), TUESDAY_0930) == "open"


def test_withdrawn_and_expired_offers_are_refused(desk, frozen_now):
    reachable(desk["case"])
    made = offer(desk)
    slot = made.slots.first()
    operations.withdraw_offer(desk["paola"], made)
    refused(lambda: operations.choose_offered_slot(made, slot.pk), "ritirata")
    second = offer(desk)
    frozen_now(TUESDAY_1130)
    refused(lambda: operations.choose_offered_slot(second, second.slots.first().pk), "scaduta")


def test_the_citizen_cancels_with_a_reason_and_the_professional_is_told(desk):
    reachable(desk["case"])
    appointment = book(desk)
    refused(lambda: operations.citizen_cancel(appointment, reason=""), "Scrivi il motivo")
    operations.citizen_cancel(appointment, reason="Ho trovato lavoro")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancelled_by_citizen
    # The link stays, to show the cancellation; nothing can be changed through it any more.
    assert links.appointment_from_token(links.appointment_token(appointment), now=TUESDAY_0930)
    assert Alert.objects.filter(recipient=desk["paola"]).count() == 1
    assert Message.objects.filter(kind="cancelled").count() == 2
    event = AuditEvent.objects.filter(action="cancel").get()
    assert event.actor is None and "cittadino" in event.actor_label


def test_the_citizen_moves_only_to_a_free_slot_of_the_same_professional(desk):
    appointment = book(desk)
    choices = [slot.start for slot in operations.citizen_reschedule_slots(appointment)]
    assert TUESDAY_1030 in choices  # its own slot is free to move within
    refused(
        lambda: operations.citizen_reschedule(appointment, starts_at=rome(2026, 12, 1, 15, 0)),
        "non è più libero",
    )
    moved = operations.citizen_reschedule(appointment, starts_at=TUESDAY_1130)
    assert moved.professional == desk["paola"] and moved.booked_by is None
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.key == ""
    with pytest.raises(links.LinkError):
        links.appointment_from_token(links.appointment_token(appointment), now=TUESDAY_0930)


def test_a_no_show_gets_one_make_up_whether_booked_or_chosen(desk, frozen_now):
    reachable(desk["case"])
    missed = book(desk, at=TUESDAY_0930)
    frozen_now(rome(2026, 12, 1, 9, 50))
    operations.record_outcome(desk["paola"], missed, held=False)
    proposal = offer(
        desk, times=(rome(2026, 12, 1, 11, 30), rome(2026, 12, 1, 12, 30)), replaces=missed
    )
    refused(lambda: offer(desk, replaces=missed), "c'è già una proposta aperta")
    # A colleague books the make-up on the phone meanwhile: the proposal is withdrawn.
    operations.book(
        desk["paola"],
        case=desk["case"],
        professional=desk["paola"],
        starts_at=rome(2026, 12, 1, 11, 30),
        channel="phone",
        rescheduled_from=missed,
    )
    proposal.refresh_from_db()
    assert operations.offer_state(proposal, rome(2026, 12, 1, 9, 50)) == "withdrawn"
    refused(lambda: operations.choose_offered_slot(proposal, proposal.slots.last().pk), "ritirata")
    assert Appointment.objects.filter(rescheduled_from=missed).count() == 1


def test_the_citizen_cannot_choose_a_professional_no_longer_active(desk):
    reachable(desk["case"])
    made = offer(desk)
    desk["paola"].is_active = False
    desk["paola"].save()
    refused(
        lambda: operations.choose_offered_slot(made, made.slots.first().pk), "non tiene colloqui"
    )


def test_a_forged_token_is_refused():
    with pytest.raises(links.LinkError):
        links.appointment_from_token("not-a-token", now=TUESDAY_0930)
    with pytest.raises(links.LinkError):
        links.offer_from_token("x:y:z", now=TUESDAY_0930)
