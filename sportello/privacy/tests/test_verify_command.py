"""manage.py verify_access_log: OK and the rows per log, or the first broken row and status 1."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from sportello.intake.models import ContactEvent
from sportello.privacy.models import AccessLog
from sportello.privacy.operations import record_access, record_audit
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)


@pytest.fixture
def three_logs(milan, make_contact, frozen_now):
    """Two accesses, one audit event and two contact events."""
    frozen_now(NOW)
    make_contact(NOW)
    make_contact(NOW)
    with transaction.atomic():
        record_access(None, None, object_type="case", object_id=1, case_id=1)
        record_access(None, None, object_type="note", object_id=2, case_id=1)
        record_audit(None, object_type="case", object_id=1, action="opened", case_id=1)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_access_log", *args, stdout=out)
    return out.getvalue()


def test_clean_logs_are_ok_with_their_row_counts(three_logs):
    lines = _run().splitlines()
    assert lines == [
        "registro degli accessi (privacy.accesslog): OK: 2 righe",
        "registro delle modifiche (privacy.auditevent): OK: 1 riga",
        "eventi del contatto (intake.contactevent): OK: 2 righe",
    ]


def test_one_log_can_be_chosen(three_logs):
    assert _run("--log", "contact").splitlines() == [
        "eventi del contatto (intake.contactevent): OK: 2 righe"
    ]


def test_an_unknown_log_is_refused(db):
    with pytest.raises(CommandError, match="invalid choice"):
        _run("--log", "everything")


def test_a_changed_row_is_reported_with_its_number_and_status_1(three_logs):
    second = AccessLog.objects.get(seq=2)
    table = AccessLog._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(f"UPDATE {table} SET purpose = %s WHERE id = %s", ["altro", second.pk])  # noqa: S608
    with pytest.raises(CommandError) as failed:
        _run("--log", "access")
    assert failed.value.returncode == 1
    assert str(failed.value) == (
        f"registro degli accessi (privacy.accesslog): catena interrotta alla riga n. 2 "
        f"(id {second.pk}): il contenuto della riga è stato modificato (l'hash ricalcolato non "
        "corrisponde)."
    )


def test_the_healthy_logs_are_still_reported_beside_a_broken_one(three_logs, capsys):
    table = ContactEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM {table} WHERE seq = 1")  # noqa: S608
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"mancano righe: attesa la n\. 1, trovata la n\. 2"):
        call_command("verify_access_log", stdout=out)
    assert "OK: 2 righe" in out.getvalue() and "OK: 1 riga" in out.getvalue()
