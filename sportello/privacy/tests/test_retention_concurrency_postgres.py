"""Two real runs at once (the nightly task and the DPO's, on two workers), on real parallel
connections: each record is done once, and the erasure records count exactly what was done."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from sportello.cases.models import Person
from sportello.intake.models import CallbackWindow, Contact
from sportello.privacy import retention
from sportello.privacy.models import ErasureRecord, RetentionRun
from sportello.privacy.tests.test_erasure import NOW, make_person_record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two runs at once are proven on PostgreSQL only; run `make test-postgres`",
)

DAY = datetime.timedelta(days=1)
PERSONS = 8
RUNS = 2


def _counted(kind: str, action: str) -> int:
    return (
        ErasureRecord.objects.filter(record_kind=kind, action=action).aggregate(n=Sum("count"))["n"]
        or 0
    )


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_each_person_once_and_count_what_they_did(
    milan, make_staff, frozen_now
):
    frozen_now(NOW)
    retention.ensure_default_rules()
    staff = make_staff("professional")
    with transaction.atomic():
        for index in range(PERSONS):
            make_person_record(
                staff,
                tag=f"P{index}QX",
                at=NOW - 3000 * DAY,
                closed_at=NOW - 2000 * DAY,
                slot=index,
            )
    barrier = threading.Barrier(RUNS)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            retention.apply(NOW, batch_size=1)
        except BaseException as error:  # reported below, never swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    assert not Person.objects.exclude(full_name="").exists()
    assert not Contact.objects.exclude(caller_name="").exists()
    assert not CallbackWindow.objects.exists()
    runs = list(RetentionRun.objects.filter(dry_run=False))
    assert len(runs) == RUNS and all(run.finished_at for run in runs)
    # Each person, contact and message done by one run only, and counted once.
    assert sum(int(run.report["case"]["done"]) for run in runs) == PERSONS
    assert _counted("person", "pseudonymised") == PERSONS
    assert _counted("case", "pseudonymised") == PERSONS
    assert _counted("contact", "pseudonymised") == 2 * PERSONS
    assert _counted("screening", "pseudonymised") == 2 * PERSONS
    assert _counted("callback_window", "erased") == 2 * PERSONS
    assert _counted("message", "erased") == 2 * PERSONS
    assert sum(int(run.report["appointment_message"]["done"]) for run in runs) == 2 * PERSONS
