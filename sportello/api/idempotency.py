"""Idempotency-Key: a retried request gets the first answer, and nothing is stored twice."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request

from sportello.api.models import ApiClient, IdempotencyRecord

HEADER = "Idempotency-Key"


class KeyReusedWithAnotherBody(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"

    def __init__(self) -> None:
        super().__init__(
            _("Questa Idempotency-Key è già stata usata per una richiesta diversa."),
        )


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def key_of(request: Request) -> str:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise ValidationError({HEADER: [_("L'intestazione Idempotency-Key è obbligatoria.")]})
    if len(key) > 255 or not key.isprintable():
        raise ValidationError(
            {HEADER: [_("Idempotency-Key: al massimo 255 caratteri stampabili.")]}
        )
    return key


def _replay(record: IdempotencyRecord, digest: str) -> Answer:
    if record.request_digest != digest:
        raise KeyReusedWithAnotherBody
    # A retry of a request that created something answers 200: nothing new was created.
    replay_status = status.HTTP_200_OK if record.response_status == 201 else record.response_status
    return Answer(status=replay_status, body=record.response_body, replayed=True)


def once(client: ApiClient, key: str, raw_body: bytes, operation: Callable[[], Answer]) -> Answer:
    """Run ``operation`` once per (client, key); its writes and the kept answer commit together.

    Two requests racing with one key: the second INSERT waits on the unique index until the
    first commits, fails, and replays the first answer."""
    digest = hashlib.sha256(raw_body).hexdigest()
    with transaction.atomic():
        # The common retry (the first answer long committed) is a plain read; only a true race
        # goes through the failed INSERT below.
        existing = IdempotencyRecord.objects.filter(client=client, key=key).first()
        if existing is not None:
            return _replay(existing, digest)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    client=client,
                    key=key,
                    request_digest=digest,
                    response_status=0,
                    response_body={},
                )
        except IntegrityError:
            return _replay(IdempotencyRecord.objects.get(client=client, key=key), digest)
        answer = operation()
        record.response_status = answer.status
        record.response_body = answer.body
        record.save(update_fields=["response_status", "response_body"])
        return answer
