"""Appointments in a real Chromium: the professional books a video session from the case and
browses the weeks with htmx; the citizen's signed link (the waiting page, moving, which kills the
old link, and cancelling); slots proposed by the professional and chosen by the citizen; the
agenda by day and week, by keyboard, and everyone's for the coordinator; the video room's window
opening while the waiting page is open. Each page state is checked with axe-core and photographed
to be looked at."""

import datetime
from urllib.parse import urlsplit

import pytest

from sportello.accounts.models import User
from sportello.appointments import citizen_views, links, operations, queries
from sportello.appointments.citizen_forms import clock, day_label
from sportello.appointments.models import (
    Appointment,
    AppointmentChannel,
    AppointmentStatus,
    SlotOffer,
)
from sportello.cases.models import Case
from sportello.rota import queries as rota
from sportello.services import queries as catalogue
from tests.browser import test_roster
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_roster import console_errors, focus_by_tab, focus_is_visible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The roster's demo desk on Tuesday 1 December 2026 at 10:00: seed_demo's team, cases, roster
# and two sample appointments (Monday's, as seeded then).
demo = test_roster.demo

TUESDAY = datetime.date(2026, 12, 1)  # the demo's frozen "today", 10:00
WEDNESDAY = datetime.date(2026, 12, 2)
NEXT_WEEK = "dal 07/12/2026 al 13/12/2026"


def focus_lands_on(page, element_id: str) -> None:  # type: ignore[no-untyped-def]
    """htmx moves the focus once the swapped content settles: wait for it, a few seconds at most."""
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id",
        arg=element_id,
        timeout=5000,
    )


def demo_case(*, identified: bool) -> Case:
    """One of the professional's demo cases: the named person (who may get messages) or the
    anonymous one (who may not, yet)."""
    cases = Case.objects.filter(primary_professional__username="psicologa").order_by("pk")
    return next(case for case in cases if case.person.identified == identified)


def book_video(case: Case, first: datetime.date, *, index: int = 0) -> Appointment:
    """A video session with the demo professional in one of her free slots from ``first`` on
    (the demo's roster is solved afresh each time: which days she works may change)."""
    paola = User.objects.get(username="psicologa")
    slot = queries.free_slots(paola, first, first + datetime.timedelta(days=13))[index]
    return operations.book(
        paola, case=case, professional=paola, starts_at=slot.start, channel=AppointmentChannel.VIDEO
    )


def relative(url: str) -> str:
    """A citizen link without SPORTELLO_SITE_URL's host, to open on the test server."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def citizen_page(browser, live_server, request):  # type: ignore[no-untyped-def]
    """A fresh browser with nobody signed in, that may fetch nothing but the site itself."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    outside: list[str] = []
    context.on(
        "request",
        lambda sent: (
            None
            if sent.url.startswith(live_server.url) or sent.url.startswith("data:")
            else outside.append(sent.url)
        ),
    )

    def close() -> None:
        context.close()
        assert outside == [], f"requests left the site: {outside}"

    request.addfinalizer(close)
    return context.new_page()


def unexpected(errors: list[str]) -> list[str]:
    """Console errors, less the browser's note of the 400 and 404 pages the test asks for."""
    expected = ("status of 400 (Bad Request)", "status of 404 (Not Found)")
    return [error for error in errors if not any(status in error for status in expected)]


def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """No axe violation on the page as it is now, and a photograph of it to look at."""
    assert axe_violations(page) == [], name
    screenshot(page, name)


def test_the_professional_books_a_video_session_from_the_case(page, live_server, demo):
    errors = console_errors(page)
    case = demo_case(identified=False)
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/casi/{case.pk}/")
    page.get_by_role("link", name="Prenota un colloquio").click()
    page.wait_for_url(f"**/personale/appuntamenti/prenota/{case.pk}/")
    heading = page.locator("#slots-heading")
    assert "Orari liberi di Paola Rossi dal 30/11/2026 al 06/12/2026" in heading.inner_text()
    # Nobody may be messaged yet: no slots can be proposed, only booked.
    assert "non si possono proporre orari per messaggio" in page.inner_text("#slot-region")
    check(page, "appointments-book-it")

    page.click("label[for=id_modalita_1]")  # in videochiamata
    assert page.is_checked("#id_modalita_1")
    # The week navigator replaces the slot list in place: no new page, the address follows,
    # the focus lands on the new week's heading and the button keeps its name.
    page.evaluate("window.samePage = true")
    page.get_by_role("link", name="Settimana successiva").click()
    page.get_by_role("heading", name=f"Orari liberi di Paola Rossi {NEXT_WEEK}").wait_for()
    assert page.evaluate("window.samePage") is True
    assert "settimana=2026-12-07" in page.url
    focus_lands_on(page, "slots-heading")
    assert page.is_checked("#id_modalita_1")
    assert page.get_by_role("link", name="Settimana precedente").count() == 1
    check(page, "appointments-book-next-week")

    choice = page.locator("#slot-region input[name=orario]").first
    starts_at = datetime.datetime.fromisoformat(choice.get_attribute("value"))
    assert starts_at.date() >= datetime.date(2026, 12, 7)
    page.click(f"label[for={choice.get_attribute('id')}]")
    page.get_by_role("button", name="Prenota il colloquio").click()
    page.wait_for_url("**/personale/appuntamenti/*/")
    appointment = Appointment.objects.filter(case=case).latest("pk")
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.starts_at == starts_at
    assert appointment.channel == AppointmentChannel.VIDEO
    assert page.url.endswith(f"/personale/appuntamenti/{appointment.pk}/")
    main = page.inner_text("main")
    assert "Appuntamento prenotato." in main
    video = page.locator("section[aria-labelledby=video-heading]").inner_text()
    assert "In questa dimostrazione non c'è un server video" in video
    assert f"/video-demo/{appointment.room}" in page.locator("section code").inner_text()
    assert "La stanza si apre alle " in video and "Il collegamento vale fino alle " in video
    assert "Nessun messaggio alla persona: chiamala tu" in main
    check(page, "appointments-detail-it")

    page.get_by_role("link", name="Torna alla presa in carico").click()
    page.wait_for_url(f"**/personale/casi/{case.pk}/")
    upcoming = page.locator("section[aria-labelledby=appointments-heading] ul").first
    assert page.locator(f"a[href$='/personale/appuntamenti/{appointment.pk}/']").count() == 1
    assert "in videochiamata" in upcoming.inner_text()
    assert "nessun messaggio: chiamala tu" in upcoming.inner_text()
    check(page, "appointments-case-section")

    # The same pages in English.
    page.goto(f"{live_server.url}/en/personale/appuntamenti/prenota/{case.pk}/")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, "appointments-book-en")
    page.goto(f"{live_server.url}/en/personale/appuntamenti/{appointment.pk}/")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, "appointments-detail-en")
    assert errors == []


def test_the_citizen_waits_for_the_room_moves_then_cancels_through_the_link(
    browser, live_server, demo, request
):
    appointment = book_video(demo_case(identified=True), WEDNESDAY, index=1)
    citizen = citizen_page(browser, live_server, request)
    errors = console_errors(citizen)
    link = live_server.url + relative(links.appointment_url(appointment, "it"))
    citizen.goto(link)
    assert citizen.locator("html").get_attribute("lang") == "it"
    room = citizen.locator("#room-status")
    assert room.get_attribute("data-state") == "waiting"
    opens = appointment.starts_at - datetime.timedelta(minutes=10)
    assert f"si apre {day_label(opens)} alle {clock(opens)}" in room.inner_text()
    help_box = citizen.get_by_test_id("connection-help").text_content()
    assert "Se il collegamento non funziona" in help_box and "Chiama il numero 020202" in help_box
    assert citizen.locator("main a[href='tel:020202']").count() >= 1
    check(citizen, "appointments-citizen-waiting-it")

    citizen.goto(live_server.url + relative(links.appointment_url(appointment, "en")))
    assert citizen.locator("html").get_attribute("lang") == "en"
    assert citizen.locator("#room-status").get_attribute("data-state") == "waiting"
    check(citizen, "appointments-citizen-waiting-en")

    # Moved to another time: the old link dies, the new page is the one to keep.
    citizen.goto(link)
    citizen.get_by_role("link", name="Sposta l'appuntamento").click()
    citizen.wait_for_url("**/sposta/")
    check(citizen, "appointments-citizen-move")
    first = citizen.locator("input[name=starts_at]").first
    citizen.click(f"label[for={first.get_attribute('id')}]")
    citizen.fill("#id_reason", "Al mattino lavoro.")
    citizen.get_by_role("button", name="Sposta a questo orario").click()
    citizen.wait_for_url("**/appuntamento/*/?esito=spostato")
    assert "Appuntamento spostato: questo è il nuovo orario." in citizen.inner_text("main")
    moved = Appointment.objects.get(rescheduled_from=appointment)
    assert moved.status == AppointmentStatus.BOOKED and moved.starts_at != appointment.starts_at
    new_link = citizen.url.split("?")[0]
    assert citizen.goto(link).status == 404
    assert citizen.get_by_role("heading", name="Questo link non è più valido").count() == 1
    assert "dicembre" not in citizen.inner_text("main")  # nothing of the appointment shows
    check(citizen, "appointments-citizen-invalid-link")

    # Cancelled, by keyboard, with a reason (none is refused first).
    citizen.goto(new_link)
    cancel = citizen.get_by_role("link", name="Annulla l'appuntamento")
    focus_by_tab(citizen, cancel)
    assert focus_is_visible(citizen)
    citizen.keyboard.press("Enter")
    citizen.wait_for_url("**/annulla/")
    # The text box's label sits below the last reason, not over it.
    last_reason = citizen.locator("label[for^=id_reason_choice_]").last.bounding_box()
    text_label = citizen.locator("label[for=id_reason_text]").bounding_box()
    assert text_label["y"] >= last_reason["y"] + last_reason["height"]
    check(citizen, "appointments-citizen-cancel")
    citizen.get_by_role("button", name="Annulla l'appuntamento").click()
    citizen.locator("#error-summary").wait_for()
    assert "Dicci perché annulli" in citizen.inner_text("#error-summary")
    assert Appointment.objects.get(pk=moved.pk).status == AppointmentStatus.BOOKED
    check(citizen, "appointments-citizen-cancel-errors")
    citizen.click("label[for=id_reason_choice_0]")
    citizen.fill("#id_reason_text", "Ho un esame quel giorno.")
    citizen.get_by_role("button", name="Annulla l'appuntamento").click()
    citizen.wait_for_url("**/appuntamento-annullato/*/")
    assert "Hai annullato l'appuntamento di " in citizen.inner_text("main")
    check(citizen, "appointments-citizen-cancelled")
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.CANCELLED and moved.cancelled_by_citizen
    assert "Ho un esame quel giorno." in moved.cancel_reason

    # The link now only says so: nothing is left to do with it.
    citizen.goto(new_link)
    status = citizen.get_by_test_id("appointment-status")
    assert status.get_attribute("data-status") == "cancelled"
    assert "Questo appuntamento è stato annullato." in status.inner_text()
    assert citizen.get_by_role("link", name="Annulla l'appuntamento").count() == 0
    check(citizen, "appointments-citizen-link-after-cancel")
    assert unexpected(errors) == []


def test_the_professional_proposes_two_slots_and_the_citizen_chooses_one(
    page, browser, live_server, demo, request
):
    errors = console_errors(page)
    case = demo_case(identified=False)
    sign_in(page, live_server, "psicologa")

    # Messages become possible once she has an address and it is safe to write to her.
    page.goto(f"{live_server.url}/personale/casi/{case.pk}/persona/")
    assert not page.is_checked("#id_safe_to_message")
    page.fill("#id_email", "persona.anonima@example.org")
    page.click("label[for=id_safe_to_message]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/personale/casi/{case.pk}/")
    case.person.refresh_from_db()
    assert case.person.safe_to_message and case.person.email == "persona.anonima@example.org"

    page.goto(f"{live_server.url}/personale/appuntamenti/prenota/{case.pk}/")
    offer_section = page.locator("section[aria-labelledby=offer-heading]")
    boxes = offer_section.locator("input[name=orari]")
    assert boxes.count() >= 2
    wanted = [datetime.datetime.fromisoformat(boxes.nth(n).get_attribute("value")) for n in (0, 1)]
    for n in (0, 1):
        page.click(f"label[for={boxes.nth(n).get_attribute('id')}]")
    check(page, "appointments-propose")
    page.get_by_role("button", name="Proponi questi orari alla persona").click()
    page.wait_for_url(f"**/personale/casi/{case.pk}/#appointments-heading")
    assert "Orari proposti alla persona: 2." in page.inner_text("main")
    offer = SlotOffer.objects.get(case=case)
    assert sorted(slot.starts_at for slot in offer.slots.all()) == wanted
    assert offer.messages.filter(kind="offer").count() == 1  # the e-mail with the link
    waiting = page.locator("section[aria-labelledby=appointments-heading]")
    assert "Orari proposti, in attesa di risposta" in waiting.inner_text()
    assert waiting.get_by_role("button", name="Ritira la proposta").count() == 1
    check(page, "appointments-case-with-offer")

    citizen = citizen_page(browser, live_server, request)
    citizen_errors = console_errors(citizen)
    citizen.goto(live_server.url + relative(links.offer_url(offer, "en")))
    assert citizen.locator("html").get_attribute("lang") == "en"
    check(citizen, "appointments-citizen-choose-en")
    citizen.goto(live_server.url + relative(links.offer_url(offer, "it")))
    assert citizen.get_by_role("heading", name="Scegli l'orario del colloquio").count() == 1
    choices = citizen.locator("input[name=slot]")
    assert choices.count() == 2
    check(citizen, "appointments-citizen-choose-it")
    citizen.click(f"label[for={choices.nth(1).get_attribute('id')}]")
    citizen.get_by_role("button", name="Prenota questo orario").click()
    citizen.wait_for_url("**/appuntamento/*/?esito=scelto")
    assert "Appuntamento prenotato." in citizen.get_by_test_id("done").inner_text()
    offer.refresh_from_db()
    chosen = offer.chosen
    assert chosen is not None and chosen.booked_by is None and chosen.starts_at == wanted[1]
    assert citizen.get_by_role("link", name="Annulla l'appuntamento").count() == 1
    check(citizen, "appointments-citizen-chosen")

    page.reload()
    section = page.locator("section[aria-labelledby=appointments-heading]")
    assert page.locator(f"a[href$='/personale/appuntamenti/{chosen.pk}/']").count() == 1
    assert "Orari proposti, in attesa di risposta" not in section.inner_text()
    assert errors == [] and citizen_errors == []


def test_the_agenda_by_day_and_week_by_keyboard_and_everyones_for_the_coordinator(
    page, browser, live_server, demo, request
):
    errors = console_errors(page)
    booked = book_video(demo_case(identified=True), TUESDAY)
    first = Appointment.objects.order_by("starts_at").first()
    day = first.starts_at.astimezone(catalogue.desk_zone()).date()
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/appuntamenti/agenda/?giorno={day.isoformat()}")
    heading = page.locator("#agenda-heading")
    assert heading.inner_text() == f"Agenda di Paola Rossi del {day:%d/%m/%Y}"
    sessions = page.locator("#agenda-region .agenda-session")
    assert sessions.count() >= 1
    assert first.case.reference in sessions.first.inner_text()
    check(page, "appointments-agenda-day")

    # By keyboard: the next day replaces the region, the focus lands on its heading and the
    # change is read aloud.
    following = day + datetime.timedelta(days=1)
    page.evaluate("window.samePage = true")
    link = page.get_by_role("link", name="Giorno successivo")
    focus_by_tab(page, link)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Agenda di Paola Rossi del {following:%d/%m/%Y}").wait_for()
    assert page.evaluate("window.samePage") is True
    focus_lands_on(page, "agenda-heading")
    assert f"giorno={following.isoformat()}" in page.url
    assert page.inner_text("#agenda-announce") == f"Agenda di Paola Rossi del {following:%d/%m/%Y}"

    week = page.get_by_role("link", name="Vedi la settimana")
    focus_by_tab(page, week)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Agenda di Paola Rossi dal").wait_for()
    region = page.locator("#agenda-region")
    focus_lands_on(page, "agenda-heading")
    assert region.locator("section h3").count() == 7  # Monday to Sunday
    monday = rota.monday_of(following)
    for shown in (first, booked):
        in_week = monday <= rota.desk_day(shown.starts_at) < monday + datetime.timedelta(days=7)
        listed = region.locator(f"a[href$='/personale/appuntamenti/{shown.pk}/']").count()
        assert listed == (1 if in_week else 0)
    check(page, "appointments-agenda-week-it")
    page.goto(f"{live_server.url}/en/personale/appuntamenti/agenda/?vista=settimana&giorno={day}")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, "appointments-agenda-week-en")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    request.addfinalizer(context.close)
    coordinator = context.new_page()
    coordinator_errors = console_errors(coordinator)
    sign_in(coordinator, live_server, "coordinatore")
    coordinator.goto(
        f"{live_server.url}/personale/appuntamenti/agenda/?vista=settimana&giorno={day}"
    )
    whose = coordinator.locator("#agenda-professional")
    focus_by_tab(coordinator, whose)
    assert focus_is_visible(coordinator)
    whose.select_option("tutti")
    coordinator.get_by_role("button", name="Mostra").click()
    coordinator.wait_for_url("**professionista=tutti**")
    title = coordinator.locator("#agenda-heading").inner_text()
    assert title.startswith("Tutti i colloqui dal ")
    everyone = coordinator.locator("#agenda-region")
    assert everyone.get_by_role("heading", name="Paola Rossi", exact=True).count() >= 1
    assert first.case.reference in everyone.inner_text()
    check(coordinator, "appointments-agenda-everyone")
    assert errors == [] and coordinator_errors == []


def test_inside_the_video_window_the_room_opens_on_both_sides(
    page, browser, live_server, demo, frozen_now, settings, monkeypatch, request
):
    # The waiting page asks every second instead of every thirty: the test sees the change.
    monkeypatch.setattr(citizen_views, "POLL_SECONDS", 1)
    appointment = book_video(demo_case(identified=True), WEDNESDAY)
    opens = appointment.starts_at - datetime.timedelta(minutes=10)
    frozen_now(opens - datetime.timedelta(minutes=30))  # the same day, before the window
    citizen = citizen_page(browser, live_server, request)
    citizen_errors = console_errors(citizen)
    citizen.goto(live_server.url + relative(links.appointment_url(appointment, "it")))
    room = citizen.locator("#room-status")
    assert room.get_attribute("data-state") == "waiting"
    assert f"si apre oggi alle {clock(opens)}" in room.inner_text()

    # The room opens while the page is open: the poll shows it without a reload.
    frozen_now(appointment.starts_at - datetime.timedelta(minutes=5))
    citizen.locator("#room-status[data-state=open]").wait_for(timeout=10_000)
    assert f"/video-demo/{appointment.room}" in citizen.get_by_test_id("demo-link").inner_text()
    check(citizen, "appointments-citizen-room-open-demo")

    errors = console_errors(page)
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/appuntamenti/{appointment.pk}/")
    video = page.locator("section[aria-labelledby=video-heading]")
    assert "La stanza è aperta." in video.inner_text()
    assert f"/video-demo/{appointment.room}" in video.locator("code").inner_text()
    check(page, "appointments-detail-room-open-demo")

    # With a video server configured both sides get a control to join (not followed here).
    settings.SPORTELLO_JITSI_URL = "https://video.comune.example.it"
    settings.SPORTELLO_JITSI_SECRET = "a-test-secret-at-least-32-bytes-long"
    page.reload()
    join = page.get_by_role("link", name="Entra nella stanza")
    assert join.count() == 1
    assert join.get_attribute("href").startswith(
        f"https://video.comune.example.it/{appointment.room}?jwt="
    )
    assert join.get_attribute("target") == "_blank"
    check(page, "appointments-detail-room-open")
    citizen.reload()
    enter = citizen.get_by_test_id("join")
    assert enter.inner_text() == "Entra nella videochiamata"
    assert enter.get_attribute("href").startswith("https://video.comune.example.it/")
    focus_by_tab(citizen, enter)
    assert focus_is_visible(citizen)
    check(citizen, "appointments-citizen-room-open")
    assert errors == [] and citizen_errors == []
