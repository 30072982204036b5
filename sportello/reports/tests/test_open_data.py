"""The monthly open data: the CSV and its suppression, publication and versions, refusals, the
command and the monthly task, the public pages under stable addresses, and the DCAT-AP_IT
catalogue read back as RDF."""

import csv
import datetime
import hashlib
import io
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils.html import escape
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from sportello import celery_app
from sportello.intake.models import Contact
from sportello.privacy.models import AuditEvent
from sportello.reports import dcat, open_data, open_data_tasks, rollups
from sportello.reports.models import OpenDataRelease
from sportello.reports.queries import TABLE_KEYS, Scope, dashboard_tables
from sportello.testing import rome

pytestmark = [
    pytest.mark.django_db,
    # rdflib's own JSON-LD parser still uses its deprecated ConjunctiveGraph.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

JANUARY = datetime.date(2026, 1, 1)
FEBRUARY = datetime.date(2026, 2, 1)
NOW = rome(2026, 2, 10, 11, 0)

DCT = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")


@pytest.fixture
def january(milan, frozen_now, make_contact):
    """January 2026 with a busy day and small counts: 7 emergency contacts on the 7th, 2 for
    the victims' service and 1 for mediation on the 8th (small cells that must not leave)."""
    frozen_now(NOW)
    for minute in range(7):
        make_contact(rome(2026, 1, 7, 10, minute))
    make_contact(rome(2026, 1, 8, 11, 0), service="victims")
    make_contact(rome(2026, 1, 8, 11, 5), service="victims", channel="telephony")
    make_contact(rome(2026, 1, 8, 12, 0), service="mediation")
    return make_contact


def late_contacts(make_contact):
    """Five January contacts that reach the figures after a first publication (handled in
    February: the rollups' refresh finds them by their change)."""
    made = [
        make_contact(rome(2026, 1, 9, 15, minute), service="criminology") for minute in range(5)
    ]
    Contact.objects.filter(pk__in=[contact.pk for contact in made]).update(status_changed_at=NOW)


def parse(csv_text):
    return list(csv.DictReader(io.StringIO(csv_text)))


def build_january():
    rollups.refresh_pending()
    return open_data.build_month(JANUARY)


def counts_by_cell():
    """The counts before disclosure control, keyed like the CSV's lines."""
    cells = {}
    for table in dashboard_tables(Scope(JANUARY, datetime.date(2026, 1, 31))):
        for r, label in enumerate(table.row_labels):
            for c, column in enumerate(table.column_labels):
                cells[(table.key, label, column)] = table.counts[r][c]
    return cells


# --- the file -----------------------------------------------------------------------------------


def test_the_file_is_long_form_with_italian_headers_one_line_per_published_cell(january):
    text, rows = build_january()
    lines = parse(text)

    assert text.splitlines()[0] == "mese,tabella,titolo,intestazione_righe,riga,colonna,valore,nota"
    assert rows == len(lines) > 0
    assert {line["mese"] for line in lines} == {"2026-01"}
    assert [key for key in dict.fromkeys(line["tabella"] for line in lines)] == list(TABLE_KEYS)
    by_service = [line for line in lines if line["tabella"] == "contacts-by-service"]
    assert by_service[0]["titolo"] and by_service[0]["intestazione_righe"]
    # The totals are published too, as lines of their own; a line of one cell has no total
    # (it would only repeat the cell).
    for table in dashboard_tables(Scope(JANUARY, datetime.date(2026, 1, 31))):
        own = [line for line in lines if line["tabella"] == table.key]
        with_row_totals = len(table.column_labels) > 1 and table.row_totals
        rows = len(table.row_labels) + (len(table.row_labels) > 1)
        columns = len(table.column_labels) + with_row_totals
        assert len(own) == rows * columns, table.key
        assert any(line["riga"] == "Totale" for line in own) == (len(table.row_labels) > 1)
        assert any(line["colonna"] == "Totale" for line in own) == with_row_totals
    # UTF-8 without a byte-order mark, RFC 4180 line ends.
    assert not text.startswith("\ufeff")
    assert text.endswith("\r\n")


def test_no_count_below_the_threshold_leaves_and_each_withheld_cell_says_why(january):
    text, _rows = build_january()
    lines = parse(text)
    counts = counts_by_cell()

    small = [line for line in lines if line["valore"] == "<5"]
    withheld = [line for line in lines if line["valore"] == "n.d."]
    assert small, "the data has small counts: some cells must be suppressed"
    for line in lines:
        value = line["valore"]
        if value.isdigit():
            assert int(value) == 0 or int(value) >= 5, line
            assert line["nota"] == ""
            key = (line["tabella"], line["riga"], line["colonna"])
            if key in counts:  # an inner cell (not a total) is published as counted
                assert counts[key] == int(value)
        else:
            assert value in {"<5", "n.d."}, line
    for line in small:
        assert 0 < counts[(line["tabella"], line["riga"], line["colonna"])] < 5
        assert line["nota"] == open_data.NOTE_SMALL
    for line in withheld:
        assert line["nota"] == open_data.NOTE_WITHHELD
    # The two victims' contacts of the 8th are nowhere in the file as a number.
    victims = [
        line
        for line in lines
        if line["tabella"] == "contacts-by-service" and "vittime" in line["riga"].lower()
    ]
    assert victims and all(line["valore"] in {"<5", "n.d."} for line in victims), victims


def test_the_threshold_comes_from_the_settings(january, settings):
    settings.SPORTELLO_DISCLOSURE_THRESHOLD = 8
    text, _rows = build_january()
    lines = parse(text)

    assert any(line["valore"] == "<8" for line in lines)
    assert not any(line["valore"] == "<5" for line in lines)
    # The seven emergency contacts of the 7th are now a small count.
    assert all(
        int(line["valore"]) == 0 or int(line["valore"]) >= 8
        for line in lines
        if line["valore"].isdigit()
    )


def test_the_file_is_italian_whatever_the_language_in_use(january):
    from django.utils import translation

    italian, _rows = build_january()
    with translation.override("en"):
        english, _rows = open_data.build_month(JANUARY)

    assert italian == english


def test_the_same_figures_give_the_same_bytes(january):
    first, _rows = build_january()
    second, _rows = open_data.build_month(JANUARY)

    assert first == second


# --- publication and versions ------------------------------------------------------------------


def test_publishing_a_month_stores_the_file_and_writes_the_audit(january):
    release = open_data.publish_month(datetime.date(2026, 1, 20))

    text, rows = open_data.build_month(JANUARY)
    assert (release.month, release.version) == (JANUARY, 1)
    assert release.csv == text and release.rows == rows
    assert release.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert release.threshold == settings.SPORTELLO_DISCLOSURE_THRESHOLD
    assert release.published_at == NOW
    event = AuditEvent.objects.get(action=open_data.PUBLISHED)
    assert event.object_id == str(release.pk)
    assert event.actor is None and event.actor_label == open_data.SYSTEM
    assert event.detail["month"] == "2026-01" and event.detail["version"] == 1
    assert event.detail["sha256"] == release.sha256


def test_publishing_refreshes_the_rollups_first(january):
    # No refresh has run: the figures only reach the file through publish_month's own.
    release = open_data.publish_month(JANUARY)

    assert any(line["valore"] == "7" for line in parse(release.csv))


def test_the_same_figures_again_are_refused_and_nothing_is_written(january):
    open_data.publish_month(JANUARY)
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError, match="già pubblicati identici nella versione 1"):
        open_data.publish_month(JANUARY)

    assert OpenDataRelease.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_changed_figures_make_a_new_version_and_the_old_one_stays(january):
    first = open_data.publish_month(JANUARY)
    late_contacts(january)

    second = open_data.publish_month(JANUARY)

    assert second.version == 2 and second.sha256 != first.sha256
    first.refresh_from_db()
    assert first.version == 1 and hashlib.sha256(first.csv.encode()).hexdigest() == first.sha256
    assert open_data.latest_release(JANUARY) == second


@pytest.mark.parametrize("month", [FEBRUARY, datetime.date(2026, 2, 28), datetime.date(2026, 3, 1)])
def test_a_month_not_yet_over_is_refused_and_nothing_is_written(january, month):
    with pytest.raises(ValidationError, match="non è ancora concluso"):
        open_data.publish_month(month)

    assert not OpenDataRelease.objects.exists()
    assert not AuditEvent.objects.filter(action=open_data.PUBLISHED).exists()


def test_a_month_is_over_when_it_is_over_in_rome(january, frozen_now):
    # 00:30 on 1 February in Rome is still 31 January in UTC.
    frozen_now(rome(2026, 2, 1, 0, 30))

    assert open_data.publish_month(JANUARY).version == 1
    with pytest.raises(ValidationError):
        open_data.publish_month(FEBRUARY)


def test_a_person_publishes_only_with_access_to_the_statistics(january, make_staff):
    with pytest.raises(PermissionDenied):
        open_data.publish_month(JANUARY, by=make_staff("professional"))
    assert not OpenDataRelease.objects.exists()

    coordinator = make_staff("coordinator")
    release = open_data.publish_month(JANUARY, by=coordinator)

    event = AuditEvent.objects.get(action=open_data.PUBLISHED, object_id=str(release.pk))
    assert event.actor == coordinator


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "gennaio", "26-01", "2026-00", ""])
def test_a_bad_month_is_refused_in_italian(text):
    with pytest.raises(ValidationError, match="Mese non valido"):
        open_data.parse_month(text)


def test_a_month_written_yyyy_mm_is_its_first_day():
    assert open_data.parse_month(" 2026-01 ") == JANUARY


# --- the command and the task -------------------------------------------------------------------


def test_the_command_publishes_the_month_given(january):
    out = io.StringIO()
    call_command("publish_open_data", "--month", "2026-01", stdout=out)

    release = OpenDataRelease.objects.get()
    assert release.month == JANUARY
    assert "2026-01" in out.getvalue() and "versione 1" in out.getvalue()


def test_the_command_publishes_last_month_by_default(january):
    call_command("publish_open_data", stdout=io.StringIO())

    assert OpenDataRelease.objects.get().month == JANUARY


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "Mese non valido"),
        ("domani", "Mese non valido"),
        ("2026-02", "non è ancora concluso"),
    ],
)
def test_the_command_refuses_a_bad_month_and_writes_nothing(january, month, message):
    with pytest.raises(CommandError, match=message):
        call_command("publish_open_data", "--month", month, stdout=io.StringIO())

    assert not OpenDataRelease.objects.exists()


def test_the_command_refuses_identical_figures(january):
    call_command("publish_open_data", "--month", "2026-01", stdout=io.StringIO())

    with pytest.raises(CommandError, match="niente di nuovo"):
        call_command("publish_open_data", "--month", "2026-01", stdout=io.StringIO())
    assert OpenDataRelease.objects.count() == 1


def test_the_monthly_task_publishes_last_month_once(january):
    first = open_data_tasks.publish_last_month.delay()
    again = open_data_tasks.publish_last_month.delay()

    release = OpenDataRelease.objects.get()
    assert first.get() == release.pk and release.month == JANUARY
    assert again.get() is None


def test_beat_runs_the_task_on_the_second_of_each_month():
    entry = settings.CELERY_BEAT_SCHEDULE["open-data-monthly"]
    schedule = entry["schedule"]

    assert entry["task"] == open_data_tasks.publish_last_month.name
    assert entry["task"] in celery_app.tasks
    assert schedule.day_of_month == {2}
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1


# --- the public pages -----------------------------------------------------------------------


@pytest.fixture
def published(january):
    return open_data.publish_month(JANUARY)


def test_the_page_lists_the_releases_and_the_dictionary(client, published):
    response = client.get("/dati-aperti/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/dati-aperti/2026-01.csv"' in page
    assert 'href="/dati-aperti/2026-01-v1.csv"' in page
    assert published.sha256 in page
    assert 'href="/dati-aperti/catalogo.jsonld"' in page
    assert 'href="/dati-aperti/dizionario.csv"' in page
    for entry in open_data.COLUMNS:
        assert escape(entry.it) in page
    assert "<caption" in page and 'scope="col"' in page


def test_the_english_page_shows_the_english_dictionary_and_the_same_files(client, published):
    response = client.get("/en/dati-aperti/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    for entry in open_data.COLUMNS:
        assert escape(entry.en) in page
    # The files have one address whatever the language.
    assert 'href="/dati-aperti/2026-01-v1.csv"' in page


def test_the_page_without_releases_says_so(client, milan):
    response = client.get("/dati-aperti/")

    assert response.status_code == 200
    assert "Non ci sono ancora dati pubblicati" in response.content.decode()


def test_a_version_is_served_byte_for_byte_with_its_etag(client, published):
    response = client.get("/dati-aperti/2026-01-v1.csv")

    assert response.status_code == 200
    assert response.content == published.csv.encode("utf-8")
    assert hashlib.sha256(response.content).hexdigest() == published.sha256
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["ETag"] == f'"{published.sha256}"'
    assert response["Content-Disposition"] == ('attachment; filename="dati-aperti-2026-01-v1.csv"')
    assert "immutable" in response["Cache-Control"]


def test_the_etag_answers_a_conditional_request(client, published):
    response = client.get(
        "/dati-aperti/2026-01-v1.csv", headers={"If-None-Match": f'"{published.sha256}"'}
    )

    assert response.status_code == 304
    assert response.content == b""
    stale = client.get("/dati-aperti/2026-01-v1.csv", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_the_month_address_follows_the_newest_version(client, published, january):
    assert client.get("/dati-aperti/2026-01.csv").content == published.csv.encode()
    late_contacts(january)
    second = open_data.publish_month(JANUARY)

    latest = client.get("/dati-aperti/2026-01.csv")
    first = client.get("/dati-aperti/2026-01-v1.csv")

    assert latest.content == second.csv.encode() and latest["ETag"] == f'"{second.sha256}"'
    assert "no-cache" in latest["Cache-Control"]
    assert first.content == published.csv.encode()


@pytest.mark.parametrize(
    "path",
    [
        "/dati-aperti/2025-12.csv",
        "/dati-aperti/2026-01-v2.csv",
        "/dati-aperti/2026-13.csv",
        "/dati-aperti/2026-01-v0.csv",
    ],
)
def test_a_file_that_was_not_published_is_not_found(client, published, path):
    assert client.get(path).status_code == 404


def test_the_data_dictionary_is_a_csv_in_english_and_italian(client, milan):
    response = client.get("/dati-aperti/dizionario.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = parse(response.content.decode("utf-8"))
    assert list(lines[0]) == ["kind", "name", "description_en", "descrizione_it"]
    names = {(line["kind"], line["name"]) for line in lines}
    assert {("column", name) for name in open_data.CSV_HEADER} <= names
    assert {("table", key) for key in TABLE_KEYS} <= names
    assert {("symbol", "<N"), ("symbol", "n.d.")} <= names
    assert all(line["description_en"] and line["descrizione_it"] for line in lines)


# --- DCAT-AP_IT -------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """rdflib must read the catalogue from its inline @context, never fetch one."""

    def refuse(*args, **kwargs):
        raise AssertionError("the JSON-LD context was fetched from the network")

    monkeypatch.setattr("urllib.request.urlopen", refuse)


def catalogue_graph(client):
    response = client.get("/dati-aperti/catalogo.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    document = json.loads(response.content)
    assert isinstance(document["@context"], dict)
    return Graph().parse(data=response.content.decode(), format="json-ld")


def test_the_catalogue_describes_the_dataset_in_dcat_ap_it(client, published, no_network):
    from sportello.services.queries import current_organisation

    graph = catalogue_graph(client)
    organisation = current_organisation()

    catalog = URIRef("http://testserver/dati-aperti/catalogo.jsonld")
    assert (catalog, RDF.type, DCATAPIT.Catalog) in graph
    dataset = graph.value(catalog, DCAT.dataset)
    assert (dataset, RDF.type, DCATAPIT.Dataset) in graph
    titles = {(title.language, str(title)) for title in graph.objects(dataset, DCT.title)}
    assert {language for language, _title in titles} == {"it", "en"}
    descriptions = {text.language for text in graph.objects(dataset, DCT.description)}
    assert descriptions == {"it", "en"}
    eu = "http://publications.europa.eu/resource/authority/"
    assert set(graph.objects(dataset, DCAT.theme)) == {
        URIRef(f"{eu}data-theme/SOCI"),
        URIRef(f"{eu}data-theme/GOVE"),
    }
    assert graph.value(dataset, DCT.accrualPeriodicity) == URIRef(f"{eu}frequency/MONTHLY")
    assert graph.value(dataset, DCT.language) == URIRef(f"{eu}language/ITA")
    assert graph.value(dataset, DCT.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert graph.value(dataset, DCT.identifier) is not None
    publisher = graph.value(dataset, DCT.publisher)
    assert graph.value(catalog, DCT.publisher) == publisher
    assert graph.value(dataset, DCT.rightsHolder) == publisher
    assert (publisher, RDF.type, DCATAPIT.Agent) in graph
    assert Literal(organisation.name_it, lang="it") in set(graph.objects(publisher, FOAF.name))
    contact = graph.value(dataset, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Organization) in graph
    assert graph.value(contact, VCARD.fn) is not None


def test_each_release_is_a_distribution_with_its_size_and_checksum(
    client, published, january, no_network
):
    late_contacts(january)
    second = open_data.publish_month(JANUARY)

    graph = catalogue_graph(client)

    dataset = next(graph.subjects(RDF.type, DCATAPIT.Dataset))
    distributions = set(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 2
    for release in (published, second):
        url = URIRef(f"http://testserver/dati-aperti/2026-01-v{release.version}.csv")
        assert url in distributions
        assert (url, RDF.type, DCATAPIT.Distribution) in graph
        assert graph.value(url, DCAT.downloadURL) == url
        assert graph.value(url, DCAT.accessURL) == url
        assert graph.value(url, DCT["format"]) == URIRef(
            "http://publications.europa.eu/resource/authority/file-type/CSV"
        )
        assert int(graph.value(url, DCAT.byteSize)) == len(release.csv.encode("utf-8"))
        checksum = graph.value(url, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == release.sha256
        issued = graph.value(url, DCT.issued)
        assert issued.datatype == URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
        assert issued.toPython() == release.published_at
        assert graph.value(url, DCT.license) is not None
        # The address the catalogue gives serves the very bytes it describes.
        assert hashlib.sha256(client.get(str(url)).content).hexdigest() == release.sha256


def test_the_catalogue_without_releases_is_still_valid(client, milan, no_network):
    graph = catalogue_graph(client)

    assert next(graph.subjects(RDF.type, DCATAPIT.Catalog), None) is not None
    dataset = next(graph.subjects(RDF.type, DCATAPIT.Dataset))
    assert not set(graph.objects(dataset, DCAT.distribution))


def test_the_catalogue_context_is_inline_and_names_every_vocabulary():
    assert set(dcat.CONTEXT) >= {"dcat", "dct", "dcatapit", "foaf", "vcard"}
