"""Invariant 4 on PostgreSQL: the database itself refuses to change a log, and concurrent appends
from real parallel connections make one chain with no fork and no gap."""

import io
import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from sportello.intake.models import Contact, ContactEvent
from sportello.privacy.chained_logs import verify
from sportello.privacy.models import AccessLog, AuditEvent, ChainHead
from sportello.privacy.operations import record_access, record_audit
from sportello.testing import rome

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only triggers exist on PostgreSQL only; run `make test-postgres`",
)

NOW = rome(2026, 12, 1, 10, 0)
LOGS = [AccessLog, AuditEvent, ContactEvent]


@pytest.fixture
def one_row_each(milan, make_contact, frozen_now):
    frozen_now(NOW)
    make_contact(NOW)
    with transaction.atomic():
        record_access(None, None, object_type="case", object_id=1, case_id=1)
        record_audit(None, object_type="case", object_id=1, action="opened", case_id=1)


def _refused(sql: str, *params: object) -> str:
    """Run a statement that must fail; the savepoint keeps the test's transaction usable."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(refused.value)


def _check_constraints_now() -> None:
    """Foreign keys are checked at commit; TRUNCATE and ALTER TABLE refuse to run while such
    checks are pending in the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize("model", LOGS, ids=lambda model: model._meta.db_table)
def test_update_delete_and_truncate_are_refused(one_row_each, model):
    table = model._meta.db_table
    row = model.objects.get()
    _check_constraints_now()
    message = _refused(f"UPDATE {table} SET at = at WHERE id = %s", row.pk)  # noqa: S608
    assert f"{table} is an append-only log: UPDATE refused" in message
    assert "DELETE refused" in _refused(f"DELETE FROM {table}")  # noqa: S608
    assert "TRUNCATE refused" in _refused(f"TRUNCATE {table}")
    # Through the ORM as well, which is how a bug would try.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.filter(pk=row.pk).update(at=NOW)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.all().delete()
    assert model.objects.get() == row


@pytest.mark.django_db(transaction=True)
def test_maintenance_may_delete_but_never_update(one_row_each):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL sportello.log_maintenance = 'on'")
        with pytest.raises(DatabaseError, match="UPDATE refused"), transaction.atomic():
            AccessLog.objects.update(purpose="riscritto")
        assert AccessLog.objects.all().delete()[0] == 1
    # SET LOCAL ended with the transaction: the next delete is refused again.
    with pytest.raises(DatabaseError, match="DELETE refused"), transaction.atomic():
        AuditEvent.objects.all().delete()


def test_a_contact_can_still_be_deleted_and_its_trail_stays(one_row_each):
    Contact.objects.all().delete()
    assert ContactEvent.objects.count() == 1 and verify(ContactEvent).ok


def test_an_edit_behind_the_triggers_back_is_reported_by_its_number(one_row_each, milan):
    with transaction.atomic():
        for n in range(2, 5):
            record_access(None, None, object_type="case", object_id=n, case_id=n)
    third = AccessLog.objects.get(seq=3)
    _check_constraints_now()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE privacy_accesslog DISABLE TRIGGER sportello_append_only_rows")
        cursor.execute("UPDATE privacy_accesslog SET case_id = 99 WHERE id = %s", [third.pk])
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_access_log", stdout=out)
    assert failed.value.returncode == 1
    assert f"riga n. 3 (id {third.pk}): il contenuto della riga è stato modificato" in str(
        failed.value
    )
    assert "privacy.accesslog" in str(failed.value)
    # The other two logs were not touched.
    assert out.getvalue().count("OK: 1 riga") == 2


def _in_threads(count: int, work) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
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


@pytest.mark.django_db(transaction=True)
def test_eight_writers_at_once_make_one_chain_without_fork_or_gap(frozen_now):
    frozen_now(NOW)
    per_thread = 25

    def write(index: int) -> None:
        for n in range(per_thread):
            with transaction.atomic():
                record_access(None, None, object_type="case", object_id=f"{index}-{n}")
                if n % 5 == 0:
                    record_audit(None, object_type="case", object_id=index, action="touched")

    _in_threads(8, write)
    seqs = list(AccessLog.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 8 * per_thread + 1))
    links = list(AccessLog.objects.values_list("prev_hash", flat=True))
    assert len(set(links)) == len(links), "two rows link to the same predecessor: a fork"
    assert verify(AccessLog).ok and verify(AccessLog).rows == 200
    assert verify(AuditEvent).ok and verify(AuditEvent).rows == 8 * 5
    # The writers really overlapped: rows of different threads are interleaved.
    writers = [
        object_id.split("-")[0]
        for object_id in AccessLog.objects.values_list("object_id", flat=True).order_by("seq")
    ]
    assert sum(1 for a, b in itertools.pairwise(writers) if a != b) > 7


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_that_writes_the_logs_can_be_flushed(milan, make_contact):
    """The flush after this test truncates the logs: the shared fixture turns maintenance on
    just before it, or this test's teardown would fail."""
    make_contact(NOW)
    assert ContactEvent.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW sportello.log_maintenance")
        assert cursor.fetchone() == ("off",)


@pytest.mark.django_db(transaction=True)
def test_the_next_test_starts_from_empty_logs_with_the_guard_on():
    assert not ContactEvent.objects.exists() and not ChainHead.objects.exists()
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE intake_contactevent")
