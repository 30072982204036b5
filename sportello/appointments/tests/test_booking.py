"""Booking a follow-up: only in a free slot of the professional's shift, and never twice."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sportello.appointments import operations, queries
from sportello.appointments.models import Appointment, AppointmentStatus
from sportello.privacy.models import AuditEvent
from sportello.testing import rome

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 11, 30)
TUESDAY_1030 = rome(2026, 12, 1, 10, 30)


def refused(call, message):
    before = (Appointment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as error:
        call()
    assert message in " ".join(error.value.messages)
    assert (Appointment.objects.count(), AuditEvent.objects.count()) == before


def test_free_slots_follow_the_shift_with_sessions_and_gaps(desk):
    starts = [
        slot.start
        for slot in queries.free_slots(desk["paola"], MONDAY, MONDAY + datetime.timedelta(days=6))
    ]
    assert starts == [rome(2026, 12, 1, h, m) for h, m in ((9, 30), (10, 30), (11, 30), (12, 30))]


def test_a_professional_books_a_video_follow_up_in_a_free_slot(desk):
    appointment = operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1030,
        channel="video",
    )  # fmt: skip
    assert appointment.ends_at == rome(2026, 12, 1, 11, 15)
    assert len(appointment.room) >= 16
    assert (
        AuditEvent.objects.filter(object_type="appointments.appointment", action="book").count()
        == 1
    )
    week = queries.free_slots(desk["paola"], MONDAY, MONDAY + datetime.timedelta(days=6))
    # 10:30 is taken; 9:30 ends at 10:15, just clear, and 11:30 starts after the 15-minute gap.
    assert [slot.start for slot in week] == [
        rome(2026, 12, 1, 9, 30), rome(2026, 12, 1, 11, 30), rome(2026, 12, 1, 12, 30)
    ]  # fmt: skip


def test_outside_the_shift_or_taken_slots_are_refused_and_nothing_written(desk):
    book = lambda at: operations.book(  # noqa: E731
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=at, channel="phone"
    )
    refused(lambda: book(rome(2026, 12, 1, 14, 0)), "non è libero a quell'ora")  # afternoon
    refused(lambda: book(rome(2026, 12, 8, 10, 30)), "non è libero a quell'ora")  # a holiday
    book(TUESDAY_1030)
    refused(lambda: book(rome(2026, 12, 1, 10, 45)), "non è libero a quell'ora")  # overlaps
    refused(lambda: book(rome(2026, 12, 1, 11, 15)), "non è libero a quell'ora")  # no gap


def test_someone_not_following_the_case_cannot_book(desk, make_professional):
    stranger = make_professional("mario")
    with pytest.raises(PermissionDenied):
        operations.book(
            stranger, case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1030,
            channel="phone",
        )  # fmt: skip
    assert not Appointment.objects.exists()


def test_the_database_itself_refuses_an_overlap(desk):
    operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1030,
        channel="phone",
    )  # fmt: skip
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        Appointment.objects.create(
            case=desk["case"], professional=desk["paola"], starts_at=rome(2026, 12, 1, 11, 0),
            ends_at=rome(2026, 12, 1, 11, 45), channel="phone", booked_at=TUESDAY_1030,
        )  # fmt: skip
    assert Appointment.objects.count() == 1


def test_a_cancelled_appointment_frees_its_slot(desk):
    appointment = operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1030,
        channel="phone",
    )  # fmt: skip
    refused(lambda: operations.cancel(desk["paola"], appointment, reason="  "), "motivo")
    operations.cancel(desk["paola"], appointment, reason="La persona ha chiesto di spostarlo")
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    again = operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1030,
        channel="phone",
    )  # fmt: skip
    assert again.pk != appointment.pk


def book_for(desk, **changes):
    request = {
        "case": desk["case"],
        "professional": desk["paola"],
        "starts_at": TUESDAY_1030,
        "channel": "phone",
        **changes,
    }
    return lambda: operations.book(desk["paola"], **request)


def test_a_channel_that_is_neither_phone_nor_video_is_refused(desk):
    refused(book_for(desk, channel="in_person"), "al telefono o in videochiamata")
    refused(book_for(desk, channel=""), "al telefono o in videochiamata")


def test_a_time_without_its_zone_is_refused(desk):
    naive = datetime.datetime(2026, 12, 1, 10, 30)
    refused(book_for(desk, starts_at=naive), "deve indicare il fuso orario")


def test_only_an_open_case_gets_appointments(desk):
    from sportello.cases import operations as cases

    cases.suspend(desk["paola"], desk["case"].pk)
    desk["case"].refresh_from_db()
    refused(book_for(desk), "solo per una presa in carico aperta")


def test_a_colleague_who_holds_no_sessions_cannot_be_booked(desk):
    refused(
        book_for(desk, professional=desk["coordinator"]),
        f"{desk['coordinator'].get_full_name()} non tiene colloqui",
    )


def test_the_services_coordinator_books_for_the_professional_on_the_phone(desk):
    appointment = operations.book(
        desk["coordinator"], case=desk["case"], professional=desk["paola"],
        starts_at=TUESDAY_1030, channel="phone",
    )  # fmt: skip
    # A phone session needs no video room; the booking says who made it.
    assert appointment.room == "" and appointment.booked_by == desk["coordinator"]
    assert appointment.booked_at == rome(2026, 12, 1, 8, 0)


def test_cancelling_is_for_who_may_book_and_only_once(desk, make_professional):
    appointment = book_for(desk)()
    with pytest.raises(PermissionDenied):
        operations.cancel(make_professional("mario"), appointment, reason="Non so")
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    operations.cancel(desk["paola"], appointment, reason="La persona ha chiesto di spostarlo")
    refused(
        lambda: operations.cancel(desk["paola"], appointment, reason="Di nuovo"),
        "Questo appuntamento non è più prenotato",
    )
    cancelled = Appointment.objects.get()
    assert cancelled.cancel_reason == "La persona ha chiesto di spostarlo"
    assert cancelled.cancelled_by == desk["paola"]


def test_no_session_is_booked_for_a_person_whose_processing_is_restricted(desk):
    from sportello.privacy.models import ProcessingRestriction

    ProcessingRestriction.objects.create(person=desk["case"].person, since=TUESDAY_1030)
    refused(book_for(desk), "è limitato su sua richiesta")
