"""CSV and XLSX exports of the dashboard's tables: the protected table and nothing else, equal
to what the dashboard shows, with the scope and what the marks mean; unknown tables and bad
scopes refused."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from sportello.reports import exports, raw_figures
from sportello.reports.queries import TABLE_KEYS, Scope
from sportello.reports.rollups import refresh_pending
from sportello.reports.tests import test_dashboard
from sportello.reports.tests.test_dashboard import DASHBOARD, DAY, NOW, table_cells
from sportello.testing import rome

pytestmark = pytest.mark.django_db

# The dashboard's desk: 21 emergency contacts on 20 November 2026, 2 of them callback requests.
add_figure = test_dashboard.add_figure
desk = test_dashboard.desk
signed_in = test_dashboard.signed_in

SCOPE = {"first_day": "2026-11-01", "last_day": "2026-11-30"}
NOVEMBER = Scope(first_day=datetime.date(2026, 11, 1), last_day=datetime.date(2026, 11, 30))


def export(client, key: str, extension: str, query: dict | None = None):  # type: ignore[no-untyped-def]
    return client.get(
        reverse(f"reports:export-{extension}", args=[key]), SCOPE if query is None else query
    )


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def read_xlsx(content: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def below_threshold(value: object, threshold: int) -> bool:
    """A count that should never leave the system: between 1 and the threshold less one."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0 < value < threshold
    return isinstance(value, str) and value.isdigit() and 0 < int(value) < threshold


def test_the_csv_is_the_protected_table_with_its_title_scope_and_note(desk, signed_in, client):
    signed_in("management")
    response = export(client, "contacts-by-channel", "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="statistiche-contacts-by-channel-20261101-20261130.csv"'
    )
    assert not response.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.content
    lines = read_csv(response.content)
    assert lines[0] == ["Contatti per canale"]
    assert lines[1] == [
        "Periodo: dal 1 novembre 2026 al 30 novembre 2026; servizio: tutti; "
        "programma di emergenza: tutti."
    ]
    assert lines[2] == []
    assert lines[3:9] == [
        ["Canale", "Contatti"],
        ["Passaggio dal centralino", "12"],
        # Zero is shown (nobody is in it); the 7 is hidden so the 2 cannot be worked out.
        ["Telefonata trasferita automaticamente", "n.d."],
        ["Richiesta di richiamata dal sito", "<5"],
        ["Richiesta di videochiamata dal sito", "0"],
        ["Totale", "21"],
    ]
    assert lines[9] == []
    assert lines[10][0].startswith("Nota: «<5»: da 1 a 4 casi, nascosti per riservatezza")
    assert len(lines) == 11


def test_a_label_with_a_comma_or_quotes_is_quoted(milan):
    figure = exports.queries.FigureTable(
        key="test",
        title='Tabella "di prova", con virgola',
        row_heading="Voce",
        row_labels=["uno, due", 'tre "quattro"'],
        column_labels=["Contatti"],
        counts=[[10], [20]],
        chart="bar",
    )
    content = exports.figure_csv(exports.publish(figure), NOVEMBER)
    assert content.decode().splitlines()[0] == '"Tabella ""di prova"", con virgola"'
    assert read_csv(content)[4:6] == [["uno, due", "10"], ['tre "quattro"', "20"]]


def test_the_xlsx_holds_numbers_as_numbers_and_marks_as_text(desk, signed_in, client):
    signed_in("coordinator")
    response = export(client, "contacts-by-channel", "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('contacts-by-channel-20261101-20261130.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 1
    sheet = workbook.active
    rows = read_xlsx(response.content)
    assert rows[0][0] == "Contatti per canale"
    assert rows[1][0].startswith("Periodo: dal 1 novembre 2026")
    assert rows[3] == ["Canale", "Contatti"]
    assert all(sheet.cell(row=4, column=c).font.bold for c in (1, 2))
    assert rows[4] == ["Passaggio dal centralino", 12]
    assert rows[5] == ["Telefonata trasferita automaticamente", "n.d."]
    assert rows[6] == ["Richiesta di richiamata dal sito", "<5"]
    assert rows[7] == ["Richiesta di videochiamata dal sito", 0]
    assert rows[8] == ["Totale", 21]
    assert rows[-1][0].startswith("Nota: «<5»")


def test_a_label_that_looks_like_a_number_stays_text(milan):
    figure = exports.queries.FigureTable(
        key="sessions",
        title="Colloqui",
        row_heading="Colloqui",
        row_labels=["1", "2"],
        column_labels=["3"],
        counts=[[10], [20]],
        chart="bar",
    )
    rows = read_xlsx(exports.figure_xlsx(exports.publish(figure), NOVEMBER))
    assert rows[3] == ["Colloqui", "3"]
    assert rows[4] == ["1", 10]
    assert rows[6] == ["Totale", 30]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_every_export_equals_the_dashboards_table(desk, signed_in, client, extension):
    signed_in("management")
    page = client.get(DASHBOARD, SCOPE).content.decode()
    for key in TABLE_KEYS:
        response = export(client, key, extension)
        assert response.status_code == 200, key
        if extension == "csv":
            table = read_csv(response.content)[3:-2]
        else:
            table = [
                ["" if value is None else str(value) for value in row]
                for row in read_xlsx(response.content)[3:-2]
            ]
        assert table == table_cells(page, key), key


def test_no_export_ever_holds_a_small_count(
    milan, frozen_now, add_figure, signed_in, client, settings
):
    """Counts from 1 to 9 in every category of several measures: whatever the threshold, none
    below it leaves in either file, and every hidden cell carries its mark."""
    frozen_now(NOW)
    for offset, channel in enumerate(["switchboard", "telephony", "web_callback", "web_video"]):
        add_figure(raw_figures.BY_CHANNEL, offset + 1, category=channel)
        add_figure(raw_figures.BY_CHANNEL, 6 + offset, category=channel, service="victims")
    for offset, bucket in enumerate(["0-5", "5-10", "10-20", "20-30"]):
        add_figure(raw_figures.WAIT_MINUTES, 2 * offset + 1, category=bucket)
    add_figure(raw_figures.CONTACTS, 3)
    add_figure(raw_figures.CONTACTS, 4, day=DAY + datetime.timedelta(days=1))
    add_figure(raw_figures.CONTACTS, 40, day=DAY + datetime.timedelta(days=2))
    signed_in("management")
    for threshold in (3, 5, 7):
        settings.SPORTELLO_DISCLOSURE_THRESHOLD = threshold
        for key in TABLE_KEYS:
            published = exports.published_figure(NOVEMBER, key)
            hidden = published.table.protected.hidden
            for extension in ("csv", "xlsx"):
                content = export(client, key, extension).content
                rows = read_csv(content) if extension == "csv" else read_xlsx(content)
                table = rows[3:-2]
                assert table[0] == published.header, (key, extension)
                for r, row in enumerate(table[1:-1]):
                    for c, value in enumerate(row[1:]):
                        assert not below_threshold(value, threshold), (key, threshold, value)
                        if (r, c) in hidden:
                            assert value in (f"<{threshold}", "n.d."), (key, r, c, value)
                for value in table[-1][1:] + [row[-1] for row in table[1:-1]]:
                    assert not below_threshold(value, threshold), (key, threshold, "total")


def test_an_unknown_table_is_not_found(desk, signed_in, client):
    signed_in("management")
    assert export(client, "contacts-by-horoscope", "csv").status_code == 404
    assert export(client, "contacts-by-horoscope", "xlsx").status_code == 404
    assert client.get("/personale/statistiche/esporta/contacts-by-day.pdf").status_code == 404


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_bad_scope_is_refused_in_italian_with_no_file(desk, signed_in, client, extension):
    signed_in("management")
    bad = {"first_day": "2026-11-30", "last_day": "2026-11-01"}
    response = export(client, "contacts-by-channel", extension, bad)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert "L&#x27;ultimo giorno non può precedere il primo." in response.content.decode()
    unknown = export(client, "contacts-by-channel", extension, {"service": "astrology"})
    assert unknown.status_code == 400
    assert "Servizio sconosciuto" in unknown.content.decode()


def test_the_scope_of_the_export_is_the_one_asked(desk, signed_in, client, add_figure):
    add_figure(raw_figures.BY_CHANNEL, 30, category="web_video", service="victims")
    signed_in("management")
    victims = read_csv(
        export(client, "contacts-by-channel", "csv", {**SCOPE, "service": "victims"}).content
    )
    assert "servizio: Servizio psicotraumatologico per le vittime di reato" in victims[1][0]
    assert victims[7] == ["Richiesta di videochiamata dal sito", "30"]
    default = export(client, "contacts-by-channel", "csv", {}).content
    assert "dal 2 novembre 2026 al 1 dicembre 2026" in read_csv(default)[1][0]


def test_real_contacts_after_a_refresh_reach_the_dashboard_and_the_export(
    milan, frozen_now, make_contact, signed_in, client
):
    """From the intake's own operation to the file: contacts registered, the rollups
    refreshed, the same protected table on the page and in the CSV, equal to the raw path."""
    frozen_now(rome(2026, 11, 20, 10, 0))
    for minute in range(7):
        make_contact(rome(2026, 11, 20, 10, minute), channel="switchboard")
    for minute in range(2):
        make_contact(
            rome(2026, 11, 20, 11, minute), channel="web_callback", caller_number="+393331234567"
        )
    frozen_now(NOW)
    assert refresh_pending() >= 1
    signed_in("coordinator")
    page = client.get(DASHBOARD, SCOPE).content.decode()
    cells = table_cells(page, "contacts-by-channel")
    assert cells[1][:2] == ["Passaggio dal centralino", "n.d."]
    assert cells[3][:2] == ["Richiesta di richiamata dal sito", "<5"]
    assert cells[-1][-1] == "9"
    exported = read_csv(export(client, "contacts-by-channel", "csv").content)[3:-2]
    assert exported == cells
    raw = exports.publish(
        exports.queries.dashboard_table(NOVEMBER, "contacts-by-channel", source="raw")
    )
    assert raw.rows == cells
    assert "Ultimo aggiornamento dei riepiloghi: 1 dicembre 2026 alle 10:00." in page


def test_a_week_holding_a_hidden_day_is_hidden_too_so_days_and_weeks_give_nothing_away():
    from sportello.reports.queries import FigureTable

    # The reviewer's case: 2–15 March, 2 contacts on the 4th; weeks 10 and 11.
    counts = [[7], [6], [2], [9], [8], [7], [0], [6], [9], [8], [7], [6], [5], [0]]
    days = FigureTable(
        "contacts-by-day", "Contatti per giorno", "Giorno",
        [f"{day:02d}/03" for day in range(2, 16)], ["Contatti"], counts, "line",
    )  # fmt: skip
    weeks = FigureTable(
        "contacts-by-week", "Contatti per settimana", "Settimana", ["10", "11"], ["Contatti"],
        [[sum(row[0] for row in counts[:7])], [sum(row[0] for row in counts[7:])]], "bar",
        derived_from="contacts-by-day",
        derived_cells=(((0, 0), tuple((d, 0) for d in range(7))),
                       ((1, 0), tuple((d, 0) for d in range(7, 14)))),
    )  # fmt: skip
    published_days, published_weeks = exports.publish_all([days, weeks], threshold=5)
    hidden_days = published_days.table.protected.hidden
    assert (2, 0) in hidden_days
    assert (0, 0) in published_weeks.table.protected.hidden
    # Every week still shown is the sum of days all shown: it tells nothing new.
    for (week, _column), sources in weeks.derived_cells:
        if (week, 0) not in published_weeks.table.protected.hidden:
            assert not set(sources) & hidden_days
    # Published alone, a derived table is refused rather than protected without its source.
    with pytest.raises(ValueError, match="published only with"):
        exports.publish(weeks)
