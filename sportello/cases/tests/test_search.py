"""Search: exact matches by reference, pseudonym or name hash; nothing decrypted, nothing leaked."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sportello import field_encryption
from sportello.cases import queries
from sportello.cases.models import name_lookup_of


@pytest.fixture
def named_case(cast, make_case):
    return make_case(cast.primary, full_name="Giovanna Esposito", goals="Segreto clinico")


def test_search_finds_by_reference_pseudonym_and_exact_name(cast, named_case):
    for text in (
        named_case.reference,
        named_case.reference.lower(),
        named_case.person.pseudonym,
        "giovanna   ESPOSITO",
    ):
        assert queries.search(cast.primary, text).cases == [named_case], text
    assert queries.search(cast.primary, "Giovanna").cases == []  # exact names only


def test_search_compares_the_name_hash_and_never_decrypts(cast, named_case, monkeypatch):
    def refuse(token: str) -> str:
        raise AssertionError("search decrypted a value")

    monkeypatch.setattr(field_encryption, "decrypt", refuse)
    with CaptureQueriesContext(connection) as captured:
        result = queries.search(cast.primary, "Giovanna Esposito")
    assert [case.reference for case in result.cases] == [named_case.reference]
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "name_lookup" in sql and name_lookup_of("giovanna esposito") in sql
    # The encrypted columns are not even selected.
    assert "full_name" not in sql and '"goals"' not in sql


def test_search_shows_cases_a_user_cannot_read_only_by_reference_and_service(
    cast, named_case, client
):
    client.force_login(cast.outsider)
    page = client.get(reverse("cases:search"), {"q": "Giovanna Esposito"}).content.decode()
    assert named_case.reference in page and named_case.service.name in page
    assert reverse("cases:break-glass", args=[named_case.pk]) in page
    assert named_case.person.pseudonym not in page and "Segreto" not in page
    assert f'href="{reverse("cases:case", args=[named_case.pk])}"' not in page
    result = queries.search(cast.outsider, named_case.reference)
    assert result.cases == [] and [match.pk for match in result.hidden] == [named_case.pk]


def test_roles_without_cases_find_nothing(cast, named_case):
    for user in (cast.dpo, cast.management, cast.switchboard):
        result = queries.search(user, named_case.reference)
        assert result.cases == [] and result.hidden == []


def test_a_coordinator_finds_the_cases_of_their_services_only(cast, named_case):
    assert queries.search(cast.coordinator, named_case.reference).cases == [named_case]
    elsewhere = queries.search(cast.coordinator_elsewhere, named_case.reference)
    assert elsewhere.cases == [] and len(elsewhere.hidden) == 1
