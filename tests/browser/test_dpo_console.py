"""The DPO's console in a real Chromium: the home, the access log searched by case and by person
with break-glass accesses first, the hash chains verified (whole, then broken by a tampered row),
the CSV export, and the records of processing edited and downloaded; in Italian and English.
Each page state is checked with axe-core and photographed to be looked at."""

import csv
import io

import pytest
from django.db import transaction
from django.test import RequestFactory

from sportello.accounts.models import User
from sportello.cases.models import Case
from sportello.privacy.models import AccessLog, ProcessingActivity
from sportello.privacy.operations import record_access
from sportello.privacy.tests.test_dpo_console import tampering
from tests.browser import test_roster
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_roster import console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo desk on Tuesday 1 December 2026 at 10:00.
demo = test_roster.demo


def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    assert axe_violations(page) == [], name
    screenshot(page, name)


def not_bad_request(errors: list[str]) -> list[str]:
    return [error for error in errors if "status of 400 (Bad Request)" not in error]


def read(user: User, case: Case, **fields: object) -> AccessLog:
    """A read of a case, as the case page writes it."""
    request = RequestFactory().get(f"/personale/casi/{case.pk}/", REMOTE_ADDR="10.0.0.12")
    with transaction.atomic():
        return record_access(
            request,
            user,
            object_type="case",
            object_id=case.pk,
            case_id=case.pk,
            purpose=str(fields.pop("purpose", "scheda della presa in carico")),
            **fields,
        )


@pytest.fixture
def logged(demo):  # type: ignore[no-untyped-def]
    """Reads of two demo cases: the professional's own, and one break-glass access by the
    coordinator, written before the latest ordinary read."""
    paola = User.objects.get(username="psicologa")
    marco = User.objects.get(username="coordinatore")
    case, other = Case.objects.order_by("pk")[:2]
    read(paola, case)
    read(marco, case, break_glass=True, purpose="persona in pericolo, professionista assente")
    read(paola, case, purpose="colloquio telefonico")
    read(paola, other)
    return case


def test_the_dpo_searches_the_log_verifies_the_chain_and_exports(page, live_server, logged):
    case = logged
    errors = console_errors(page)
    sign_in(page, live_server, "dpo")
    page.get_by_role("link", name="Protezione dei dati", exact=True).first.click()
    page.wait_for_url("**/personale/privacy/")
    assert page.get_by_role("heading", name="Protezione dei dati", level=1).count() == 1
    assert "La catena del registro non è ancora stata verificata" in page.inner_text("main")
    check(page, "dpo-home-it")

    page.get_by_role("link", name="Registro degli accessi", exact=True).last.click()
    page.wait_for_url("**/personale/privacy/registro-accessi/")
    rows = page.locator("main table tbody tr")
    # The break-glass access first, badged, though a later read exists.
    first = rows.first
    assert first.get_attribute("data-break-glass") == "1"
    assert first.locator(".badge", has_text="emergenza").count() == 1
    assert "coordinatore" in first.inner_text()
    assert rows.nth(1).get_attribute("data-break-glass") is None
    check(page, "dpo-access-log-it")

    # By case reference.
    page.fill("#id_case", case.reference)
    page.get_by_role("button", name="Cerca", exact=True).click()
    page.wait_for_url(f"**case={case.reference}**")
    assert rows.count() == 3 and "3 accessi" in page.inner_text("#log-heading")
    assert rows.first.get_attribute("data-break-glass") == "1"
    check(page, "dpo-access-log-case")

    # By person: the same case's reads, and nothing of the other case.
    page.goto(f"{live_server.url}/personale/privacy/registro-accessi/")
    page.fill("#id_person", case.person.pseudonym.lower())
    page.get_by_role("button", name="Cerca", exact=True).click()
    page.wait_for_url("**person=**")
    assert rows.count() == 3

    # An unknown pseudonym: an Italian error, nothing listed.
    page.fill("#id_person", "P-ZZZZ-99")
    page.get_by_role("button", name="Cerca", exact=True).click()
    page.locator("#form-errors").wait_for()
    assert "Nessuna persona ha questo pseudonimo." in page.inner_text("#form-errors")
    assert rows.count() == 0
    check(page, "dpo-access-log-error")

    # The chains verified on request; the result stays on the page.
    page.goto(f"{live_server.url}/personale/privacy/registro-accessi/?case={case.reference}")
    page.get_by_role("button", name="Verifica la catena").click()
    page.wait_for_url("**/personale/privacy/registro-accessi/")
    main = page.inner_text("main")
    assert "Verifica completata: le catene sono integre." in page.inner_text("body")
    assert "catena integra" in main and "Ultima verifica il 01/12/2026 10:00 (dpo)" in main
    assert "Registro degli accessi: integro, 4 righe verificate." in main
    check(page, "dpo-access-log-verified")

    # The CSV of the filtered log, itself written to the log.
    page.goto(f"{live_server.url}/personale/privacy/registro-accessi/?case={case.reference}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Esporta in CSV").click()
    download = download_info.value
    assert download.suggested_filename == "registro-accessi-20261201-1000.csv"
    with open(download.path(), encoding="utf-8") as exported:
        table = list(csv.reader(io.StringIO(exported.read())))
    assert table[0][:3] == ["Numero", "Quando", "Utente"]
    assert [row[5] for row in table[1:]] == ["sì", "no", "no"]
    assert AccessLog.objects.filter(action="export", user__username="dpo").count() == 1

    page.goto(f"{live_server.url}/en/personale/privacy/")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, "dpo-home-en")
    page.goto(f"{live_server.url}/en/personale/privacy/registro-accessi/")
    check(page, "dpo-access-log-en")
    assert not_bad_request(errors) == []


def test_a_tampered_row_shows_on_the_page(page, live_server, logged):
    errors = console_errors(page)
    # An intruder with direct database access rewrites why the break-glass access happened
    # (on PostgreSQL, past the append-only triggers, as the unit tests do).
    with tampering(AccessLog):
        AccessLog.objects.filter(break_glass=True).update(purpose="controllo di routine")
    sign_in(page, live_server, "dpo")
    page.goto(f"{live_server.url}/personale/privacy/registro-accessi/")
    page.get_by_role("button", name="Verifica la catena").click()
    page.wait_for_url("**/personale/privacy/registro-accessi/")
    main = page.inner_text("main")
    assert "catena interrotta" in main
    assert "Registro degli accessi: interrotto alla riga n. 2" in main
    assert "il contenuto della riga è stato modificato" in main
    broken = page.locator("main table tbody tr.table-danger")
    assert broken.count() == 1 and broken.get_attribute("data-seq") == "2"
    check(page, "dpo-access-log-broken")
    page.goto(f"{live_server.url}/personale/privacy/")
    assert "catena interrotta" in page.inner_text("main")
    assert errors == []


def test_the_dpo_keeps_the_records_of_processing(page, live_server, demo):
    errors = console_errors(page)
    sign_in(page, live_server, "dpo")
    page.goto(f"{live_server.url}/personale/privacy/")
    page.get_by_role("link", name="Registro dei trattamenti").click()
    page.wait_for_url("**/personale/privacy/trattamenti/")
    sections = page.locator("main section.processing-activity")
    assert sections.count() == 8
    assert "art. 2-sexies D.Lgs. 196/2003" in sections.nth(1).inner_text()
    check(page, "dpo-processing-it")

    page.get_by_role("link", name="Modifica – Invii ai servizi territoriali").click()
    page.wait_for_url("**/personale/privacy/trattamenti/*/")
    check(page, "dpo-processing-edit")
    page.fill("#id_retention", "")
    page.get_by_role("button", name="Salva").click()
    page.locator("#form-errors").wait_for()
    assert "Questo campo è obbligatorio." in page.inner_text("#form-errors")
    check(page, "dpo-processing-edit-errors")
    page.fill("#id_retention", "Come la cartella: 5 anni dalla chiusura della presa in carico.")
    page.get_by_role("button", name="Salva").click()
    page.wait_for_url("**/personale/privacy/trattamenti/#trattamento-*")
    assert "Trattamento «Invii ai servizi territoriali» aggiornato." in page.inner_text("body")
    referrals = ProcessingActivity.objects.get(code="referrals")
    assert referrals.updated_by.username == "dpo"
    assert "Aggiornato il 01/12/2026 10:00 da dpo." in page.inner_text(
        f"#trattamento-{referrals.pk}"
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica il registro (PDF)").click()
    with open(download_info.value.path(), "rb") as register:
        assert register.read(5) == b"%PDF-"

    page.goto(f"{live_server.url}/en/personale/privacy/trattamenti/")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, "dpo-processing-en")
    assert not_bad_request(errors) == []
