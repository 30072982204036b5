"""The contact centre in a real Chromium: staff pages, the live queue, axe-core on each page."""

import pytest

from sportello.testing import rome
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUESDAY_10 = rome(2026, 12, 1, 10, 0)


def sign_in(page, live_server, username: str, language: str = "", then: str = "") -> None:  # type: ignore[no-untyped-def]
    """Sign in, then go to ``then`` (professionals land on their cases, not on the queue)."""
    prefix = f"/{language}" if language else ""
    page.goto(
        f"{live_server.url}{prefix}/personale/accesso/?next={prefix}{then}"
        if then
        else f"{live_server.url}{prefix}/personale/accesso/"
    )
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_switchboard_hands_a_call_over_and_pages_pass_axe(
    page, live_server, milan, make_staff, make_contact, frozen_now
):
    frozen_now(TUESDAY_10)
    make_staff("switchboard", username="carla")
    make_contact(rome(2026, 12, 1, 9, 40), danger_now=True)
    page.goto(live_server.url + "/personale/accesso/")
    assert axe_violations(page) == []
    sign_in(page, live_server, "carla")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Centralino")
    assert axe_violations(page) == []

    page.click("form.staff-form button[type=submit]")  # empty form: errors beside the fields
    assert page.locator("#id_caller_number_error").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "switchboard-errors")

    page.fill("#id_caller_number", "333 123 4567")
    page.select_option("#id_service", label="Servizio per le emergenze psicologiche e relazionali")
    page.fill("#id_reason", "Attacchi di panico")
    page.click("form.staff-form button[type=submit]")
    result = page.locator("#handover-result")
    assert "La sto trasferendo" in result.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "switchboard-handover")


def test_queue_and_contact_sheet_pass_axe_in_both_languages(
    page, live_server, milan, make_staff, make_contact, frozen_now
):
    frozen_now(TUESDAY_10)
    make_staff("professional", username="paola")
    make_contact(rome(2026, 12, 1, 9, 30), caller_number="+393331234567", reason="lutto")
    make_contact(rome(2026, 12, 1, 9, 55), service="victims", danger_now=True)
    sign_in(page, live_server, "paola", then="/personale/coda/")
    assert page.locator("tr[data-reference]").count() == 2
    assert axe_violations(page) == []
    screenshot(page, "queue-it")

    page.click("text=Prendi il prossimo")
    page.wait_for_url("**/personale/contatti/*/")
    assert "333 123 4567" in page.inner_text("main")
    assert axe_violations(page) == []
    page.click("text=Registra l'esito")  # no outcome chosen
    assert page.locator("#id_outcome_error").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "contact-sheet-error")

    page.goto(live_server.url + "/en/personale/coda/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert axe_violations(page) == []
    screenshot(page, "queue-en")


def test_the_queue_refreshes_itself(
    page, live_server, milan, make_staff, make_contact, frozen_now, settings
):
    settings.SPORTELLO_QUEUE_REFRESH_SECONDS = 1
    frozen_now(TUESDAY_10)
    make_staff("coordinator", username="marco")
    sign_in(page, live_server, "marco", then="/personale/coda/")
    assert page.locator("tr[data-reference]").count() == 0
    contact = make_contact(TUESDAY_10)
    page.wait_for_selector(f'tr[data-reference="{contact.reference}"]', timeout=5000)


def test_a_citizen_asks_for_a_callback_and_a_professional_takes_it_live(
    browser, live_server, milan, make_staff, frozen_now, settings, request
):
    settings.SPORTELLO_QUEUE_REFRESH_SECONDS = 1
    frozen_now(TUESDAY_10)
    make_staff("professional", username="paola")
    outside: list[str] = []

    contexts = []
    request.addfinalizer(lambda: [context.close() for context in contexts])

    def fresh_page(locale: str):  # type: ignore[no-untyped-def]
        # Closed at the end: an open queue page would go on polling the live server.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "request",
            lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url),
        )
        return page

    professional = fresh_page("it-IT")
    sign_in(professional, live_server, "paola", then="/personale/coda/")
    assert professional.locator("tr[data-reference]").count() == 0

    citizen = fresh_page("it-IT")
    citizen.goto(live_server.url + "/richiamata/")
    assert axe_violations(citizen) == []
    citizen.fill("#id_phone", "333 765 4321")
    citizen.click("label[for=id_windows_0]")
    citizen.click("label[for=id_safe_to_call_0]")
    citizen.click("label[for=id_safe_to_leave_message_1]")
    citizen.click("label[for=id_danger_now_1]")
    citizen.fill("#id_reason", "Da settimane non riesco a dormire")
    citizen.click("label[for=id_consent]")
    screenshot(citizen, "callback-form-filled")
    citizen.click("main form button[type=submit]")
    citizen.wait_for_url("**/richiesta-inviata/**")
    reference = citizen.get_by_test_id("reference").inner_text()
    assert reference.startswith("SP-2026-")
    assert axe_violations(citizen) == []
    screenshot(citizen, "callback-sent")

    # The professional's open page shows it without a reload, and takes it.
    row = professional.locator(f'tr[data-reference="{reference}"]')
    row.wait_for(timeout=5000)
    screenshot(professional, "queue-with-web-callback")
    row.get_by_role("button", name="Prendi questo").click()
    professional.wait_for_url("**/personale/contatti/*/")
    assert reference in professional.get_by_role("heading", level=1).inner_text()
    assert "333 765 4321" in professional.inner_text("main")
    assert outside == []


def test_the_english_callback_form_is_in_english_and_accessible(
    page, live_server, milan, frozen_now
):
    frozen_now(TUESDAY_10)
    page.goto(live_server.url + "/en/richiamata/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Ask to be called back"
    page.click("main form button[type=submit]")  # nothing filled: errors in English
    assert "Errore" not in page.title()
    assert page.locator("[role=alert]").first.is_visible()
    assert axe_violations(page) == []
    screenshot(page, "callback-form-en-errors")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + "/en/videochiamata/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    screenshot(page, "video-form-en-mobile")
