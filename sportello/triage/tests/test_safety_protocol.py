"""Invariant 3: a contact screened at high or imminent risk is not closed without its protocol."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from sportello.alerts.models import Alert
from sportello.intake import operations as intake
from sportello.intake.models import CallAttempt, Contact, Status
from sportello.testing import rome
from sportello.triage import operations, queries
from sportello.triage.models import Escalation, FollowUp, ProtocolAction
from sportello.triage.risk_rules import Action

from .conftest import TUESDAY_10


def close(user, contact):
    return intake.record_outcome(user, contact.pk, "reached")


def document_imminent(user, contact, coordinator):
    operations.record_emergency_call(
        user, contact.pk, called_at=TUESDAY_10, called_by="Paola", incident_number="MI-4411"
    )
    operations.record_supervisor_informed(user, contact.pk, supervisor_id=coordinator.pk)
    operations.schedule_follow_up(user, contact.pk, due_at=rome(2026, 12, 1, 16, 0))


def test_an_imminent_contact_cannot_be_closed_until_every_required_action_is_recorded(
    in_conversation, professional, coordinator, screen
):
    screen(professional, in_conversation, "imminent")
    with pytest.raises(ValidationError) as refusal:
        close(professional, in_conversation)
    message = refusal.value.messages[0]
    assert in_conversation.reference in message
    for missing in ("soccorsi (112) allertati", "coordinatore informato", "ricontatto in giornata"):
        assert missing in message
    assert "piano di sicurezza" not in message  # not required at imminent risk
    in_conversation.refresh_from_db()
    assert in_conversation.status == Status.IN_CONVERSATION
    assert CallAttempt.objects.count() == 0

    document_imminent(professional, in_conversation, coordinator)
    assert close(professional, in_conversation).status == Status.CLOSED


def test_the_refusal_names_only_what_is_still_missing(
    in_conversation, professional, coordinator, screen
):
    screen(professional, in_conversation, "high")
    operations.record_supervisor_informed(
        professional, in_conversation.pk, supervisor_id=coordinator.pk
    )
    with pytest.raises(ValidationError) as refusal:
        close(professional, in_conversation)
    message = refusal.value.messages[0]
    assert "ricontatto in giornata" in message and "piano di sicurezza" in message
    assert "coordinatore informato" not in message


def test_a_wrong_number_close_is_refused_too(in_conversation, professional, screen):
    screen(professional, in_conversation, "high")
    with pytest.raises(ValidationError):
        intake.record_outcome(professional, in_conversation.pk, "wrong_number")


def test_low_and_moderate_risk_close_as_before(in_conversation, professional, screen):
    screen(professional, in_conversation, "moderate")
    assert close(professional, in_conversation).status == Status.CLOSED


def test_a_follow_up_tomorrow_is_not_a_same_day_follow_up(in_conversation, professional, screen):
    screen(professional, in_conversation, "high")
    operations.schedule_follow_up(professional, in_conversation.pk, due_at=rome(2026, 12, 2, 10, 0))
    assert Action.SAME_DAY_FOLLOW_UP in queries.risk_of(in_conversation.pk).missing_actions


def test_bad_protocol_input_is_refused_and_writes_nothing(
    in_conversation, professional, make_staff, screen
):
    screen(professional, in_conversation, "imminent")
    switchboard = make_staff("switchboard", "sara")
    attempts = [
        lambda: operations.schedule_follow_up(
            professional, in_conversation.pk, due_at=TUESDAY_10 - datetime.timedelta(hours=1)
        ),
        lambda: operations.record_emergency_call(
            professional,
            in_conversation.pk,
            called_at=TUESDAY_10 + datetime.timedelta(hours=2),
            called_by="Paola",
        ),
        lambda: operations.record_emergency_call(
            professional, in_conversation.pk, called_at=TUESDAY_10, called_by="  "
        ),
        lambda: operations.record_supervisor_informed(
            professional, in_conversation.pk, supervisor_id=switchboard.pk
        ),
        lambda: operations.record_safety_plan(professional, in_conversation.pk, note="ok"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    assert (ProtocolAction.objects.count(), FollowUp.objects.count()) == (0, 0)


def test_colleagues_outside_the_contact_cannot_document_its_protocol(
    in_conversation, professional, make_staff, screen
):
    screen(professional, in_conversation, "high")
    with pytest.raises(PermissionDenied):
        operations.record_safety_plan(
            make_staff("professional", "piero"), in_conversation.pk, note="piano concordato bene"
        )


def test_the_coordinators_acknowledgement_documents_that_the_supervisor_was_informed(
    in_conversation, professional, coordinator, screen
):
    screen(professional, in_conversation, "high")
    escalation = Escalation.objects.get()
    operations.acknowledge_escalation(coordinator, escalation.pk)
    action = ProtocolAction.objects.get(kind=Action.SUPERVISOR_INFORMED)
    assert action.supervisor == coordinator
    assert Alert.objects.filter(acknowledged_at=None).count() == 0
    with pytest.raises(ValidationError) as refusal:
        operations.acknowledge_escalation(coordinator, escalation.pk)
    assert "già preso visione" in refusal.value.messages[0]
    assert ProtocolAction.objects.count() == 1


def test_only_coordinators_acknowledge(in_conversation, professional, screen):
    screen(professional, in_conversation, "high")
    with pytest.raises(PermissionDenied):
        operations.acknowledge_escalation(professional, Escalation.objects.get().pk)


@override_settings(SPORTELLO_MAX_CALLBACK_ATTEMPTS=1)
def test_an_unreachable_high_risk_person_is_not_closed_as_unreachable(
    in_conversation, professional, screen
):
    screen(professional, in_conversation, "high")
    contact = intake.record_outcome(professional, in_conversation.pk, "no_answer")
    assert contact.status == Status.NO_ANSWER
    assert Contact.objects.get(pk=contact.pk).closed_at is None


def test_a_follow_up_is_done_once(in_conversation, professional, screen):
    screen(professional, in_conversation, "moderate")
    follow_up = operations.schedule_follow_up(
        professional, in_conversation.pk, due_at=rome(2026, 12, 1, 15, 0)
    )
    operations.complete_follow_up(professional, follow_up.pk, note="richiamata")
    with pytest.raises(ValidationError) as refusal:
        operations.complete_follow_up(professional, follow_up.pk, note="di nuovo")
    assert "già stato svolto" in refusal.value.messages[0]
    follow_up.refresh_from_db()
    assert follow_up.note == "richiamata"


def test_a_colleague_cannot_mark_someone_elses_follow_up_done(
    in_conversation, professional, make_staff, screen
):
    screen(professional, in_conversation, "moderate")
    follow_up = operations.schedule_follow_up(
        professional, in_conversation.pk, due_at=rome(2026, 12, 1, 15, 0)
    )
    with pytest.raises(PermissionDenied):
        operations.complete_follow_up(make_staff("professional", "piero"), follow_up.pk)
    follow_up.refresh_from_db()
    assert follow_up.done_at is None
