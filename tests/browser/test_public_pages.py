"""The public pages in a real Chromium: banner, both languages, keyboard, axe-core."""

import pytest

from sportello.testing import rome
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_banner_open_in_italian(page, live_server, milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 11, 0))
    page.goto(live_server.url + "/")
    assert page.get_by_test_id("status-headline").inner_text() == "Aperto ora"
    assert page.get_by_test_id("status-detail").inner_text() == "chiude alle 18:00"
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Servizio per le emergenze psicologiche e relazionali"
    )
    assert page.locator('a[href="tel:020202"]').first.is_visible()
    screenshot(page, "service-it-open")


def test_banner_closed_in_english(page, live_server, milan, frozen_now):
    frozen_now(rome(2026, 11, 28, 18, 30))
    page.goto(live_server.url + "/en/")
    assert page.get_by_test_id("status-headline").inner_text() == "Closed"
    assert page.get_by_test_id("status-detail").inner_text() == "reopens Monday at 9:30"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Psychological and relational emergency service"
    )
    screenshot(page, "service-en-closed")


def test_the_language_switcher_goes_to_english_and_back(page, live_server, milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 11, 0))
    page.goto(live_server.url + "/privacy/")
    page.locator('a[hreflang="en"]').click()
    page.wait_for_url(live_server.url + "/en/privacy/")
    assert page.get_by_role("heading", level=1).inner_text() == "Privacy notice"
    page.locator('a[hreflang="it"]').click()
    page.wait_for_url(live_server.url + "/privacy/")


def test_keyboard_only(page, live_server, milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 11, 0))
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.textContent.trim()")
    assert skip == "Vai ai contenuti"
    assert page.evaluate("document.activeElement.getBoundingClientRect().height") > 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-container"

    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        element = page.evaluate(
            """() => { const e = document.activeElement; const r = e.getBoundingClientRect();
                 const style = getComputedStyle(e);
                 return {tag: e.tagName, href: e.getAttribute('href'), name: e.name || '',
                         text: (e.textContent || '').trim().slice(0, 40),
                         visible: r.width > 0 && r.height > 0 || e.type === 'radio',
                         outline: style.outlineStyle !== 'none' || style.boxShadow !== 'none'}; }"""
        )
        reached.append(element)
        assert element["visible"], element
        if element["tag"] == "BUTTON" and element["text"] == "Invia la valutazione":
            break
    hrefs = [e["href"] for e in reached]
    assert "tel:020202" in hrefs
    assert "tel:112" in hrefs and "tel:1522" in hrefs
    assert any(e["name"] == "rating" for e in reached)
    assert reached[-1]["text"] == "Invia la valutazione", "the feedback form is reachable"
    # The stars are radios: arrows choose a rating, and the form sends it.
    page.locator("#rating-1").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#rating-3").is_checked()
    page.get_by_role("button", name="Invia la valutazione").press("Enter")
    page.get_by_text("Grazie per il tuo aiuto!").wait_for()
    from sportello.public.models import PageFeedback

    assert PageFeedback.objects.get().rating == 3


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/en/",
        "/accessibilita/",
        "/en/accessibilita/",
        "/privacy/",
        "/en/privacy/",
        "/note-legali/",
    ],
)
def test_axe_finds_no_wcag_a_or_aa_violation(page, live_server, milan, frozen_now, path):
    frozen_now(rome(2026, 11, 28, 18, 30))
    page.goto(live_server.url + path)
    assert axe_violations(page) == []
    name = path.strip("/").replace("/", "-") or "it"
    screenshot(page, f"axe-{name}")


def test_a_narrow_screen_has_no_horizontal_scroll(browser, live_server, milan, frozen_now):
    frozen_now(rome(2026, 11, 25, 11, 0))
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="it-IT")
    phone = context.new_page()
    phone.goto(live_server.url + "/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "service-it-mobile")
    assert axe_violations(phone) == []
    context.close()
