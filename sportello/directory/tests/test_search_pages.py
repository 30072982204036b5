"""The staff's directory search page: form, accessible results refreshed by htmx, service page."""

import pytest
from django.urls import reverse

from sportello.directory.models import Phone
from sportello.directory.tests.search_factories import make_service, term
from sportello.testing import rome

pytestmark = pytest.mark.django_db

SEARCH = "/personale/rete/"


@pytest.fixture
def network(milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 10, 0))
    term("salute-mentale", "Salute mentale")
    cps = make_service(
        "CPS Niguarda",
        needs=["salute-mentale"],
        municipio=9,
        hours=[("MO,TU,WE,TH,FR", "09:00", "13:00")],
        languages=["it", "en"],
        phones=["02 6444 1"],
        is_sample=True,
    )
    make_service(
        "Consultorio Lorenteggio",
        needs=["consulenza-familiare"],
        municipio=6,
        hours=[("MO,WE", "14:00", "18:00")],
        free=False,
    )
    return cps


@pytest.fixture
def professional(client, make_staff):
    user = make_staff("professional")
    client.force_login(user)
    return user


def test_the_search_is_mounted_under_the_staff_area():
    assert reverse("directory:search") == SEARCH


def test_a_professional_finds_a_service_by_need_and_municipio(client, network, professional):
    page = client.get(SEARCH, {"need": "salute-mentale", "municipio": "9"}).content.decode()

    assert "CPS Niguarda" in page
    assert "Consultorio Lorenteggio" not in page
    assert "1 servizio trovato." in page
    assert 'role="status"' in page and 'aria-live="polite"' in page
    assert '<label for="id_need"' in page and '<label for="id_municipio"' in page
    assert 'hx-get="/personale/rete/"' in page and 'type="submit"' in page
    # What each result tells.
    assert "Salute mentale" in page
    assert "Via Esempio 1" in page and "Municipio 9" in page
    assert 'href="tel:0264441"' in page
    assert "lunedì–venerdì: 9:00–13:00" in page
    assert "Aperto ora" in page
    assert "Dato di esempio: da verificare" in page
    assert "Mai verificato" in page
    assert "Gratuito" in page


def test_closed_services_say_so_in_words(client, network, professional):
    page = client.get(SEARCH, {"municipio": "6"}).content.decode()

    assert "Consultorio Lorenteggio" in page
    assert "Chiuso ora" in page and "A pagamento" in page
    assert "Dato di esempio" not in page


def test_open_now_and_free_filter_the_page(client, network, professional):
    page = client.get(SEARCH, {"open_now": "on"}).content.decode()
    assert "CPS Niguarda" in page and "Consultorio Lorenteggio" not in page

    page = client.get(SEARCH, {"free": "on"}).content.decode()
    assert "CPS Niguarda" in page and "Consultorio Lorenteggio" not in page


def test_htmx_gets_only_the_results_and_the_new_count(client, network, professional):
    response = client.get(SEARCH, {"municipio": "6"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "<html" not in page
    assert "Consultorio Lorenteggio" in page and "CPS Niguarda" not in page
    assert 'id="results-status" hx-swap-oob="innerHTML"' in page
    assert "1 servizio trovato." in page


def test_nothing_found_is_said(client, network, professional):
    page = client.get(SEARCH, {"q": "inesistente"}).content.decode()

    assert "0 servizi trovati." in page
    assert "Nessun servizio corrisponde ai criteri scelti" in page


def test_a_bad_municipio_is_an_italian_error_and_no_results(client, network, professional):
    page = client.get(SEARCH, {"municipio": "12"}).content.decode()

    assert "Scegli un&#x27;opzione valida" in page or "Selezionare una scelta valida" in page
    assert "Correggi i criteri evidenziati" in page
    assert "CPS Niguarda" not in page


def test_the_service_page_shows_everything_about_the_service(client, network, professional):
    Phone.objects.create(service=network, number="02 0000", description="Accoglienza")
    page = client.get(reverse("directory:service", args=[network.pk])).content.decode()

    assert "<h1" in page and "CPS Niguarda" in page
    assert "Questa scheda è un dato di esempio" in page
    assert 'href="tel:020000"' in page and "Accoglienza" in page
    assert "Chiuso nei giorni festivi" in page
    assert "Inglese" in page or "English" in page


def test_an_unknown_service_is_a_404(client, network, professional):
    response = client.get(
        reverse("directory:service", args=["0" * 8 + "-0000-0000-0000-" + "0" * 12])
    )

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "professional"])
def test_professionals_and_coordinators_may_search(client, network, make_staff, role):
    client.force_login(make_staff(role))

    assert client.get(SEARCH).status_code == 200
    assert client.get(reverse("directory:service", args=[network.pk])).status_code == 200


@pytest.mark.parametrize("role", ["switchboard", "dpo", "management"])
def test_other_roles_may_not(client, network, make_staff, role):
    client.force_login(make_staff(role))

    assert client.get(SEARCH).status_code == 403
    assert client.get(reverse("directory:service", args=[network.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, network):
    response = client.get(SEARCH)

    assert response.status_code == 302
    assert "CPS Niguarda" not in response.content.decode()
