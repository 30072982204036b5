"""The operator's pages: my shifts (changes, absences, swaps, the calendar address), asking a
swap, answering it, and the coordinators' page that checks a swap before deciding."""

import datetime

from django.urls import reverse

from sportello.rota import ical
from sportello.rota import swap_operations as swaps
from sportello.rota.models import (
    Absence,
    AbsenceKind,
    ChangeReason,
    CoverageRequirement,
    ShiftChange,
    SwapRequest,
    SwapStatus,
)
from sportello.services.models import Competence

from .conftest import (
    MONDAY_8,
    SATURDAY,
    TUESDAY,
    kind,
    on_shift,
)

D = datetime.date


def signed_in(client, user):
    client.force_login(user)
    return client


def ask_url(day=TUESDAY, code="afternoon"):
    return f"{reverse('rota:ask-swap')}?day={day.isoformat()}&shift={code}"


def agreed_swap(team, **fields):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla, **fields
    )
    return swaps.answer_swap(team.carla, swap, agree=True)


# --- My shifts ---------------------------------------------------------------------------------


def test_my_shifts_lists_four_weeks_by_week(client, team):
    page = signed_in(client, team.anna).get(reverse("rota:my-shifts")).content.decode()
    assert "Settimana dal 30/11/2026 al 06/12/2026" in page
    assert "Settimana dal 21/12/2026 al 27/12/2026" in page
    assert "Settimana dal 28/12/2026" not in page
    assert "martedì 01/12/2026" in page
    assert "giovedì 03/12/2026" in page
    assert "13:45–18:00" in page
    # Tuesday 8/12 is a holiday in Milan: no shift.
    assert "martedì 08/12/2026" not in page
    assert "bruno" not in page.lower()  # only the operator's own shifts


def test_changes_are_marked(client, team):
    swap = agreed_swap(team)
    swaps.decide_swap(team.coordinator, swap, approve=True)
    ShiftChange.objects.create(
        day=SATURDAY,
        shift_kind=kind("morning"),
        user=team.carla,
        on_shift=True,
        reason=ChangeReason.SUBSTITUTE,
        created_by=team.coordinator,
        created_at=MONDAY_8,
    )
    carla = signed_in(client, team.carla).get(reverse("rota:my-shifts")).content.decode()
    assert "Cambio turno" in carla
    assert "Sostituzione" in carla
    assert "sabato 05/12/2026" in carla
    anna = signed_in(client, team.anna).get(reverse("rota:my-shifts")).content.decode()
    assert "Non più in turno (Cambio turno)" in anna


def test_my_absences_show_their_kind_to_me_only(client, team):
    Absence.objects.create(
        user=team.anna,
        kind=AbsenceKind.SICKNESS,
        first_day=D(2026, 12, 3),
        last_day=D(2026, 12, 4),
        recorded_by=team.coordinator,
        recorded_at=MONDAY_8,
    )
    anna = signed_in(client, team.anna).get(reverse("rota:my-shifts")).content.decode()
    assert "malattia: dal 03/12/2026 al 04/12/2026" in anna
    assert "Non in turno: sei assente" in anna  # Thursday's pattern shift
    carla = signed_in(client, team.carla).get(reverse("rota:my-shifts")).content.decode()
    assert "malattia" not in carla


def test_pending_swaps_show_in_both_directions_with_their_actions(client, team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    anna = signed_in(client, team.anna).get(reverse("rota:my-shifts")).content.decode()
    assert "offerto a Carla Verdi" in anna
    assert reverse("rota:withdraw-swap", args=[swap.pk]) in anna
    assert "Cambio richiesto: in attesa del collega" in anna
    # The shift with a pending request offers no second request.
    assert ask_url() not in anna.replace("&amp;", "&")
    carla = signed_in(client, team.carla).get(reverse("rota:my-shifts")).content.decode()
    assert "Anna Bianchi ti offre il turno del 01/12/2026, Pomeriggio" in carla
    assert reverse("rota:answer-swap", args=[swap.pk]) in carla


def test_a_refusal_reason_reaches_the_operator(client, team):
    swap = agreed_swap(team)
    swaps.decide_swap(team.coordinator, swap, approve=False, reason="Serve una criminologa")
    anna = signed_in(client, team.anna).get(reverse("rota:my-shifts")).content.decode()
    assert "non approvato" in anna
    assert "Serve una criminologa" in anna


def test_my_shifts_gives_the_feed_address_and_how_to_subscribe(client, team):
    response = signed_in(client, team.anna).get(reverse("rota:my-shifts"))
    page = response.content.decode()
    token = ical.feed_token(team.anna, team.anna.rota_contract)
    assert f"http://testserver{reverse('rota:ical-feed', args=[token])}" in page
    assert f"webcal://testserver{reverse('rota:ical-feed', args=[token])}" in page
    assert "Google Calendar" in page
    assert reverse("rota:renew-feed") in page


def test_without_a_contract_there_is_no_feed_address(client, team):
    page = signed_in(client, team.coordinator).get(reverse("rota:my-shifts")).content.decode()
    assert "Non hai ancora un contratto di turno" in page
    assert "/calendario/" not in page.replace("calendario/rinnova", "")


def test_renewing_the_feed_changes_the_address(client, team):
    old = ical.feed_token(team.anna, team.anna.rota_contract)
    response = signed_in(client, team.anna).post(reverse("rota:renew-feed"), follow=True)
    page = response.content.decode()
    assert "Nuovo indirizzo del calendario creato" in page
    team.anna.rota_contract.refresh_from_db()
    new = ical.feed_token(team.anna, team.anna.rota_contract)
    assert new != old
    assert new in page and old not in page


# --- Asking a swap -----------------------------------------------------------------------------


def test_the_form_offers_colleagues_free_that_day(client, team):
    response = signed_in(client, team.anna).get(ask_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "martedì 01/12/2026, Pomeriggio (13:45–18:00)" in page
    assert "Carla Verdi" in page and "Dario Neri" in page
    assert "Bruno Rossi" not in page  # on the morning shift that day
    assert 'hx-get="' + reverse("rota:swap-return-options") in page


def test_a_broken_link_is_not_found(client, team):
    client = signed_in(client, team.anna)
    assert (
        client.get(reverse("rota:ask-swap") + "?day=yesterday&shift=afternoon").status_code == 404
    )
    assert client.get(ask_url(code="night")).status_code == 404


def test_the_colleagues_shifts_load_for_the_exchange(client, team):
    response = signed_in(client, team.anna).get(
        reverse("rota:swap-return-options"),
        {"day": TUESDAY.isoformat(), "shift_kind": "afternoon", "colleague": team.carla.pk},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert 'id="return-shift-field"' in page
    assert 'value="2026-12-02|morning"' in page  # Carla's Wednesday morning
    assert "2026-12-03|afternoon" not in page  # Anna works Thursday: she cannot take it


def test_asking_through_the_form(client, team):
    response = signed_in(client, team.anna).post(
        reverse("rota:ask-swap"),
        {
            "day": TUESDAY.isoformat(),
            "shift_kind": "afternoon",
            "colleague": team.carla.pk,
            "return_shift": "2026-12-02|morning",
            "note": "grazie",
        },
    )
    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    assert (swap.colleague, swap.return_day, swap.return_shift_kind.code) == (
        team.carla,
        D(2026, 12, 2),
        "morning",
    )
    assert swap.note == "grazie"


def test_without_javascript_the_colleagues_shifts_load_on_request(client, team):
    response = signed_in(client, team.anna).post(
        reverse("rota:ask-swap"),
        {
            "day": TUESDAY.isoformat(),
            "shift_kind": "afternoon",
            "colleague": team.carla.pk,
            "refresh": "1",
        },
    )
    assert response.status_code == 200
    assert 'value="2026-12-02|morning"' in response.content.decode()
    assert not SwapRequest.objects.exists()


def test_a_refused_request_shows_why_and_writes_nothing(client, team):
    swaps.ask_swap(team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.dario)
    response = signed_in(client, team.anna).post(
        reverse("rota:ask-swap"),
        {"day": TUESDAY.isoformat(), "shift_kind": "afternoon", "colleague": team.carla.pk},
    )
    assert response.status_code == 400
    assert "Hai già una richiesta di cambio in corso per questo turno" in response.content.decode()
    assert SwapRequest.objects.count() == 1


def test_a_colleague_on_shift_that_day_cannot_be_chosen(client, team):
    response = signed_in(client, team.anna).post(
        reverse("rota:ask-swap"),
        {"day": TUESDAY.isoformat(), "shift_kind": "afternoon", "colleague": team.bruno.pk},
    )
    assert response.status_code == 400
    assert not SwapRequest.objects.exists()


# --- Answering and withdrawing -----------------------------------------------------------------


def test_the_colleague_accepts_from_the_page(client, team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    response = signed_in(client, team.carla).post(
        reverse("rota:answer-swap", args=[swap.pk]), {"agree": "yes"}, follow=True
    )
    assert "Hai accettato il cambio" in response.content.decode()
    assert SwapRequest.objects.get().status == SwapStatus.AGREED


def test_the_colleague_declines_from_the_page(client, team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    signed_in(client, team.carla).post(reverse("rota:answer-swap", args=[swap.pk]), {"agree": "no"})
    assert SwapRequest.objects.get().status == SwapStatus.DECLINED


def test_someone_else_cannot_answer_or_withdraw(client, team):
    swap = swaps.ask_swap(
        team.anna, day=TUESDAY, shift_kind=kind("afternoon"), colleague=team.carla
    )
    client = signed_in(client, team.bruno)
    assert (
        client.post(reverse("rota:answer-swap", args=[swap.pk]), {"agree": "yes"}).status_code
        == 404
    )
    assert client.post(reverse("rota:withdraw-swap", args=[swap.pk])).status_code == 404
    assert SwapRequest.objects.get().status == SwapStatus.ASKED


def test_the_requester_withdraws_from_the_page(client, team):
    swap = agreed_swap(team)
    response = signed_in(client, team.anna).post(
        reverse("rota:withdraw-swap", args=[swap.pk]), follow=True
    )
    assert "Richiesta di cambio ritirata." in response.content.decode()
    assert SwapRequest.objects.get().status == SwapStatus.WITHDRAWN


def test_an_answer_given_twice_is_explained(client, team):
    swap = agreed_swap(team)
    response = signed_in(client, team.carla).post(
        reverse("rota:answer-swap", args=[swap.pk]), {"agree": "no"}, follow=True
    )
    assert "Questa richiesta non aspetta più la tua risposta" in response.content.decode()
    assert SwapRequest.objects.get().status == SwapStatus.AGREED


# --- Coordinators ------------------------------------------------------------------------------


def test_the_coverage_check_is_shown_before_deciding(client, team):
    CoverageRequirement.objects.create(
        shift_kind=kind("afternoon"),
        weekday=1,
        competence=Competence.objects.get(code="criminology"),
        minimum=1,
    )
    agreed_swap(team)
    page = signed_in(client, team.coordinator).get(reverse("rota:swaps")).content.decode()
    assert "Non approvabile" in page
    assert "serve 1 operatore con la competenza «Criminologia»" in page
    assert "Respingi con i motivi indicati" in page
    assert SwapRequest.objects.get().status == SwapStatus.AGREED  # looking decides nothing


def test_a_swap_that_passes_the_check_is_approved_from_the_page(client, team):
    swap = agreed_swap(team)
    client = signed_in(client, team.coordinator)
    page = client.get(reverse("rota:swaps")).content.decode()
    assert "Controllo superato" in page
    response = client.post(
        reverse("rota:decide-swap", args=[swap.pk]), {"decision": "approve"}, follow=True
    )
    assert "Cambio approvato" in response.content.decode()
    assert on_shift(TUESDAY, "afternoon") == ["carla"]


def test_approving_a_swap_that_breaks_coverage_refuses_it_with_the_reason(client, team):
    CoverageRequirement.objects.create(
        shift_kind=kind("afternoon"),
        weekday=1,
        competence=Competence.objects.get(code="criminology"),
        minimum=1,
    )
    swap = agreed_swap(team)
    response = signed_in(client, team.coordinator).post(
        reverse("rota:decide-swap", args=[swap.pk]), {"decision": "approve"}, follow=True
    )
    page = response.content.decode()
    assert "Il cambio non si può approvare ed è stato respinto" in page
    assert "Criminologia" in page
    assert SwapRequest.objects.get().status == SwapStatus.REFUSED
    assert on_shift(TUESDAY, "afternoon") == ["anna"]


def test_refusing_needs_a_reason(client, team):
    swap = agreed_swap(team)
    response = signed_in(client, team.coordinator).post(
        reverse("rota:decide-swap", args=[swap.pk]),
        {"decision": "refuse", f"swap-{swap.pk}-reason": ""},
    )
    assert response.status_code == 400
    assert "Scrivi il motivo per cui non approvi il cambio" in response.content.decode()
    assert SwapRequest.objects.get().status == SwapStatus.AGREED


def test_refusing_with_a_reason(client, team):
    swap = agreed_swap(team)
    signed_in(client, team.coordinator).post(
        reverse("rota:decide-swap", args=[swap.pk]),
        {"decision": "refuse", f"swap-{swap.pk}-reason": "Manca personale"},
    )
    swap.refresh_from_db()
    assert (swap.status, swap.refusal_reason) == (SwapStatus.REFUSED, "Manca personale")


def test_a_professional_cannot_decide(client, team):
    swap = agreed_swap(team)
    response = signed_in(client, team.bruno).post(
        reverse("rota:decide-swap", args=[swap.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert SwapRequest.objects.get().status == SwapStatus.AGREED
