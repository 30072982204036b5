"""The SMS gateways: Twilio's REST API against a real local HTTP server, the file and console
gateways, and the choice among them by settings."""

import base64
import io
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from sportello.appointments import sms_settings
from sportello.appointments.models import DeliveryStatus, Medium, Message
from sportello.appointments.sms import (
    ConsoleGateway,
    FileGateway,
    GatewayError,
    TwilioGateway,
)
from sportello.appointments.tests import test_messages as shared
from sportello.appointments.tests.test_messages import PHONE, book

# The booking desk of the message tests, and its fixtures.
desk = shared.desk
sms_dir = shared.sms_dir
retries_run_at_once = shared.retries_run_at_once

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "twilio-test-auth-token"
SENDER = "+390200000000"
# What Twilio answers to a number it refuses: its message quotes the number.
REFUSED = {
    "code": 21211,
    "message": f"The 'To' number {PHONE} is not a valid phone number.",
    "more_info": "https://www.twilio.com/docs/errors/21211",
    "status": 400,
}


class FakeTwilio:
    """A real HTTP server on 127.0.0.1 answering like Twilio's Messages endpoint, one queued
    answer per request (then 201 with a fresh sid); it records every request."""

    def __init__(self):
        self.answers = []
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "form": urllib.parse.parse_qs(self.rfile.read(length).decode()),
                    }
                )
                status, body = (
                    fake.answers.pop(0)
                    if fake.answers
                    else (201, {"sid": f"SM{len(fake.requests):032d}", "status": "queued"})
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def gateway(self, **options):
        return TwilioGateway(SID, TOKEN, SENDER, base_url=self.url, **options)


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def twilio_settings(settings, twilio):
    settings.SPORTELLO_SMS_BACKEND = "twilio"
    settings.SPORTELLO_TWILIO_ACCOUNT_SID = SID
    settings.SPORTELLO_TWILIO_AUTH_TOKEN = TOKEN
    settings.SPORTELLO_TWILIO_FROM = SENDER
    settings.SPORTELLO_TWILIO_URL = twilio.url
    return twilio


# Twilio -----------------------------------------------------------------------------------


def test_twilio_posts_the_form_with_basic_auth_and_returns_the_sid(twilio):
    assert twilio.gateway().send(PHONE, "Promemoria: martedì alle 10:30", "ref-1") == "SM" + (
        "0" * 31 + "1"
    )
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    scheme, credentials = request["headers"]["Authorization"].split(" ")
    assert scheme == "Basic" and base64.b64decode(credentials).decode() == f"{SID}:{TOKEN}"
    assert request["form"] == {
        "To": [PHONE],
        "From": [SENDER],
        "Body": ["Promemoria: martedì alle 10:30"],
    }


@pytest.mark.parametrize(
    ("status", "body", "transient", "error"),
    [
        (500, {"code": 20500, "message": "Server Error"}, True, "twilio: HTTP 500, error 20500"),
        (503, {}, True, "twilio: HTTP 503"),
        (429, {"code": 20429, "message": "Too Many"}, True, "twilio: HTTP 429, error 20429"),
        (400, REFUSED, False, "twilio: HTTP 400, error 21211"),
        (401, {"code": 20003, "message": "Authenticate"}, False, "twilio: HTTP 401, error 20003"),
    ],
)  # fmt: skip
def test_twilio_failures_are_transient_or_permanent_and_keep_only_codes(
    twilio, status, body, transient, error
):
    twilio.answers.append((status, body))
    with pytest.raises(GatewayError) as raised:
        twilio.gateway().send(PHONE, "testo", "ref-1")
    assert raised.value.transient is transient
    assert str(raised.value) == error
    assert PHONE not in str(raised.value) and "testo" not in str(raised.value)


def test_twilio_unreachable_is_transient():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = TwilioGateway(SID, TOKEN, SENDER, base_url=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(GatewayError) as raised:
        gateway.send(PHONE, "testo", "ref-1")
    assert raised.value.transient and PHONE not in str(raised.value)


def test_twilio_silent_after_the_request_is_not_retried():
    """Twilio may have taken an SMS it did not answer for in time: a retry could send it twice."""
    with socket.socket() as silent:  # takes the connection and the request, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        gateway = TwilioGateway(
            SID, TOKEN, SENDER, base_url=f"http://127.0.0.1:{port}", timeout=0.5
        )
        with pytest.raises(GatewayError) as raised:
            gateway.send(PHONE, "testo", "ref-1")
    assert not raised.value.transient and "outcome unknown" in str(raised.value)


def test_twilio_accepting_without_a_sid_is_not_retried(twilio):
    twilio.answers.append((201, {"status": "queued"}))
    with pytest.raises(GatewayError) as raised:
        twilio.gateway().send(PHONE, "testo", "ref-1")
    assert not raised.value.transient


def test_twilio_does_not_follow_a_redirect(twilio):
    twilio.answers.append((302, {}))
    with pytest.raises(GatewayError) as raised:
        twilio.gateway().send(PHONE, "testo", "ref-1")
    assert str(raised.value) == "twilio: HTTP 302" and len(twilio.requests) == 1


def test_twilio_needs_its_credentials_and_never_shows_the_token():
    with pytest.raises(ValueError, match="required"):
        TwilioGateway(SID, "", SENDER)
    with pytest.raises(ValueError, match="http"):
        TwilioGateway(SID, TOKEN, SENDER, base_url="file:///etc/passwd")
    assert TOKEN not in repr(TwilioGateway(SID, TOKEN, SENDER))


def test_a_booking_sms_through_twilio_stores_its_sid(
    desk, twilio_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)
    assert sms.status == DeliveryStatus.SENT and sms.attempts == 1
    assert sms.gateway_reference == "SM" + "0" * 31 + "1"
    (request,) = twilio_settings.requests
    assert request["form"]["To"] == [PHONE] and "020202" in request["form"]["Body"][0]


def test_a_twilio_server_error_is_retried_then_sent(
    desk, twilio_settings, retries_run_at_once, django_capture_on_commit_callbacks
):
    twilio_settings.answers.append((500, {"code": 20500, "message": f"failed for {PHONE}"}))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)
    assert (sms.status, sms.attempts, sms.last_error) == (DeliveryStatus.SENT, 2, "")
    assert sms.gateway_reference == "SM" + "0" * 31 + "2"
    assert len(twilio_settings.requests) == 2


def test_a_number_twilio_refuses_fails_at_once_and_is_not_stored_in_the_error(
    desk, twilio_settings, django_capture_on_commit_callbacks
):
    twilio_settings.answers.append((400, REFUSED))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(desk)
    sms = Message.objects.get(appointment=appointment, medium=Medium.SMS)
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, 1)
    assert sms.last_error == "twilio: HTTP 400, error 21211"
    assert PHONE not in sms.last_error and PHONE[3:] not in sms.last_error
    assert len(twilio_settings.requests) == 1


# The file and console gateways, and the settings -----------------------------------------


def test_the_file_gateway_writes_one_file_per_sms(tmp_path):
    gateway = FileGateway(tmp_path)
    first = gateway.send(PHONE, "uno", "sportello-message-7")
    second = gateway.send(PHONE, "due", "sportello-message-7")
    files = sorted(tmp_path.iterdir())
    assert first != second and len(files) == 2
    assert {path.stem for path in files} == {first, second}
    assert (tmp_path / f"{first}.sms").read_text() == (
        f"To: {PHONE}\nReference: sportello-message-7\n\nuno\n"
    )


def test_a_missing_folder_is_a_transient_failure(tmp_path):
    with pytest.raises(GatewayError) as raised:
        FileGateway(tmp_path / "missing").send(PHONE, "uno", "ref")
    assert raised.value.transient and PHONE not in str(raised.value)
    assert not (tmp_path / "missing").exists()


def test_the_console_gateway_prints_the_sms():
    stream = io.StringIO()
    reference = ConsoleGateway(stream).send(PHONE, "Promemoria", "sportello-message-3")
    assert reference.startswith("console-")
    assert f"to {PHONE}" in stream.getvalue() and "Promemoria" in stream.getvalue()


def test_the_gateway_follows_the_settings(settings, tmp_path):
    settings.SPORTELLO_SMS_BACKEND = "console"
    assert isinstance(sms_settings.gateway_from_settings(), ConsoleGateway)
    settings.SPORTELLO_SMS_BACKEND = "file"
    settings.SPORTELLO_SMS_FILE_DIR = str(tmp_path)
    gateway = sms_settings.gateway_from_settings()
    assert isinstance(gateway, FileGateway) and gateway.folder == tmp_path
    settings.SPORTELLO_SMS_BACKEND = "twilio"
    settings.SPORTELLO_TWILIO_ACCOUNT_SID = SID
    settings.SPORTELLO_TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ImproperlyConfigured) as error:
        sms_settings.gateway_from_settings()
    assert TOKEN not in str(error.value)
    settings.SPORTELLO_TWILIO_AUTH_TOKEN = TOKEN
    settings.SPORTELLO_TWILIO_FROM = SENDER
    assert isinstance(sms_settings.gateway_from_settings(), TwilioGateway)
    settings.SPORTELLO_SMS_BACKEND = "pigeon"
    with pytest.raises(ImproperlyConfigured, match="SPORTELLO_SMS_BACKEND"):
        sms_settings.gateway_from_settings()
