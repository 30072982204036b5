"""Invariant 3 end to end in a real Chromium: screen a contact at imminent risk, try to close it
(refused, the missing actions named), document the protocol, close; the coordinator is alerted."""

import pytest

from sportello.intake import operations as intake
from sportello.testing import rome
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUESDAY_10 = rome(2026, 12, 1, 10, 0)
QUESTIONS = (
    "wish_dead", "suicidal_thoughts", "method", "intent", "plan", "past_attempt",
    "recent_attempt", "thoughts_now", "threats", "harm_intent", "weapon_access",
    "past_violence", "named_person_at_risk", "act_in_progress",
)  # fmt: skip
YES = {"suicidal_thoughts", "method", "thoughts_now"}


def sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/personale/accesso/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_an_imminent_risk_contact_is_closed_only_after_its_protocol(
    page, browser, live_server, milan, make_staff, make_contact, frozen_now, request
):
    frozen_now(TUESDAY_10)
    paola = make_staff("professional", username="paola")
    carla = make_staff("coordinator", username="carla")
    intake.go_on_duty(carla)
    contact = make_contact(rome(2026, 12, 1, 9, 50), caller_number="+393331234567")
    intake.take_contact(paola, contact.pk)
    intake.start_conversation(paola, contact.pk)
    sheet = f"{live_server.url}/personale/contatti/{contact.pk}/"

    sign_in(page, live_server, "paola")
    page.goto(sheet)
    page.get_by_role("link", name="Valuta il rischio").click()
    assert axe_violations(page) == []
    page.click("label[for=id_target_groups_0]")
    page.click("label[for=id_reasons_0]")
    for question in QUESTIONS:
        page.click(f"label[for=id_{question}_{0 if question in YES else 1}]")
    page.fill("#id_location", "a casa, via Padova 12")
    screenshot(page, "screening-filled")
    page.get_by_role("button", name="Registra la valutazione").click()
    page.wait_for_url("**/rischio/")
    assert "rischio imminente" in page.inner_text("main")
    assert axe_violations(page) == []
    screenshot(page, "risk-imminent")

    # Closing now is refused, and the refusal names what is missing.
    page.goto(sheet)
    page.click("label[for=id_outcome_0]")  # reached
    page.get_by_role("button", name="Registra l'esito").click()
    errors = page.locator("#form-errors").inner_text()
    for missing in ("soccorsi (112) allertati", "coordinatore informato", "ricontatto in giornata"):
        assert missing in errors
    assert axe_violations(page) == []
    screenshot(page, "close-refused")

    # The coordinator on duty has been alerted, sees it on the board and acknowledges it.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    request.addfinalizer(context.close)
    coordinator = context.new_page()
    sign_in(coordinator, live_server, "carla")
    coordinator.goto(f"{live_server.url}/personale/avvisi/")
    assert contact.reference in coordinator.inner_text("main")
    coordinator.goto(f"{live_server.url}/personale/rischio/")
    assert contact.reference in coordinator.inner_text("main")
    assert axe_violations(coordinator) == []
    screenshot(coordinator, "coordinator-risk-board")
    coordinator.get_by_role("button", name=f"Prendo visione ({contact.reference})").click()
    coordinator.wait_for_load_state()
    assert "Nessuna segnalazione in attesa" in coordinator.inner_text("main")

    # The professional documents the rest of the protocol.
    page.goto(f"{sheet}rischio/")
    assert "coordinatore informato" in page.inner_text(".protocol-checklist")
    page.locator("summary", has_text="Soccorsi (112) allertati").click()
    page.fill("#id_emergency-called_by", "Paola, dalla linea dello sportello")
    page.fill("#id_emergency-incident_number", "MI-2026-4411")
    page.click("label[for=id_emergency-reach_confirmed_0]")
    page.get_by_role("button", name="Registra la chiamata al 112").click()
    page.wait_for_url("**/rischio/")
    page.locator("summary", has_text="Programma un ricontatto").click()
    page.fill("#id_follow_up-due_at", "2026-12-01T16:00")
    page.get_by_role("button", name="Programma il ricontatto").click()
    page.wait_for_url("**/rischio/")
    assert page.locator(".protocol-checklist").inner_text().count("Da fare") == 0
    assert axe_violations(page) == []
    screenshot(page, "protocol-complete")

    page.goto(sheet)
    page.click("label[for=id_outcome_0]")
    page.get_by_role("button", name="Registra l'esito").click()
    page.wait_for_load_state()
    assert f"Contatto {contact.reference} chiuso" in page.inner_text("main")
