"""The contact centre in a real Chromium: staff pages, the live queue, axe-core on each page."""

import pytest

from sportello.testing import rome
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUESDAY_10 = rome(2026, 12, 1, 10, 0)


def sign_in(page, live_server, username: str, language: str = "") -> None:  # type: ignore[no-untyped-def]
    prefix = f"/{language}" if language else ""
    page.goto(f"{live_server.url}{prefix}/personale/accesso/")
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
    assert page.locator("#id_caller_number-error").is_visible()
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
    sign_in(page, live_server, "paola")
    assert page.locator("tr[data-reference]").count() == 2
    assert axe_violations(page) == []
    screenshot(page, "queue-it")

    page.click("text=Prendi il prossimo")
    page.wait_for_url("**/personale/contatti/*/")
    assert "333 123 4567" in page.inner_text("main")
    assert axe_violations(page) == []
    page.click("text=Registra l'esito")  # no outcome chosen
    assert page.locator("#id_outcome-error").is_visible()
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
    sign_in(page, live_server, "marco")
    assert page.locator("tr[data-reference]").count() == 0
    contact = make_contact(TUESDAY_10)
    page.wait_for_selector(f'tr[data-reference="{contact.reference}"]', timeout=5000)
