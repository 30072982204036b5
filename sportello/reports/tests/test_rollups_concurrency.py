"""Two refreshes of the same day at the same instant, each on its own connection, end with one
copy of the day's figures: the state row's lock queues the second behind the first."""

import datetime
import threading

import pytest
from django.db import connection

from sportello.reports import rollups
from sportello.reports.models import DailyFigure
from sportello.testing import rome

from . import rollup_factories as make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency is proven on PostgreSQL (row locks); run `make test-postgres`",
    ),
]

DAY = datetime.date(2026, 3, 3)


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index):
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except BaseException as error:  # the test looks at every outcome
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_refreshes_of_one_day_at_once_leave_one_copy(milan, frozen_now):
    frozen_now(rome(2026, 3, 10, 12, 0))
    for minute in range(7):
        make.contact(rome(2026, 3, 3, 10, minute), channel="telephony")
    outcomes = race(*[lambda: rollups.refresh_days([DAY]) for _ in range(3)])
    assert outcomes == [1, 1, 1]
    assert DailyFigure.objects.get(measure="contacts", day=DAY).count == 7
    assert DailyFigure.objects.filter(measure="contacts_by_channel").count() == 1


def test_two_pending_refreshes_at_once_leave_one_copy(milan, frozen_now):
    frozen_now(rome(2026, 3, 10, 12, 0))
    for minute in range(3):
        make.contact(rome(2026, 3, 3, 10, minute))
    outcomes = race(rollups.refresh_pending, rollups.refresh_pending)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert DailyFigure.objects.get(measure="contacts", day=DAY).count == 3
