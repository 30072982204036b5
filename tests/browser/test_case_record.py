"""The case record in a real Chromium: the professional's and the coordinator's homes, a case,
its forms and the DPO's access log, each page checked with axe-core and looked at."""

import pytest
from django.core.management import call_command

from sportello.cases.models import Case
from sportello.testing import rome
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/personale/accesso/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"demo-{username}-2026")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_case_pages_pass_axe_for_the_professional_and_the_coordinator(
    page, browser, live_server, milan, frozen_now, request, settings
):
    settings.SPORTELLO_DEMO = True
    frozen_now(rome(2026, 12, 1, 10, 0))
    call_command("seed_demo", verbosity=0)
    case = Case.objects.filter(primary_professional__username="psicologa").first()

    sign_in(page, live_server, "psicologa")
    assert page.url.endswith("/personale/casi/")
    assert case.reference in page.inner_text("main")
    assert axe_violations(page) == []
    screenshot(page, "cases-home")
    page.get_by_role("link", name=case.reference).first.click()
    page.wait_for_url(f"**/personale/casi/{case.pk}/")
    assert axe_violations(page) == []
    screenshot(page, "case-page")
    for path in ("colloqui/nuovo/", "sezione/", "consenso/", "persona/"):
        page.goto(f"{live_server.url}/personale/casi/{case.pk}/{path}")
        assert axe_violations(page) == [], path
    page.goto(f"{live_server.url}/personale/casi/{case.pk}/colloqui/nuovo/")
    page.click("main form button[type=submit]")  # empty: errors beside the fields
    assert page.locator(".invalid-feedback").count() > 0
    assert axe_violations(page) == []
    screenshot(page, "case-session-errors")
    page.goto(f"{live_server.url}/en/personale/casi/{case.pk}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert axe_violations(page) == []
    screenshot(page, "case-page-en")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    request.addfinalizer(context.close)
    coordinator = context.new_page()
    sign_in(coordinator, live_server, "coordinatore")
    assert coordinator.url.endswith("/personale/casi/coordinamento/")
    assert axe_violations(coordinator) == []
    screenshot(coordinator, "cases-coordination")


def test_the_dpo_reads_the_access_log_and_no_clinical_content(
    page, live_server, milan, frozen_now, settings
):
    settings.SPORTELLO_DEMO = True
    frozen_now(rome(2026, 12, 1, 10, 0))
    call_command("seed_demo", verbosity=0)
    case = Case.objects.filter(primary_professional__username="psicologa").first()
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/casi/{case.pk}/")
    page.context.clear_cookies()

    sign_in(page, live_server, "dpo")
    assert page.url.endswith("/personale/privacy/")
    page.goto(f"{live_server.url}/personale/privacy/registro-accessi/")
    log = page.inner_text("main")
    assert "psicologa" in log and str(case.pk) in log
    assert case.goals not in log  # metadata only
    assert axe_violations(page) == []
    screenshot(page, "access-log")
    assert page.goto(f"{live_server.url}/personale/casi/{case.pk}/").status == 404
