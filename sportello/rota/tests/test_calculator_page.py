"""The coordinator's staffing calculator page: who may open it, the result, the errors, htmx."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/personale/turni/calcolatore/"
TEXTBOOK = {
    "calls": "100",
    "period_s": "1800",
    "aht_s": "180",
    "target_s": "20",
    "service_level": "80",
    "max_occupancy": "",
    "shrinkage": "0",
}


@pytest.fixture
def as_role(client, milan, make_staff):
    def sign_in(role):
        client.force_login(make_staff(role))
        return client

    return sign_in


def result_of(response, name):
    """The text of one result, found by its data-result attribute."""
    html = response.content.decode()
    start = html.index(f'data-result="{name}">') + len(f'data-result="{name}">')
    return html[start : html.index("</dd>", start)]


def test_the_address_is_the_one_the_issue_names():
    assert reverse("rota:calculator") == URL


def test_the_empty_form_has_the_sensible_defaults(as_role):
    response = as_role("coordinator").get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="target_s" value="60"' in html
    assert 'name="service_level" value="80"' in html
    assert 'name="max_occupancy" value="85"' in html
    assert 'name="shrinkage" value="30"' in html
    assert 'name="period_s" value="1800"' in html
    assert "data-result=" not in html
    assert "Livello di servizio (%)" in html


def test_the_coordinator_sees_the_textbook_result(as_role):
    response = as_role("coordinator").get(URL, TEXTBOOK)

    assert response.status_code == 200
    assert result_of(response, "agents") == "14"
    assert result_of(response, "rostered") == "14"
    assert result_of(response, "service_level").startswith("88,84% ")
    assert "obiettivo 80%" in result_of(response, "service_level")
    assert result_of(response, "probability_waiting") == "17,41%"
    assert result_of(response, "average_speed_of_answer_s") == "7,84 secondi"
    assert result_of(response, "occupancy") == "71,4%"
    assert result_of(response, "traffic_erlangs") == "10,00"
    assert "Servono 14 operatori in linea: 14 in turno." in response.content.decode()


def test_defaults_for_cap_and_shrinkage_give_rostered_staff(as_role):
    params = {**TEXTBOOK, "target_s": "60", "max_occupancy": "85", "shrinkage": "30"}

    response = as_role("coordinator").get(URL, params)

    # 13 operators answer 80% within 60 s at 77% occupancy; 13 / 0.7 rounds up to 19.
    assert result_of(response, "agents") == "13"
    assert result_of(response, "rostered") == "19"


def test_an_empty_shrinkage_is_zero_and_an_empty_cap_is_no_cap(as_role):
    response = as_role("coordinator").get(URL, {**TEXTBOOK, "shrinkage": "", "max_occupancy": ""})

    assert result_of(response, "agents") == result_of(response, "rostered") == "14"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"calls": ""}, "calls", "Indica quanti contatti arrivano nell&#x27;intervallo."),
        ({"calls": "tanti"}, "calls", "Scrivi un numero."),
        ({"aht_s": "0"}, "aht_s", "Il valore minimo è 1."),
        ({"service_level": "100"}, "service_level", "maggiore di 0 e minore di 100"),
        ({"service_level": "0.8"}, None, None),  # 0.8% is odd but valid: a percentage
        ({"max_occupancy": "120"}, "max_occupancy", "maggiore di 0 e fino a 100"),
        ({"shrinkage": "100"}, "shrinkage", "da 0 a meno di 100%"),
        ({"period_s": "90000"}, "period_s", "Il valore massimo è 86400."),
    ],
)
def test_bad_input_shows_the_error_beside_the_field(as_role, changes, field, message):
    response = as_role("coordinator").get(URL, {**TEXTBOOK, **changes})

    html = response.content.decode()
    if field is None:
        assert response.status_code == 200
        assert "data-result=" in html
        return
    assert response.status_code == 400
    assert "data-result=" not in html
    # Inline, tied to its input, and in the summary that links to it.
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in html
    assert html.count('aria-invalid="true"') == 1
    assert f'href="#id_{field}"' in html


def test_traffic_too_high_is_explained(as_role):
    params = {**TEXTBOOK, "calls": "100000", "period_s": "60", "aht_s": "3600"}

    response = as_role("coordinator").get(URL, params)

    assert response.status_code == 400
    assert "Troppi contatti per la durata dell&#x27;intervallo" in response.content.decode()


def test_htmx_gets_the_answer_with_a_200_even_for_errors(as_role):
    client = as_role("coordinator")

    good = client.get(URL, TEXTBOOK, headers={"HX-Request": "true"})
    bad = client.get(URL, {**TEXTBOOK, "calls": ""}, headers={"HX-Request": "true"})

    # htmx swaps only successful answers: the errors must come with a 200 to be shown.
    assert good.status_code == 200
    assert result_of(good, "agents") == "14"
    assert bad.status_code == 200
    assert 'id="id_calls_error"' in bad.content.decode()


def test_the_form_updates_in_place_with_htmx_and_works_without(as_role):
    html = as_role("coordinator").get(URL).content.decode()

    assert 'method="get"' in html
    assert f'action="{URL}"' in html
    assert f'hx-get="{URL}"' in html
    assert 'hx-target="#calculator-result"' in html
    assert 'id="calculator-result"' in html
    assert 'hx-select-oob="#calculator-form"' in html


def test_the_page_in_english(as_role):
    response = as_role("coordinator").get("/en" + URL, TEXTBOOK)

    assert response.status_code == 200
    assert result_of(response, "agents") == "14"
    assert result_of(response, "average_speed_of_answer_s").startswith("7.84 ")
    assert '<html lang="en">' in response.content.decode()


def test_the_calculator_only_reads(as_role):
    client = as_role("coordinator")

    response = client.post(URL, TEXTBOOK)

    assert response.status_code == 405
