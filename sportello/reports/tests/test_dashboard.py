"""The statistics dashboard: who may see it, the scope form and its refusals, htmx swapping
only the figures, every table shown after disclosure control (chart data and data table alike),
the rollups' state and the coordinators' "Aggiorna ora"."""

import datetime
import html
import json
import re
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from sportello.reports import charts, exports, raw_figures, views
from sportello.reports.models import DailyFigure, RollupState
from sportello.reports.queries import TABLE_KEYS, Scope
from sportello.services.models import EmergencyProgramme, Service
from sportello.testing import rome

pytestmark = pytest.mark.django_db

NOW = rome(2026, 12, 1, 10, 0)  # a Tuesday
TODAY = datetime.date(2026, 12, 1)
DAY = datetime.date(2026, 11, 20)
DASHBOARD = "/personale/statistiche/"
HTMX = {"HTTP_HX_REQUEST": "true"}
# On 20 November: 12 through the switchboard, 7 transferred, 2 callback requests (a small
# count), no video request.
CHANNELS = {"switchboard": 12, "telephony": 7, "web_callback": 2}


@pytest.fixture
def add_figure(milan) -> Callable[..., DailyFigure]:
    """A rollup row, as the refresh would store it."""

    def add(
        measure: str,
        count: int,
        *,
        category: str = "",
        day: datetime.date = DAY,
        service: str = "emergency",
        programme: str | None = "covid19",
    ) -> DailyFigure:
        return DailyFigure.objects.create(
            day=day,
            service=Service.objects.get(code=service),
            programme=EmergencyProgramme.objects.get(code=programme) if programme else None,
            measure=measure,
            category=category,
            count=count,
        )

    return add


@pytest.fixture
def desk(milan, frozen_now, add_figure) -> None:
    """Tuesday 1 December 2026: 21 emergency contacts on 20 November, by channel."""
    frozen_now(NOW)
    for channel, count in CHANNELS.items():
        add_figure(raw_figures.BY_CHANNEL, count, category=channel)
    add_figure(raw_figures.CONTACTS, sum(CHANNELS.values()))


@pytest.fixture
def signed_in(client, make_staff) -> Callable[[str], object]:
    def sign_in(role: str) -> object:
        user = make_staff(role)
        client.force_login(user)
        return user

    return sign_in


def table_cells(content: str, key: str) -> list[list[str]]:
    """The data table of one figure as the page shows it: header, rows, totals, as text."""
    section = re.search(
        rf'<section class="statistics-figure[^"]*" aria-labelledby="figure-{key}">(.*?)</section>',
        content,
        re.S,
    )
    assert section, key
    table = re.search(r"<table.*?</table>", section.group(1), re.S)
    assert table
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(
            [
                html.unescape(
                    re.sub(
                        r"<[^>]+>",
                        "",
                        re.sub(r'<span class="visually-hidden">.*?</span>', "", cell),
                    )
                ).strip()
                for cell in cells
            ]
        )
    return rows


def chart_json(content: str, key: str) -> dict:
    found = re.search(
        rf'<script id="chart-data-{key}" type="application/json">(.*?)</script>', content, re.S
    )
    assert found, key
    return json.loads(found.group(1))


def default_scope() -> Scope:
    return Scope(first_day=TODAY - datetime.timedelta(days=29), last_day=TODAY)


# The scope -----------------------------------------------------------------------------------


def test_the_bare_address_shows_the_last_30_days_of_every_service_and_programme(
    desk, signed_in, client
):
    signed_in("management")
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="2026-11-02"' in content and 'value="2026-12-01"' in content
    assert "Periodo: dal 2 novembre 2026 al 1 dicembre 2026; servizio: tutti" in content
    keys = [view.key for view in response.context["figures"]]
    assert keys == list(TABLE_KEYS)
    # Rows of several cells keep their totals; a one-cell row is its own total.
    assert table_cells(content, "service-level")[0][-1] == "Totale"
    assert table_cells(content, "contacts-by-channel")[0] == ["Canale", "Contatti"]
    for key in TABLE_KEYS:
        assert f'id="chart-{key}"' in content
        assert f"/personale/statistiche/esporta/{key}.csv?first_day=2026-11-02" in content


def test_the_day_is_the_desks_not_utcs(desk, signed_in, client, frozen_now):
    # 00:30 on 2 December in Rome is still 1 December in UTC.
    frozen_now(rome(2026, 12, 2, 0, 30))
    signed_in("management")
    content = client.get(DASHBOARD).content.decode()
    assert 'value="2026-12-02"' in content and 'value="2026-11-03"' in content


def test_a_chosen_scope_filters_the_figures(desk, signed_in, client, add_figure):
    add_figure(raw_figures.BY_CHANNEL, 9, category="telephony", service="victims")
    signed_in("coordinator")
    everyone = client.get(DASHBOARD, {"first_day": "2026-11-20", "last_day": "2026-11-20"})
    victims = client.get(
        DASHBOARD, {"first_day": "2026-11-20", "last_day": "2026-11-20", "service": "victims"}
    )
    before = client.get(DASHBOARD, {"first_day": "2026-11-01", "last_day": "2026-11-19"})
    assert table_cells(everyone.content.decode(), "contacts-by-channel")[2][1] == "16"
    assert table_cells(victims.content.decode(), "contacts-by-channel")[2][1] == "9"
    assert table_cells(before.content.decode(), "contacts-by-channel")[-1] == ["Totale", "0"]
    assert "servizio: Servizio psicotraumatologico" in victims.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"first_day": "2026-11-20", "last_day": "2026-11-19"},
            "last_day",
            "L&#x27;ultimo giorno non può precedere il primo.",
        ),
        (
            {"first_day": "2023-11-30", "last_day": "2026-12-01"},
            "first_day",
            "Il periodo può coprire al massimo 3 anni: accorcialo.",
        ),
        (
            {"service": "astrology"},
            "service",
            "Servizio sconosciuto: scegli uno dei servizi dell&#x27;elenco.",
        ),
        (
            {"programme": "moon-landing"},
            "programme",
            "Programma di emergenza sconosciuto",
        ),
        ({"first_day": "20/11/2026"}, "first_day", "Indica una data valida (aaaa-mm-gg)."),
    ],
)
def test_a_bad_scope_is_refused_in_italian_with_no_figures(
    desk, signed_in, client, query, field, message
):
    signed_in("management")
    for headers in ({}, HTMX):
        response = client.get(DASHBOARD, query, **headers)
        content = response.content.decode()
        assert response.status_code == 400
        assert message in content
        assert "Controlla i dati inseriti" in content
        assert response.context["figures"] is None
        assert "statistics-figure " not in content and "chart-data-" not in content
        assert f'data-invalid-fields="{field}"' in content


def test_exactly_three_years_is_allowed(desk, signed_in, client):
    signed_in("management")
    response = client.get(DASHBOARD, {"first_day": "2023-12-01", "last_day": "2026-12-01"})
    assert response.status_code == 200


def test_htmx_swaps_only_the_figures_and_their_status(desk, signed_in, client):
    signed_in("management")
    response = client.get(DASHBOARD, {"first_day": "2026-11-20"}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content and 'id="statistics-scope"' not in content
    assert 'id="figures-status" hx-swap-oob="innerHTML"' in content
    assert "14 tabelle." in content
    assert 'id="chart-contacts-by-channel"' in content


# Disclosure control before display -----------------------------------------------------------


def test_each_table_is_shown_exactly_as_it_would_be_exported(desk, signed_in, client):
    signed_in("management")
    content = client.get(DASHBOARD).content.decode()
    for published in exports.published_figures(default_scope()):
        assert table_cells(content, published.key) == published.rows, published.key


def test_a_small_count_is_hidden_in_the_table_and_left_out_of_the_chart(desk, signed_in, client):
    signed_in("management")
    content = client.get(DASHBOARD).content.decode()
    assert table_cells(content, "contacts-by-channel") == [
        ["Canale", "Contatti"],
        ["Passaggio dal centralino", "12"],
        ["Telefonata trasferita automaticamente", "n.d."],
        ["Richiesta di richiamata dal sito", "<5"],
        ["Richiesta di videochiamata dal sito", "0"],
        ["Totale", "21"],
    ]
    chart = chart_json(content, "contacts-by-channel")
    assert chart["datasets"][0]["data"] == [12, None, None, 0]
    assert chart["note"] == "2 valori nascosti per riservatezza non sono nel grafico."
    assert "nascosto per riservatezza" in content
    canvas = re.search(r'<canvas id="chart-contacts-by-channel"[^>]*>', content).group(0)
    assert 'role="img"' in canvas
    assert "Grafico a barre: Contatti per canale." in canvas
    assert "2 valori nascosti per riservatezza." in canvas
    # The count of 2 appears nowhere as a figure of that table.
    assert ">2<" not in re.search(
        r'aria-labelledby="figure-contacts-by-channel">(.*?)</section>', content, re.S
    ).group(1)


def test_the_threshold_comes_from_the_settings(desk, signed_in, client, settings):
    settings.SPORTELLO_DISCLOSURE_THRESHOLD = 3
    signed_in("management")
    content = client.get(DASHBOARD).content.decode()
    assert table_cells(content, "contacts-by-channel")[3][1] == "<3"
    settings.SPORTELLO_DISCLOSURE_THRESHOLD = 8
    content = client.get(DASHBOARD).content.decode()
    assert table_cells(content, "contacts-by-channel")[2][1] == "<8"
    assert "«&lt;8»: da 1 a 7 casi" in content


def test_a_threshold_below_three_stops_the_installation():
    env = {"DJANGO_DEBUG": "1", "SPORTELLO_DISCLOSURE_THRESHOLD": "2", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-c", "import sportello.settings"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "SPORTELLO_DISCLOSURE_THRESHOLD must be at least 3" in run.stderr


def test_the_palette_passes_the_contrast_wcag_asks_of_graphics():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in charts.PALETTE:
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, colour
    assert len(set(charts.PALETTE)) == len(charts.PALETTE)


def test_a_line_chart_keeps_its_kind_and_series(desk, signed_in, client):
    signed_in("management")
    content = client.get(DASHBOARD).content.decode()
    chart = chart_json(content, "staffing-vs-demand")
    assert chart["kind"] == "line"
    assert [s["label"] for s in chart["datasets"]] == [
        "Contatti ricevuti",
        "Ore-operatore in turno",
    ]
    assert chart["datasets"][0]["color"] != chart["datasets"][1]["color"]
    assert chart["datasets"][0]["point"] != chart["datasets"][1]["point"]
    assert len(chart["labels"]) == 30


# The rollups' state and "Aggiorna ora" -------------------------------------------------------


def test_the_page_says_when_the_rollups_were_last_refreshed(desk, signed_in, client):
    signed_in("management")
    assert "non sono ancora stati calcolati" in client.get(DASHBOARD).content.decode()
    RollupState.objects.create(
        name="daily",
        refreshed_through=rome(2026, 12, 1, 9, 55),
        last_run_at=rome(2026, 12, 1, 9, 56),
        last_run_days=2,
    )
    content = client.get(DASHBOARD).content.decode()
    assert (
        "Ultimo aggiornamento dei riepiloghi: 1 dicembre 2026 alle 09:56. Comprendono i dati "
        "registrati fino a 1 dicembre 2026 alle 09:55."
    ) in content


@pytest.fixture
def refreshes(monkeypatch) -> list[int]:
    calls: list[int] = []

    def refresh_pending(now: datetime.datetime | None = None) -> int:
        calls.append(1)
        return 3

    monkeypatch.setattr(views.tasks.rollups, "refresh_pending", refresh_pending)
    return calls


def test_a_coordinator_refreshes_now_and_comes_back_to_the_same_scope(
    desk, signed_in, client, refreshes, django_capture_on_commit_callbacks
):
    signed_in("coordinator")
    page = client.get(DASHBOARD, {"first_day": "2026-11-20", "service": "emergency"})
    assert "Aggiorna ora" in page.content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("reports:refresh"), {"first_day": "2026-11-20", "service": "emergency"}
        )
    # The request only queues the background task, once its transaction has committed.
    assert refreshes == []
    assert len(queued) == 1
    queued[0]()
    assert refreshes == [1]
    assert response.status_code == 302
    assert response.url == (
        DASHBOARD + "?first_day=2026-11-20&last_day=2026-12-01&service=emergency"
    )
    followed = client.get(response.url)
    assert "Aggiornamento avviato" in followed.content.decode()


def test_management_reads_but_does_not_refresh(desk, signed_in, client, refreshes):
    signed_in("management")
    assert "Aggiorna ora" not in client.get(DASHBOARD).content.decode()
    response = client.post(reverse("reports:refresh"))
    assert response.status_code == 403
    assert refreshes == []


# The navigation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("management", True),
        ("coordinator", True),
        ("professional", False),
        ("dpo", False),
        ("switchboard", False),
    ],
)
def test_the_staff_navigation_links_the_statistics_for_who_may_see_them(
    milan, frozen_now, make_staff, rf, role, shown
):
    frozen_now(NOW)
    request = rf.get("/personale/")
    request.user = make_staff(role)
    content = render_to_string("base.html", request=request)
    assert (f'href="{DASHBOARD}">Statistiche</a>' in content) is shown


# The permission matrix ---------------------------------------------------------------------

ROLES = ["anonymous", "switchboard", "professional", "coordinator", "dpo", "management"]
READERS = {"coordinator", "management"}


def calls() -> dict[str, list[tuple[str, str, dict, dict, set[str], set[str]]]]:
    """Per route: (method, url, data, headers, allowed roles, roles refused with 403)."""
    csv = reverse("reports:export-csv", args=["contacts-by-channel"])
    xlsx = reverse("reports:export-xlsx", args=["waiting-time"])
    return {
        "dashboard": [
            ("get", DASHBOARD, {}, {}, READERS, set()),
            ("get", DASHBOARD, {"service": "victims"}, HTMX, READERS, set()),
            ("get", DASHBOARD, {"last_day": "2020-01-01"}, {}, READERS, set()),
        ],
        "refresh": [("post", reverse("reports:refresh"), {}, {}, {"coordinator"}, {"management"})],
        "export-csv": [("get", csv, {}, {}, READERS, set())],
        "export-xlsx": [("get", xlsx, {}, {}, READERS, set())],
    }


def test_the_matrix_covers_every_view_of_the_statistics():
    from sportello.reports import urls

    assert {pattern.name for pattern in urls.urlpatterns} == set(calls())


@pytest.mark.parametrize("name", sorted(calls()))
def test_every_view_admits_exactly_the_roles_allowed(name, desk, make_staff, client, refreshes):
    login = reverse("staff-login")
    users = {role: None if role == "anonymous" else make_staff(role) for role in ROLES}
    for role, user in users.items():
        for method, url, data, headers, allowed, forbidden in calls()[name]:
            client.logout()
            if user is not None:
                client.force_login(user)
            before = (len(refreshes), DailyFigure.objects.count())
            response = getattr(client, method)(url, data, **headers)
            where = (name, url, data, role, response.status_code)
            assert "no-store" in response.get("Cache-Control", ""), where
            if role in allowed:
                assert response.status_code in (200, 302, 400), where
                if response.status_code == 302:
                    assert not response.url.startswith(login), where
                continue
            if role == "anonymous":
                assert response.status_code == 302 and response.url.startswith(login), where
            else:
                assert response.status_code == (403 if role in forbidden else 404), where
            assert (len(refreshes), DailyFigure.objects.count()) == before, where
