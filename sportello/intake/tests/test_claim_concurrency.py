"""Invariant 2 on PostgreSQL with real parallel connections: no contact is taken twice."""

import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sportello.intake import operations
from sportello.intake.models import Contact, ContactEvent, Status
from sportello.testing import rome

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency is proven on PostgreSQL (SKIP LOCKED); run `make test-postgres`",
    ),
]

NOW = rome(2026, 12, 1, 15, 0)


def _run_in_threads(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:  # reported below, never swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_twenty_professionals_take_five_hundred_contacts_each_exactly_once(
    milan, make_staff, make_contact, frozen_now
):
    frozen_now(NOW)
    for minute in range(500):
        make_contact(rome(2026, 12, 1, 9, 30), danger_now=minute % 50 == 0)
    professionals = [make_staff("professional") for _ in range(20)]

    def take_all(index: int) -> list[int]:
        mine = []
        while (contact := operations.take_next(professionals[index])) is not None:
            mine.append(contact.pk)
        return mine

    taken = _run_in_threads(20, take_all)
    every = [pk for mine in taken for pk in mine]
    assert len(every) == 500 and len(set(every)) == 500
    assert set(every) == set(Contact.objects.values_list("pk", flat=True))
    # The database agrees with what each thread was told.
    for professional, mine in zip(professionals, taken, strict=True):
        assert set(
            Contact.objects.filter(taken_by=professional).values_list("pk", flat=True)
        ) == set(mine)
    assert Contact.objects.exclude(status=Status.TAKEN).count() == 0
    assert ContactEvent.objects.filter(action="taken").count() == 500
    assert sum(1 for mine in taken if mine) > 1, "the threads did not overlap at all"


def test_ten_professionals_clicking_the_same_contact_one_wins(
    milan, make_staff, make_contact, frozen_now
):
    frozen_now(NOW)
    contact = make_contact(NOW)
    professionals = [make_staff("professional") for _ in range(10)]

    def click(index: int) -> str:
        try:
            operations.take_contact(professionals[index], contact.pk)
        except ValidationError as error:
            return "refused: " + " ".join(error.messages)
        return "won"

    outcomes = Counter(
        "won" if result == "won" else "refused" for result in _run_in_threads(10, click)
    )
    assert outcomes == {"won": 1, "refused": 9}
    assert ContactEvent.objects.filter(action="taken").count() == 1


def test_the_claim_query_reads_the_queue_index_instead_of_sorting_the_queue(
    milan, make_contact, frozen_now
):
    """The index expressions must match the query's ORDER BY to the letter; if they drift apart
    every claim sorts the whole queue again (bench/claim.py)."""
    from django.db import transaction

    from sportello.intake import queries
    from sportello.intake.queue_order import Taker

    frozen_now(NOW)
    make_contact(NOW)
    query = queries.queue_head(Taker(services=None, competences=frozenset()), NOW)[:1]
    with transaction.atomic(), connection.cursor() as cursor:
        locked = query.select_for_update(skip_locked=True, of=("self",))
        sql, params = locked.query.sql_with_params()
        # A tiny test table would be scanned anyway: ask whether the index *can* serve it.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "intake_contact_queue_idx" in plan and "Sort" not in plan, plan
