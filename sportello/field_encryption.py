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


@cache
def _fernet() -> MultiFernet:
    keys = settings.SPORTELLO_ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(_derived("encryption")).decode()
    ]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "SPORTELLO_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes): "
            "make one with `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`"
        ) from error


@cache
def _lookup_key() -> bytes:
    return settings.SPORTELLO_LOOKUP_KEY.encode() or _derived("lookup")


def forget_keys() -> None:
    """Drop the cached keys (after the settings changed, e.g. in a test or a key rotation)."""
    _fernet.cache_clear()
    _lookup_key.cache_clear()


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A value cannot be decrypted with SPORTELLO_ENCRYPTION_KEYS: was a key removed "
            "before `manage.py rotate_encryption` re-encrypted the data?"
        ) from error


def reencrypt(token: str) -> str:
    """The same value under the first (newest) key."""
    return _fernet().rotate(token.encode()).decode()


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
                    if token:
                        cursor.execute(
                            f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608
                            f"WHERE {quote(pk)} = %s",
                            [reencrypt(token), row_pk],
                        )
                        changed += 1
            if len(rows) < batch:
                break
            last = rows[-1][0]
    return changed
