"""The staffing page: who may open it, the charts' data and their tables, the gaps in words, the
empty history, bad input, and adopting the proposed head counts."""

import json
import re

import pytest
from django.urls import reverse

from sportello.rota.models import CoverageRequirement, RequirementSource, ShiftKind

from .conftest import DEMAND_MONDAY as MONDAY
from .conftest import DEMAND_WEEKS as WEEKS

pytestmark = pytest.mark.django_db

URL = "/personale/turni/fabbisogno/"
WEEK = {"settimana": "2026-05-13", "settimane": str(WEEKS)}


@pytest.fixture
def as_role(client, milan, before_opening, make_staff):
    def sign_in(role):
        client.force_login(make_staff(role))
        return client

    return sign_in


@pytest.fixture
def with_history(contact_history, published_plan):
    contact_history()
    published_plan()


def chart_data(response):
    html = response.content.decode()
    found = re.search(r'<script id="staffing-data" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_the_address():
    assert reverse("rota:staffing") == URL


def test_the_coordinator_sees_the_week_with_its_gaps(as_role, with_history):
    response = as_role("coordinator").get(URL, WEEK)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Fabbisogno di personale dal 11/05/2026 al 17/05/2026" in html
    # The Friday gap is named in words, not only drawn.
    assert "10:00–10:30: necessari 5, in turno 2 (mancano 3)" in html
    assert 'id="gap-summary"' in html
    # Each day has a chart and, for screen readers, a table with the same figures.
    assert 'id="staffing-chart-2026-05-15"' in html
    assert 'role="img"' in html
    assert html.count('<details class="staffing-table">') == 6
    assert (
        "<caption>Venerdì 15/05/2026: contatti previsti, operatori necessari e operatori in turno "
        "per mezz'ora</caption>"
    ) in html
    # A day with nobody on shift is one line, not seventeen.
    assert "09:30–18:00: necessari 1, in turno 0 (manca 1)" in html
    assert "scoperta: mancano 3" in html


def test_the_chart_data_matches_the_tables(as_role, with_history):
    data = chart_data(as_role("coordinator").get(URL, WEEK))

    friday = next(day for day in data["days"] if day["canvas"] == "staffing-chart-2026-05-15")
    ten = friday["labels"].index("10:00")
    assert friday["required"][ten] == 5
    assert friday["rostered"][ten] == 2
    assert friday["shortfall"][ten] == 3
    assert friday["demand"][ten] == 1.0
    assert friday["rostered"][friday["labels"].index("13:30")] == 3
    assert len(data["days"]) == 6
    assert data["text"]["required"] == "Operatori necessari"


def test_the_method_is_explained(as_role, with_history):
    html = as_role("coordinator").get(URL, WEEK).content.decode()

    assert "degli ultimi 3 giorni di apertura" in html
    assert "fattore ×0,13, limitato a ×0,50" in html
    assert "25,0 minuti" in html
    assert "dalla conversazione alla chiusura di 2 contatti" in html
    assert "rispondere entro 60 secondi ad almeno 80 contatti su 100" in html
    assert "occupazione massima di un operatore: 85% del tempo" in html
    assert "formazione, note: 30%" in html


def test_charts_load_from_static_files_without_inline_scripts(as_role, with_history):
    html = as_role("coordinator").get(URL, WEEK).content.decode()

    assert '<script src="/static/vendor/chart.js/chart.umd.min.js" defer></script>' in html
    assert '<script src="/static/rota/staffing-chart.js" defer></script>' in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_the_week_navigation_keeps_the_history_length(as_role, with_history):
    html = as_role("coordinator").get(URL, WEEK).content.decode()

    assert f'href="{URL}?settimana=2026-05-04&amp;settimane=3" rel="prev"' in html
    assert f'href="{URL}?settimana=2026-05-18&amp;settimane=3" rel="next"' in html


def test_the_proposal_is_compared_with_the_minimums_in_force(as_role, with_history):
    CoverageRequirement.objects.create(
        shift_kind=ShiftKind.objects.get(code="morning"), weekday=4, minimum=2
    )

    html = as_role("coordinator").get(URL, WEEK).content.decode()

    assert 'data-proposed="4-morning"><strong>5</strong>' in html
    assert "<td>+3</td>" in html
    assert "10:00 (1,00 contatti previsti)" in html
    assert "Applica le coperture proposte" in html


def test_an_empty_history_is_said_plainly(as_role):
    CoverageRequirement.objects.create(
        shift_kind=ShiftKind.objects.get(code="morning"), weekday=4, minimum=2
    )

    response = as_role("coordinator").get(URL, WEEK)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="no-history"' in html
    assert "non è arrivato nessun contatto in orario di apertura" in html
    assert "coperture minime in vigore" in html
    assert "Applica le coperture proposte" not in html
    assert 'id="no-proposal"' in html
    friday = next(
        day for day in chart_data(response)["days"] if day["canvas"].endswith("2026-05-15")
    )
    # No made-up demand: the required operators are the minimum in force.
    assert set(friday["demand"]) == {None}
    assert friday["required"][friday["labels"].index("10:00")] == 2


def test_one_service_has_no_proposal_to_apply(as_role, with_history):
    html = as_role("coordinator").get(URL, {**WEEK, "servizio": "victims"}).content.decode()

    assert "Servizio:" in html
    assert "Applica le coperture proposte" not in html
    assert "scegli «Tutto lo sportello»" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"settimane": "0"}, "Il valore minimo è 1."),
        ({"settimane": "53"}, "Il valore massimo è 52."),
        ({"settimana": "ieri"}, "Scrivi una data valida"),
        ({"settimana": "9999-12-31"}, "Scegli una settimana entro cento anni da oggi."),
        ({"servizio": "nessuno"}, "Scegli un servizio dell&#x27;elenco."),
    ],
)
def test_bad_input_is_explained(as_role, params, message):
    response = as_role("coordinator").get(URL, {**WEEK, **params})

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="form-errors"' in html
    assert "staffing-data" not in html


def test_the_coordinator_applies_the_proposed_minimums(as_role, with_history):
    client = as_role("coordinator")

    response = client.post(URL, WEEK)

    assert response.status_code == 302
    assert response["Location"] == f"{URL}?settimana=2026-05-11&settimane=3"
    head_counts = CoverageRequirement.objects.filter(competence=None, service=None)
    assert head_counts.count() == 12
    assert set(head_counts.values_list("source", flat=True)) == {RequirementSource.DEMAND}
    assert head_counts.get(weekday=4, shift_kind__code="morning").minimum == 5
    page = client.get(response["Location"]).content.decode()
    assert "Coperture aggiornate: 12 turni hanno ora il minimo" in page


def test_applying_without_history_is_refused_and_changes_nothing(as_role):
    existing = CoverageRequirement.objects.create(
        shift_kind=ShiftKind.objects.get(code="morning"), weekday=4, minimum=2
    )
    client = as_role("coordinator")

    response = client.post(URL, WEEK, follow=True)

    assert response.status_code == 200
    assert "Non c&#x27;è una proposta da applicare" in response.content.decode()
    assert list(CoverageRequirement.objects.values_list("pk", "minimum")) == [(existing.pk, 2)]


def test_the_page_in_english(as_role, with_history):
    response = as_role("coordinator").get("/en" + URL, WEEK)

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_monday_is_the_week_shown(as_role, with_history):
    assert MONDAY.isoformat() in as_role("coordinator").get(URL, WEEK).content.decode()
