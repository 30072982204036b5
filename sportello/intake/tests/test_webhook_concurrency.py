"""Invariant 1 under load: concurrent retries of one call store it once; concurrent calls each get
their own contact and reference. Real concurrency needs PostgreSQL (SQLite serialises writers)."""

import hashlib
import hmac
import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from sportello.api import operations as api_operations
from sportello.api.models import IdempotencyRecord
from sportello.intake.models import Contact, ContactEvent
from sportello.testing import rome

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so concurrency cannot be shown "
        "(set DATABASE_URL=postgres://…)",
    ),
]

URL = "/api/v1/telephony/calls/"
THREADS = 16
OPEN = rome(2026, 11, 25, 10, 0)


def signed_headers(credentials, raw: bytes, key: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    mac = hmac.new(credentials.secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return {
        "X-Sportello-Client": credentials.client.client_id,
        "X-Sportello-Timestamp": timestamp,
        "X-Sportello-Signature": "sha256=" + mac.hexdigest(),
        "Idempotency-Key": key,
    }


def body(call_id: str) -> bytes:
    return json.dumps(
        {
            "call_id": call_id,
            "caller_number": "333 123 4567",
            "service": "emergency",
            "received_at": OPEN.isoformat(),
        }
    ).encode()


def all_at_once(requests: list[tuple[bytes, dict[str, str]]]) -> list[tuple[int, dict]]:
    """Post every request from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, dict] | BaseException | None] = [None] * len(requests)

    def post(index: int, raw: bytes, headers: dict[str, str]) -> None:
        try:
            http = Client()
            barrier.wait(timeout=30)
            response = http.post(URL, data=raw, content_type="application/json", headers=headers)
            results[index] = (response.status_code, response.json())
        except BaseException as error:  # reported below, in the test's thread
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=post, args=(index, raw, headers))
        for index, (raw, headers) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results  # type: ignore[return-value]


@pytest.fixture
def switchboard(milan, frozen_now):
    frozen_now(OPEN)
    return api_operations.create_client("centralino-020202")


def test_sixteen_retries_of_one_call_store_it_once(switchboard):
    raw = body("pbx-race")
    headers = signed_headers(switchboard, raw, "one-key")

    results = all_at_once([(raw, headers)] * THREADS)

    statuses = sorted(status for status, _answer in results)
    assert statuses == [200] * (THREADS - 1) + [201], results
    answers = [answer for _status, answer in results]
    assert all(answer == answers[0] for answer in answers)
    assert set(answers[0]) == {"contact_id", "reference", "desk_open", "message"}
    contact = Contact.objects.get()
    assert contact.pk == answers[0]["contact_id"]
    assert contact.reference == answers[0]["reference"]
    assert ContactEvent.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_sixteen_different_calls_get_sixteen_contacts_and_references(switchboard):
    requests = []
    for n in range(THREADS):
        raw = body(f"pbx-{n}")
        requests.append((raw, signed_headers(switchboard, raw, f"key-{n}")))

    results = all_at_once(requests)

    assert [status for status, _answer in results] == [201] * THREADS, results
    references = {answer["reference"] for _status, answer in results}
    assert len(references) == THREADS
    assert references == {f"SP-2026-{n:06d}" for n in range(1, THREADS + 1)}
    assert Contact.objects.count() == THREADS
    assert set(Contact.objects.values_list("reference", flat=True)) == references
    assert set(Contact.objects.values_list("external_call_id", flat=True)) == {
        f"pbx-{n}" for n in range(THREADS)
    }
    assert IdempotencyRecord.objects.count() == THREADS
