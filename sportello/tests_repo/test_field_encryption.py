"""Encrypted fields, keyed lookups and key rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from sportello import field_encryption
from sportello.intake.models import Contact
from sportello.testing import rome


@pytest.fixture
def keys(settings):
    old = settings.SPORTELLO_ENCRYPTION_KEYS[0]
    yield settings, old
    field_encryption.forget_keys()


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_number FROM intake_contact WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_reencrypts_under_the_new_key_and_the_old_key_can_go(
    milan, make_contact, frozen_now, keys
):
    settings, old = keys
    frozen_now(rome(2026, 12, 1, 10, 0))
    contact = make_contact(rome(2026, 12, 1, 10, 0), caller_number="+393331234567")
    before = _raw(contact.pk)
    new = Fernet.generate_key().decode()
    settings.SPORTELLO_ENCRYPTION_KEYS = [new, old]
    field_encryption.forget_keys()
    out = io.StringIO()
    call_command("rotate_encryption", stdout=out)
    assert "Re-encrypted values: 1" in out.getvalue()
    assert _raw(contact.pk) != before
    settings.SPORTELLO_ENCRYPTION_KEYS = [new]
    field_encryption.forget_keys()
    assert Contact.objects.get(pk=contact.pk).caller_number == "+393331234567"


def test_a_value_under_a_removed_key_fails_loudly(milan, make_contact, frozen_now, keys):
    settings, _old = keys
    frozen_now(rome(2026, 12, 1, 10, 0))
    contact = make_contact(rome(2026, 12, 1, 10, 0), caller_number="+393331234567")
    settings.SPORTELLO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    field_encryption.forget_keys()
    with pytest.raises(Exception, match="rotate_encryption"):
        Contact.objects.get(pk=contact.pk)


def test_bad_keys_are_reported_with_how_to_make_one(keys):
    settings, _old = keys
    settings.SPORTELLO_ENCRYPTION_KEYS = ["not-a-key"]
    field_encryption.forget_keys()
    with pytest.raises(Exception, match=r"Fernet\.generate_key"):
        field_encryption.encrypt("x")


def test_lookup_hashes_match_equal_values_only_and_depend_on_the_key(keys):
    settings, _old = keys
    one = field_encryption.lookup_hash("+393331234567", "caller-number")
    assert one == field_encryption.lookup_hash("+393331234567", "caller-number")
    assert one != field_encryption.lookup_hash("+393331234568", "caller-number")
    assert one != field_encryption.lookup_hash("+393331234567", "other-purpose")
    settings.SPORTELLO_LOOKUP_KEY = "another-key"
    field_encryption.forget_keys()
    assert one != field_encryption.lookup_hash("+393331234567", "caller-number")


def test_each_ciphertext_carries_the_id_of_its_key_and_rotation_skips_what_is_current(
    milan, make_contact, frozen_now, keys
):
    settings, old = keys
    frozen_now(rome(2026, 12, 1, 10, 0))
    contact = make_contact(rome(2026, 12, 1, 10, 0), caller_number="+393331234567")
    assert field_encryption.stored_key_id(_raw(contact.pk)) == field_encryption.key_id(old)
    new = Fernet.generate_key().decode()
    settings.SPORTELLO_ENCRYPTION_KEYS = [new, old]
    field_encryption.forget_keys()
    assert field_encryption.reencrypt_all() == 1
    assert field_encryption.stored_key_id(_raw(contact.pk)) == field_encryption.key_id(new)
    assert field_encryption.reencrypt_all() == 0  # already under the newest key: untouched


def test_values_from_before_key_ids_are_still_read_and_rotated(
    milan, make_contact, frozen_now, keys
):
    _settings, old = keys
    frozen_now(rome(2026, 12, 1, 10, 0))
    contact = make_contact(rome(2026, 12, 1, 10, 0))
    legacy = Fernet(old.encode()).encrypt(b"+393339999999").decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_contact SET caller_number = %s WHERE id = %s", [legacy, contact.pk]
        )
    assert Contact.objects.get(pk=contact.pk).caller_number == "+393339999999"
    assert field_encryption.reencrypt_all() == 1
    assert field_encryption.stored_key_id(_raw(contact.pk)) == field_encryption.key_id(old)


def test_a_value_under_a_removed_key_names_that_key(milan, make_contact, frozen_now, keys):
    settings, old = keys
    frozen_now(rome(2026, 12, 1, 10, 0))
    contact = make_contact(rome(2026, 12, 1, 10, 0), caller_number="+393331234567")
    settings.SPORTELLO_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    field_encryption.forget_keys()
    with pytest.raises(Exception, match=field_encryption.key_id(old)):
        Contact.objects.get(pk=contact.pk)
