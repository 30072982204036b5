"""The statistics dashboard in a real Chromium: the department's management opens it on the
demo desk's figures, changes the period (htmx swaps the figures in place, the address follows),
sees a refused period explained and fixed, reads the charts (drawn, small counts left out and
said so) and their tables, in Italian and English, and downloads a table as CSV. Each page state
is checked with axe-core and photographed to be looked at."""

import csv
import datetime

import pytest

from sportello.reports import raw_figures
from sportello.reports.models import DailyFigure
from sportello.reports.rollups import refresh_pending
from sportello.services.models import EmergencyProgramme, Service
from tests.browser import test_roster
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_roster import console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo desk on Tuesday 1 December 2026 at 10:00.
demo = test_roster.demo

CHANNELS = ("switchboard", "telephony", "web_callback", "web_video")
WAITS = ("0-5", "5-10", "10-20", "20-30", "30-60", "60+")


def check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """No axe violation on the page as it is now, and a photograph of it to look at."""
    assert axe_violations(page) == [], name
    screenshot(page, name)


def not_bad_request(errors: list[str]) -> list[str]:
    """Console errors, less the browser's note of the 400 a refused scope answers with."""
    return [error for error in errors if "status of 400 (Bad Request)" not in error]


@pytest.fixture
def november(demo) -> None:  # type: ignore[no-untyped-def]
    """The demo's own contacts in the rollups, and a November of synthetic daily figures: a
    busy month for the emergency service under the Covid-19 programme, a few video requests
    (small counts the dashboard must hide)."""
    refresh_pending()
    emergency = Service.objects.get(code="emergency")
    covid = EmergencyProgramme.objects.get(code="covid19")
    rows = []
    for offset in range(25):
        day = datetime.date(2026, 11, 1) + datetime.timedelta(days=offset)
        if day.weekday() == 6:
            continue
        per_channel = {
            "switchboard": 9 + offset % 5,
            "telephony": 4 + offset % 3,
            "web_callback": 2 + offset % 4,
            "web_video": 1 if offset % 6 == 0 else 0,
        }
        total = sum(per_channel.values())

        def figure(
            measure: str, count: int, category: str = "", day: datetime.date = day
        ) -> DailyFigure:
            return DailyFigure(
                day=day,
                service=emergency,
                programme=covid,
                measure=measure,
                category=category,
                count=count,
            )

        rows.append(figure(raw_figures.CONTACTS, total))
        rows += [figure(raw_figures.BY_CHANNEL, n, c) for c, n in per_channel.items() if n]
        waits = [total // 2, total // 4, total // 8, 1 if offset % 3 == 0 else 0]
        rows += [
            figure(raw_figures.WAIT_MINUTES, n, w) for w, n in zip(WAITS, waits, strict=False) if n
        ]
        rows.append(figure(raw_figures.DESK_STAFF_MINUTES, 8 * 60 * 3))
    DailyFigure.objects.bulk_create(rows)


def drawn(page) -> bool:  # type: ignore[no-untyped-def]
    """Every chart of the page has a Chart.js chart with something painted on its canvas."""
    return page.evaluate(
        """() => {
            const canvases = [...document.querySelectorAll('canvas[id^="chart-"]')];
            return canvases.length > 0 && canvases.every((canvas) => {
                if (!window.Chart.getChart(canvas)) { return false; }
                const context = canvas.getContext('2d');
                const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { return true; } }
                return false;
            });
        }"""
    )


def test_management_reads_the_dashboard_changes_the_period_and_exports(page, live_server, november):
    errors = console_errors(page)
    sign_in(page, live_server, "direzione")
    # Management lands on the dashboard.
    assert page.url == f"{live_server.url}/personale/statistiche/"
    staff_nav = page.get_by_role("navigation", name="Area del personale")
    assert staff_nav.get_by_role("link", name="Statistiche").count() == 1
    assert page.get_by_role("heading", name="Statistiche dello sportello", level=1).count() == 1
    assert page.get_by_role("button", name="Aggiorna ora").count() == 0  # management reads only
    assert "Ultimo aggiornamento dei riepiloghi: 1 dicembre 2026 alle 10:00." in page.inner_text(
        "#refreshed"
    )
    assert page.input_value("#id_first_day") == "2026-11-02"
    assert page.input_value("#id_last_day") == "2026-12-01"
    page.wait_for_function("() => window.Chart !== undefined")
    assert drawn(page)
    canvas = page.locator("#chart-contacts-by-channel")
    assert canvas.get_attribute("role") == "img"
    assert canvas.get_attribute("aria-label").startswith("Grafico a barre: Contatti per canale.")
    channels = page.locator("section[aria-labelledby='figure-contacts-by-channel']")
    # The chart says, under its plot, that hidden counts are not in it.
    subtitle = page.evaluate(
        "() => window.Chart.getChart(document.querySelector('#chart-contacts-by-channel'))"
        ".options.plugins.subtitle"
    )
    assert subtitle["display"] is True
    assert subtitle["text"] == "2 valori nascosti per riservatezza non sono nel grafico."
    table = channels.get_by_role("table", name="Contatti per canale")
    assert table.locator("tbody th[scope=row]").count() == 4
    assert "<5" in table.inner_text()
    check(page, "statistics-it")

    # A new period: only the figures change, the address follows, the charts are redrawn.
    page.evaluate("window.samePage = true")
    page.fill("#id_first_day", "2026-11-16")
    page.wait_for_url("**first_day=2026-11-16**")
    page.locator("#scope-text", has_text="dal 16 novembre 2026").wait_for()
    page.wait_for_function("() => window.Chart !== undefined")
    page.wait_for_function(
        "() => document.querySelector('#chart-contacts-by-day') &&"
        " window.Chart.getChart(document.querySelector('#chart-contacts-by-day'))"
    )
    assert page.evaluate("window.samePage") is True
    assert drawn(page)
    days = page.evaluate(
        "() => window.Chart.getChart(document.querySelector('#chart-contacts-by-day'))"
        ".data.labels.length"
    )
    assert days == 16
    assert "16 novembre" in page.inner_text("#figures-status")
    check(page, "statistics-period-it")

    # A period that ends before it starts: the reasons instead of the figures, then fixed.
    page.fill("#id_last_day", "2026-11-10")
    alert = page.locator("#form-errors")
    alert.wait_for()
    assert "L'ultimo giorno non può precedere il primo." in alert.inner_text()
    assert page.locator("#id_last_day").get_attribute("aria-invalid") == "true"
    assert page.locator("canvas").count() == 0
    check(page, "statistics-refused-it")
    page.fill("#id_last_day", "2026-11-30")
    page.locator("#scope-text", has_text="al 30 novembre 2026").wait_for()
    assert page.locator("#id_last_day").get_attribute("aria-invalid") is None
    page.wait_for_function(
        "() => window.Chart.getChart(document.querySelector('#chart-contacts-by-channel'))"
    )
    assert drawn(page)

    # The table as CSV: the same protected numbers as the table on the page.
    shown = page.evaluate(
        """() => [...document.querySelectorAll('#caption-contacts-by-channel ~ * tr')].map(
            (row) => [...row.children].map((cell) => {
                const copy = cell.cloneNode(true);
                copy.querySelectorAll('.visually-hidden').forEach((hidden) => hidden.remove());
                return copy.textContent.trim();
            }))"""
    )
    assert shown[0] == ["Canale", "Contatti"] and len(shown) == 6
    with page.expect_download() as download_info:
        channels.get_by_role("link", name="CSV – Contatti per canale").click()
    download = download_info.value
    assert download.suggested_filename == ("statistiche-contacts-by-channel-20261116-20261130.csv")
    with open(download.path(), encoding="utf-8", newline="") as exported:
        lines = list(csv.reader(exported))
    assert lines[0] == ["Contatti per canale"]
    assert "dal 16 novembre 2026 al 30 novembre 2026" in lines[1][0]
    assert lines[3:-2] == shown
    assert not_bad_request(errors) == []


def test_the_dashboard_in_english_passes_axe(page, live_server, november):
    errors = console_errors(page)
    sign_in(page, live_server, "direzione")
    page.goto(
        f"{live_server.url}/en/personale/statistiche/?first_day=2026-11-01&last_day=2026-11-30"
    )
    assert page.locator("html").get_attribute("lang") == "en"
    page.wait_for_function("() => window.Chart !== undefined")
    page.wait_for_function(
        "() => window.Chart.getChart(document.querySelector('#chart-contacts-by-channel'))"
    )
    assert drawn(page)
    check(page, "statistics-en")
    assert errors == []


def test_the_open_data_page_lists_a_release_and_passes_axe(page, live_server, november):
    from sportello.reports.open_data import publish_month

    release = publish_month(datetime.date(2026, 11, 1))
    for prefix, name in (("", "open-data-it"), ("/en", "open-data-en")):
        page.goto(f"{live_server.url}{prefix}/dati-aperti/")
        text = page.inner_text("main")
        assert (
            "2026-11" in text or "novembre 2026" in text.lower() or "november 2026" in text.lower()
        )
        link = page.locator("a[href$='/dati-aperti/2026-11.csv']").first
        assert link.count() == 1
        check(page, name)
    response = page.request.get(f"{live_server.url}/dati-aperti/2026-11.csv")
    assert response.status == 200 and response.headers["etag"] == f'"{release.sha256}"'
    assert response.body().decode() == release.csv
