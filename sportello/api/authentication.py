"""How integrations prove who they are: a bearer token, or an HMAC signature over the request."""

import hashlib
import hmac
import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from sportello.api.models import ApiClient
from sportello.api.operations import token_digest


class ClientTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <token>``; the token is looked up by its hash."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiClient] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Intestazione Authorization non valida: Token <token>."))
        try:
            token = parts[1].decode()
        except UnicodeDecodeError as error:
            raise AuthenticationFailed(_("Token non valido.")) from error
        client = ApiClient.objects.filter(token_hash=token_digest(token), is_active=True).first()
        if client is None:
            raise AuthenticationFailed(_("Token non valido o revocato."))
        return client, client

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``timestamp + "." + body``, as DESIGN.md §5 says."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class SignedRequestAuthentication(BaseAuthentication):
    """X-Sportello-Client, X-Sportello-Timestamp and X-Sportello-Signature over the raw body.

    The timestamp bounds replays to SPORTELLO_SIGNATURE_MAX_AGE seconds either way; the
    Idempotency-Key makes a replay inside that window harmless."""

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiClient]:
        headers = request.headers
        client_id = headers.get("X-Sportello-Client", "")
        timestamp = headers.get("X-Sportello-Timestamp", "")
        given = headers.get("X-Sportello-Signature", "")
        if not (client_id and timestamp and given):
            raise AuthenticationFailed(
                _(
                    "Richiesta non firmata: servono X-Sportello-Client, X-Sportello-Timestamp "
                    "e X-Sportello-Signature."
                )
            )
        if not timestamp.isdigit():
            raise AuthenticationFailed(_("X-Sportello-Timestamp deve essere in secondi Unix."))
        if abs(time.time() - int(timestamp)) > settings.SPORTELLO_SIGNATURE_MAX_AGE:
            raise AuthenticationFailed(
                _("Firma scaduta: l'orario della richiesta è fuori dalla finestra consentita.")
            )
        client = ApiClient.objects.filter(client_id=client_id, is_active=True).first()
        body: Any = request._request.body  # the raw bytes that were signed
        if client is None or not hmac.compare_digest(
            signature(client.hmac_secret, timestamp, body), given
        ):
            raise AuthenticationFailed(_("Firma non valida."))
        return client, client

    def authenticate_header(self, request: Request) -> str:
        return 'Signature realm="sportello"'
