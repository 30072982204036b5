"""Personal data at rest: Fernet-encrypted model fields and keyed lookup hashes.

A caller's number must be readable by the professional who calls back, so it is encrypted rather
than hashed; recognising a repeat caller needs equality only, so a keyed hash (a "blind index")
serves the lookup and the number itself is never compared or indexed in clear.
"""

import base64
import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _derived(purpose: str) -> bytes:
    """A key derived from SECRET_KEY: only DEBUG runs (demo, tests) fall back to it."""
    return hashlib.sha256(f"sportello:{purpose}:{settings.SECRET_KEY}".encode()).digest()


class _Keyring:
    """The configured keys, each known by a short id stored in front of every ciphertext, so
    that a value says which key sealed it: rotation skips what is already under the newest key,
    and a missing key is named instead of guessed."""

    def __init__(self, keys: list[str]) -> None:
        try:
            self.fernets = [(key_id(key), Fernet(key)) for key in keys]
        except ValueError as error:
            raise ImproperlyConfigured(
                "SPORTELLO_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded "
                "bytes): make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`"
            ) from error
        self.by_id = dict(self.fernets)
        # Values written before key ids existed carry no prefix: any key may open them.
        self.any_key = MultiFernet([fernet for _id, fernet in self.fernets])

    @property
    def newest_id(self) -> str:
        return self.fernets[0][0]


def key_id(key: str) -> str:
    """A public fingerprint of a key (8 hex digits of its SHA-256): safe to store and log."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


@cache
def _keyring() -> _Keyring:
    keys = settings.SPORTELLO_ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(_derived("encryption")).decode()
    ]
    return _Keyring(list(keys))


@cache
def _lookup_key() -> bytes:
    return settings.SPORTELLO_LOOKUP_KEY.encode() or _derived("lookup")


def forget_keys() -> None:
    """Drop the cached keys (after the settings changed, e.g. in a test or a key rotation)."""
    _keyring.cache_clear()
    _lookup_key.cache_clear()


# A Fernet token is url-safe base64, so "$" never occurs in it: "<key id>$<token>".
SEPARATOR = "$"


def encrypt(plain: str) -> str:
    keyring = _keyring()
    token = keyring.fernets[0][1].encrypt(plain.encode()).decode()
    return f"{keyring.newest_id}{SEPARATOR}{token}"


def stored_key_id(stored: str) -> str:
    """The id of the key that sealed a stored value ("" for values older than key ids)."""
    kid, separator, _token = stored.partition(SEPARATOR)
    return kid if separator else ""


def decrypt(stored: str) -> str:
    keyring = _keyring()
    kid = stored_key_id(stored)
    token = stored.partition(SEPARATOR)[2] if kid else stored
    fernet = keyring.by_id.get(kid) if kid else keyring.any_key
    if fernet is None:
        raise ImproperlyConfigured(
            f"A value was encrypted with key {kid}, which is not in SPORTELLO_ENCRYPTION_KEYS: "
            "was a key removed before `manage.py rotate_encryption` re-encrypted the data?"
        )
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A value cannot be decrypted with SPORTELLO_ENCRYPTION_KEYS: was a key removed "
            "before `manage.py rotate_encryption` re-encrypted the data?"
        ) from error


def reencrypt(stored: str) -> str:
    """The same value under the newest key; a value already under it is returned unchanged."""
    if stored_key_id(stored) == _keyring().newest_id:
        return stored
    return encrypt(decrypt(stored))


def lookup_hash(value: str, purpose: str) -> str:
    """Keyed SHA-256 of ``value``: equal values match, the value cannot be read back."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(_lookup_key(), message, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text stored encrypted; the empty string stays empty so "not given" needs no key."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    """Every (model, column) stored encrypted, found from the fields themselves."""
    from django.apps import apps

    return [
        (model, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def reencrypt_all(batch: int = 500) -> int:
    """Re-encrypt every stored value under the newest key; returns how many values changed.

    Run after putting a new key first in SPORTELLO_ENCRYPTION_KEYS; the old key can be removed
    once this has finished."""
    from django.db import connection, transaction

    changed = 0
    for model, column in encrypted_columns():
        table, pk = model._meta.db_table, model._meta.pk.column
        quote = connection.ops.quote_name
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f"WHERE {quote(pk)} > %s " if last is not None else ""
                cursor.execute(
                    f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} {where}"  # noqa: S608
                    f"ORDER BY {quote(pk)} LIMIT %s",
                    ([last] if last is not None else []) + [batch],
                )
                rows = cursor.fetchall()
                for row_pk, token in rows:
                    fresh = reencrypt(token) if token else token
                    if fresh != token:
                        cursor.execute(
                            f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608
                            f"WHERE {quote(pk)} = %s",
                            [fresh, row_pk],
                        )
                        changed += 1
            if len(rows) < batch:
                break
            last = rows[-1][0]
    return changed
