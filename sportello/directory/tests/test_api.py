"""The directory's read-only HSDS-style API: token authentication, HSDS shapes, pagination,
filters, per-field 400s in Italian or English, and the OpenAPI schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.api import operations
from sportello.directory.models import Phone, Schedule, TaxonomyTerm
from sportello.directory.tests.search_factories import make_service, term
from sportello.testing import rome

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/directory/services/"
ORGANIZATIONS = "/api/v1/directory/organizations/"
TERMS = "/api/v1/directory/taxonomy_terms/"


@pytest.fixture
def token(db):
    return operations.create_client("rete-territoriale").token


@pytest.fixture
def network(milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 10, 0))
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
        languages=["it"],
        organization_name="ATS Milano",
    )
    make_service("Centro antiviolenza", needs=["violenza-donne"], areas=[None], languages=["ar"])
    return cps


def get(client, path, token, params=None, **headers):
    return client.get(path, params or {}, headers={"Authorization": f"Token {token}", **headers})


def names(response):
    return [service["name"] for service in response.json()["contents"]]


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SERVICES, ORGANIZATIONS, TERMS])
def test_every_endpoint_needs_a_token(client, network, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Token wrong"}).status_code == 401


def test_a_revoked_token_is_refused(client, network, token):
    from sportello.api.models import ApiClient

    operations.revoke_client(ApiClient.objects.get())

    assert get(client, SERVICES, token).status_code == 401


def test_signed_in_staff_without_a_token_are_refused(client, network, make_staff):
    client.force_login(make_staff("coordinator"))

    assert client.get(SERVICES).status_code == 401


# --- shapes ------------------------------------------------------------------------------------


def test_the_service_detail_is_hsds_shaped(client, network, token):
    response = get(client, f"{SERVICES}{network.pk}/", token)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(network.pk)
    assert body["name"] == "CPS Niguarda"
    assert body["status"] == "active"
    assert body["is_sample"] is True and body["free_of_charge"] is True
    assert body["organization"]["name"] == "Ente di prova"
    [here] = body["service_at_locations"]
    assert here["location"]["municipio"] == 9
    assert here["location"]["addresses"] == [
        {
            "address_1": "Via Esempio 1",
            "city": "Milano",
            "postal_code": "20100",
            "state_province": "",
            "country": "IT",
            "address_type": "physical",
        }
    ]
    assert [phone["number"] for phone in body["phones"]] == ["02 6444 1"]
    [schedule] = body["schedules"]
    assert schedule["byday"] == "MO,TU,WE,TH,FR"
    assert schedule["opens_at"] == "09:00:00" and schedule["closes_at"] == "13:00:00"
    assert [item["code"] for item in body["taxonomy_terms"]] == ["salute-mentale"]
    assert sorted(item["code"] for item in body["languages"]) == ["en", "it"]
    assert body["service_areas"] == []


def test_an_unknown_service_is_a_404(client, network, token):
    response = get(client, f"{SERVICES}00000000-0000-0000-0000-000000000000/", token)

    assert response.status_code == 404


def test_organizations_list_and_detail(client, network, token):
    response = get(client, ORGANIZATIONS, token)

    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body["contents"]] == ["ATS Milano", "Ente di prova"]
    own = body["contents"][1]
    assert [service["name"] for service in own["services"]] == [
        "Centro antiviolenza",
        "CPS Niguarda",
    ]
    detail = get(client, f"{ORGANIZATIONS}{own['id']}/", token).json()
    assert detail["name"] == "Ente di prova"
    assert [location["municipio"] for location in detail["locations"]] == [9]


def test_taxonomy_terms_are_listed_with_their_parent(client, network, token):
    parent = TaxonomyTerm.objects.get(code="salute-mentale")
    term("psichiatria-adulti", "Psichiatria adulti", parent=parent)

    contents = get(client, TERMS, token, {"per_page": 100}).json()["contents"]

    by_code = {item["code"]: item for item in contents}
    assert by_code["psichiatria-adulti"]["parent_id"] == str(parent.pk)
    assert by_code["psichiatria-adulti"]["name"] == "Psichiatria adulti"
    assert by_code["salute-mentale"]["parent_id"] is None


# --- pagination --------------------------------------------------------------------------------


def test_the_service_list_is_paginated_hsds_style(client, network, token):
    for number in range(4):
        make_service(f"Servizio sociale {number}", municipio=number + 1)

    first = get(client, SERVICES, token, {"per_page": 3}).json()
    last = get(client, SERVICES, token, {"per_page": 3, "page": 3}).json()

    assert first["total_items"] == 7 and first["total_pages"] == 3
    assert first["page_number"] == 1 and first["size"] == 3
    assert first["first_page"] is True and first["last_page"] is False and first["empty"] is False
    assert first["next"].endswith("page=2&per_page=3") or "page=2" in first["next"]
    assert last["size"] == 1 and last["last_page"] is True and last["next"] is None
    every = names(get(client, SERVICES, token, {"per_page": 100}))
    assert len(every) == 7 == len(set(every))


def test_a_page_past_the_end_is_a_404_in_italian(client, network, token):
    response = get(client, SERVICES, token, {"page": 9})

    assert response.status_code == 404
    assert response.json()["detail"] == "Pagina non valida."


def test_the_list_reads_a_fixed_number_of_queries(client, network, token):
    with CaptureQueriesContext(connection) as few:
        get(client, SERVICES, token)
    for number in range(5):
        service = make_service(
            f"Altro {number}", needs=["salute-mentale"], municipio=3, areas=[3], languages=["it"]
        )
        Phone.objects.create(location=service.at_locations.get().location, number="02 1")
        Schedule.objects.create(
            service_at_location=service.at_locations.get(),
            byday="MO",
            opens_at="09:00",
            closes_at="12:00",
        )
    with CaptureQueriesContext(connection) as many:
        response = get(client, SERVICES, token)

    assert response.json()["total_items"] == 8
    assert len(many.captured_queries) == len(few.captured_queries)


# --- filters -----------------------------------------------------------------------------------


def test_filter_by_need_and_municipio(client, network, token):
    assert names(get(client, SERVICES, token, {"need": "salute-mentale"})) == ["CPS Niguarda"]
    assert names(get(client, SERVICES, token, {"municipio": 9})) == [
        "Centro antiviolenza",
        "CPS Niguarda",
    ]
    assert names(get(client, SERVICES, token, {"municipio": 6, "need": "violenza-donne"})) == [
        "Centro antiviolenza"
    ]


def test_filter_open_now_language_free_and_text(client, network, token, frozen_now):
    assert names(get(client, SERVICES, token, {"open_now": "true"})) == ["CPS Niguarda"]
    frozen_now(rome(2026, 11, 25, 15, 0))
    assert names(get(client, SERVICES, token, {"open_now": "true"})) == ["Consultorio Lorenteggio"]
    frozen_now(rome(2026, 12, 7, 15, 0))  # Sant'Ambrogio
    response = get(client, SERVICES, token, {"open_now": "true"})
    assert names(response) == [] and response.json()["empty"] is True
    assert names(get(client, SERVICES, token, {"language": "ar"})) == ["Centro antiviolenza"]
    assert "Consultorio Lorenteggio" not in names(get(client, SERVICES, token, {"free": "true"}))
    assert names(get(client, SERVICES, token, {"q": "lorenteggio"})) == ["Consultorio Lorenteggio"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"municipio": "dieci"}, "municipio", "È richiesto un numero intero valido."),
        ({"municipio": "10"}, "municipio", "Assicurati che il valore sia minore o uguale a 9."),
        ({"municipio": "0"}, "municipio", "Assicurati che il valore sia maggiore o uguale a 1."),
        ({"need": "astrologia"}, "need", "Bisogno sconosciuto: «astrologia»."),
        ({"language": "xx"}, "language", "Lingua sconosciuta: «xx»."),
        ({"open_now": "forse"}, "open_now", "Valore non valido: usa true o false."),
        ({"free": "forse"}, "free", "Valore non valido: usa true o false."),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field_in_italian(
    client, network, token, params, field, message
):
    response = get(client, SERVICES, token, params)

    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_several_bad_filters_are_all_reported(client, network, token):
    response = get(client, SERVICES, token, {"municipio": "x", "need": "nope", "q": "a" * 101})

    assert response.status_code == 400
    assert set(response.json()) == {"municipio", "need", "q"}


def test_errors_are_english_with_accept_language_en(client, network, token):
    response = get(client, SERVICES, token, {"municipio": "dieci"}, **{"Accept-Language": "en"})

    assert response.status_code == 400
    assert response.json() == {"municipio": ["A valid integer is required."]}
    assert response.headers["Content-Language"] == "en"


# --- the schema --------------------------------------------------------------------------------


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]

    for path in (
        SERVICES,
        "/api/v1/directory/services/{id}/",
        ORGANIZATIONS,
        "/api/v1/directory/organizations/{id}/",
        TERMS,
    ):
        assert path in paths, path
        assert paths[path]["get"]["security"] == [{"ClientToken": []}]
    parameters = {item["name"] for item in paths[SERVICES]["get"]["parameters"]}
    assert {"need", "municipio", "open_now", "language", "free", "q", "page", "per_page"} <= (
        parameters
    )
    listed = paths[SERVICES]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    name = listed["$ref"].rsplit("/", 1)[-1]
    page = schema["components"]["schemas"][name]["properties"]
    assert {"total_items", "total_pages", "page_number", "contents"} <= set(page)
    assert page["contents"]["items"]["$ref"].endswith("/Service")
