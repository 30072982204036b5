"""The staff's appointment pages: booking and proposing from the case, the appointment page with
its actions and video link, the agenda; every refusal re-renders with its reason and writes
nothing, every read of a case's data is in the access log."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from sportello.appointments import operations
from sportello.appointments.models import (
    Appointment,
    AppointmentStatus,
    Message,
    OfferedSlot,
    SlotOffer,
)
from sportello.appointments.tests.test_booking import MONDAY, TUESDAY_1030
from sportello.appointments.video_settings import provider_from_settings
from sportello.cases.tests.conftest import screen  # noqa: F401 (fixture)
from sportello.privacy.models import AccessLog, AuditEvent
from sportello.rota.models import PatternAssignment, RosterPlan
from sportello.rota.tests.conftest import kind
from sportello.testing import rome

pytestmark = pytest.mark.django_db
TUESDAY_0930 = rome(2026, 12, 1, 9, 30)
TUESDAY_1130 = rome(2026, 12, 1, 11, 30)
JITSI = {
    "SPORTELLO_VIDEO_PROVIDER": "jitsi",
    "SPORTELLO_JITSI_URL": "https://video.comune.example.it",
    "SPORTELLO_JITSI_SECRET": "a-jitsi-secret-of-at-least-32-bytes!",
}


def written():
    return (
        sorted(Appointment.objects.values_list("pk", "status")),
        SlotOffer.objects.count(),
        Message.objects.count(),
        AuditEvent.objects.count(),
    )


def reachable(case):
    person = case.person
    person.email = "anna.rossi@example.org"
    person.phone = "+393331234567"
    person.safe_to_message = True
    person.save()


def book(desk, at=TUESDAY_1030, channel="phone"):
    return operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=at,
        channel=channel,
    )  # fmt: skip


def book_url(desk):
    return reverse("appointments:book", args=[desk["case"].pk])


def detail_url(appointment):
    return reverse("appointments:detail", args=[appointment.pk])


def choice(desk, **fields):
    return {
        "modalita": "video",
        "professionista": desk["paola"].pk,
        "settimana": MONDAY.isoformat(),
        **fields,
    }


def text(response) -> str:
    return response.content.decode()


# --- Booking from the case ---------------------------------------------------------------------


def test_the_booking_page_lists_the_weeks_free_slots_and_logs_the_read(desk, client):
    client.force_login(desk["paola"])
    response = client.get(book_url(desk))
    page = text(response)
    assert response.status_code == 200
    assert all(f"{h}–" in page for h in ("09:30", "10:30", "11:30", "12:30"))
    assert 'type="radio" name="orario"' in page and 'name="orari"' not in page  # no messages
    assert "chiama la persona" in page.lower()
    assert f'value="{desk["paola"].pk}" selected' in page  # she books for herself by default
    log = AccessLog.objects.get()
    assert (log.object_type, log.case_id, log.user) == ("case", desk["case"].pk, desk["paola"])
    assert log.purpose == "prenotazione di un appuntamento"


def test_booking_through_the_page_writes_one_appointment_and_its_audit(desk, client):
    client.force_login(desk["paola"])
    response = client.post(
        book_url(desk), choice(desk, orario=TUESDAY_1030.isoformat(), azione="prenota")
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == detail_url(appointment)
    assert (appointment.starts_at, appointment.channel) == (TUESDAY_1030, "video")
    assert appointment.booked_by == desk["paola"]
    assert AuditEvent.objects.filter(action="book", object_id=str(appointment.pk)).count() == 1


def test_a_slot_taken_meanwhile_is_refused_with_its_reason_and_nothing_written(desk, client):
    book(desk)
    before = written()
    client.force_login(desk["coordinator"])
    response = client.post(
        book_url(desk), choice(desk, orario=TUESDAY_1030.isoformat(), azione="prenota")
    )
    assert response.status_code == 400
    assert "non è libero a quell&#x27;ora" in text(response)
    assert written() == before


def test_booking_without_a_slot_or_with_a_bad_one_is_refused(desk, client):
    client.force_login(desk["paola"])
    before = written()
    missing = client.post(book_url(desk), choice(desk, azione="prenota"))
    assert missing.status_code == 400 and "Scegli un orario." in text(missing)
    forged = client.post(book_url(desk), choice(desk, orario="domani", azione="prenota"))
    assert forged.status_code == 400 and "Questo orario non è valido" in text(forged)
    nobody = client.post(book_url(desk), choice(desk, professionista="999", azione="prenota"))
    assert nobody.status_code == 400 and "Scegli uno dei professionisti" in text(nobody)
    assert written() == before


def test_the_week_navigator_shows_another_week_and_htmx_swaps_only_the_slots(desk, client):
    client.force_login(desk["paola"])
    first = text(client.get(book_url(desk)))
    next_week = re.search(r'href="([^"]+)"[^>]*rel="next"', first).group(1).replace("&amp;", "&")
    assert "settimana=2026-12-07" in next_week
    page = text(client.get(next_week))
    assert "dal 07/12/2026 al 13/12/2026" in page
    # Tuesday 8 December is a holiday in Milan: no slot; Wednesday is not in her shifts.
    assert "Nessun orario libero in questa settimana" in page
    fragment = text(client.get(next_week, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div id="slot-region"') and "<html" not in fragment
    assert 'id="slots-heading" tabindex="-1" autofocus' in fragment
    assert AccessLog.objects.count() == 2  # the two full pages; the slot list shows no case


def test_offering_slots_writes_one_offer_with_its_slots(desk, client):
    reachable(desk["case"])
    client.force_login(desk["paola"])
    assert 'name="orari"' in text(client.get(book_url(desk)))
    response = client.post(
        book_url(desk),
        choice(desk, orari=[TUESDAY_0930.isoformat(), TUESDAY_1130.isoformat()], azione="proponi"),
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("cases:case", args=[desk["case"].pk]))
    offer = SlotOffer.objects.get()
    assert sorted(OfferedSlot.objects.values_list("starts_at", flat=True)) == [
        TUESDAY_0930,
        TUESDAY_1130,
    ]
    assert offer.channel == "video" and not Appointment.objects.exists()
    assert AuditEvent.objects.filter(action="offer").count() == 1


def test_offering_to_a_person_who_gets_no_messages_is_refused(desk, client):
    client.force_login(desk["paola"])
    before = written()
    response = client.post(
        book_url(desk), choice(desk, orari=[TUESDAY_0930.isoformat()], azione="proponi")
    )
    assert response.status_code == 400
    assert "La persona non riceve messaggi" in text(response)
    assert written() == before


def test_offering_more_than_six_or_none_is_refused(desk, client):
    reachable(desk["case"])
    client.force_login(desk["paola"])
    before = written()
    none = client.post(book_url(desk), choice(desk, azione="proponi"))
    assert none.status_code == 400 and "Scegli almeno un orario da proporre." in text(none)
    seven = [rome(2026, 12, 1, 9, 30 + minute).isoformat() for minute in range(7)]
    many = client.post(book_url(desk), choice(desk, orari=seven, azione="proponi"))
    assert many.status_code == 400 and "Proponi al massimo 6 orari." in text(many)
    assert written() == before


# --- The appointment page ----------------------------------------------------------------------


def test_the_appointment_page_says_who_when_how_and_logs_the_read(desk, client, screen):  # noqa: F811
    screen(desk["paola"], desk["case"].opened_from, "high")
    appointment = book(desk)
    client.force_login(desk["paola"])
    page = text(client.get(detail_url(appointment)))
    assert "Colloquio del 01/12/2026 alle 10:30" in page and "10:30–11:15" in page
    assert "al telefono" in page and "prenotato" in page
    assert desk["case"].reference in page and reverse("cases:case", args=[desk["case"].pk]) in page
    assert "Rischio alto" in page or "alto" in page.lower()
    # She gets no messages: the professional is told to call her.
    assert "Nessun messaggio alla persona: chiamala tu per ricordarle l'appuntamento" in page
    log = AccessLog.objects.get()
    assert (log.object_type, log.object_id, log.case_id) == (
        "appointment",
        str(appointment.pk),
        desk["case"].pk,
    )


def test_the_delivery_log_shows_each_message_but_never_the_address(desk, client):
    reachable(desk["case"])
    appointment = book(desk)
    assert Message.objects.filter(appointment=appointment).count() >= 2  # e-mail and SMS
    client.force_login(desk["paola"])
    page = text(client.get(detail_url(appointment)))
    assert "Conferma" in page and "email" in page and "SMS" in page and "da inviare" in page
    assert "anna.rossi@example.org" not in page and "3331234567" not in page
    assert "Nessun messaggio alla persona" not in page


def test_a_citizen_booking_says_so(desk, client):
    appointment = book(desk)
    Appointment.objects.filter(pk=appointment.pk).update(booked_by=None)
    client.force_login(desk["paola"])
    assert "dalla persona tramite link" in text(client.get(detail_url(appointment)))


def test_cancelling_through_the_page_needs_a_reason(desk, client):
    appointment = book(desk)
    client.force_login(desk["paola"])
    url = reverse("appointments:cancel", args=[appointment.pk])
    before = written()
    refused = client.post(url, {"motivo": "  "})
    assert refused.status_code == 400 and "Scrivi il motivo." in text(refused)
    assert written() == before
    response = client.post(url, {"motivo": "La persona è ricoverata"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "La persona è ricoverata"


def test_a_started_appointment_cannot_be_cancelled_through_the_page(desk, client, frozen_now):
    appointment = book(desk)
    frozen_now(rome(2026, 12, 1, 10, 40))
    client.force_login(desk["paola"])
    page = text(client.get(detail_url(appointment)))
    assert "Annulla l'appuntamento" not in page  # no button once it has started
    before = written()
    response = client.post(reverse("appointments:cancel", args=[appointment.pk]), {"motivo": "x"})
    assert response.status_code == 400 and "già cominciato" in text(response)
    assert written() == before


def test_rescheduling_through_the_page_moves_it_with_the_reason(desk, client):
    appointment = book(desk)
    client.force_login(desk["coordinator"])
    url = reverse("appointments:reschedule", args=[appointment.pk])
    page = text(client.get(url))
    assert "11:30–12:15" in page and "Motivo dello spostamento" in page
    before = written()
    data = choice(desk, orario=TUESDAY_1130.isoformat(), modalita="phone")
    refused = client.post(url, data)
    assert refused.status_code == 400 and "Scrivi il motivo." in text(refused)
    taken = client.post(
        url, {**data, "orario": rome(2026, 12, 1, 14, 0).isoformat(), "motivo": "x"}
    )
    assert taken.status_code == 400 and "non è libero" in text(taken)
    assert written() == before
    response = client.post(url, {**data, "motivo": "La persona lavora fino alle 11"})
    moved = Appointment.objects.get(rescheduled_from=appointment)
    assert response.status_code == 302 and response.url == detail_url(moved)
    assert moved.starts_at == TUESDAY_1130
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert AuditEvent.objects.filter(action="reschedule").count() == 1


def test_the_outcome_is_recorded_only_from_the_start(desk, client, frozen_now):
    appointment = book(desk)
    client.force_login(desk["paola"])
    url = reverse("appointments:outcome", args=[appointment.pk])
    page = text(client.get(detail_url(appointment)))
    assert "Colloquio svolto" not in page
    before = written()
    early = client.post(url, {"esito": "svolto"})
    assert early.status_code == 400 and "non è ancora cominciato" in text(early)
    bad = client.post(url, {"esito": "forse"})
    assert bad.status_code == 400
    assert written() == before
    frozen_now(rome(2026, 12, 1, 10, 35))
    assert "Colloquio svolto" in text(client.get(detail_url(appointment)))
    assert client.post(url, {"esito": "svolto"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.HELD
    again = client.post(url, {"esito": "non_presentato"})
    assert again.status_code == 400 and "già stato registrato" in text(again)


def test_after_a_no_show_the_page_offers_a_new_slot_that_makes_up_for_it(
    desk,
    client,
    frozen_now,
):
    missed = book(desk, at=TUESDAY_0930)
    frozen_now(rome(2026, 12, 1, 9, 45))
    client.force_login(desk["paola"])
    client.post(reverse("appointments:outcome", args=[missed.pk]), {"esito": "non_presentato"})
    missed.refresh_from_db()
    assert missed.status == AppointmentStatus.NO_SHOW
    page = text(client.get(detail_url(missed)))
    link = f"{book_url(desk)}?dopo={missed.pk}"
    assert "Offri un nuovo orario" in page and link in page
    form = text(client.get(link))
    assert "Nuovo orario per il colloquio mancato" in form
    assert f'name="dopo" value="{missed.pk}"' in form
    response = client.post(
        link, choice(desk, orario=TUESDAY_1130.isoformat(), azione="prenota", dopo=missed.pk)
    )
    assert response.status_code == 302
    assert Appointment.objects.get(rescheduled_from=missed).starts_at == TUESDAY_1130
    assert "Offri un nuovo orario" not in text(client.get(detail_url(missed)))


def test_another_cases_appointment_cannot_be_made_up_for(desk, client, make_case):
    other = make_case(desk["paola"])
    stranger = operations.book(
        desk["paola"], case=other, professional=desk["paola"], starts_at=TUESDAY_0930,
        channel="phone",
    )  # fmt: skip
    client.force_login(desk["paola"])
    assert client.get(f"{book_url(desk)}?dopo={stranger.pk}").status_code == 404


# --- The video room ----------------------------------------------------------------------------


def test_the_demo_shows_the_link_text_and_the_rooms_window(desk, client, frozen_now):
    appointment = book(desk, channel="video")
    client.force_login(desk["paola"])
    before = text(client.get(detail_url(appointment)))
    assert "La stanza si apre alle 10:20" in before
    assert "in questa dimostrazione non c'è un server video" in before.lower()
    assert '<code class="text-break">http' in before and appointment.room in before
    assert "Entra nella stanza" not in before  # the demo never links to a room
    frozen_now(rome(2026, 12, 1, 10, 25))
    inside = text(client.get(detail_url(appointment)))
    assert "La stanza è aperta." in inside and appointment.room in inside
    frozen_now(rome(2026, 12, 1, 11, 45))
    after = text(client.get(detail_url(appointment)))
    assert "La stanza è chiusa" in after


def test_with_jitsi_the_professional_joins_inside_the_window_with_a_valid_token(
    desk,
    client,
    frozen_now,
    settings,
):
    for name, value in JITSI.items():
        setattr(settings, name, value)
    appointment = book(desk, channel="video")
    client.force_login(desk["paola"])
    before = text(client.get(detail_url(appointment)))
    assert "La stanza si apre alle 10:20" in before
    assert "video.comune.example.it" not in before  # no link before the room opens
    inside_at = rome(2026, 12, 1, 10, 25)
    frozen_now(inside_at)
    inside = text(client.get(detail_url(appointment)))
    assert "Entra nella stanza" in inside and "dimostrazione" not in inside
    href = re.search(r'href="(https://video\.comune\.example\.it/[^"]+)"', inside).group(1)
    url = urlsplit(href.replace("&amp;", "&"))
    assert url.path == f"/{appointment.room}"
    (token,) = parse_qs(url.query)["jwt"]
    claims = provider_from_settings().verify(token, appointment.room, inside_at)
    assert claims["context"]["user"]["moderator"] in (True, "true")
    # A coordinator sees the appointment but does not enter the professional's room.
    client.force_login(desk["coordinator"])
    assert "Entra nella stanza" not in text(client.get(detail_url(appointment)))
    client.force_login(desk["paola"])
    frozen_now(rome(2026, 12, 1, 11, 45))
    after = text(client.get(detail_url(appointment)))
    assert "La stanza è chiusa" in after and "video.comune.example.it" not in after


# --- The agenda --------------------------------------------------------------------------------


def agenda_url(**query):
    from urllib.parse import urlencode

    return f"{reverse('appointments:agenda')}?{urlencode(query)}"


@pytest.fixture
def two_agendas(desk, make_professional, make_case, frozen_now, screen):  # noqa: F811
    """Paola's session at 10:30 (her case at high risk) and Marco's at 11:30 on Tuesday."""
    frozen_now(rome(2026, 12, 1, 10, 0))
    marco = make_professional("marco")
    PatternAssignment.objects.create(
        plan=RosterPlan.objects.get(), user=marco, week=0, weekday=1, shift_kind=kind("morning")
    )
    marcos_case = make_case(marco)
    screen(desk["paola"], desk["case"].opened_from, "high")
    frozen_now(rome(2026, 12, 1, 8, 0))
    paolas = book(desk, channel="video")
    marcos = operations.book(
        marco, case=marcos_case, professional=marco, starts_at=TUESDAY_1130, channel="phone"
    )
    return {**desk, "marco": marco, "paolas": paolas, "marcos": marcos, "marcos_case": marcos_case}


def test_a_professional_sees_her_own_day_with_shifts_case_and_risk(two_agendas, client):
    client.force_login(two_agendas["paola"])
    response = client.get(reverse("appointments:agenda"))
    page = text(response)
    assert response.status_code == 200
    assert "Martedì 1 dicembre 2026" in page and "del 01/12/2026" in page
    assert "Mattina 09:30–13:45" in page
    assert "10:30–11:15" in page and two_agendas["case"].reference in page
    assert "in videochiamata" in page and "risk-badge" in page
    assert detail_url(two_agendas["paolas"]) in page
    assert two_agendas["marcos_case"].reference not in page
    assert "Tutti i professionisti" not in page  # no filter: only her own
    week = text(client.get(agenda_url(giorno="2026-12-01", vista="settimana")))
    assert "dal 30/11/2026 al 06/12/2026" in week and "Lunedì 30 novembre 2026" in week
    assert AccessLog.objects.count() == 0  # a list, like the case homes: no record is read


def test_a_professional_cannot_open_someone_elses_agenda(two_agendas, client):
    client.force_login(two_agendas["paola"])
    assert client.get(agenda_url(professionista=two_agendas["marco"].pk)).status_code == 404
    assert client.get(agenda_url(professionista="tutti")).status_code == 404
    own = client.get(agenda_url(professionista=two_agendas["paola"].pk))
    assert own.status_code == 200


def test_the_coordinator_sees_everyones_sessions_grouped_and_can_pick_one(two_agendas, client):
    client.force_login(two_agendas["coordinator"])
    page = text(client.get(agenda_url(giorno="2026-12-01")))
    assert "Tutti i colloqui" in page
    assert two_agendas["case"].reference in page and two_agendas["marcos_case"].reference in page
    paola = two_agendas["paola"].get_full_name() or two_agendas["paola"].username
    marco = two_agendas["marco"].get_full_name() or two_agendas["marco"].username
    assert (
        f'<h4 class="h6 mt-3">{paola}</h4>' in page and f'<h4 class="h6 mt-3">{marco}</h4>' in page
    )
    only_marco = text(
        client.get(agenda_url(giorno="2026-12-01", professionista=two_agendas["marco"].pk))
    )
    assert two_agendas["marcos_case"].reference in only_marco
    assert two_agendas["case"].reference not in only_marco
    assert client.get(agenda_url(professionista="99999")).status_code == 404


def test_a_coordinator_of_another_service_sees_none_of_these_sessions(
    two_agendas, client, make_coordinator
):
    client.force_login(make_coordinator("vittoria", services=("victims",)))
    for query in ({"giorno": "2026-12-01"}, {"giorno": "2026-12-01", "professionista": "tutti"}):
        page = text(client.get(agenda_url(**query)))
        assert two_agendas["case"].reference not in page
        assert two_agendas["marcos_case"].reference not in page


def test_bad_agenda_addresses_get_a_clear_400(two_agendas, client):
    client.force_login(two_agendas["paola"])
    day = client.get(agenda_url(giorno="01/12/2026"))
    assert day.status_code == 400 and "AAAA-MM-GG" in text(day)
    view = client.get(agenda_url(vista="mese"))
    assert view.status_code == 400 and "«giorno» o «settimana»" in text(view)


def test_htmx_moves_the_agenda_and_focuses_its_heading(two_agendas, client):
    client.force_login(two_agendas["paola"])
    page = text(client.get(agenda_url(giorno="2026-12-01")))
    assert 'aria-live="polite"' in page and "autofocus" not in page
    following = re.search(r'href="([^"]+)"[^>]*rel="next"', page).group(1).replace("&amp;", "&")
    assert "giorno=2026-12-02" in following
    fragment = text(client.get(following, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<section id="agenda-region"') and "<html" not in fragment
    assert 'id="agenda-heading" tabindex="-1" autofocus' in fragment
    assert 'id="agenda-announce" hx-swap-oob="innerHTML"' in fragment
    assert "Mercoledì 2 dicembre 2026" in fragment


# --- The case page -----------------------------------------------------------------------------


def test_the_case_page_lists_appointments_and_open_offers(desk, client):
    reachable(desk["case"])
    appointment = book(desk)
    offer = operations.offer_slots(
        desk["paola"], case=desk["case"], channel="video", choices=[(desk["paola"], TUESDAY_1130)]
    )
    client.force_login(desk["paola"])
    page = text(client.get(reverse("cases:case", args=[desk["case"].pk])))
    assert 'id="appointments-heading"' in page and "Prenota un colloquio" in page
    assert detail_url(appointment) in page and "al telefono" in page
    assert "Orari proposti, in attesa di risposta" in page
    withdraw = reverse("appointments:withdraw-offer", args=[offer.pk])
    assert withdraw in page
    assert client.post(withdraw).status_code == 302
    offer.refresh_from_db()
    assert offer.withdrawn_at is not None
    assert "Orari proposti, in attesa di risposta" not in text(
        client.get(reverse("cases:case", args=[desk["case"].pk]))
    )
