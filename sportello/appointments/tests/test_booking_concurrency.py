"""Invariant 2 on PostgreSQL with real parallel connections: no slot is booked twice."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sportello.appointments import operations
from sportello.appointments.models import Appointment
from sportello.rota.tests.conftest import publish
from sportello.testing import rome

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="no double booking is proven on PostgreSQL; run `make test-postgres`",
    ),
]


def test_eight_people_booking_the_same_slot_at_once_exactly_one_wins(
    milan, make_professional, make_coordinator, make_case, frozen_now
):
    frozen_now(rome(2026, 12, 1, 10, 0))
    paola = make_professional("paola")
    coordinator = make_coordinator("carla")
    publish(coordinator, datetime.date(2026, 11, 30), [(paola, 1, "morning")])
    cases = [make_case(paola) for _ in range(8)]
    frozen_now(rome(2026, 12, 1, 8, 0))
    barrier = threading.Barrier(8)
    outcomes: list[object] = [None] * 8

    def book(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = operations.book(
                coordinator, case=cases[index], professional=paola,
                starts_at=rome(2026, 12, 1, 10, 30), channel="video",
            )  # fmt: skip
        except ValidationError as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [o for o in outcomes if isinstance(o, Appointment)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == 1 and len(lost) == 7, outcomes
    assert Appointment.objects.count() == 1 and Appointment.objects.get().pk == won[0].pk
    # Each loser was told why, in words: either the race or the slot already seen as taken.
    for error in lost:
        text = " ".join(error.messages)
        assert "da qualcun altro" in text or "non è libero" in text


def test_citizens_choosing_and_staff_booking_the_same_slot_at_once_exactly_one_wins(
    milan, make_professional, make_coordinator, make_case, frozen_now
):
    """Four people pick the same proposed slot through their links while four colleagues book
    it from the case pages: the slot goes to exactly one."""
    frozen_now(rome(2026, 12, 1, 10, 0))
    paola = make_professional("paola")
    coordinator = make_coordinator("carla")
    publish(coordinator, datetime.date(2026, 11, 30), [(paola, 1, "morning")])
    cases = [make_case(paola) for _ in range(8)]
    frozen_now(rome(2026, 12, 1, 8, 0))
    slot_at = rome(2026, 12, 1, 10, 30)
    offers = []
    for case in cases[:4]:
        case.person.email = "persona@example.org"
        case.person.safe_to_message = True
        case.person.save()
        offers.append(
            operations.offer_slots(paola, case=case, channel="video", choices=[(paola, slot_at)])
        )
    barrier = threading.Barrier(8)
    outcomes: list[object] = [None] * 8

    def act(index: int) -> None:
        try:
            barrier.wait()
            if index < 4:
                offer = offers[index]
                outcomes[index] = operations.choose_offered_slot(offer, offer.slots.get().pk)
            else:
                outcomes[index] = operations.book(
                    coordinator, case=cases[index], professional=paola, starts_at=slot_at,
                    channel="phone",
                )  # fmt: skip
        except ValidationError as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [o for o in outcomes if isinstance(o, Appointment)]
    assert len(won) == 1, outcomes
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 7
    assert Appointment.objects.count() == 1
