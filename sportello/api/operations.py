"""Provisioning integrations: credentials are shown once, then only their hashes remain."""

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sportello.api.models import ApiClient


@dataclass(frozen=True)
class Credentials:
    client: ApiClient
    token: str
    secret: str

    def as_shell(self) -> str:
        return (
            f"SPORTELLO_CLIENT_ID={self.client.client_id}\n"
            f"SPORTELLO_API_TOKEN={self.token}\n"
            f"SPORTELLO_HMAC_SECRET={self.secret}"
        )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fresh(client: ApiClient) -> Credentials:
    token, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    client.token_hash = token_digest(token)
    client.token_hint = token[-4:]
    client.hmac_secret = secret
    return Credentials(client=client, token=token, secret=secret)


@transaction.atomic
def create_client(name: str) -> Credentials:
    name = name.strip()
    if not name:
        raise ValidationError(_("Il nome del client non può essere vuoto."))
    if len(name) > 100:
        raise ValidationError(_("Il nome del client può avere al massimo 100 caratteri."))
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError(_("Esiste già un client di nome «%(name)s».") % {"name": name})
    client = ApiClient(name=name, client_id="sp_" + secrets.token_hex(8))
    credentials = _fresh(client)
    client.save()
    return credentials


@transaction.atomic
def rotate_credentials(client: ApiClient) -> Credentials:
    """New token and secret; the old ones stop working at once."""
    credentials = _fresh(client)
    client.rotated_at = timezone.now()
    client.save(update_fields=["token_hash", "token_hint", "hmac_secret", "rotated_at"])
    return credentials


@transaction.atomic
def revoke_client(client: ApiClient) -> None:
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at"])
