"""The hash chain's kernel: one canonical text per content, one hash per text and link."""

import datetime
import decimal
import hashlib

import pytest

from sportello.privacy import hash_chain
from sportello.testing import rome


def test_the_first_row_links_to_sixty_four_zeros():
    assert hash_chain.GENESIS == "0" * 64


def test_keys_are_sorted_and_nothing_is_spaced():
    assert hash_chain.canonical({"b": 1, "a": None, "c": [True, "è"]}) == (
        '{"a":null,"b":1,"c":[true,"è"]}'
    )


def test_an_instant_is_written_in_utc_whatever_its_zone():
    in_rome = rome(2026, 12, 1, 10, 0)
    in_utc = in_rome.astimezone(datetime.UTC)
    assert hash_chain.canonical({"at": in_rome}) == hash_chain.canonical({"at": in_utc})
    assert hash_chain.canonical({"at": in_rome}) == '{"at":"2026-12-01T09:00:00.000000Z"}'


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="naive"):
        hash_chain.canonical({"at": datetime.datetime(2026, 12, 1, 10, 0)})


def test_a_tuple_is_written_as_the_list_the_database_gives_back():
    assert hash_chain.canonical({"d": {"x": (1, 2)}}) == hash_chain.canonical({"d": {"x": [1, 2]}})


@pytest.mark.parametrize(
    "value",
    [{1, 2}, decimal.Decimal("1.5"), object(), float("nan"), {3: "non-string key"}],
)
def test_a_value_that_could_be_written_two_ways_is_refused(value):
    with pytest.raises((TypeError, ValueError)):
        hash_chain.canonical({"field": value})


def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_row():
    fields = {"action": "read", "object_id": "7", "case_id": None}
    expected = hashlib.sha256(
        (hash_chain.GENESIS + '{"action":"read","case_id":null,"object_id":"7"}').encode()
    ).hexdigest()
    assert hash_chain.row_hash(hash_chain.GENESIS, fields) == expected


def test_any_change_of_content_or_link_changes_the_hash():
    fields = {"action": "read", "object_id": "7", "at": rome(2026, 12, 1, 10, 0)}
    first = hash_chain.row_hash(hash_chain.GENESIS, fields)
    assert hash_chain.row_hash(hash_chain.GENESIS, {**fields, "object_id": "8"}) != first
    assert (
        hash_chain.row_hash(
            hash_chain.GENESIS, {**fields, "at": fields["at"] + datetime.timedelta(microseconds=1)}
        )
        != first
    )
    assert hash_chain.row_hash(first, fields) != first
    # The same content at the same place always gives the same hash.
    assert hash_chain.row_hash(hash_chain.GENESIS, dict(reversed(fields.items()))) == first


@pytest.mark.parametrize("prev_hash", ["", "0" * 63, "G" * 64, "0" * 64 + "\n"])
def test_a_previous_hash_that_is_not_a_sha256_digest_is_refused(prev_hash):
    with pytest.raises(ValueError, match="sha256"):
        hash_chain.row_hash(prev_hash, {"a": 1})
