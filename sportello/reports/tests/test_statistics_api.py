"""GET /api/v1/statistics/…: the dashboard's tables through disclosure control and the
open-data releases, for integrations with a token; bad parameters refused field by field."""

import datetime
import hashlib

import pytest
from django.core.management import call_command

from sportello.api import operations as api_operations
from sportello.reports import open_data, rollups
from sportello.reports.queries import TABLE_KEYS, Scope, dashboard_tables
from sportello.testing import rome

pytestmark = pytest.mark.django_db

TABLES = "/api/v1/statistics/tables/"
OPEN_DATA = "/api/v1/statistics/open-data/"
PERIOD = {"from": "2026-01-01", "to": "2026-01-31"}
NOW = rome(2026, 2, 10, 11, 0)


@pytest.fixture
def token(db):
    return api_operations.create_client("open-data-portal").token


@pytest.fixture
def api(client, token):
    def get(path, params=None, **headers):
        return client.get(
            path, params or {}, headers={"Authorization": f"Token {token}", **headers}
        )

    return get


@pytest.fixture
def january(milan, frozen_now, make_contact):
    """7 emergency contacts on 7 January, 2 for the victims' service on the 8th."""
    frozen_now(NOW)
    for minute in range(7):
        make_contact(rome(2026, 1, 7, 10, minute))
    make_contact(rome(2026, 1, 8, 11, 0), service="victims")
    make_contact(rome(2026, 1, 8, 11, 5), service="victims")
    rollups.refresh_pending()


def numbers(table):
    """Every published number; a total the table does not have (null) is not one."""
    for line in [*table["rows"], *([table["totals"]] if table["totals"] else [])]:
        yield from [value for value in [*line["values"], line["total"]] if value is not None]


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [TABLES, f"{TABLES}contacts-by-channel/", OPEN_DATA], ids=["tables", "table", "open"]
)
def test_without_a_token_it_is_a_401(client, milan, path):
    response = client.get(path, PERIOD)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_a_revoked_or_wrong_token_is_a_401(client, milan):
    response = client.get(TABLES, PERIOD, headers={"Authorization": "Token not-a-token"})

    assert response.status_code == 401


# --- bad parameters ---------------------------------------------------------------------------


def test_missing_dates_are_named_field_by_field_in_italian(api, milan):
    response = api(TABLES)

    assert response.status_code == 400
    body = response.json()
    assert body["from"] == ["Campo obbligatorio."]
    assert body["to"] == ["Campo obbligatorio."]
    english = api(TABLES, **{"Accept-Language": "en"}).json()
    assert english["from"] == ["This field is required."]


def test_errors_are_in_english_when_asked(api, milan):
    response = api(TABLES, {"from": "yesterday", "to": "2026-01-31"}, **{"Accept-Language": "en"})

    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert "wrong format" in response.json()["from"][0]
    italian = api(TABLES, {"from": "yesterday", "to": "2026-01-31"})
    assert "formato" in italian.json()["from"][0]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-01-31", "to": "2026-01-01"}, "to", "non può precedere il primo"),
        ({"from": "2025-01-01", "to": "2026-01-31"}, "to", "deve essere un mese intero"),
        ({"from": "2026-01-02", "to": "2026-01-31"}, "to", "deve essere un mese intero"),
        ({"from": "2026-01-01", "to": "2026-02-28"}, "to", "deve essere un mese intero"),
        ({**PERIOD, "service": "emergency"}, "service", "solo le tabelle dell'intero sportello"),
        ({**PERIOD, "programme": "covid19"}, "programme", "solo le tabelle dell'intero"),
        ({**PERIOD, "service": "nessuno"}, "service", "Non esiste un servizio con codice"),
        ({**PERIOD, "programme": "nessuno"}, "programme", "Non esiste un programma"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from", "formato"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(api, milan, params, field, message):
    response = api(TABLES, params)

    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_an_unknown_table_is_a_404_that_lists_the_keys(api, milan):
    response = api(f"{TABLES}nessuna/", PERIOD)

    assert response.status_code == 404
    assert "contacts-by-channel" in response.json()["detail"]


# --- tables -----------------------------------------------------------------------------------


def test_every_table_leaves_through_disclosure_control(api, january):
    response = api(TABLES, PERIOD)

    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-01-01" and body["to"] == "2026-01-31"
    assert body["service"] is None and body["threshold"] == 5
    assert [table["key"] for table in body["tables"]] == list(TABLE_KEYS)
    counts = {
        table.key: table
        for table in dashboard_tables(Scope(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)))
    }
    marks = 0
    for table in body["tables"]:
        assert table["threshold"] == 5 and table["title"] and table["row_heading"]
        source = counts[table["key"]]
        assert table["columns"] == source.column_labels
        assert [row["label"] for row in table["rows"]] == source.row_labels
        for value in numbers(table):
            if isinstance(value, int):
                assert value == 0 or value >= 5, (table["key"], value)
            else:
                assert value in {"<5", "n.d."}
                marks += 1
        for r, row in enumerate(table["rows"]):
            for c, value in enumerate(row["values"]):
                if isinstance(value, int):
                    assert value == source.counts[r][c]
                elif value == "<5":
                    assert 0 < source.counts[r][c] < 5
    assert marks, "two victims' contacts: some cells must be withheld"


def test_one_table_by_its_key(api, january):
    response = api(f"{TABLES}contacts-by-service/", PERIOD)

    assert response.status_code == 200
    table = response.json()
    assert table["key"] == "contacts-by-service"
    assert table["totals"]["total"] == 9
    # 7 and 2 in two services, 0 in the others: the 7 goes with the 2 (zeros stay shown).
    assert sorted(map(str, numbers(table))) == ["0", "0", "9", "9", "<5", "n.d."]


def test_months_set_against_each_other_or_one_service_are_refused_nothing_to_subtract(api, january):
    # January to February minus January would be February: only whole single months leave.
    assert api(TABLES, {"from": "2026-01-01", "to": "2026-02-28"}).status_code == 400
    assert api(TABLES, {"from": "2026-02-01", "to": "2026-02-28"}).status_code == 200
    refused = api(f"{TABLES}contacts-by-service/", {**PERIOD, "service": "emergency"})
    assert refused.status_code == 400
    english = api(
        f"{TABLES}contacts-by-service/",
        {**PERIOD, "service": "emergency"},
        **{"Accept-Language": "en"},
    )
    assert english.status_code == 400 and "whole desk" in english.json()["service"][0]


def test_a_table_of_different_measures_has_no_row_totals(api, january):
    response = api(f"{TABLES}staffing-vs-demand/", PERIOD)

    table = response.json()
    assert response.status_code == 200
    assert all(row["total"] is None for row in table["rows"])
    assert table["totals"]["total"] is None and len(table["totals"]["values"]) == 2


# --- open data --------------------------------------------------------------------------------


def test_the_releases_with_their_stable_addresses(api, client, january):
    first = open_data.publish_month(datetime.date(2026, 1, 1))

    response = api(OPEN_DATA)

    assert response.status_code == 200
    body = response.json()
    assert body["catalogue"] == "http://testserver/dati-aperti/catalogo.jsonld"
    assert body["dictionary"] == "http://testserver/dati-aperti/dizionario.csv"
    (release,) = body["releases"]
    assert release["month"] == "2026-01" and release["version"] == 1 and release["latest"]
    assert release["url"] == "http://testserver/dati-aperti/2026-01-v1.csv"
    assert release["month_url"] == "http://testserver/dati-aperti/2026-01.csv"
    assert release["sha256"] == first.sha256
    assert release["byte_size"] == len(first.csv.encode("utf-8"))
    assert release["rows"] == first.rows and release["threshold"] == 5
    assert datetime.datetime.fromisoformat(release["published_at"]) == NOW
    download = client.get(release["url"])
    assert hashlib.sha256(download.content).hexdigest() == release["sha256"]


def test_no_releases_yet_is_an_empty_list(api, milan):
    response = api(OPEN_DATA)

    assert response.status_code == 200
    assert response.json()["releases"] == []


# --- schema -----------------------------------------------------------------------------------


def test_the_endpoints_are_in_the_schema_with_token_auth(tmp_path):
    import yaml

    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())

    paths = schema["paths"]
    for url in (TABLES, f"{TABLES}{{key}}/", OPEN_DATA):
        assert paths[url]["get"]["security"] == [{"ClientToken": []}]
    parameters = {item["name"] for item in paths["/api/v1/statistics/tables/"]["get"]["parameters"]}
    assert parameters == {"from", "to", "service", "programme"}
    table = schema["components"]["schemas"]["StatisticsTable"]
    assert {"key", "title", "row_heading", "columns", "rows", "threshold"} <= set(
        table["properties"]
    )
