"""The territorial directory and referrals in a real Chromium: the professional searches the
network by need and municipio (htmx results in place) and reads a service's page; from a case she
proposes a referral to a service found that way, with consent and what the person agreed to
share, sends it and downloads the letter; the follow-up reminder once the referral goes
unanswered, in her alerts and in the coordinator's open list (overdue first); the coordinator's
maintenance list, a service's form and the HSDS data-package page. Each page state is checked
with axe-core and photographed to be looked at."""

import datetime
import zipfile

import pytest

from sportello.accounts.models import User
from sportello.alerts.models import Alert
from sportello.cases import referrals
from sportello.cases.models import Case, Referral, ReferralStatus, SentHow
from sportello.cases.referral_tasks import remind_unanswered
from sportello.directory.hsds_operations import export_package, package_to_zip
from sportello.directory.models import Service
from tests.browser import test_roster
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_roster import console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo desk on Tuesday 1 December 2026 at 10:00, with Milan's sample network.
demo = test_roster.demo

CAV_CENTRO = "Centro antiviolenza Milano Centro"  # the whole city, Monday to Saturday 9–18
CAV_NORD = "Centro antiviolenza Milano Nord"  # Municipi 2, 3 and 9, weekdays 10–17


def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """No axe violation on the page as it is now, and a photograph of it to look at."""
    assert axe_violations(page) == [], name
    screenshot(page, name)


def not_bad_request(errors: list[str]) -> list[str]:
    """Console errors, less the browser's note of the 400 a refused form answers with."""
    return [error for error in errors if "status of 400 (Bad Request)" not in error]


def her_case() -> Case:
    """The professional's named demo person."""
    cases = Case.objects.filter(primary_professional__username="psicologa").order_by("pk")
    return next(case for case in cases if case.person.identified)


def sent_referral(case: Case, service_name: str) -> Referral:
    """A referral proposed and e-mailed by the professional, as her pages would."""
    paola = User.objects.get(username="psicologa")
    referral = referrals.propose_referral(
        paola,
        case.pk,
        to_service_id=Service.objects.get(name=service_name).pk,
        reason="Chiede sostegno dopo le minacce dell'ex compagno.",
        summary="",
        urgency="soon",
        shared=["identity", "contact", "reason"],
        consent_given=True,
    )
    return referrals.send_referral(paola, referral.pk, how=SentHow.EMAIL)


def test_the_professional_searches_the_network_by_need_and_municipio(page, live_server, demo):
    errors = console_errors(page)
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/rete/")
    assert page.get_by_role("heading", name="Rete territoriale: cerca un servizio").count() == 1
    check(page, "directory-search-it")

    # Each change refreshes the results in place: no new page, the address follows.
    page.evaluate("window.samePage = true")
    page.select_option("#id_need", "violence_against_women")
    page.wait_for_url("**need=violence_against_women**")
    page.locator("#results", has_text=CAV_CENTRO).wait_for()
    page.select_option("#id_municipio", "3")
    page.wait_for_url("**municipio=3**")
    results = page.locator("#results article")
    page.wait_for_function(
        "() => document.querySelectorAll('#results article').length === 2", timeout=5000
    )
    assert page.evaluate("window.samePage") is True
    names = results.locator("h3").all_inner_texts()
    assert sorted(names) == [CAV_CENTRO, CAV_NORD]
    assert page.inner_text("#results-status") == "2 servizi trovati."
    # Tuesday at 10: both are open, in words; hours by day; the sample-data warning.
    centro = results.filter(has_text=CAV_CENTRO)
    badges = centro.locator(".badge").all_inner_texts()
    assert "Aperto ora" in badges and "Dato di esempio: da verificare" in badges
    assert "lunedì–sabato: 9:00–18:00" in centro.inner_text()
    assert "Verificato il 1 ottobre 2026" in centro.inner_text()  # Italian months in lower case
    check(page, "directory-search-results-it")

    # Neither centre speaks Chinese: none left, and the page says so.
    page.select_option("#id_language", "zh")
    page.locator("#results", has_text="Nessun servizio corrisponde").wait_for()
    assert page.inner_text("#results-status") == "0 servizi trovati."
    check(page, "directory-search-none")

    page.goto(f"{live_server.url}/personale/rete/?need=violence_against_women&municipio=3")
    page.get_by_role("link", name=CAV_NORD).click()
    page.wait_for_url("**/personale/rete/servizi/*/")
    main = page.inner_text("main")
    assert page.get_by_role("heading", name=CAV_NORD, level=1).count() == 1
    assert "Questa scheda è un dato di esempio" in main
    assert "Aperto ora" in main and "Municipio 3" in main
    assert "accoglienza.cavnord@example.org" in main
    check(page, "directory-service-it")

    page.goto(f"{live_server.url}/en/personale/rete/?need=violence_against_women&municipio=3")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#results article").count() == 2
    assert "Verified on 1 October 2026" in page.inner_text("#results")
    check(page, "directory-search-en")
    assert errors == []


def test_the_professional_refers_a_person_from_her_case(page, live_server, demo):
    errors = console_errors(page)
    case = her_case()
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/casi/{case.pk}/")
    section = page.locator("section[aria-labelledby=referrals-heading]")
    assert "Nessun invio." in section.inner_text()
    section.get_by_role("link", name="Proponi un invio").click()
    page.wait_for_url(f"**/personale/casi/{case.pk}/invii/nuovo/")

    # The same search as the directory's: violence against women, municipio 3.
    page.select_option("#id_bisogno", "violence_against_women")
    page.select_option("#id_municipio", "3")
    page.get_by_role("button", name="Filtra i servizi").click()
    page.wait_for_url("**bisogno=violence_against_women**")
    assert "2 servizi trovati." in page.inner_text("main")
    offered = page.locator("#id_to_service option").all_inner_texts()
    assert len(offered) == 3  # the empty choice and the two centres
    assert any(CAV_NORD in label and "dato di esempio" in label for label in offered)
    check(page, "referral-propose-it")

    # No consent: refused, nothing written.
    cav = Service.objects.get(name=CAV_NORD)
    page.select_option("#id_to_service", str(cav.pk))
    page.fill("#id_reason", "Chiede sostegno dopo le minacce dell'ex compagno.")
    page.get_by_role("button", name="Proponi l'invio").click()
    page.locator("#form-errors").wait_for()
    assert "Serve il consenso della persona" in page.inner_text("#form-errors")
    assert not Referral.objects.filter(case=case).exists()
    check(page, "referral-propose-errors")

    shared = page.get_by_role(
        "group", name="Che cosa la persona acconsente a condividere con il servizio"
    )
    for item in ("nome, cognome e anno di nascita", "motivo dell'invio"):
        shared.get_by_text(item, exact=True).click()
    page.locator("label", has_text="entro pochi giorni").click()
    page.click("label[for=id_consent_given]")
    page.get_by_role("button", name="Proponi l'invio").click()
    page.wait_for_url(f"**/personale/casi/{case.pk}/invii/*/")
    referral = Referral.objects.get(case=case)
    assert referral.to_service == cav and referral.status == ReferralStatus.PROPOSED
    assert sorted(referral.shared) == ["identity", "reason"] and referral.urgency == "soon"
    assert referral.consent_at is not None
    main = page.inner_text("main")
    assert "proposto: controlla la lettera e inviala" in main
    assert "nome, cognome e anno di nascita, motivo dell'invio" in main
    assert "Questo servizio è un dato di esempio" in main
    check(page, "referral-proposed-it")

    # The letter is a PDF.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica la lettera (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("lettera-invio-")
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as letter:
        assert letter.read(5) == b"%PDF-"

    page.get_by_text("per email a accoglienza.cavnord@example.org", exact=True).click()
    page.get_by_role("button", name="Invia", exact=True).click()
    page.wait_for_url(f"**/personale/casi/{case.pk}/invii/{referral.pk}/")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.sent_how == SentHow.EMAIL
    assert referral.sent_to == "accoglienza.cavnord@example.org"
    assert referral.follow_up_due_at is not None
    main = page.inner_text("main")
    assert "Lettera in partenza verso accoglienza.cavnord@example.org." in main
    assert "il sollecito è previsto il" in main
    check(page, "referral-sent-it")

    page.goto(f"{live_server.url}/personale/casi/{case.pk}/")
    section = page.locator("section[aria-labelledby=referrals-heading]")
    assert section.get_by_role("link", name=CAV_NORD).count() == 1
    assert section.locator(".badge", has_text="inviato").count() == 1
    check(page, "referral-case-section")

    # The same pages in English.
    page.goto(f"{live_server.url}/en/personale/casi/{case.pk}/invii/nuovo/")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, "referral-propose-en")
    page.goto(f"{live_server.url}/en/personale/casi/{case.pk}/invii/{referral.pk}/")
    check(page, "referral-sent-en")
    assert not_bad_request(errors) == []


def test_an_unanswered_referral_is_reminded_and_listed_overdue_first(
    page, browser, live_server, demo, frozen_now, request
):
    case = her_case()
    # Proposed first but never sent: an age-ordered list would show it on top.
    waiting = referrals.propose_referral(
        User.objects.get(username="psicologa"),
        case.pk,
        to_service_id=Service.objects.get(name=CAV_CENTRO).pk,
        reason="Da valutare con la persona.",
        summary="",
        urgency="routine",
        shared=[],
        consent_given=True,
    )
    late = sent_referral(case, CAV_NORD)
    assert remind_unanswered() == 0  # not due yet

    frozen_now(late.follow_up_due_at + datetime.timedelta(minutes=1))
    assert remind_unanswered() == 1
    assert remind_unanswered() == 0  # once only
    alert = Alert.objects.get(about_type="cases.referral", about_id=late.pk)
    assert "senza risposta: sollecita il servizio" in alert.title

    errors = console_errors(page)
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/casi/{case.pk}/")
    badge = page.locator("#alerts-badge")
    assert badge.locator(".badge").count() == 1
    badge.click()
    page.wait_for_url("**/personale/avvisi/**")
    page.get_by_role("link", name=alert.title).or_(page.get_by_text(alert.title)).first.wait_for()
    check(page, "referral-alert")

    page.goto(f"{live_server.url}/personale/casi/{case.pk}/invii/{late.pk}/")
    assert "sollecita il servizio" in page.inner_text("main")
    check(page, "referral-overdue")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    request.addfinalizer(context.close)
    coordinator = context.new_page()
    coordinator_errors = console_errors(coordinator)
    sign_in(coordinator, live_server, "coordinatore")
    coordinator.goto(f"{live_server.url}/personale/casi/invii/")
    assert "1 invio senza risposta oltre il termine" in coordinator.inner_text("main")
    rows = coordinator.locator("main table tbody tr")
    assert rows.count() >= 2
    first = rows.first
    assert first.locator(f"a[href$='/invii/{late.pk}/']").count() == 1
    assert "senza risposta: da sollecitare" in first.inner_text()
    others = coordinator.locator(f"main table tbody tr:has(a[href$='/invii/{waiting.pk}/'])")
    assert "da sollecitare" not in others.inner_text()
    check(coordinator, "referrals-open-overdue")
    assert errors == [] and coordinator_errors == []


def broken_package() -> bytes:
    """The network's own HSDS zip with its opening hours written wrong (8.30 for 08:30)."""
    files = export_package()
    files["schedules.csv"] = files["schedules.csv"].replace(b"08:30", b"8.30")
    return package_to_zip(files)


def test_the_coordinator_maintains_the_network_and_its_hsds_package(
    page, live_server, demo, tmp_path
):
    errors = console_errors(page)
    sign_in(page, live_server, "coordinatore")
    page.goto(f"{live_server.url}/personale/rete/gestione/")
    assert page.get_by_role("heading", name="Gestione della rete dei servizi").count() == 1
    page.get_by_role("link", name="Da verificare", exact=True).click()
    page.wait_for_url("**da_verificare=1**")
    assert page.get_by_role("heading", name="Rete dei servizi: da verificare").count() == 1
    due = page.locator("main table tbody th a").all_inner_texts()
    # Never checked, or checked more than a year ago, are due; checked last month is not.
    assert "Consultorio familiare Lorenteggio" in due and CAV_NORD in due
    assert "Centro psico-sociale (CPS) Centro" not in due
    assert "Ultima verifica il 26 ottobre 2025" in page.inner_text("main")
    check(page, "directory-maintenance-due")

    page.get_by_role("link", name=CAV_NORD).click()
    page.wait_for_url("**/personale/rete/gestione/servizi/*/")
    assert page.locator("form input[name=name]").input_value() == CAV_NORD
    assert page.get_by_label("Aperto anche nei giorni festivi (con gli stessi orari)").count() == 1
    check(page, "directory-service-form")
    service_form = page.url
    page.goto(service_form.replace("/personale/", "/en/personale/", 1))
    assert page.get_by_label("Also open on public holidays (same hours)").count() == 1
    check(page, "directory-service-form-en")

    page.goto(f"{live_server.url}/personale/rete/dati/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica il pacchetto (zip)").click()
    download = download_info.value
    assert download.suggested_filename == "rete-servizi-hsds-20261201.zip"
    with zipfile.ZipFile(download.path()) as package:
        assert "datapackage.json" in package.namelist()
        assert "services.csv" in package.namelist()
    check(page, "directory-hsds")

    broken = tmp_path / "rete.zip"
    broken.write_bytes(broken_package())
    before = Service.objects.count()
    page.set_input_files("#id_archive", str(broken))
    page.get_by_role("button", name="Importa").click()
    page.locator("#package-errors").wait_for()
    assert "Pacchetto rifiutato" in page.inner_text("#package-errors")
    table = page.locator("#package-errors table").inner_text()
    assert "schedules.csv" in table and "opens_at" in table
    assert "non è un orario nel formato HH:MM" in table
    assert Service.objects.count() == before
    check(page, "directory-hsds-errors")

    # English months keep their capital; Italian ones, above, do not.
    page.goto(f"{live_server.url}/en/personale/rete/gestione/?da_verificare=1")
    assert "Last verified on 26 October 2025" in page.inner_text("main")
    assert "last verified before 1 June 2026" in page.inner_text("main")
    assert not_bad_request(errors) == []
