"""The public "call me back" and "video call" forms: what they store, what they refuse."""

import datetime
import re
import time
import zoneinfo
from unittest import mock

import pytest
from django.core import signing

from sportello.intake.citizen_forms import offered_windows, start_token
from sportello.intake.citizen_views import SENT_SALT
from sportello.intake.models import Channel, Contact, Status
from sportello.services.opening_calendar import Interval, OpeningCalendar
from sportello.testing import rome

pytestmark = pytest.mark.django_db

TUESDAY_MORNING = rome(2026, 12, 1, 10, 0)
MORNING = "2026-12-01T09:30/13:45"
AFTERNOON = "2026-12-01T13:45/18:00"


@pytest.fixture
def tuesday(milan, frozen_now):
    frozen_now(TUESDAY_MORNING)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def token_signed_ago(seconds: float) -> str:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - seconds):
        return start_token()


def request_data(**overrides):
    data = {
        "service": "emergency",
        "phone": "333 123 4567",
        "windows": [AFTERNOON],
        "safe_to_call": "yes",
        "safe_to_leave_message": "no",
        "danger_now": "no",
        "caller_name": "Ada",
        "reason": "Non dormo da giorni.",
        "consent": "on",
        "website": "",
        "started": start_token(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def offered_values(response) -> list[str]:
    return re.findall(r'name="windows" id="id_windows_\d+" value="([^"]+)"', text(response))


# Success ----------------------------------------------------------------------------------------


def test_a_callback_request_is_stored_and_confirmed(client, tuesday):
    response = client.post("/richiamata/", request_data())

    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.channel == Channel.WEB_CALLBACK
    assert contact.status == Status.CALLBACK_SCHEDULED
    assert contact.caller_number == "+393331234567"
    assert contact.service.code == "emergency"
    assert [(w.starts_at, w.ends_at) for w in contact.windows.all()] == [
        (rome(2026, 12, 1, 13, 45), rome(2026, 12, 1, 18, 0))
    ]
    assert contact.callback_due_at == rome(2026, 12, 1, 13, 45)
    assert contact.received_at == TUESDAY_MORNING
    assert (contact.safe_to_call, contact.safe_to_leave_message, contact.danger_now) == (
        True,
        False,
        False,
    )
    assert (contact.caller_name, contact.reason, contact.language) == (
        "Ada",
        "Non dormo da giorni.",
        "it",
    )

    assert response["Location"].startswith("/richiesta-inviata/")
    page = text(client.get(response["Location"]))
    assert f'<strong data-testid="reference">{contact.reference}</strong>' in page
    assert "ti chiamerà in una delle fasce orarie che hai scelto" in page
    assert "numero nascosto" in page
    assert "fino a 3 volte" in page
    assert 'href="tel:112"' in page and 'href="tel:1522"' in page
    # Nothing the person wrote is shown back.
    for personal in ["333", "Ada", "dormo"]:
        assert personal not in page


def test_the_confirmation_names_the_callback_number_when_the_deployment_sets_it(
    client, tuesday, settings
):
    settings.SPORTELLO_CALLBACK_CALLER_ID = "02 8845 0000"
    response = client.post("/richiamata/", request_data())
    page = text(client.get(response["Location"]))
    assert "Ti chiameremo dal numero 02 8845 0000" in page and "nascosto" not in page


def test_several_windows_are_kept_and_the_first_one_is_due(client, tuesday):
    client.post(
        "/richiamata/",
        request_data(windows=["2026-12-02T09:30/13:45", MORNING], danger_now="yes"),
    )
    contact = Contact.objects.get()
    assert [(w.starts_at, w.ends_at) for w in contact.windows.all()] == [
        (rome(2026, 12, 1, 9, 30), rome(2026, 12, 1, 13, 45)),
        (rome(2026, 12, 2, 9, 30), rome(2026, 12, 2, 13, 45)),
    ]
    # The morning window was already running at 10:00: due from the request, not from 9:30.
    assert contact.callback_due_at == TUESDAY_MORNING
    assert contact.danger_now is True


def test_a_request_in_english_is_stored_in_english(client, tuesday):
    response = client.post("/en/richiamata/", request_data())
    assert response.status_code == 302
    assert response["Location"].startswith("/en/richiesta-inviata/")
    assert Contact.objects.get().language == "en"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<html lang="en">' in text(page)


def test_a_video_request_with_an_email(client, tuesday):
    response = client.post(
        "/videochiamata/",
        request_data(phone="", email="ada@example.org", service="victims"),
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.channel == Channel.WEB_VIDEO
    assert contact.status == Status.CALLBACK_SCHEDULED
    assert (contact.email, contact.caller_number) == ("ada@example.org", "")
    assert contact.service.code == "victims"
    page = text(client.get(response["Location"]))
    assert "ti manderà il link della videochiamata" in page
    assert "ada@example.org" not in page


def test_a_video_request_with_a_mobile_number(client, tuesday):
    response = client.post("/videochiamata/", request_data(phone="+39 333 123 4567"))
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.email, contact.caller_number) == ("", "+393331234567")


# Errors: shown beside the field and at the top, nothing stored ----------------------------------


@pytest.mark.parametrize(
    ("url", "overrides", "field", "message"),
    [
        (
            "/richiamata/",
            {"phone": ""},
            "phone",
            "Scrivi il numero di telefono a cui vuoi essere richiamato.",
        ),
        ("/richiamata/", {"phone": "12"}, "phone", "non è un numero di telefono valido"),
        ("/richiamata/", {"phone": None}, "phone", "Scrivi il numero di telefono"),
        (
            "/richiamata/",
            {"windows": []},
            "windows",
            "Scegli almeno una fascia oraria in cui possiamo contattarti.",
        ),
        (
            "/richiamata/",
            {"windows": ["2026-12-01T07:00/09:30"]},
            "windows",
            "La fascia oraria scelta non è più disponibile",
        ),
        (
            "/richiamata/",
            {"windows": ["2026-12-06T09:30/13:45"]},  # a Sunday
            "windows",
            "La fascia oraria scelta non è più disponibile",
        ),
        (
            "/richiamata/",
            {"consent": None},
            "consent",
            "devi dichiarare di aver letto l&#x27;informativa sulla privacy",
        ),
        (
            "/richiamata/",
            {"safe_to_call": None},
            "safe_to_call",
            "Rispondi sì o no: è sicuro per te ricevere una nostra chiamata?",
        ),
        (
            "/richiamata/",
            {"safe_to_leave_message": "maybe"},
            "safe_to_leave_message",
            "Rispondi sì o no: possiamo lasciarti un messaggio?",
        ),
        (
            "/richiamata/",
            {"danger_now": None},
            "danger_now",
            "Rispondi sì o no: qualcuno è in pericolo in questo momento?",
        ),
        ("/richiamata/", {"service": "astrology"}, "service", "Scegli uno dei servizi elencati."),
        (
            "/richiamata/",
            {"caller_name": "x" * 61},
            "caller_name",
            "Il nome può avere al massimo 60 caratteri.",
        ),
        (
            "/richiamata/",
            {"reason": "x" * 501},
            "reason",
            "Il messaggio può avere al massimo 500 caratteri.",
        ),
        (
            "/videochiamata/",
            {"phone": "", "email": ""},
            "email",
            "Scrivi un&#x27;email o un numero di cellulare",
        ),
        (
            "/videochiamata/",
            {"phone": "", "email": "ada@"},
            "email",
            "Scrivi un indirizzo email valido, per esempio nome@esempio.it.",
        ),
        (
            "/videochiamata/",
            {"phone": "abc", "email": "ada@example.org"},
            "phone",
            "non è un numero di telefono valido",
        ),
    ],
)
def test_a_field_error_is_shown_beside_the_field_and_nothing_is_stored(
    client, tuesday, url, overrides, field, message
):
    response = client.post(url, request_data(**overrides))

    assert response.status_code == 400
    assert Contact.objects.count() == 0
    page = text(response)
    beside = re.search(
        rf'<div class="invalid-feedback d-block[^"]*" id="id_{field}_error">(.*?)</div>', page
    )
    assert beside is not None and message in beside.group(1)
    start = page.index('<div class="alert alert-danger" role="alert" id="error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert message in summary
    assert re.search(rf'href="#id_{field}(_0)?"', summary)


def test_an_invalid_input_is_marked_for_assistive_technology(client, tuesday):
    page = text(client.post("/richiamata/", request_data(phone="12")))
    phone = re.search(r'<input type="tel" name="phone"[^>]*>', page).group(0)
    assert 'class="form-control is-invalid"' in phone
    assert 'aria-invalid="true"' in phone
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in phone
    assert 'autocomplete="tel"' in phone
    assert 'value="12"' in phone  # what the person wrote is kept to be corrected
    assert "<title>Errore: Chiedi di essere richiamato" in page


def test_a_window_over_by_the_time_the_form_is_sent_is_refused(client, milan, frozen_now):
    frozen_now(rome(2026, 12, 1, 13, 0))
    assert MORNING in offered_values(client.get("/richiamata/"))
    frozen_now(rome(2026, 12, 1, 13, 30))  # a quarter of an hour left: no time to call
    response = client.post("/richiamata/", request_data(windows=[MORNING]))
    assert response.status_code == 400
    assert "La fascia oraria scelta non è più disponibile" in text(response)
    assert MORNING not in offered_values(response)
    assert Contact.objects.count() == 0


# Robots -----------------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client, tuesday):
    page = text(client.get("/richiamata/"))
    hidden = re.search(r'<div class="d-none" aria-hidden="true">(.*?)</div>', page).group(1)
    assert 'name="website"' in hidden
    assert 'tabindex="-1"' in hidden and 'autocomplete="off"' in hidden


def test_a_filled_honeypot_gets_a_generic_error_and_nothing_is_stored(client, tuesday):
    response = client.post("/richiamata/", request_data(website="https://spam.example"))
    assert response.status_code == 400
    page = text(response)
    assert "Non è stato possibile inviare la richiesta" in page
    assert "website" not in page[page.index('id="error-summary"') :][:500]
    assert "dormo" not in page  # nothing of what was sent is echoed back
    assert Contact.objects.count() == 0


def test_a_form_sent_too_fast_is_refused(client, tuesday, settings):
    settings.SPORTELLO_FORM_MIN_SECONDS = 60
    response = client.post("/richiamata/", request_data(started=token_signed_ago(10)))
    assert response.status_code == 400
    assert "Il modulo è stato inviato troppo in fretta" in text(response)
    assert Contact.objects.count() == 0

    response = client.post("/richiamata/", request_data(started=token_signed_ago(61)))
    assert response.status_code == 302
    assert Contact.objects.count() == 1


def test_a_valid_start_time_is_kept_so_a_quick_correction_is_not_too_fast(
    client, tuesday, settings
):
    settings.SPORTELLO_FORM_MIN_SECONDS = 60
    started = token_signed_ago(61)
    response = client.post("/richiamata/", request_data(started=started, consent=None))
    assert f'name="started" value="{started}"' in text(response)


@pytest.mark.parametrize(
    "started",
    [
        pytest.param(lambda: token_signed_ago(2 * 60 * 60 + 60), id="older than two hours"),
        pytest.param(lambda: start_token()[:-2] + "xx", id="tampered"),
        pytest.param(lambda: signing.TimestampSigner(salt="other").sign("x"), id="other salt"),
        pytest.param(lambda: "", id="missing"),
    ],
)
def test_an_expired_or_forged_start_time_is_refused(client, tuesday, started):
    token = started()
    response = client.post("/richiamata/", request_data(started=token))
    assert response.status_code == 400
    page = text(response)
    assert "Il modulo è scaduto: controlla i dati e invialo di nuovo." in page
    assert Contact.objects.count() == 0
    # A fresh start time comes with the page, so sending it again works.
    fresh = re.search(r'name="started" value="([^"]+)"', page).group(1)
    assert fresh != token
    assert client.post("/richiamata/", request_data(started=fresh)).status_code == 302


def test_too_many_requests_from_one_address(client, tuesday, settings):
    settings.SPORTELLO_FORM_RATE_PER_ADDRESS = "2/h"
    # Invalid requests count as well.
    assert client.post("/richiamata/", request_data(consent=None)).status_code == 400
    assert client.post("/videochiamata/", request_data(consent=None)).status_code == 400
    response = client.post("/richiamata/", request_data())
    assert response.status_code == 429
    assert "Riprova più tardi, oppure chiama il 020202" in text(response)
    assert Contact.objects.count() == 0
    # Another address is not affected.
    other = client.post("/richiamata/", request_data(), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_too_many_requests_for_one_number(client, tuesday, settings):
    settings.SPORTELLO_FORM_RATE_PER_NUMBER = "1/h"
    # An invalid request does not count against the number.
    assert client.post("/richiamata/", request_data(consent=None)).status_code == 400
    assert client.post("/richiamata/", request_data()).status_code == 302
    # The same number written another way, from another address, by video.
    response = client.post(
        "/videochiamata/", request_data(phone="+39 333 1234567"), REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 429
    assert "Riprova più tardi, oppure chiama il 020202" in text(response)
    assert Contact.objects.count() == 1
    assert client.post("/richiamata/", request_data(phone="02 1234 5678")).status_code == 302
    assert Contact.objects.count() == 2


def test_too_many_video_requests_for_one_email(client, tuesday, settings):
    settings.SPORTELLO_FORM_RATE_PER_NUMBER = "1/h"
    data = request_data(phone="", email="ada@example.org")
    assert client.post("/videochiamata/", data).status_code == 302
    again = request_data(phone="", email="ADA@example.org")
    assert client.post("/videochiamata/", again).status_code == 429
    assert Contact.objects.count() == 1


# The pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/richiamata/", "/videochiamata/"])
def test_the_form_page_in_italian(client, tuesday, url):
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="it">' in page
    # Emergency numbers above the form, from the catalogue.
    assert page.index('href="tel:112"') < page.index("<form")
    assert page.index('href="tel:1522"') < page.index("<form")
    assert "Numero antiviolenza e stalking" in page
    # Every group in a fieldset with its legend; required questions say so in words.
    assert page.count("<fieldset") == page.count("<legend")
    assert 'Per quale servizio? <span class="fw-normal">(obbligatorio)</span>' in page
    assert "Colloqui di sostegno e orientamento" in page  # the service's summary
    assert 'href="/privacy/"' in page
    assert 'autocomplete="given-name"' in page
    assert 'id="error-summary"' not in page
    # The main service is chosen to start with.
    assert 'value="emergency" checked' in page
    assert "Oggi, martedì 1 dicembre" in page
    assert "Domani, mercoledì 2 dicembre" in page
    assert "Giovedì 3 dicembre" in page


def test_the_video_form_asks_for_an_email_or_a_number(client, tuesday):
    page = text(client.get("/videochiamata/"))
    assert '<input type="email" name="email"' in page
    assert 'autocomplete="email"' in page
    assert 'autocomplete="tel"' in page
    assert "Dove ti mandiamo il link?" in page


@pytest.mark.parametrize("url", ["/en/richiamata/", "/en/videochiamata/"])
def test_the_form_page_in_english(client, tuesday, url):
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="en">' in page
    assert "Tuesday 1 December" in page  # the date in the reader's language


def test_the_service_page_links_to_both_forms(client, tuesday):
    page = text(client.get("/"))
    assert 'href="/richiamata/"' in page
    assert 'href="/videochiamata/"' in page


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps("SP-2026-000001", salt="another-purpose"),
        signing.dumps("SP-2026-000001", salt=SENT_SALT) + "x",
    ],
    # Fixed ids: the signed tokens differ between the processes of a parallel run.
    ids=["nonsense", "other-salt", "tampered"],
)
def test_the_confirmation_page_with_a_bad_token_is_not_found(client, tuesday, token):
    assert client.get(f"/richiesta-inviata/{token}/").status_code == 404


def test_the_confirmation_page_of_an_unknown_reference_is_not_found(client, tuesday):
    token = signing.dumps("SP-2026-999999", salt=SENT_SALT)
    assert client.get(f"/richiesta-inviata/{token}/").status_code == 404


# The windows offered ----------------------------------------------------------------------------


def test_on_a_weekday_morning_today_and_the_next_two_days_are_offered(client, tuesday):
    assert offered_values(client.get("/richiamata/")) == [
        MORNING,
        AFTERNOON,
        "2026-12-02T09:30/13:45",
        "2026-12-02T13:45/18:00",
        "2026-12-03T09:30/13:45",
        "2026-12-03T13:45/18:00",
    ]


def test_late_on_saturday_the_afternoon_is_still_offered_and_sunday_is_skipped(
    client, milan, frozen_now
):
    # An hour before closing there is still time to call back.
    frozen_now(rome(2026, 11, 28, 17, 0))
    assert offered_values(client.get("/richiamata/")) == [
        "2026-11-28T13:45/18:00",
        "2026-11-30T09:30/13:45",
        "2026-11-30T13:45/18:00",
        "2026-12-01T09:30/13:45",
        "2026-12-01T13:45/18:00",
    ]
    # A quarter of an hour before closing there is not.
    frozen_now(rome(2026, 11, 28, 17, 45))
    assert offered_values(client.get("/richiamata/"))[0] == "2026-11-30T09:30/13:45"
    assert len(offered_values(client.get("/richiamata/"))) == 6


def test_holidays_and_the_patron_day_are_skipped(client, milan, frozen_now):
    # Sunday 6, Sant'Ambrogio on Monday 7 and the Immacolata on Tuesday 8 December are closed.
    frozen_now(rome(2026, 12, 5, 19, 0))
    days = {value[:10] for value in offered_values(client.get("/richiamata/"))}
    assert days == {"2026-12-09", "2026-12-10", "2026-12-11"}


def test_each_open_interval_is_split_at_its_midpoint_rounded_to_the_quarter_hour():
    rome_tz = zoneinfo.ZoneInfo("Europe/Rome")
    calendar = OpeningCalendar(
        timezone=rome_tz,
        weekly={
            0: [
                Interval(datetime.time(9, 0), datetime.time(12, 10)),
                Interval(datetime.time(14, 0), datetime.time(14, 20)),
            ]
        },
    )
    [monday] = offered_windows(rome(2026, 11, 30, 8, 0), calendar, rome_tz)[:1]
    assert [window.label for window in monday.windows] == [
        "9:00–10:30",  # the middle, 10:35, rounded to the nearest quarter
        "10:30–12:10",
        "14:00–14:15",  # 14:10 rounds to 14:15, still inside the interval
        "14:15–14:20",
    ]
