"""POST /api/v1/telephony/calls/ as DESIGN.md §5 fixes it: signed, idempotent, all or nothing."""

import hashlib
import hmac
import json
import time

import pytest
from django.db import connection

from sportello.api import operations as api_operations
from sportello.api.models import IdempotencyRecord
from sportello.api.throttling import PerClientThrottle
from sportello.intake.models import (
    Channel,
    CloseReason,
    Contact,
    ContactEvent,
    ReferenceCounter,
    Status,
)
from sportello.services.models import Service
from sportello.testing import rome

pytestmark = pytest.mark.django_db

URL = "/api/v1/telephony/calls/"
# A Wednesday, desk open (Mon–Sat 9:30–18:00).
OPEN = rome(2026, 11, 25, 10, 0)
# A Sunday: closed, reopens on Monday 30 November at 9:30.
SUNDAY = rome(2026, 11, 29, 10, 0)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The contract, written out independently of the code under test."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_call(
    http,
    credentials,
    body,
    *,
    key="key-1",
    timestamp=None,
    signed_body=None,
    client_id=None,
    secret=None,
    language=None,
    signature=None,
    omit=(),
):
    """Post ``body`` (a dict, or raw bytes) signed as the switchboard's telephony system does."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    headers = {
        "X-Sportello-Client": client_id or credentials.client.client_id,
        "X-Sportello-Timestamp": timestamp,
        "X-Sportello-Signature": signature
        or sign(
            secret or credentials.secret,
            timestamp,
            raw if signed_body is None else signed_body,
        ),
        "Idempotency-Key": key,
    }
    if language:
        headers["Accept-Language"] = language
    for name in omit:
        headers.pop(name)
    return http.post(URL, data=raw, content_type="application/json", headers=headers)


def call_body(**changes):
    body = {
        "call_id": "pbx-0001",
        "caller_number": "333 123 4567",
        "service": "victims",
        "received_at": OPEN.isoformat(),
        "note": "Chiede di parlare con qualcuno",
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not ...}


def counts():
    return (
        Contact.objects.count(),
        ContactEvent.objects.count(),
        IdempotencyRecord.objects.count(),
        list(ReferenceCounter.objects.values_list("year", "last").order_by("year")),
    )


@pytest.fixture
def switchboard(db):
    return api_operations.create_client("centralino-020202")


@pytest.fixture
def open_desk(milan, frozen_now):
    frozen_now(OPEN)


# --- 201: the contact is stored --------------------------------------------------------------


def test_a_call_while_open_is_stored_waiting_and_audited(client, open_desk, switchboard):
    response = post_call(client, switchboard, call_body())

    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"contact_id", "reference", "desk_open", "message"}
    assert answer["desk_open"] is True
    assert answer["reference"] == "SP-2026-000001"
    assert "resti in linea" in answer["message"]
    contact = Contact.objects.get(pk=answer["contact_id"])
    assert contact.reference == answer["reference"]
    assert contact.status == Status.WAITING
    assert contact.callback_due_at is None
    assert contact.channel == Channel.TELEPHONY
    assert contact.caller_number == "+393331234567"
    assert contact.external_call_id == "pbx-0001"
    assert contact.service.code == "victims"
    assert contact.received_at == OPEN
    assert contact.reason == "Chiede di parlare con qualcuno"
    event = ContactEvent.objects.get(contact=contact)
    assert event.action == "registered"
    assert event.actor is None
    assert event.actor_label == "api:centralino-020202"
    assert event.to_status == Status.WAITING
    record = IdempotencyRecord.objects.get()
    assert record.client == switchboard.client
    assert record.key == "key-1"
    assert record.response_status == 201
    assert record.response_body == answer


def test_the_caller_number_is_not_stored_in_clear(client, open_desk, switchboard):
    contact_id = post_call(client, switchboard, call_body()).json()["contact_id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM intake_contact WHERE id = %s", [contact_id])
        row = cursor.fetchone()
    assert row is not None
    assert not any("3331234567" in str(value) for value in row)


def test_an_international_number_and_an_anonymous_call_while_open(client, open_desk, switchboard):
    first = post_call(client, switchboard, call_body(caller_number="0044 20 7946 0958"), key="a")
    anonymous = post_call(client, switchboard, call_body(caller_number=None), key="b")

    assert first.status_code == 201, first.content
    assert Contact.objects.get(pk=first.json()["contact_id"]).caller_number == "+442079460958"
    assert anonymous.status_code == 201, anonymous.content
    contact = Contact.objects.get(pk=anonymous.json()["contact_id"])
    # Anonymous but on the line while the desk is open: it waits like any other call.
    assert contact.status == Status.WAITING
    assert contact.caller_number == ""


def test_out_of_hours_the_caller_is_called_back_at_the_next_opening(
    client, milan, frozen_now, switchboard
):
    frozen_now(SUNDAY)
    response = post_call(client, switchboard, call_body(received_at=SUNDAY.isoformat()))

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["desk_open"] is False
    assert "112" in answer["message"]
    assert "1522" in answer["message"]
    assert answer["reference"] in answer["message"]
    contact = Contact.objects.get(pk=answer["contact_id"])
    assert contact.status == Status.CALLBACK_SCHEDULED
    assert contact.callback_due_at == rome(2026, 11, 30, 9, 30)


def test_an_anonymous_call_out_of_hours_is_recorded_closed(client, milan, frozen_now, switchboard):
    frozen_now(SUNDAY)
    response = post_call(
        client, switchboard, call_body(caller_number=None, received_at=SUNDAY.isoformat())
    )

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["desk_open"] is False
    assert "112" in answer["message"]
    assert "1522" in answer["message"]
    assert "020202" in answer["message"]
    contact = Contact.objects.get(pk=answer["contact_id"])
    assert contact.status == Status.CLOSED
    assert contact.close_reason == CloseReason.NO_CALLBACK_NUMBER
    assert contact.closed_at is not None
    assert contact.callback_due_at is None


def test_received_at_decides_open_or_closed_not_the_arrival_of_the_request(
    client, milan, frozen_now, switchboard
):
    # Delivered on Sunday, but the call came in on Saturday at 17:55 while the desk was open.
    frozen_now(SUNDAY)
    saturday = rome(2026, 11, 28, 17, 55)
    response = post_call(client, switchboard, call_body(received_at=saturday.isoformat()))

    assert response.status_code == 201, response.content
    assert response.json()["desk_open"] is True
    assert Contact.objects.get().received_at == saturday


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_key_and_body_replays_the_answer_and_stores_nothing_new(
    client, open_desk, switchboard
):
    first = post_call(client, switchboard, call_body(), key="retry-me")
    before = counts()

    again = post_call(client, switchboard, call_body(), key="retry-me")

    assert first.status_code == 201
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert counts() == before
    assert before[:3] == (1, 1, 1)


def test_the_same_key_with_another_body_is_a_409_and_stores_nothing(client, open_desk, switchboard):
    post_call(client, switchboard, call_body(), key="once")
    before = counts()

    response = post_call(client, switchboard, call_body(call_id="pbx-0002"), key="once")

    assert response.status_code == 409, response.content
    assert "Idempotency-Key" in response.json()["detail"]
    assert counts() == before


def test_a_key_belongs_to_its_client(client, open_desk, switchboard):
    other = api_operations.create_client("altro-centralino")
    first = post_call(client, switchboard, call_body(), key="shared")
    second = post_call(client, other, call_body(), key="shared")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["contact_id"] != second.json()["contact_id"]
    assert Contact.objects.count() == 2


def test_different_keys_give_different_contacts_and_references(client, open_desk, switchboard):
    answers = [
        post_call(client, switchboard, call_body(call_id=f"pbx-{n}"), key=f"k{n}").json()
        for n in range(3)
    ]

    assert [answer["reference"] for answer in answers] == [
        "SP-2026-000001",
        "SP-2026-000002",
        "SP-2026-000003",
    ]
    assert Contact.objects.count() == 3


# --- 401: who is calling -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "options"),
    [
        (
            "no signature headers",
            {"omit": ("X-Sportello-Client", "X-Sportello-Timestamp", "X-Sportello-Signature")},
        ),
        ("no signature", {"omit": ("X-Sportello-Signature",)}),
        ("no timestamp", {"omit": ("X-Sportello-Timestamp",)}),
        ("no client", {"omit": ("X-Sportello-Client",)}),
        ("bad signature", {"secret": "not-the-secret"}),
        ("signature without prefix", {"strip_prefix": True}),
        ("unknown client", {"client_id": "sp_0000000000000000"}),
        ("older than 300 s", {"age": 301}),
        ("future beyond 300 s", {"age": -302}),
        ("timestamp not in seconds", {"timestamp": "2026-11-25T10:00:00Z"}),
        ("body altered after signing", {"altered": True}),
    ],
)
def test_an_unauthenticated_call_is_a_401_and_stores_nothing(
    client, open_desk, switchboard, case, options
):
    options = dict(options)
    body = call_body()
    if options.pop("altered", False):
        options["signed_body"] = json.dumps(body).encode()
        body = call_body(caller_number="333 765 4321")
    if "age" in options:
        options["timestamp"] = str(int(time.time()) - options.pop("age"))
    if options.pop("strip_prefix", False):
        timestamp = str(int(time.time()))
        raw = json.dumps(body).encode()
        options["timestamp"] = timestamp
        options["signature"] = sign(switchboard.secret, timestamp, raw).removeprefix("sha256=")
    before = counts()

    response = post_call(client, switchboard, body, **options)

    assert response.status_code == 401, (case, response.content)
    assert response.json()["detail"]
    assert counts() == before


def test_a_revoked_client_is_refused(client, open_desk, switchboard):
    api_operations.revoke_client(switchboard.client)
    before = counts()

    response = post_call(client, switchboard, call_body())

    assert response.status_code == 401
    assert counts() == before


def test_a_timestamp_inside_the_window_is_accepted(client, open_desk, switchboard):
    recent = post_call(
        client, switchboard, call_body(), key="a", timestamp=str(int(time.time()) - 250)
    )
    early = post_call(
        client, switchboard, call_body(), key="b", timestamp=str(int(time.time()) + 250)
    )

    assert recent.status_code == 201, recent.content
    assert early.status_code == 201, early.content


def test_the_401_messages_are_italian(client, open_desk, switchboard):
    unsigned = post_call(client, switchboard, call_body(), omit=("X-Sportello-Signature",))
    forged = post_call(client, switchboard, call_body(), secret="wrong")
    stale = post_call(client, switchboard, call_body(), timestamp=str(int(time.time()) - 3600))

    assert "non firmata" in unsigned.json()["detail"]
    assert "Firma non valida" in forged.json()["detail"]
    assert "scaduta" in stale.json()["detail"]
    assert unsigned.headers["WWW-Authenticate"]


# --- 400: what is sent -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "body", "field", "words"),
    [
        ("unknown service", call_body(service="astrology"), "service", "Servizio sconosciuto"),
        ("service not a code", call_body(service=7), "service", "Servizio"),
        ("bad number", call_body(caller_number="12"), "caller_number", "non è un numero"),
        ("letters as a number", call_body(caller_number="call me"), "caller_number", "numero"),
        ("missing call_id", call_body(call_id=...), "call_id", "obbligatorio"),
        ("empty call_id", call_body(call_id=""), "call_id", "omesso"),
        (
            "received_at without offset",
            call_body(received_at="2026-11-25T10:00:00"),
            "received_at",
            "fuso orario",
        ),
        (
            "received_at in the future",
            call_body(received_at=rome(2026, 11, 25, 11, 0).isoformat()),
            "received_at",
            "nel futuro",
        ),
        ("received_at not a date", call_body(received_at="ieri"), "received_at", "formato"),
        ("missing service", call_body(service=...), "service", "obbligatorio"),
    ],
)
def test_an_invalid_body_is_a_400_per_field_in_italian_and_stores_nothing(
    client, open_desk, switchboard, case, body, field, words
):
    before = counts()

    response = post_call(client, switchboard, body)

    assert response.status_code == 400, (case, response.content)
    errors = response.json()
    assert field in errors, errors
    assert words in " ".join(errors[field]), errors
    assert response.headers["Content-Language"] == "it"
    assert counts() == before


def test_an_inactive_service_is_refused(client, open_desk, switchboard):
    Service.objects.filter(code="mediation").update(is_active=False)
    before = counts()

    response = post_call(client, switchboard, call_body(service="mediation"))

    assert response.status_code == 400, response.content
    assert "Servizio sconosciuto o non attivo" in response.json()["service"][0]
    assert counts() == before


def test_a_body_that_is_not_json_is_a_400_and_stores_nothing(client, open_desk, switchboard):
    before = counts()

    response = post_call(client, switchboard, b"call_id=pbx-1&service=victims")

    assert response.status_code == 400, response.content
    assert "JSON" in response.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize("raw", [b"[1, 2, 3]", b'"una chiamata"', b"42", b"null"])
def test_a_body_that_is_not_an_object_is_a_400_and_stores_nothing(
    client, open_desk, switchboard, raw
):
    before = counts()

    response = post_call(client, switchboard, raw)

    assert response.status_code == 400, response.content
    assert "oggetto JSON" in " ".join(response.json()["non_field_errors"])
    assert counts() == before


def test_a_missing_idempotency_key_is_a_400_and_stores_nothing(client, open_desk, switchboard):
    before = counts()

    response = post_call(client, switchboard, call_body(), omit=("Idempotency-Key",))

    assert response.status_code == 400, response.content
    assert "obbligatoria" in response.json()["Idempotency-Key"][0]
    assert counts() == before


def test_an_overlong_idempotency_key_is_a_400(client, open_desk, switchboard):
    before = counts()

    response = post_call(client, switchboard, call_body(), key="k" * 256)

    assert response.status_code == 400, response.content
    assert "255" in response.json()["Idempotency-Key"][0]
    assert counts() == before


def test_errors_are_english_with_accept_language_en(client, open_desk, switchboard):
    before = counts()

    response = post_call(client, switchboard, call_body(call_id=...), language="en")

    assert response.status_code == 400, response.content
    assert response.json()["call_id"] == ["This field is required."]
    assert response.headers["Content-Language"] == "en"
    assert counts() == before


def test_errors_are_italian_without_accept_language(client, open_desk, switchboard):
    response = post_call(client, switchboard, call_body(call_id=...))

    assert response.json()["call_id"] == ["Campo obbligatorio."]


def test_a_failed_request_does_not_burn_its_key(client, open_desk, switchboard):
    bad = post_call(client, switchboard, call_body(service="astrology"), key="fix-and-retry")
    good = post_call(client, switchboard, call_body(), key="fix-and-retry")

    assert bad.status_code == 400
    assert good.status_code == 201, good.content
    assert Contact.objects.count() == 1


# --- 429 ---------------------------------------------------------------------------------------


def test_too_many_requests_from_one_client_are_a_429_and_store_nothing(
    client, open_desk, switchboard, monkeypatch
):
    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", {"api-client": "2/min"})
    other = api_operations.create_client("altro-centralino")
    assert post_call(client, switchboard, call_body(), key="1").status_code == 201
    assert post_call(client, switchboard, call_body(), key="2").status_code == 201
    before = counts()

    throttled = post_call(client, switchboard, call_body(), key="3")

    assert throttled.status_code == 429, throttled.content
    assert "Retry-After" in throttled.headers
    assert counts() == before
    # The limit is per client: another integration is not held back.
    assert post_call(client, other, call_body(), key="1").status_code == 201


# --- OpenAPI -----------------------------------------------------------------------------------


def test_the_openapi_schema_documents_both_endpoints_with_the_four_headers(client, milan):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()

    call = schema["paths"]["/api/v1/telephony/calls/"]["post"]
    headers = {p["name"] for p in call["parameters"] if p["in"] == "header"}
    assert headers == {
        "X-Sportello-Client",
        "X-Sportello-Timestamp",
        "X-Sportello-Signature",
        "Idempotency-Key",
    }
    assert all(p["required"] for p in call["parameters"] if p["in"] == "header")
    assert {"201", "200", "400", "401", "409", "429"} <= set(call["responses"])
    body_schema = call["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][body_schema.rsplit("/", 1)[1]]["properties"]
    assert {"call_id", "caller_number", "service", "received_at", "note"} == set(properties)

    queue = schema["paths"]["/api/v1/queue/"]["get"]
    answer = queue["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    queue_schema = schema["components"]["schemas"][answer.rsplit("/", 1)[1]]
    assert {"at", "waiting", "at_risk", "services"} <= set(queue_schema["properties"])
