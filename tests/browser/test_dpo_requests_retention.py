"""The DPO's data-subject requests and retention pages in a real Chromium: an access request
registered (after refused submissions), linked to a demo person, its deadline read and its
export downloaded; a legal hold that refuses an erasure; the retention rules edited and a dry
run read per kind of record; in Italian and English. Each page state is checked with axe-core
and photographed to be looked at."""

import datetime
import json

import pytest
from django.db import transaction

from sportello.accounts.models import User
from sportello.cases.models import Case, Person
from sportello.privacy.models import (
    AccessLog,
    AuditEvent,
    DataSubjectRequest,
    ErasureRecord,
    LegalHold,
    RetentionRule,
    RetentionRun,
)
from sportello.privacy.tests.test_erasure import make_contact_record, make_person_record
from sportello.testing import rome
from tests.browser import test_roster
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_dpo_console import not_bad_request
from tests.browser.test_roster import console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo desk on Tuesday 1 December 2026 at 10:00.
demo = test_roster.demo
TODAY = rome(2026, 12, 1, 10, 0)
DAY = datetime.timedelta(days=1)
YEAR = 365 * DAY
REQUESTS = "/personale/privacy/richieste/"
RETENTION = "/personale/privacy/conservazione/"


# WCAG 1.4.3 for each badge: axe leaves badges out ("incomplete": it cannot tell their
# background), and Bootstrap Italia's dark orange warning is unreadable under dark text.
LOW_CONTRAST_BADGES = """() => {
  const luminance = (color) => {
    const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map((v) => {
      v = Number(v) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return [...document.querySelectorAll('main .badge')].flatMap((badge) => {
    const style = getComputedStyle(badge);
    const [dark, light] = [luminance(style.color), luminance(style.backgroundColor)].sort(
      (a, b) => a - b,
    );
    const ratio = (light + 0.05) / (dark + 0.05);
    return ratio < 4.5 ? [`${badge.textContent.trim()}: ${ratio.toFixed(2)}`] : [];
  });
}"""


def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    assert axe_violations(page) == [], name
    assert page.evaluate(LOW_CONTRAST_BADGES) == [], name
    screenshot(page, name)


def fits_a_phone(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """At a phone's width nothing makes the whole page scroll sideways: wide tables scroll
    inside their own box, with what is hidden for screen readers in them."""
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, name)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"
    page.set_viewport_size({"width": 1280, "height": 900})


def demo_person() -> Person:
    """The person of the demo psychologist's first case."""
    return Case.objects.filter(primary_professional__username="psicologa").order_by("pk")[0].person


def register(  # type: ignore[no-untyped-def]
    page, kind: str, requester: str, received_on: str = "", person: str = "", details: str = ""
) -> None:
    # Bootstrap Italia draws the radio on its label, which takes the click.
    choice = page.locator(f"input[name=kind][value={kind}]").get_attribute("id")
    page.click(f"label[for={choice}]")
    assert page.is_checked(f"#{choice}")
    page.fill("#id_requester", requester)
    page.fill("#id_details", details)
    page.fill("#id_received_on", received_on)
    page.fill("#id_person", person)
    page.get_by_role("button", name="Registra", exact=True).click()


def test_the_dpo_registers_an_access_request_answers_it_and_a_hold_refuses_an_erasure(
    page, live_server, demo
):
    errors = console_errors(page)
    person = demo_person()
    sign_in(page, live_server, "dpo")
    page.get_by_role("link", name="Richieste degli interessati", exact=True).first.click()
    page.wait_for_url(f"**{REQUESTS}")
    assert "Nessuna richiesta aperta." in page.inner_text("main")
    check(page, "dpo-requests-empty-it")

    page.get_by_role("link", name="Registra una richiesta").click()
    page.wait_for_url(f"**{REQUESTS}nuova/")
    check(page, "dpo-requests-register-it")

    # Nothing filled in: errors in Italian, announced, tied to their fields; nothing written.
    page.get_by_role("button", name="Registra", exact=True).click()
    summary = page.locator("#form-errors")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    text = summary.inner_text()
    assert "Scegli il tipo di richiesta." in text
    assert "Scrivi chi ha fatto la richiesta e come si è identificato." in text
    requester = page.locator("#id_requester")
    assert requester.get_attribute("aria-invalid") == "true"
    assert "id_requester_error" in requester.get_attribute("aria-describedby")
    kinds = page.locator("fieldset", has=page.locator("input[name=kind]"))
    assert "id_kind_error" in kinds.get_attribute("aria-describedby")
    # Each error in the summary leads to its field.
    for link in summary.locator("a").all():
        target = link.get_attribute("href")
        assert target != "#" and page.locator(target).count() == 1, target
    assert DataSubjectRequest.objects.count() == 0
    check(page, "dpo-requests-register-errors")

    # A date to come: refused by the operation, shown beside the date.
    register(page, "access", "Maria Bianchi, carta d'identità verificata", "2026-12-15")
    page.locator("#id_received_on_error").wait_for()
    assert "La data di ricezione non può essere futura." in page.inner_text("#form-errors")
    assert page.locator("#id_received_on").get_attribute("aria-invalid") == "true"
    assert DataSubjectRequest.objects.count() == 0

    # Received on 5 November: due one month later, four days from today.
    register(
        page,
        "access",
        "Maria Bianchi, carta d'identità verificata",
        "2026-11-05",
        details="Chiede una copia dei suoi dati.",
    )
    page.wait_for_url(f"**{REQUESTS}*/")
    access = DataSubjectRequest.objects.get()
    assert access.reference == "DSR-2026-0001" and access.person is None
    assert "Richiesta DSR-2026-0001 registrata: da evadere entro il 05/12/2026." in page.inner_text(
        "body"
    )
    facts = page.inner_text(".request-facts")
    assert "05/11/2026 10:00" in facts and "05/12/2026 · 4 giorni rimasti" in facts
    assert "Richiesta\nChiede una copia dei suoi dati." in facts
    assert page.locator(".request-facts .deadline-near").inner_text() == "4 giorni rimasti"
    assert "Collega prima la richiesta alla persona che riguarda." in page.inner_text("main")
    check(page, "dpo-request-unlinked-it")

    # Linked to a person: first one nobody is, then the demo person by pseudonym.
    page.fill("#id_link-person", "P-ZZZZ-99")
    page.get_by_role("button", name="Collega", exact=True).click()
    page.locator("#id_link-person_error").wait_for()
    assert "Nessuna persona corrisponde a «P-ZZZZ-99»." in page.inner_text("#form-errors")
    assert DataSubjectRequest.objects.get().person is None
    check(page, "dpo-request-link-error")
    page.fill("#id_link-person", person.pseudonym.lower())
    page.get_by_role("button", name="Collega", exact=True).click()
    page.wait_for_url(f"**{REQUESTS}{access.pk}/")
    assert "Richiesta collegata alla persona." in page.inner_text("body")
    assert DataSubjectRequest.objects.get().person == person
    main = page.inner_text("main")
    assert f"Pseudonimo {person.pseudonym}" in main
    assert all(case.reference in main for case in Case.objects.filter(person=person))
    check(page, "dpo-request-access-it")
    fits_a_phone(page, "dpo-request-access-phone")

    # The copy, machine-readable and printable; each download written to the access log.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica i dati in formato elaborabile (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == f"DSR-2026-0001-{person.pseudonym}.json"
    with open(download.path(), encoding="utf-8") as exported:
        document = json.load(exported)
    assert document["request"] == "DSR-2026-0001"
    assert document["person"]["pseudonym"] == person.pseudonym
    assert len(document["cases"]) == Case.objects.filter(person=person).count() >= 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica la copia leggibile (PDF)").click()
    with open(download_info.value.path(), "rb") as printable:
        assert printable.read(5) == b"%PDF-"
    assert AccessLog.objects.filter(action="export", user__username="dpo").count() == 2

    page.get_by_role("link", name="Tutte le richieste").click()
    page.wait_for_url(f"**{REQUESTS}")
    row = page.locator("main table tbody tr[data-reference='DSR-2026-0001']")
    cells = row.locator("td").all_inner_texts()
    # Codes are not broken at their hyphens on a narrow screen: the table scrolls instead.
    assert row.evaluate("row => getComputedStyle(row).whiteSpace") == "nowrap"
    assert cells[1] == person.pseudonym and cells[3] == "05/12/2026"
    assert cells[4] == "4 giorni rimasti"
    check(page, "dpo-requests-list-it")
    fits_a_phone(page, "dpo-requests-list-phone")

    # An erasure request for the same person, its page left open in a second tab.
    page.get_by_role("link", name="Registra una richiesta").click()
    register(page, "erasure", "Maria Bianchi, via PEC", person=person.pseudonym)
    page.wait_for_url(f"**{REQUESTS}*/")
    erasure = DataSubjectRequest.objects.get(kind="erasure")
    assert erasure.person == person
    erase_tab = page.context.new_page()
    erase_tab.goto(f"{live_server.url}{REQUESTS}{erasure.pk}/")
    assert erase_tab.get_by_role("button", name="Cancella i dati").count() == 1
    check(erase_tab, "dpo-request-erasure-it")
    # Not confirmed: refused, nothing erased.
    erase_tab.get_by_role("button", name="Cancella i dati").click()
    erase_tab.locator("#action-error").wait_for()
    assert "Conferma la cancellazione spuntando la casella." in erase_tab.inner_text(
        "#action-error"
    )
    assert ErasureRecord.objects.count() == 0

    # Meanwhile a legal hold on the person, from the access request's page: a reason is needed.
    page.goto(f"{live_server.url}{REQUESTS}{access.pk}/")
    assert "Nessun vincolo di conservazione attivo." in page.inner_text("main")
    page.get_by_role("button", name="Disponi un vincolo di conservazione").click()
    page.locator("#id_hold-reason_error").wait_for()
    assert "Scrivi il motivo del vincolo." in page.inner_text("#form-errors")
    assert LegalHold.objects.count() == 0
    page.fill("#id_hold-reason", "Reclamo pendente al Garante")
    page.get_by_role("button", name="Disponi un vincolo di conservazione").click()
    page.wait_for_url(f"**{REQUESTS}{access.pk}/")
    assert "Vincolo di conservazione disposto." in page.inner_text("body")
    assert "Disposto il 01/12/2026: Reclamo pendente al Garante" in page.inner_text(".legal-holds")
    check(page, "dpo-request-hold-it")

    # The erasure, confirmed in the stale tab, is refused with the reason; nothing is erased.
    erase_tab.click("label[for=erase-confirm]")
    assert erase_tab.is_checked("#erase-confirm")
    erase_tab.get_by_role("button", name="Cancella i dati").click()
    erase_tab.locator("#action-error").wait_for()
    assert erase_tab.locator("#action-error").inner_text() == (
        f"I dati di {person.pseudonym} sono sotto un vincolo di conservazione: non si possono "
        "cancellare finché il vincolo non è revocato."
    )
    assert ErasureRecord.objects.count() == 0
    assert Person.objects.get(pk=person.pk).full_name == person.full_name
    assert DataSubjectRequest.objects.get(pk=erasure.pk).status == "open"
    check(erase_tab, "dpo-request-erasure-refused")
    # Read again, the page says so before any attempt.
    erase_tab.goto(f"{live_server.url}{REQUESTS}{erasure.pk}/")
    assert erase_tab.get_by_role("button", name="Cancella i dati").count() == 0
    assert "la cancellazione non è possibile" in erase_tab.inner_text("main")
    erase_tab.close()

    for path, name in (
        (REQUESTS, "dpo-requests-list-en"),
        (f"{REQUESTS}nuova/", "dpo-requests-register-en"),
        (f"{REQUESTS}{erasure.pk}/", "dpo-request-erasure-en"),
        (f"{REQUESTS}{access.pk}/", "dpo-request-access-en"),
    ):
        page.goto(f"{live_server.url}/en{path}")
        assert page.locator("html").get_attribute("lang") == "en"
        check(page, name)
    # The access request's text is not "Required" (the rota's word, spelled alike in Italian).
    assert "Required" not in page.locator(".request-facts dt").all_inner_texts()
    assert not_bad_request(errors) == []


@pytest.fixture
def old_records(demo) -> Person:  # type: ignore[no-untyped-def]
    """Beside the demo's recent data: a person whose case closed six years ago, another under a
    legal hold, and two contacts never linked to a case, closed 13 and 8 months ago. The old
    person."""
    staff = User.objects.get(username="psicologa")
    dpo = User.objects.get(username="dpo")
    # The factories write chained logs, which are appended inside a transaction only.
    with transaction.atomic():
        old, held = (
            make_person_record(
                staff, tag=tag, at=TODAY - 7 * YEAR, closed_at=TODAY - 6 * YEAR, slot=slot
            )
            for tag, slot in (("OLDQX", 0), ("HELDQX", 6))
        )
        LegalHold.objects.create(
            person=held.person, reason="Denuncia in corso", placed_at=TODAY, placed_by=dpo
        )
        for tag, closed in (("LONEOLDQX", 13), ("LONENEWQX", 8)):
            make_contact_record(
                staff,
                tag=tag,
                at=TODAY - (closed * 30 + 5) * DAY,
                closed_at=TODAY - closed * 30 * DAY,
            )
    return old.person


def report_of(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The report's cells (action, kept, cutoff, due, held, done) by kind of record."""
    rows = page.locator("main table.retention-report tbody tr")
    return {
        row.get_attribute("data-kind"): [
            cell.strip() for cell in row.locator("td").all_inner_texts()
        ]
        for row in rows.all()
    }


def test_the_dpo_edits_a_retention_rule_and_reads_a_dry_run(page, live_server, old_records):
    errors = console_errors(page)
    sign_in(page, live_server, "dpo")
    page.get_by_role("link", name="Conservazione", exact=True).first.click()
    page.wait_for_url(f"**{RETENTION}")
    rules = page.locator("main table.retention-rules tbody tr")
    # In the order the runs apply them, as their reports list them.
    assert rules.locator("th").all_inner_texts() == [
        "messaggi sugli appuntamenti",
        "fasce orarie per la richiamata",
        "contatti mai collegati a una presa in carico",
        "prese in carico chiuse (cartella clinica)",
    ]
    assert "Nessuna esecuzione finora." in page.inner_text("main")
    check(page, "dpo-retention-it")

    contacts = "contatti mai collegati a una presa in carico"
    page.get_by_role("link", name=f"Modifica la regola: {contacts}").click()
    page.wait_for_url(f"**{RETENTION}regole/*/")
    rule = RetentionRule.objects.get(record_kind="contact")
    assert page.locator("#id_months").input_value() == "12"
    check(page, "dpo-retention-rule-it")

    # Zero months: refused in Italian beside the field, nothing written.
    page.fill("#id_months", "0")
    page.get_by_role("button", name="Salva").click()
    page.locator("#id_months_error").wait_for()
    assert page.locator("#form-errors").get_attribute("role") == "alert"
    error = page.inner_text("#id_months_error")
    assert error.startswith("Il numero di mesi deve essere almeno 1"), error
    assert error in page.inner_text("#form-errors")
    months = page.locator("#id_months")
    assert months.get_attribute("aria-invalid") == "true"
    assert "id_months_error" in months.get_attribute("aria-describedby")
    assert RetentionRule.objects.get(pk=rule.pk).months == 12
    assert not AuditEvent.objects.filter(action="retention_rule_changed").exists()
    check(page, "dpo-retention-rule-error")

    page.fill("#id_months", "6")
    page.get_by_role("button", name="Salva").click()
    page.wait_for_url(f"**{RETENTION}")
    assert "Regola di conservazione aggiornata." in page.inner_text("body")
    assert RetentionRule.objects.get(pk=rule.pk).months == 6
    assert rules.filter(has_text=contacts).locator("td").first.inner_text() == "6 mesi"

    # The dry run: what each rule reaches today, changing nothing.
    page.get_by_role("button", name="Prova (dry run)").click()
    page.wait_for_url(f"**{RETENTION}esecuzioni/*/")
    run = RetentionRun.objects.get()
    assert run.dry_run and run.started_by.username == "dpo"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == f"Prova di conservazione n. {run.pk}"
    assert "Riferita al 01/12/2026 10:00" in page.inner_text("main")
    report = report_of(page)
    assert report == {
        # The old person's two and the held person's two, held.
        "messaggi sugli appuntamenti": ["cancellare", "6 mesi", "01/06/2026", "2", "2", "—"],
        # The old person's and both lone contacts' windows; the held person's, held.
        "fasce orarie per la richiamata": ["cancellare", "1 mese", "01/11/2026", "4", "2", "—"],
        # Both lone contacts now that six months are kept; linked contacts follow their case.
        contacts: ["pseudonimizzare", "6 mesi", "01/06/2026", "2", "0", "—"],
        "prese in carico chiuse (cartella clinica)": [
            "pseudonimizzare",
            "60 mesi",
            "01/12/2021",
            "1",
            "1",
            "—",
        ],
    }
    assert page.get_by_role("button", name="Esegui").count() == 1
    assert Person.objects.get(pk=old_records.pk).full_name == "OLDQX Rossi"  # nothing done
    check(page, "dpo-retention-run-it")
    fits_a_phone(page, "dpo-retention-run-phone")

    page.get_by_role("link", name="Conservazione dei dati").click()
    page.wait_for_url(f"**{RETENTION}")
    assert page.locator("main article.retention-run").count() == 1
    assert report_of(page) == report
    check(page, "dpo-retention-history-it")
    fits_a_phone(page, "dpo-retention-history-phone")

    for path, name in (
        (RETENTION, "dpo-retention-en"),
        (f"{RETENTION}regole/{rule.pk}/", "dpo-retention-rule-en"),
        (f"{RETENTION}esecuzioni/{run.pk}/", "dpo-retention-run-en"),
    ):
        page.goto(f"{live_server.url}/en{path}")
        assert page.locator("html").get_attribute("lang") == "en"
        check(page, name)
    assert not_bad_request(errors) == []
