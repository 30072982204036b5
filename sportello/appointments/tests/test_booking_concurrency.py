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
