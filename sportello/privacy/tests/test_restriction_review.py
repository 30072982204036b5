"""A restriction of processing (Art. 18) stops every change to the person's appointments and to
the risk records of the contacts their cases came from, not only new bookings."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sportello.appointments import operations as appointments
from sportello.appointments.models import Appointment, AppointmentStatus, SlotOffer
from sportello.appointments.tests.conftest import desk  # noqa: F401 (fixture)
from sportello.appointments.tests.test_moves_and_offers import reachable
from sportello.cases.models import Case, Person, new_pseudonym
from sportello.cases.tests.conftest import (  # noqa: F401 (fixtures)
    held_contact,
    make_case,
    make_coordinator,
    make_professional,
)
from sportello.privacy.models import AuditEvent, ProcessingRestriction
from sportello.services.models import Service
from sportello.testing import rome
from sportello.triage import operations as triage
from sportello.triage.models import FollowUp, ProtocolAction, Screening
from sportello.triage.tests.conftest import screening_input

TUESDAY_1030 = rome(2026, 12, 1, 10, 30)
TUESDAY_1130 = rome(2026, 12, 1, 11, 30)


def _restrict(person: Person) -> ProcessingRestriction:
    return ProcessingRestriction.objects.create(person=person, since=rome(2026, 12, 1, 7, 0))


def refused_as_restricted(call) -> None:
    before = (
        Appointment.objects.count(),
        SlotOffer.objects.count(),
        AuditEvent.objects.count(),
        Screening.objects.count(),
        FollowUp.objects.count(),
        ProtocolAction.objects.count(),
    )
    with pytest.raises(ValidationError) as error:
        call()
    assert error.value.code == "restricted"
    assert "è limitato su sua richiesta" in " ".join(error.value.messages)
    assert (
        Appointment.objects.count(),
        SlotOffer.objects.count(),
        AuditEvent.objects.count(),
        Screening.objects.count(),
        FollowUp.objects.count(),
        ProtocolAction.objects.count(),
    ) == before


def test_a_restriction_stops_offers_moves_cancellations_and_outcomes(desk, frozen_now):  # noqa: F811
    paola, case = desk["paola"], desk["case"]
    reachable(case)
    booked = appointments.book(
        paola, case=case, professional=paola, starts_at=TUESDAY_1030, channel="phone"
    )
    _restrict(case.person)
    refused_as_restricted(
        lambda: appointments.offer_slots(
            paola, case=case, channel="video", choices=[(paola, TUESDAY_1130)]
        )
    )
    refused_as_restricted(
        lambda: appointments.reschedule(
            paola,
            booked,
            professional=paola,
            starts_at=TUESDAY_1130,
            channel="phone",
            reason="La persona ha chiesto",
        )
    )
    refused_as_restricted(lambda: appointments.cancel(paola, booked, reason="Non serve più"))
    frozen_now(TUESDAY_1030 + datetime.timedelta(minutes=50))
    refused_as_restricted(lambda: appointments.record_outcome(paola, booked, held=True))
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    # Lifted, the same steps work again.
    ProcessingRestriction.objects.update(lifted_at=TUESDAY_1030)
    assert appointments.record_outcome(paola, booked, held=True).status == AppointmentStatus.HELD


@pytest.fixture
def contact_of_a_case(milan, make_staff, make_contact, frozen_now):
    """A contact in conversation with a screening, from which another case of the same person
    was opened (a person who calls again)."""
    from sportello.intake import operations as intake

    frozen_now(rome(2026, 12, 1, 10, 0))
    professional = make_staff("professional", "paola")
    coordinator = make_staff("coordinator", "carla")
    contact = make_contact(rome(2026, 12, 1, 10, 0), caller_number="+393331234567")
    intake.take_contact(professional, contact.pk)
    intake.start_conversation(professional, contact.pk)
    triage.record_screening(professional, contact.pk, screening_input("moderate"))
    follow_up = triage.schedule_follow_up(
        professional, contact.pk, due_at=rome(2026, 12, 2, 10, 0), note="Richiamare"
    )
    person = Person.objects.create(pseudonym=new_pseudonym(), created_at=rome(2026, 12, 1, 10, 0))
    case = Case.objects.create(
        reference="PC-R-1",
        person=person,
        service=Service.objects.get(code="emergency"),
        opened_from=contact,
        opened_at=rome(2026, 12, 1, 10, 0),
        opened_by=professional,
    )
    case.contacts.add(contact)
    return {
        "professional": professional,
        "coordinator": coordinator,
        "contact": contact,
        "person": person,
        "follow_up": follow_up,
    }


def test_a_restriction_stops_screenings_follow_ups_and_plans_on_the_cases_contacts(
    contact_of_a_case,
):
    professional, contact = contact_of_a_case["professional"], contact_of_a_case["contact"]
    _restrict(contact_of_a_case["person"])
    refused_as_restricted(
        lambda: triage.record_screening(professional, contact.pk, screening_input("moderate"))
    )
    refused_as_restricted(
        lambda: triage.schedule_follow_up(
            professional, contact.pk, due_at=rome(2026, 12, 3, 10, 0), note="Di nuovo"
        )
    )
    refused_as_restricted(
        lambda: triage.record_safety_plan(
            professional, contact.pk, note="Piano di sicurezza concordato con la persona"
        )
    )
    follow_up = contact_of_a_case["follow_up"]
    refused_as_restricted(
        lambda: triage.complete_follow_up(professional, follow_up.pk, note="Fatto")
    )
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None
    # Lifted, the same steps work again.
    ProcessingRestriction.objects.update(lifted_at=rome(2026, 12, 1, 10, 0))
    triage.complete_follow_up(professional, follow_up.pk, note="Fatto")
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is not None
