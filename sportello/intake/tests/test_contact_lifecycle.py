"""Contacts through their life: registration, taking, outcomes, and every refusal."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings

from sportello.intake import operations
from sportello.intake.models import (
    CallAttempt,
    CloseReason,
    Contact,
    ContactEvent,
    Status,
)
from sportello.services.models import Service
from sportello.testing import rome

TUESDAY_10 = rome(2026, 12, 1, 10, 0)
SUNDAY_10 = rome(2026, 11, 29, 10, 0)


@pytest.fixture
def professional(milan, make_staff):
    return make_staff("professional", "paola")


@pytest.fixture
def at_tuesday(frozen_now):
    frozen_now(TUESDAY_10)


def counts() -> tuple[int, int, int]:
    return Contact.objects.count(), ContactEvent.objects.count(), CallAttempt.objects.count()


def test_a_live_call_while_open_waits_in_the_queue_with_a_yearly_reference(
    milan, make_contact, at_tuesday
):
    first = make_contact(TUESDAY_10, caller_number="+393331234567", reason="ansia")
    second = make_contact(TUESDAY_10)
    assert (first.reference, second.reference) == ("SP-2026-000001", "SP-2026-000002")
    assert first.status == Status.WAITING and first.callback_due_at is None
    assert first.programme is not None and first.programme.code == "covid19"
    event = first.events.get()
    assert (event.action, event.from_status, event.to_status) == ("registered", "", "waiting")


def test_the_reference_counts_from_one_again_in_a_new_year(milan, make_contact, frozen_now):
    frozen_now(rome(2027, 1, 4, 10, 0))
    make_contact(rome(2026, 12, 31, 17, 0))
    assert make_contact(rome(2027, 1, 4, 10, 0)).reference == "SP-2027-000001"


def test_personal_data_is_encrypted_at_rest_and_matched_by_a_keyed_hash(
    milan, make_contact, at_tuesday
):
    contact = make_contact(TUESDAY_10, caller_number="+393331234567", reason="lutto recente")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT caller_number, reason, caller_number_lookup FROM intake_contact WHERE id = %s",
            [contact.pk],
        )
        number, reason, lookup = cursor.fetchone()
    assert "3331234567" not in number and "lutto" not in reason
    assert "3331234567" not in lookup and len(lookup) == 64
    assert Contact.objects.get(pk=contact.pk).caller_number == "+393331234567"


def test_out_of_hours_a_caller_with_a_number_is_called_back_at_the_next_opening(
    milan, make_contact, frozen_now
):
    frozen_now(SUNDAY_10)
    contact = make_contact(SUNDAY_10, channel="telephony", caller_number="+393331234567")
    assert contact.status == Status.CALLBACK_SCHEDULED
    assert contact.callback_due_at == rome(2026, 11, 30, 9, 30)


def test_an_anonymous_call_out_of_hours_is_recorded_closed(milan, make_contact, frozen_now):
    frozen_now(SUNDAY_10)
    contact = make_contact(SUNDAY_10, channel="telephony")
    assert contact.status == Status.CLOSED
    assert contact.close_reason == CloseReason.NO_CALLBACK_NUMBER


def test_a_web_callback_without_a_number_is_refused_and_nothing_is_written(milan, at_tuesday):
    before = counts()
    with pytest.raises(ValidationError, match="numero di telefono"):
        operations.register_contact(
            operations.ContactRequest(
                channel="web_callback",
                service=Service.objects.get(code="emergency"),
                received_at=TUESDAY_10,
            )
        )
    assert counts() == before


def test_take_next_follows_the_queue_order(milan, make_contact, professional, frozen_now):
    frozen_now(rome(2026, 12, 1, 11, 0))
    waiting_early = make_contact(rome(2026, 12, 1, 9, 40))
    waiting_late = make_contact(rome(2026, 12, 1, 10, 30))
    callback_due = make_contact(
        rome(2026, 11, 29, 10, 0), channel="telephony", caller_number="+393331234567"
    )
    make_contact(  # a callback due only tomorrow stays out of the queue
        rome(2026, 12, 1, 10, 0),
        channel="web_callback",
        caller_number="+393331234568",
        windows=((rome(2026, 12, 2, 9, 30), rome(2026, 12, 2, 13, 45)),),
    )
    danger = make_contact(rome(2026, 12, 1, 10, 50), danger_now=True)
    taken = [operations.take_next(professional) for _ in range(5)]
    assert [contact.pk if contact else None for contact in taken] == [
        danger.pk,
        callback_due.pk,
        waiting_early.pk,
        waiting_late.pk,
        None,
    ]
    assert all(c.status == Status.TAKEN and c.taken_by == professional for c in taken[:4])


def test_a_professional_takes_only_the_services_and_competences_they_have(
    milan, make_contact, make_staff, at_tuesday
):
    make_contact(TUESDAY_10, service="victims")
    psychologist = make_staff("professional", services=("emergency",))
    wrong_competence = make_staff(
        "professional", services=("victims",), competences=("clinical_psychology",)
    )
    trauma = make_staff("professional", services=("victims",), competences=("psychotraumatology",))
    assert operations.take_next(psychologist) is None
    assert operations.take_next(wrong_competence) is None
    assert operations.take_next(trauma) is not None


def test_taking_a_contact_already_taken_is_refused_clearly(
    milan, make_contact, make_staff, at_tuesday
):
    contact = make_contact(TUESDAY_10)
    first, second = make_staff("professional"), make_staff("professional")
    operations.take_contact(first, contact.pk)
    events = ContactEvent.objects.count()
    with pytest.raises(ValidationError, match=r"non è più in coda \(ora è: preso in carico\)"):
        operations.take_contact(second, contact.pk)
    contact.refresh_from_db()
    assert contact.taken_by == first and ContactEvent.objects.count() == events


def test_taking_a_contact_of_another_service_is_refused(
    milan, make_contact, professional, at_tuesday
):
    contact = make_contact(TUESDAY_10, service="criminology")
    with pytest.raises(ValidationError, match="non è tra i tuoi"):
        operations.take_contact(professional, contact.pk)
    assert Contact.objects.get(pk=contact.pk).status == Status.WAITING


def test_only_queue_workers_take_contacts(milan, make_contact, make_staff, at_tuesday):
    contact = make_contact(TUESDAY_10)
    with pytest.raises(PermissionDenied):
        operations.take_contact(make_staff("switchboard"), contact.pk)
    with pytest.raises(PermissionDenied):
        operations.take_next(make_staff("dpo"))


def test_conversation_outcome_and_audit_trail(milan, make_contact, professional, at_tuesday):
    contact = make_contact(TUESDAY_10, caller_number="+393331234567")
    operations.take_contact(professional, contact.pk)
    operations.start_conversation(professional, contact.pk)
    closed = operations.record_outcome(professional, contact.pk, "reached", note="ok")
    assert closed.status == Status.CLOSED and closed.close_reason == CloseReason.COMPLETED
    trail = list(contact.events.values_list("action", "from_status", "to_status", "actor"))
    assert trail == [
        ("registered", "", "waiting", None),
        ("taken", "waiting", "taken", professional.pk),
        ("conversation_started", "taken", "in_conversation", professional.pk),
        ("outcome_recorded", "in_conversation", "closed", professional.pk),
    ]
    assert closed.attempts.get().note == "ok"


def test_illegal_transitions_are_refused_with_the_current_status(
    milan, make_contact, professional, at_tuesday
):
    contact = make_contact(TUESDAY_10)
    with pytest.raises(PermissionDenied):
        operations.record_outcome(professional, contact.pk, "reached")
    operations.take_contact(professional, contact.pk)
    operations.start_conversation(professional, contact.pk)
    with pytest.raises(ValidationError, match="ora è in conversazione"):
        operations.start_conversation(professional, contact.pk)


def test_someone_else_cannot_act_on_a_held_contact(milan, make_contact, make_staff, at_tuesday):
    contact = make_contact(TUESDAY_10)
    holder, other = make_staff("professional"), make_staff("professional")
    operations.take_contact(holder, contact.pk)
    with pytest.raises(PermissionDenied, match="in carico a un altro collega"):
        operations.record_outcome(other, contact.pk, "reached")
    with pytest.raises(PermissionDenied):
        operations.release_contact(other, contact.pk)
    coordinator = make_staff("coordinator")
    assert operations.release_contact(coordinator, contact.pk).status == Status.WAITING


@override_settings(SPORTELLO_MAX_CALLBACK_ATTEMPTS=3, SPORTELLO_CALLBACK_RETRY_MINUTES=30)
def test_no_answer_retries_in_working_minutes_then_closes_as_unreachable(
    milan, make_contact, professional, frozen_now
):
    frozen_now(rome(2026, 12, 1, 17, 50))
    contact = make_contact(rome(2026, 12, 1, 17, 50), caller_number="+393331234567")
    operations.take_contact(professional, contact.pk)
    retried = operations.record_outcome(professional, contact.pk, "no_answer")
    # Ten minutes left on Tuesday, twenty on Wednesday morning.
    assert retried.status == Status.NO_ANSWER
    assert retried.callback_due_at == rome(2026, 12, 2, 9, 50)
    assert retried.taken_by is None
    for attempt in (2, 3):
        frozen_now(rome(2026, 12, 2, 9, 50) + datetime.timedelta(hours=attempt))
        operations.take_contact(professional, contact.pk)
        result = operations.record_outcome(professional, contact.pk, "no_answer")
    assert result.status == Status.CLOSED and result.close_reason == CloseReason.UNREACHABLE
    assert result.failed_attempts == 3 and result.attempts.count() == 3


def test_call_back_later_must_be_in_the_future_and_in_opening_hours(
    milan, make_contact, professional, at_tuesday
):
    contact = make_contact(TUESDAY_10, caller_number="+393331234567")
    operations.take_contact(professional, contact.pk)
    before = counts()
    for when, message in [
        (rome(2026, 12, 1, 9, 0), "nel futuro"),
        (rome(2026, 12, 6, 10, 0), "sportello è chiuso"),  # Sunday
        (None, "quando richiamare"),
    ]:
        with pytest.raises(ValidationError, match=message):
            operations.record_outcome(
                professional, contact.pk, "call_back_later", call_back_at=when
            )
    assert counts() == before
    assert Contact.objects.get(pk=contact.pk).status == Status.TAKEN
    later = operations.record_outcome(
        professional, contact.pk, "call_back_later", call_back_at=rome(2026, 12, 1, 15, 0)
    )
    assert later.status == Status.CALLBACK_SCHEDULED
    assert later.callback_due_at == rome(2026, 12, 1, 15, 0)


def test_an_unknown_outcome_is_refused(milan, make_contact, professional, at_tuesday):
    contact = make_contact(TUESDAY_10)
    operations.take_contact(professional, contact.pk)
    with pytest.raises(ValidationError, match="Esito sconosciuto"):
        operations.record_outcome(professional, contact.pk, "vanished")
    assert CallAttempt.objects.count() == 0


def test_wrong_number_closes_the_contact(milan, make_contact, professional, at_tuesday):
    contact = make_contact(TUESDAY_10, caller_number="+393331234567")
    operations.take_contact(professional, contact.pk)
    closed = operations.record_outcome(professional, contact.pk, "wrong_number")
    assert closed.close_reason == CloseReason.WRONG_NUMBER


def test_release_puts_a_live_contact_back_as_waiting(milan, make_contact, professional, at_tuesday):
    contact = make_contact(TUESDAY_10)
    operations.take_contact(professional, contact.pk)
    released = operations.release_contact(professional, contact.pk)
    assert released.status == Status.WAITING and released.taken_by is None
    assert operations.take_next(professional).pk == contact.pk


def test_a_coordinator_may_take_any_service(milan, make_contact, make_staff, at_tuesday):
    contact = make_contact(TUESDAY_10, service="criminology")
    coordinator = make_staff("coordinator")
    assert operations.take_contact(coordinator, contact.pk).taken_by == coordinator


def test_a_claim_that_loses_the_race_after_its_check_is_refused(
    milan, make_contact, make_staff, at_tuesday, monkeypatch
):
    """SQLite takes no row locks: a colleague's claim may land between our read and our write;
    the conditional UPDATE notices and the refusal says so."""
    contact = make_contact(TUESDAY_10)
    first, second = make_staff("professional"), make_staff("professional")
    operations.take_contact(first, contact.pk)
    monkeypatch.setattr(operations.lifecycle, "check", lambda *args: None)  # the stale read
    with pytest.raises(ValidationError, match="appena stato preso da un collega"):
        operations.take_contact(second, contact.pk)
    contact.refresh_from_db()
    assert contact.taken_by == first
    assert ContactEvent.objects.filter(action="taken").count() == 1
