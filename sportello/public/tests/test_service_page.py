"""The public service page: content from the catalogue, the live banner, both languages."""

import re

import pytest

from sportello.public.models import LegalPage, LegalSection, PageFeedback
from sportello.services.models import Service
from sportello.testing import rome

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize(
    ("moment", "banner"),
    [
        (
            rome(2026, 11, 25, 10, 0),
            'Aperto ora</strong> · <span data-testid="status-detail">chiude alle 18:00',
        ),
        (
            rome(2026, 11, 25, 18, 0),
            'Chiuso</strong> · <span data-testid="status-detail">riapre domani alle 9:30',
        ),
        (
            rome(2026, 11, 28, 18, 30),
            'Chiuso</strong> · <span data-testid="status-detail">riapre lunedì alle 9:30',
        ),
        (rome(2026, 11, 25, 8, 0), "riapre oggi alle 9:30"),
        (rome(2026, 12, 24, 19, 0), "riapre lunedì alle 9:30"),
        (rome(2026, 12, 7, 10, 0), "(Sant&#x27;Ambrogio)"),
    ],
)
def test_the_banner_follows_the_calendar(client, milan, frozen_now, moment, banner):
    frozen_now(moment)
    assert banner in text(client.get("/"))


def test_the_banner_in_english(client, milan, frozen_now):
    frozen_now(rome(2026, 11, 28, 18, 30))
    page = text(client.get("/en/"))
    assert 'Closed</strong> · <span data-testid="status-detail">reopens Monday at 9:30' in page
    frozen_now(rome(2026, 11, 25, 10, 0))
    assert "Open now</strong>" in text(client.get("/en/"))


def test_the_banner_alone_for_htmx_polling(client, milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 10, 0))
    fragment = text(client.get("/stato/"))
    assert fragment.startswith('<div id="desk-status"')
    assert 'hx-trigger="every 60s"' in fragment
    assert "Aperto ora" in fragment


def test_the_service_page_says_what_the_leaflet_says(client, milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 10, 0))
    page = text(client.get("/"))
    assert (
        '<h1 data-element="service-title">Servizio per le emergenze psicologiche e relazionali</h1>'
        in page
    )
    for group in [
        "Persone coinvolte in eventi dolorosi",
        "Persone in difficoltà con emozioni negative",
        "Persone a rischio di gesti impulsivi",
    ]:
        assert group in page
    assert 'href="tel:020202"' in page
    assert 'href="tel:112"' in page and 'href="tel:1522"' in page
    assert "<strong>Lunedì–sabato</strong>: 9:30–18:00" in page
    assert "<strong>Domenica</strong>: chiuso" in page
    assert "Sant&#x27;Ambrogio (7 dicembre)" in page
    assert "gratuito" in page and "anonim" in page and "videochiamata" in page
    # The department's three other services.
    for name in [
        "Servizio psicotraumatologico per le vittime di reato",
        "Servizio di mediazione sociale e penale",
        "Presidio criminologico territoriale",
    ]:
        assert f'<h3 class="card-title h5">{name}</h3>' in page


def test_the_page_in_english(client, milan):
    page = text(client.get("/en/"))
    assert '<html lang="en">' in page
    assert "Psychological and relational emergency service" in page
    assert "People struggling with negative emotions" in page
    assert "Accessibility statement" in page


def test_the_language_switcher_keeps_the_reader_on_the_same_page(client, milan):
    page = text(client.get("/privacy/"))
    assert 'href="/en/privacy/" lang="en" hreflang="en"' in page
    page = text(client.get("/en/privacy/"))
    assert 'href="/privacy/" lang="it" hreflang="it"' in page


def test_the_validator_landmarks_are_there(client, milan):
    page = text(client.get("/"))
    for element in [
        "service-title",
        "service-description",
        "contacts",
        "feedback",
        "accessibility-link",
        "privacy-policy-link",
        "legal-notes",
        "breadcrumb",
        "page-index",
        "service-status",
        "feedback-title",
    ]:
        assert f'data-element="{element}"' in page, element
    assert 'class="visually-hidden-focusable" href="#main-container"' in page
    # Bootstrap Italia 2, fonts by CSS @font-face, nothing from another host.
    assert "/static/vendor/bootstrap-italia/css/bootstrap-italia.min.css" in page
    assert "/static/sportello/fonts.css" in page
    assert not re.search(r'(src|href)="(https?:)?//(?!www\.comune\.milano\.it)', page)


def test_only_technical_cookies(client, milan):
    response = client.get("/")
    assert set(response.cookies) <= {"csrftoken"}


def test_an_inactive_service_leaves_the_page(client, milan):
    Service.objects.filter(code="mediation").update(is_active=False)
    assert "Servizio di mediazione sociale e penale" not in text(client.get("/"))


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/privacy/", "Informativa sul trattamento dei dati personali"),
        ("/accessibilita/", "Dichiarazione di accessibilità"),
        ("/note-legali/", "Note legali"),
        ("/en/privacy/", "Privacy notice"),
        ("/en/accessibilita/", "Accessibility statement"),
    ],
)
def test_legal_pages(client, milan, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert f'<h1 data-element="page-name">{heading}</h1>' in text(response)


def test_the_privacy_notice_covers_what_the_law_asks(client, milan):
    page = text(client.get("/privacy/"))
    for heading in [
        "Titolare del trattamento",
        "Responsabile della protezione dei dati",
        "Finalità",
        "Basi giuridiche",
        "Conservazione",
        "I tuoi diritti",
    ]:
        assert heading in page
    assert "art. 6" in page and "art. 9" in page


def test_legal_pages_are_editable_content(client, milan):
    privacy = LegalPage.objects.get(slug="privacy")
    LegalSection.objects.create(
        page=privacy, position=99, heading_it="Nuova sezione", body_it="Testo aggiunto dal DPO."
    )
    assert "Testo aggiunto dal DPO." in text(client.get("/privacy/"))


def test_feedback_is_recorded(client, milan):
    response = client.post(
        "/valutazione/",
        {"page": "/privacy/", "rating": "4", "reason": "clear", "comment": "Chiaro."},
    )
    assert response.status_code == 302
    assert response["Location"] == "/privacy/#feedback"
    feedback = PageFeedback.objects.get()
    assert (feedback.page, feedback.rating, feedback.reason, feedback.language) == (
        "/privacy/",
        4,
        "clear",
        "it",
    )


def test_feedback_by_htmx_answers_with_the_thanks_fragment(client, milan):
    response = client.post(
        "/en/valutazione/", {"page": "/en/", "rating": "5"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Thank you" in text(response)
    assert PageFeedback.objects.get().language == "en"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"page": "/", "rating": ""}, "Scegli un voto da 1 a 5 stelle."),
        ({"page": "/", "rating": "9"}, "Scegli un voto da 1 a 5 stelle."),
        ({"page": "/", "rating": "3", "reason": "bribe"}, "Scegli un&#x27;opzione valida"),
        ({"page": "/", "rating": "3", "comment": "x" * 201}, "200 caratteri"),
        ({"page": "https://evil.example/", "rating": "3"}, "Pagina non valida."),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_written(client, milan, data, error):
    response = client.post("/valutazione/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert error in text(response)
    assert PageFeedback.objects.count() == 0


def test_bad_feedback_error_in_english(client, milan):
    response = client.post(
        "/en/valutazione/", {"page": "/en/", "rating": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5 stars." in text(response)
    assert PageFeedback.objects.count() == 0


def test_bad_feedback_without_javascript_gets_a_page_with_the_errors(client, milan):
    response = client.post("/valutazione/", {"page": "/", "rating": ""})
    assert response.status_code == 400
    page = text(response)
    assert "Valutazione non inviata" in page and "Scegli un voto da 1 a 5 stelle." in page


def test_a_reopening_a_week_or_more_away_is_said_with_its_date(milan):
    from django.utils import translation

    from sportello.services.status_text import when

    with translation.override("it"):
        assert when(rome(2027, 1, 4, 9, 30), rome(2026, 12, 24, 19, 0)) == (
            "lunedì 4 gennaio alle 9:30"
        )
    with translation.override("en"):
        assert when(rome(2027, 1, 4, 9, 30), rome(2026, 12, 24, 19, 0)) == (
            "Monday 4 January at 9:30"
        )
