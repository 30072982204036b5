"""The screening and risk pages: bad input refused with nothing written, reads logged, and
health data hidden (404) from everyone who has no reason to see it."""

import pytest
from django.urls import reverse

from sportello.privacy.models import AccessLog
from sportello.services.models import TargetGroup
from sportello.triage.models import ContactReason, ProtocolAction, Screening


def screening_post(**overrides):
    data = {
        name: "no"
        for name in (
            "wish_dead",
            "suicidal_thoughts",
            "method",
            "intent",
            "plan",
            "past_attempt",
            "recent_attempt",
            "thoughts_now",
            "threats",
            "harm_intent",
            "weapon_access",
            "past_violence",
            "named_person_at_risk",
            "act_in_progress",
        )
    }
    data["target_groups"] = [TargetGroup.objects.order_by("position").first().pk]
    data["reasons"] = [ContactReason.objects.get(code="isolation").pk]
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_the_screening_form_computes_and_shows_the_level(in_conversation, professional, signed_in):
    client = signed_in(professional)
    url = reverse("triage:screen", args=[in_conversation.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        screening_post(
            suicidal_thoughts="yes", method="yes", thoughts_now="yes", location="a casa"
        ),
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "rischio imminente" in page.content.decode()
    assert "soccorsi (112) allertati" in page.content.decode()
    assert page["Cache-Control"].count("no-store") == 1


def test_an_unanswered_question_is_an_error_not_a_no(in_conversation, professional, signed_in):
    client = signed_in(professional)
    data = screening_post()
    del data["plan"]
    response = client.post(reverse("triage:screen", args=[in_conversation.pk]), data)
    assert response.status_code == 400
    assert "Rispondi sì o no a questa domanda." in response.content.decode()
    assert Screening.objects.count() == 0


def test_high_risk_without_a_location_is_refused_in_the_users_language(
    in_conversation, professional, signed_in
):
    client = signed_in(professional)
    url = reverse("triage:screen", args=[in_conversation.pk])
    response = client.post(url, screening_post(plan="yes"))
    assert response.status_code == 400
    assert "indica dove si trova la persona" in response.content.decode()
    english = client.post("/en" + url, screening_post(plan="yes"))
    assert english.status_code == 400
    assert "where the person is" in english.content.decode()
    assert Screening.objects.count() == 0


def test_reading_the_risk_page_writes_one_access_log_row(
    in_conversation, professional, screen, signed_in
):
    screening = screen(professional, in_conversation, "high")
    before = AccessLog.objects.count()
    signed_in(professional).get(reverse("triage:risk", args=[in_conversation.pk]))
    row = AccessLog.objects.order_by("seq").last()
    assert AccessLog.objects.count() == before + 1
    assert (row.user, row.object_type, row.object_id) == (
        professional,
        "screening",
        str(screening.pk),
    )


@pytest.mark.parametrize("role", ["switchboard", "management", "dpo", "other_professional"])
def test_the_risk_page_is_a_404_for_anyone_without_a_reason_to_see_it(
    in_conversation, professional, screen, make_staff, signed_in, role
):
    screen(professional, in_conversation, "high")
    user = make_staff("professional" if role == "other_professional" else role)
    client = signed_in(user)
    before = AccessLog.objects.count()
    assert client.get(reverse("triage:risk", args=[in_conversation.pk])).status_code == 404
    assert client.get(reverse("triage:screen", args=[in_conversation.pk])).status_code == 404
    assert (
        client.post(
            reverse("triage:safety-plan", args=[in_conversation.pk]),
            {"safety_plan-note": "piano di prova lungo"},
        ).status_code
        == 404
    )
    assert AccessLog.objects.count() == before and ProtocolAction.objects.count() == 0


def test_a_protocol_form_with_bad_input_shows_the_error_and_writes_nothing(
    in_conversation, professional, screen, signed_in
):
    screen(professional, in_conversation, "imminent")
    response = signed_in(professional).post(
        reverse("triage:emergency-call", args=[in_conversation.pk]),
        {
            "emergency-called_at": "2026-12-01T13:00",
            "emergency-called_by": "Paola",
            "emergency-reach_confirmed": "unknown",
        },
    )
    assert response.status_code == 400
    assert "non può essere nel futuro" in response.content.decode()
    assert ProtocolAction.objects.count() == 0


def test_closing_from_the_contact_sheet_shows_the_missing_actions(
    in_conversation, professional, screen, signed_in
):
    screen(professional, in_conversation, "imminent")
    response = signed_in(professional).post(
        reverse("intake:outcome", args=[in_conversation.pk]), {"outcome": "reached"}
    )
    assert response.status_code == 400
    assert "soccorsi (112) allertati" in response.content.decode()


def test_the_coordinators_board_lists_high_risk_contacts_and_open_escalations(
    in_conversation, professional, coordinator, screen, signed_in, make_staff
):
    screen(professional, in_conversation, "high")
    page = signed_in(coordinator).get(reverse("triage:board"))
    assert page.status_code == 200
    content = page.content.decode()
    assert in_conversation.reference in content and "Prendo visione" in content
    assert signed_in(professional).get(reverse("triage:board")).status_code == 404


def test_the_coordinator_acknowledges_from_the_board(
    in_conversation, professional, coordinator, screen, signed_in
):
    screen(professional, in_conversation, "high")
    escalation = in_conversation.escalations.get()
    response = signed_in(coordinator).post(
        reverse("triage:acknowledge", args=[escalation.pk]), {"back": "board"}
    )
    assert response.status_code == 302 and response["Location"].endswith(reverse("triage:board"))
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == coordinator


def test_the_contact_sheet_offers_the_screening_to_its_holder(
    in_conversation, professional, signed_in
):
    page = signed_in(professional).get(reverse("intake:contact", args=[in_conversation.pk]))
    assert reverse("triage:screen", args=[in_conversation.pk]) in page.content.decode()


def test_a_location_and_not_disclosed_together_are_refused(
    in_conversation, professional, signed_in
):
    response = signed_in(professional).post(
        reverse("triage:screen", args=[in_conversation.pk]),
        screening_post(plan="yes", location="a casa", location_not_disclosed="on"),
    )
    assert response.status_code == 400
    assert "togli la spunta" in response.content.decode()
    assert Screening.objects.count() == 0


def test_marking_a_follow_up_done_is_a_404_for_a_colleague_outside_the_contact(
    in_conversation, professional, screen, make_staff, signed_in
):
    from sportello.testing import rome
    from sportello.triage import operations

    screen(professional, in_conversation, "moderate")
    follow_up = operations.schedule_follow_up(
        professional, in_conversation.pk, due_at=rome(2026, 12, 1, 15, 0)
    )
    client = signed_in(make_staff("professional", "piero"))
    assert client.post(reverse("triage:follow-up-done", args=[follow_up.pk])).status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.done_at is None


def test_a_screening_whose_answers_were_erased_says_so_instead_of_all_no(
    in_conversation, professional, screen, signed_in
):
    screening = screen(professional, in_conversation, "high")
    Screening.objects.filter(pk=screening.pk).update(answers="")
    response = signed_in(professional).get(reverse("triage:risk", args=[in_conversation.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Le risposte non sono più conservate" in page
    assert "<strong>No</strong>" not in page
