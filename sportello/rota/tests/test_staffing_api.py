"""GET /api/v1/staffing/erlang/: Erlang C staffing for integrations, token auth, nothing stored."""

import pytest

from sportello.api import operations as api_operations

pytestmark = pytest.mark.django_db

URL = "/api/v1/staffing/erlang/"
TEXTBOOK = {"calls": 100, "period_s": 1800, "aht_s": 180, "target_s": 20, "service_level": 0.8}


@pytest.fixture
def planner(db):
    return api_operations.create_client("workforce-planner")


def ask(http, credentials, params, **headers):
    return http.get(URL, params, headers={"Authorization": f"Token {credentials.token}", **headers})


# --- the answer --------------------------------------------------------------------------------


def test_the_textbook_case_through_the_api(client, planner):
    response = ask(client, planner, TEXTBOOK)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "agents",
        "service_level",
        "probability_waiting",
        "average_speed_of_answer_s",
        "occupancy",
        "traffic_erlangs",
        "rostered",
    }
    assert body["agents"] == 14
    assert round(body["service_level"], 4) == 0.8884
    assert round(body["probability_waiting"], 4) == 0.1741
    assert round(body["average_speed_of_answer_s"], 2) == 7.84
    assert body["occupancy"] == pytest.approx(10 / 14)
    assert body["traffic_erlangs"] == 10.0
    assert body["rostered"] == 14


def test_occupancy_cap_and_shrinkage(client, planner):
    response = ask(client, planner, {**TEXTBOOK, "max_occupancy": 0.6, "shrinkage": 0.3})

    body = response.json()
    assert response.status_code == 200, body
    assert body["agents"] == 17
    assert body["occupancy"] <= 0.6
    assert body["rostered"] == 25  # ceil(17 / 0.7)


def test_no_calls_need_nobody(client, planner):
    body = ask(client, planner, {**TEXTBOOK, "calls": 0, "shrinkage": 0.3}).json()

    assert (body["agents"], body["rostered"], body["service_level"]) == (0, 0, 1.0)
    assert body["probability_waiting"] == 0.0


def test_decimal_demand_from_a_forecast_is_accepted(client, planner):
    body = ask(client, planner, {**TEXTBOOK, "calls": "99.5"}).json()

    assert body["traffic_erlangs"] == pytest.approx(9.95)
    assert body["agents"] == 13  # half a call less than the textbook's 100, one operator less


def test_an_empty_occupancy_cap_means_no_cap(client, planner):
    capped = ask(client, planner, {**TEXTBOOK, "max_occupancy": 0.6}).json()
    empty = ask(client, planner, {**TEXTBOOK, "max_occupancy": ""}).json()

    assert capped["agents"] == 17
    assert empty["agents"] == 14


# --- authentication ----------------------------------------------------------------------------


def test_without_a_token_it_is_a_401(client, planner):
    response = client.get(URL, TEXTBOOK)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert "agents" not in response.json()


def test_a_bad_or_revoked_token_is_a_401(client, planner):
    bad = client.get(URL, TEXTBOOK, headers={"Authorization": "Token not-a-real-token"})
    api_operations.revoke_client(planner.client)
    revoked = ask(client, planner, TEXTBOOK)

    assert bad.status_code == 401
    assert revoked.status_code == 401
    assert "revocato" in revoked.json()["detail"]


def test_only_get_is_allowed(client, planner):
    response = client.post(URL, TEXTBOOK, headers={"Authorization": f"Token {planner.token}"})

    assert response.status_code == 405


# --- bad parameters ----------------------------------------------------------------------------


def test_missing_parameters_are_named_in_italian(client, planner):
    response = ask(client, planner, {"calls": 100})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"period_s", "aht_s", "target_s", "service_level"}
    assert body["aht_s"] == ["Campo obbligatorio."]
    assert response.headers["Content-Language"] == "it"


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"calls": "tanti"}, "calls", "È richiesto un numero valido."),
        ({"calls": -1}, "calls", "Assicurati che il valore sia maggiore o uguale a 0."),
        ({"calls": 100_001}, "calls", "Assicurati che il valore sia minore o uguale a 100000."),
        ({"calls": "nan"}, "calls", "È richiesto un numero valido."),
        ({"aht_s": "inf"}, "aht_s", "È richiesto un numero valido."),
        ({"period_s": 0}, "period_s", "Assicurati che il valore sia maggiore o uguale a 1."),
        ({"period_s": 86_401}, "period_s", "minore o uguale a 86400"),
        ({"aht_s": 0}, "aht_s", "maggiore o uguale a 1"),
        ({"aht_s": 14_401}, "aht_s", "minore o uguale a 14400"),
        ({"target_s": -5}, "target_s", "maggiore o uguale a 0"),
        ({"target_s": 3_601}, "target_s", "minore o uguale a 3600"),
        ({"target_s": "subito"}, "target_s", "È richiesto un numero valido."),
        ({"service_level": 80}, "service_level", "tra 0 e 1 esclusi"),
        ({"service_level": 1}, "service_level", "tra 0 e 1 esclusi"),
        ({"service_level": 0}, "service_level", "tra 0 e 1 esclusi"),
        ({"max_occupancy": 0}, "max_occupancy", "oltre 0 e fino a 1"),
        ({"max_occupancy": 85}, "max_occupancy", "oltre 0 e fino a 1"),
        ({"max_occupancy": "molta"}, "max_occupancy", "È richiesto un numero valido."),
        ({"shrinkage": 1}, "shrinkage", "da 0 a meno di 1"),
        ({"shrinkage": -0.1}, "shrinkage", "da 0 a meno di 1"),
    ],
)
def test_a_bad_parameter_is_a_400_with_its_reason(client, planner, params, field, reason):
    response = ask(client, planner, {**TEXTBOOK, **params})

    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [field]
    assert reason in body[field][0]


def test_traffic_too_high_to_compute_is_a_400(client, planner):
    response = ask(client, planner, {**TEXTBOOK, "calls": 100_000, "period_s": 60, "aht_s": 3600})

    assert response.status_code == 400
    assert "Traffico troppo alto" in response.json()["non_field_errors"][0]


def test_several_bad_parameters_are_all_reported(client, planner):
    response = ask(client, planner, {**TEXTBOOK, "calls": -1, "shrinkage": 2, "target_s": "x"})

    assert response.status_code == 400
    assert set(response.json()) == {"calls", "shrinkage", "target_s"}


def test_errors_are_english_with_accept_language_en(client, planner):
    response = ask(
        client, planner, {**TEXTBOOK, "aht_s": "long", "calls": -1}, **{"Accept-Language": "en"}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["aht_s"] == ["A valid number is required."]
    assert body["calls"] == ["Ensure this value is greater than or equal to 0."]
    assert response.headers["Content-Language"] == "en"


def test_missing_parameters_are_named_in_english(client, planner):
    response = ask(client, planner, {}, **{"Accept-Language": "en"})

    assert response.status_code == 400
    assert response.json()["service_level"] == ["This field is required."]


# --- the schema --------------------------------------------------------------------------------


def test_the_endpoint_is_in_the_openapi_schema(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    operation = response.json()["paths"][URL]["get"]
    parameters = {item["name"]: item for item in operation["parameters"]}
    assert set(parameters) == {
        "calls",
        "period_s",
        "aht_s",
        "target_s",
        "service_level",
        "max_occupancy",
        "shrinkage",
    }
    assert parameters["calls"]["required"] is True
    assert not parameters["shrinkage"].get("required", False)
    assert operation["security"] == [{"ClientToken": []}]
    assert "200" in operation["responses"] and "400" in operation["responses"]
    response_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response_schema["$ref"].endswith("/ErlangStaffing")
