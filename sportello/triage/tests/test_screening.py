"""Recording a screening: the computed level, the justified override, who may, what is kept."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from sportello.alerts.models import Alert
from sportello.intake import operations as intake
from sportello.privacy.models import AuditEvent
from sportello.triage.models import Escalation, RiskLevel, Screening
from sportello.triage.risk_rules import INSTRUMENT_VERSION, Level


def rows() -> tuple[int, int, int]:
    return Screening.objects.count(), Escalation.objects.count(), Alert.objects.count()


@pytest.mark.parametrize(
    ("answers", "level"),
    [("none", Level.NONE), ("moderate", Level.MODERATE), ("high", Level.HIGH)],
)
def test_the_level_is_computed_from_the_answers_and_kept_with_the_instrument_version(
    in_conversation, professional, screen, answers, level
):
    screening = screen(professional, in_conversation, answers)
    assert (screening.computed_level, screening.level) == (level, level)
    assert screening.instrument_version == INSTRUMENT_VERSION
    assert json.loads(screening.answers)["plan"] is (answers == "high")
    assert screening.target_groups.count() == 1 and screening.reasons.count() == 1


def test_answers_findings_and_location_are_encrypted_at_rest(in_conversation, professional, screen):
    screening = screen(professional, in_conversation, "high")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT answers, findings, location FROM triage_screening WHERE id = %s",
            [screening.pk],
        )
        raw = cursor.fetchone()
    assert all(value and "plan" not in value and "Padova" not in value for value in raw)
    assert "plan" in json.loads(Screening.objects.get().findings)


def test_a_professional_may_raise_the_level_with_a_justification_kept_beside_the_computed_one(
    in_conversation, professional, screen
):
    screening = screen(
        professional,
        in_conversation,
        "moderate",
        chosen_level=Level.HIGH,
        justification="Voce molto agitata, ha appena perso il figlio",
        location="in auto, parcheggio di via Forze Armate",
    )
    assert (screening.computed_level, screening.level) == (RiskLevel.MODERATE, RiskLevel.HIGH)
    assert screening.overridden
    assert screening.override_justification.startswith("Voce molto agitata")


@pytest.mark.parametrize("justification", ["", "   ", "perché sì"])
def test_changing_the_level_without_a_real_justification_is_refused_and_writes_nothing(
    in_conversation, professional, screen, justification
):
    with pytest.raises(ValidationError) as refusal:
        screen(
            professional,
            in_conversation,
            "high",
            chosen_level=Level.LOW,
            justification=justification,
        )
    assert "motivazione" in refusal.value.messages[0]
    assert rows() == (0, 0, 0)


def test_high_risk_needs_the_persons_whereabouts_or_that_they_did_not_say(
    in_conversation, professional, screen
):
    with pytest.raises(ValidationError) as refusal:
        screen(professional, in_conversation, "imminent", location="")
    assert "dove si trova la persona" in refusal.value.messages[0]
    assert rows() == (0, 0, 0)
    screening = screen(
        professional, in_conversation, "imminent", location="", location_not_disclosed=True
    )
    assert screening.location_not_disclosed and screening.level == Level.IMMINENT


def test_only_the_professional_holding_the_contact_screens_it(
    in_conversation, make_staff, coordinator, screen
):
    colleague = make_staff("professional", "piero")
    for user in (colleague, coordinator):
        with pytest.raises(PermissionDenied):
            screen(user, in_conversation, "none")
    assert rows() == (0, 0, 0)


def test_a_contact_no_longer_held_cannot_be_screened(in_conversation, professional, screen):
    intake.release_contact(professional, in_conversation.pk)
    with pytest.raises(PermissionDenied):
        screen(professional, in_conversation, "none")


def test_a_new_screening_supersedes_the_last_without_erasing_it(
    in_conversation, professional, screen
):
    screen(professional, in_conversation, "moderate")
    latest = screen(professional, in_conversation, "none")
    assert Screening.objects.count() == 2
    assert Screening.objects.filter(contact=in_conversation).first() == latest


def test_a_high_risk_screening_alerts_the_coordinators_on_duty_and_is_audited(
    in_conversation, professional, coordinator, make_staff, screen
):
    make_staff("coordinator", "ottavio")  # not on duty: not alerted
    intake.go_on_duty(coordinator)
    screening = screen(professional, in_conversation, "imminent")
    escalation = Escalation.objects.get()
    assert (escalation.screening, escalation.kind) == (screening, "high_risk")
    assert list(Alert.objects.values_list("recipient__username", flat=True)) == ["carla"]
    alert = Alert.objects.get()
    assert in_conversation.reference in alert.title
    # The alert leaves the system by e-mail: no answers, no location, no reason.
    assert "Padova" not in alert.body and "non ce la faccio" not in alert.body
    audit = AuditEvent.objects.get(action="screened")
    assert audit.detail["level"] == Level.IMMINENT and audit.contact_id == in_conversation.pk
    assert "answers" not in audit.detail


def test_with_no_coordinator_on_duty_every_coordinator_is_alerted(
    in_conversation, professional, coordinator, make_staff, screen
):
    make_staff("coordinator", "ottavio")
    screen(professional, in_conversation, "high")
    assert set(Alert.objects.values_list("recipient__username", flat=True)) == {"carla", "ottavio"}


def test_moderate_risk_raises_no_escalation(in_conversation, professional, coordinator, screen):
    screen(professional, in_conversation, "moderate")
    assert (Escalation.objects.count(), Alert.objects.count()) == (0, 0)
