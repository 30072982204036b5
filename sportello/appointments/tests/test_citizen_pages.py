"""The citizen's pages behind a signed link: choosing a proposed time, the appointment and its
video waiting page, moving and cancelling; what a bad link, a race or a flood gets."""

import datetime
import re

import pytest
from django.urls import reverse

from sportello.appointments import links, operations
from sportello.appointments.models import Appointment, AppointmentStatus, SlotOffer
from sportello.privacy.models import AuditEvent
from sportello.rota.tests.conftest import publish
from sportello.testing import rome

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 11, 30)
TUESDAY_1030 = rome(2026, 12, 1, 10, 30)
TUESDAY_1230 = rome(2026, 12, 1, 12, 30)


@pytest.fixture
def desk(milan, make_professional, make_coordinator, make_case, frozen_now):
    """Paola works Tuesday mornings (9:30–13:45); her case's person may get messages."""
    frozen_now(rome(2026, 12, 1, 10, 0))
    paola = make_professional("paola")
    coordinator = make_coordinator("carla")
    publish(coordinator, MONDAY, [(paola, 1, "morning")])
    case = make_case(paola)
    person = case.person
    person.email = "ada@example.org"
    person.safe_to_message = True
    person.save()
    frozen_now(rome(2026, 12, 1, 8, 0))
    return {"paola": paola, "case": case, "frozen_now": frozen_now}


@pytest.fixture
def offer(desk):
    return operations.offer_slots(
        desk["paola"],
        case=desk["case"],
        channel="video",
        choices=[(desk["paola"], TUESDAY_1030), (desk["paola"], TUESDAY_1230)],
    )


def book(desk, channel="video", at=TUESDAY_1030):
    return operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=at,
        channel=channel,
    )  # fmt: skip


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def choose_url(offer, prefix=""):
    return f"{prefix}/scegli-orario/{links.offer_token(offer)}/"


def manage_url(appointment, suffix=""):
    return f"/appuntamento/{links.appointment_token(appointment)}/{suffix}"


def written():
    return (Appointment.objects.count(), AuditEvent.objects.count())


def assert_invalid_link(response):
    assert response.status_code == 404
    page = text(response)
    assert "Questo link non è più valido" in page
    assert "020202" in page
    assert 'href="tel:112"' in page and 'href="tel:1522"' in page


# --- Choosing a proposed time ------------------------------------------------------------------


def test_the_offer_page_shows_times_and_channel_but_no_name_or_service(client, offer):
    response = client.get(choose_url(offer))
    assert response.status_code == 200
    page = text(response)
    assert "Martedì 1 dicembre 2026" in page
    assert "dalle 10:30 alle 11:15" in page and "dalle 12:30 alle 13:15" in page
    assert "videochiamata" in page
    assert "<legend" in page and 'type="radio"' in page
    assert "paola" not in page.lower()
    assert "Servizio per le emergenze psicologiche" not in page
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_choosing_a_time_books_it_for_the_citizen_and_lands_on_its_page(client, offer):
    slot = offer.slots.get(starts_at=TUESDAY_1230)
    response = client.post(choose_url(offer), {"slot": slot.pk})
    appointment = Appointment.objects.get()
    assert appointment.booked_by is None
    assert appointment.starts_at == TUESDAY_1230
    assert appointment.status == AppointmentStatus.BOOKED
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("citizen_appointments:manage", args=[links.appointment_token(appointment)])
        + "?esito=scelto"
    )
    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert "Appuntamento prenotato" in text(landed)


def test_a_time_not_offered_is_refused_and_nothing_written(client, offer):
    before = written()
    response = client.post(choose_url(offer), {"slot": "999999"})
    assert response.status_code == 400
    assert "Questo orario non è più disponibile" in text(response)
    response = client.post(choose_url(offer), {})
    assert response.status_code == 400
    assert "Scegli uno degli orari proposti." in text(response)
    assert written() == before


def test_a_time_taken_meanwhile_is_refused_with_a_message_and_nothing_written(client, desk, offer):
    book(desk, channel="phone", at=TUESDAY_1030)  # staff booked the same time meanwhile
    before = written()
    slot = offer.slots.get(starts_at=TUESDAY_1030)
    response = client.post(choose_url(offer), {"slot": slot.pk})
    assert response.status_code == 400
    page = text(response)
    assert "nel frattempo è stato prenotato" in page
    assert "paola" not in page.lower()
    assert written() == before
    assert SlotOffer.objects.get().chosen is None


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-3] + "abc", id="forged"),
        pytest.param(lambda token: token.replace(":", "-", 1), id="changed"),
        pytest.param(lambda token: "nonsense", id="garbage"),
    ],
)
def test_a_forged_offer_link_is_a_friendly_404_and_writes_nothing(client, offer, tamper):
    slot = offer.slots.first()
    before = written()
    token = tamper(links.offer_token(offer))
    assert_invalid_link(client.get(f"/scegli-orario/{token}/"))
    assert_invalid_link(client.post(f"/scegli-orario/{token}/", {"slot": slot.pk}))
    assert written() == before


def test_an_appointment_link_is_not_an_offer_link(client, desk):
    appointment = book(desk)
    assert_invalid_link(client.get(f"/scegli-orario/{links.appointment_token(appointment)}/"))


def test_a_withdrawn_offer_says_so(client, desk, offer):
    url = choose_url(offer)  # the link sent before the offer was withdrawn
    operations.withdraw_offer(desk["paola"], offer)
    response = client.get(url)
    assert response.status_code == 410
    assert "Questa proposta non è più valida" in text(response)
    before = written()
    assert client.post(url, {"slot": offer.slots.first().pk}).status_code == 410
    assert written() == before


def test_an_expired_offer_says_so(client, desk, offer):
    desk["frozen_now"](rome(2026, 12, 1, 12, 30))
    response = client.get(choose_url(offer))
    assert response.status_code == 410
    assert "Questa proposta è scaduta" in text(response)


def test_an_offer_already_chosen_says_so_and_books_nothing_more(client, offer):
    url = choose_url(offer)
    client.post(url, {"slot": offer.slots.get(starts_at=TUESDAY_1030).pk})
    response = client.post(url, {"slot": offer.slots.get(starts_at=TUESDAY_1230).pk})
    assert response.status_code == 410
    assert "Hai già scelto un orario" in text(response)
    assert Appointment.objects.count() == 1


def test_times_too_close_to_now_are_not_offered(client, desk, offer):
    desk["frozen_now"](rome(2026, 12, 1, 9, 45))  # 10:30 is within the hour's notice
    page = text(client.get(choose_url(offer)))
    assert "dalle 10:30" not in page
    assert "dalle 12:30 alle 13:15" in page


def test_when_every_time_is_too_close_the_offer_has_expired(client, desk, offer):
    # The offer lasts until the latest time can still be booked: 12:30 less the hour's notice.
    desk["frozen_now"](rome(2026, 12, 1, 11, 31))
    response = client.get(choose_url(offer))
    assert response.status_code == 410
    page = text(response)
    assert "Questa proposta è scaduta" in page and "020202" in page
    assert "Prenota questo orario" not in page


# --- The appointment page --------------------------------------------------------------------


def test_a_phone_appointment_page_says_we_call_and_how_to_get_help(client, desk):
    appointment = book(desk, channel="phone")
    response = client.get(manage_url(appointment))
    assert response.status_code == 200
    page = text(response)
    assert "Martedì 1 dicembre 2026" in page and "dalle 10:30 alle 11:15" in page
    assert "Ti chiameremo noi al numero che ci hai lasciato." in page
    assert "020202" in page and "9:30–18:00" in page
    assert 'href="tel:112"' in page and 'href="tel:1522"' in page
    assert "room-status" not in page
    assert "paola" not in page.lower()
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_before_the_room_opens_the_page_says_when_and_polls(client, desk):
    appointment = book(desk)
    page = text(client.get(manage_url(appointment)))
    assert "Se il collegamento non funziona" in page and "020202" in page
    assert "La stanza della videochiamata si apre oggi alle 10:20" in page
    assert 'hx-trigger="every 30s"' in page
    assert 'aria-live="polite"' in page
    assert appointment.room not in page
    assert "Entra nella videochiamata" not in page
    assert "Sposta l'appuntamento" in page and "Annulla l'appuntamento" in page


def test_inside_the_window_the_join_link_is_there(client, desk, settings):
    settings.SPORTELLO_VIDEO_PROVIDER = "jitsi"
    settings.SPORTELLO_JITSI_URL = "https://meet.example.org"
    appointment = book(desk)
    desk["frozen_now"](rome(2026, 12, 1, 10, 25))
    page = text(client.get(manage_url(appointment)))
    assert "Entra nella videochiamata" in page
    assert f'href="https://meet.example.org/{appointment.room}' in page
    assert "every 30s" not in page
    # Started: it can no longer be moved or cancelled from here.
    desk["frozen_now"](rome(2026, 12, 1, 10, 35))
    page = text(client.get(manage_url(appointment)))
    assert "Entra nella videochiamata" in page
    assert "Sposta l'appuntamento" not in page


def test_in_the_demo_the_link_is_shown_as_text(client, desk, settings):
    settings.SPORTELLO_VIDEO_PROVIDER = "demo"
    appointment = book(desk)
    desk["frozen_now"](rome(2026, 12, 1, 10, 25))
    page = text(client.get(manage_url(appointment)))
    assert "non c'è un server per le videochiamate" in page
    assert re.search(rf"<code[^>]*>[^<]*{appointment.room}</code>", page)
    assert "Entra nella videochiamata" not in page


def test_after_the_window_the_room_is_closed(client, desk):
    appointment = book(desk)
    desk["frozen_now"](rome(2026, 12, 1, 12, 0))
    page = text(client.get(manage_url(appointment)))
    assert "La stanza è chiusa." in page
    assert appointment.room not in page


def test_the_poll_is_silent_until_the_room_opens(client, desk, settings):
    settings.SPORTELLO_VIDEO_PROVIDER = "demo"
    appointment = book(desk)
    poll = manage_url(appointment, "stanza/?shown=waiting")
    waiting = client.get(poll, HTTP_HX_REQUEST="true")
    assert waiting.status_code == 204
    assert waiting["Referrer-Policy"] == "same-origin"
    desk["frozen_now"](rome(2026, 12, 1, 10, 20))
    opened = client.get(poll, HTTP_HX_REQUEST="true")
    assert opened.status_code == 200
    fragment = text(opened)
    assert 'data-state="open"' in fragment and appointment.room in fragment
    assert "<html" not in fragment and "hx-trigger" not in fragment


def test_the_poll_of_a_dead_link_stops_polling(client, desk):
    appointment = book(desk)
    poll = manage_url(appointment, "stanza/?shown=waiting")
    operations.citizen_reschedule(appointment, starts_at=TUESDAY_1230)  # the move kills it
    response = client.get(poll, HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert "Questo link non è più valido" in text(response)
    assert client.get(poll).status_code == 404


@pytest.mark.parametrize(
    "outcome, says",
    [
        ("cancelled", "Questo appuntamento è stato annullato."),
        ("held", "Il colloquio si è svolto."),
        ("no_show", "Il colloquio non si è svolto"),
    ],
)
def test_closed_appointments_are_shown_plainly(client, desk, outcome, says):
    appointment = book(desk)
    if outcome == "cancelled":
        operations.cancel(desk["paola"], appointment, reason="Malattia del professionista")
    else:
        desk["frozen_now"](rome(2026, 12, 1, 11, 20))
        operations.record_outcome(desk["paola"], appointment, held=outcome == "held")
    page = text(client.get(manage_url(appointment)))
    assert says in page
    assert "Sposta l'appuntamento" not in page
    assert "Entra nella videochiamata" not in page
    assert "Malattia" not in page


# --- Cancelling ------------------------------------------------------------------------------


def test_cancelling_without_a_reason_is_refused_and_nothing_written(client, desk):
    appointment = book(desk)
    before = written()
    response = client.post(manage_url(appointment, "annulla/"), {"reason_text": "  "})
    assert response.status_code == 400
    assert "Dicci perché annulli" in text(response)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert written() == before


def test_cancelling_with_a_reason_cancels_and_the_link_then_says_so(client, desk):
    appointment = book(desk)
    url = manage_url(appointment)
    page = text(client.get(manage_url(appointment, "annulla/")))
    assert "<fieldset" in page and "<legend" in page
    response = client.post(
        manage_url(appointment, "annulla/"),
        {"reason_choice": "busy", "reason_text": "Lavoro fino a tardi"},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancelled_by_citizen
    assert appointment.cancel_reason == "Ho un impegno a quell'ora — Lavoro fino a tardi"
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Hai annullato l'appuntamento di martedì 1 dicembre 2026" in text(done)
    page = text(client.get(url))
    assert "Questo appuntamento è stato annullato." in page and "Annulla l'appuntamento" not in page


def test_a_started_appointment_cannot_be_cancelled(client, desk):
    appointment = book(desk)
    desk["frozen_now"](rome(2026, 12, 1, 10, 31))
    response = client.post(manage_url(appointment, "annulla/"), {"reason_choice": "busy"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


# --- Moving ----------------------------------------------------------------------------------


def test_moving_books_the_new_time_cancels_the_old_and_kills_its_link(client, desk):
    appointment = book(desk)
    old_url = manage_url(appointment)
    form = text(client.get(manage_url(appointment, "sposta/")))
    assert "dalle 9:30 alle 10:15" in form and "dalle 12:30 alle 13:15" in form
    assert 'value="2026-12-01T09:30Z"' not in form  # its own time is not a move
    assert 'value="2026-12-01T11:30Z"' in form  # 12:30 in Rome
    response = client.post(
        manage_url(appointment, "sposta/"), {"starts_at": "2026-12-01T11:30Z", "reason": ""}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    moved = Appointment.objects.get(rescheduled_from=appointment)
    assert moved.starts_at == TUESDAY_1230 and moved.status == AppointmentStatus.BOOKED
    assert moved.channel == "video" and moved.booked_by is None
    # The same signed payload (the new appointment and its key); the signature's timestamp may
    # have ticked a second since the view signed it.
    assert response["Location"].split(":")[0] == manage_url(moved).split(":")[0]
    landed = text(client.get(response["Location"]))
    assert "Appuntamento spostato" in landed and "dalle 12:30 alle 13:15" in landed
    assert_invalid_link(client.get(old_url))


def test_moving_to_a_time_no_longer_free_is_refused_and_nothing_written(client, desk):
    appointment = book(desk)
    before = written()
    response = client.post(manage_url(appointment, "sposta/"), {"starts_at": "2026-12-01T13:00Z"})
    assert response.status_code == 400
    assert "Questo orario non è più libero" in text(response)
    assert written() == before


# --- Bad links, language, flood --------------------------------------------------------------


def test_a_forged_appointment_link_is_a_friendly_404_and_writes_nothing(client, desk):
    appointment = book(desk)
    token = links.appointment_token(appointment)
    before = written()
    for bad in (token[:-2] + "xx", token.replace(":", ".", 1), "x"):
        assert_invalid_link(client.get(f"/appuntamento/{bad}/"))
        assert_invalid_link(client.post(f"/appuntamento/{bad}/annulla/", {"reason_choice": "busy"}))
    assert written() == before
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_an_expired_appointment_link_is_a_friendly_404(client, desk):
    appointment = book(desk)
    desk["frozen_now"](rome(2026, 12, 9, 12, 0))
    response = client.get(manage_url(appointment))
    assert_invalid_link(response)
    assert response["Referrer-Policy"] == "same-origin"


def test_the_pages_in_english_live_under_en(client, offer):
    english = client.get(choose_url(offer, prefix="/en"))
    assert english.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    response = client.post(
        choose_url(offer, prefix="/en"), {"slot": offer.slots.get(starts_at=TUESDAY_1030).pk}
    )
    assert response["Location"].startswith("/en/appuntamento/")
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in page
    bad = client.get("/en/appuntamento/forged/")
    assert bad.status_code == 404 and '<html lang="en">' in bad.content.decode()


@pytest.fixture
def one_rate_window(monkeypatch):
    """The counters' clock stands still: a test never straddles two windows of the rate."""
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: 1_800_000_000.0)


def test_too_many_lookups_from_one_address_get_a_429(client, desk, settings, one_rate_window):
    settings.SPORTELLO_CITIZEN_LINK_RATE = "3/h"
    appointment = book(desk)
    for _ in range(3):
        assert client.get(manage_url(appointment)).status_code == 200
    limited = client.get(manage_url(appointment))
    assert limited.status_code == 429
    assert "Troppe richieste" in text(limited) and "020202" in text(limited)
    assert limited["Referrer-Policy"] == "same-origin"
    assert client.get("/en/appuntamento/forged/", REMOTE_ADDR="192.0.2.9").status_code == 404


def test_too_many_actions_from_one_address_get_a_429_and_write_nothing(
    client, desk, settings, one_rate_window
):
    settings.SPORTELLO_CITIZEN_ACTION_RATE = "2/h"
    appointment = book(desk)
    url = manage_url(appointment, "annulla/")
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {}).status_code == 400
    before = written()
    response = client.post(url, {"reason_choice": "busy"})
    assert response.status_code == 429
    assert written() == before
    en = client.post(f"/en{url}", {"reason_choice": "busy"})
    assert en.status_code == 429 and '<html lang="en">' in en.content.decode()


def test_forms_need_the_csrf_token(desk):
    from django.test import Client

    appointment = book(desk)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(manage_url(appointment, "annulla/"), {"reason_choice": "busy"})
    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
