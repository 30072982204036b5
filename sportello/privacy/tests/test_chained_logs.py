"""Appending to the chained logs, and verification catching every kind of edit."""

import itertools
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import RequestFactory

from sportello.intake.models import Contact, ContactEvent
from sportello.privacy import hash_chain
from sportello.privacy.chained_logs import Problem, append, content_of, verify
from sportello.privacy.models import AccessLog, AuditEvent, ChainHead
from sportello.privacy.operations import record_access, record_audit
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)


@pytest.fixture
def read(frozen_now):
    """Record one read, as a case page does, inside its transaction."""
    frozen_now(NOW)

    def record(user=None, request=None, **fields):
        fields.setdefault("object_type", "case")
        fields.setdefault("object_id", 1)
        with transaction.atomic():
            return record_access(request, user, **fields)

    return record


@contextmanager
def tampering(model):
    """Edit a log as an intruder with direct database access would: on PostgreSQL the append-only
    triggers are switched off first (inside the test's transaction, so the switch rolls back)."""
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # ALTER TABLE waits for no foreign-key check pending in the test's transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_rows_are_numbered_from_one_and_each_links_to_the_one_before(db, read):
    rows = [read(object_id=n) for n in range(4)]
    assert [row.seq for row in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == hash_chain.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
    for row in AccessLog.objects.all():
        assert row.row_hash == hash_chain.row_hash(row.prev_hash, content_of(row))
    head = ChainHead.objects.get(log="privacy.accesslog")
    assert (head.last_seq, head.last_hash) == (4, rows[-1].row_hash)
    assert verify(AccessLog).ok and verify(AccessLog).rows == 4


def test_each_log_has_its_own_chain(db, read, make_staff, milan):
    read()
    with transaction.atomic():
        event = record_audit(
            make_staff("professional"), object_type="case", object_id=3, action="x"
        )
    assert event.seq == 1 and event.prev_hash == hash_chain.GENESIS


def test_what_is_hashed_is_what_the_database_gives_back(db, milan, make_staff, read):
    """An int becomes "5", a tuple a list, an IPv6 address its short form: the hash is computed
    on those, so verification recomputes the same hash from the stored row."""
    request = RequestFactory().get("/", REMOTE_ADDR="2001:0db8:0000:0000:0000:0000:0000:0001")
    read(make_staff("coordinator"), request=request, object_id=5, case_id=9)
    with transaction.atomic():
        record_audit(None, object_type="case", object_id=5, action="closed", codes=("a", "b"))
    access, audit = AccessLog.objects.get(), AuditEvent.objects.get()
    assert access.object_id == "5" and access.ip_address == "2001:db8::1"
    assert audit.detail == {"codes": ["a", "b"]}
    assert verify(AccessLog).ok and verify(AuditEvent).ok


def test_a_read_outside_a_transaction_is_refused_and_leaves_no_trace(transactional_db):
    with pytest.raises(RuntimeError, match="transaction"):
        record_access(None, None, object_type="case", object_id=1)
    with pytest.raises(RuntimeError, match="transaction"):
        record_audit(None, object_type="case", object_id=1, action="closed")
    with pytest.raises(RuntimeError, match="transaction"):
        append(AccessLog, at=NOW, action="read", object_type="case", object_id="1")
    assert not AccessLog.objects.exists() and not AuditEvent.objects.exists()
    assert not ChainHead.objects.filter(log__startswith="privacy.").exists()


def test_the_access_row_says_who_from_where_and_in_which_roles(db, milan, make_staff, read):
    user = make_staff("coordinator", username="rossi")
    user.groups.add(*make_staff("dpo").groups.all())
    request = RequestFactory().get(
        "/personale/casi/9/?cerca=Mario+Rossi",
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Browser " + "x" * 300,
    )
    row = read(user, request=request, object_type="session", object_id=12, case_id=9)
    user.username = "rossi.m"
    user.save()
    row = AccessLog.objects.get(pk=row.pk)
    assert (row.username, row.roles, row.user_id) == ("rossi", "coordinator,dpo", user.pk)
    assert (row.object_type, row.object_id, row.case_id) == ("session", "12", 9)
    assert row.at == NOW and row.action == "read" and not row.break_glass
    assert row.ip_address == "10.1.2.3" and len(row.user_agent) == 200
    # The query string may carry a name: only the path is kept.
    assert row.path == "/personale/casi/9/"


def test_a_read_without_a_request_or_a_person_still_counts(db, read):
    row = read(None, action="export", object_type="case", object_id=3, purpose="estrazione")
    assert (row.user_id, row.username, row.roles, row.ip_address, row.path) == (
        None,
        "",
        "",
        None,
        "",
    )


def test_break_glass_needs_a_reason_and_writes_nothing_without_one(db, milan, make_staff, read):
    professional = make_staff("professional")
    for kwargs in ({"break_glass": True, "purpose": "  "}, {"action": "break_glass"}):
        with pytest.raises(ValidationError) as refused:
            read(professional, **kwargs)
        assert refused.value.messages == ["Per un accesso in emergenza scrivi il motivo."]
    assert not AccessLog.objects.exists()
    assert not ChainHead.objects.filter(log="privacy.accesslog").exists()
    row = read(professional, action="break_glass", purpose="rischio imminente, referente assente")
    assert row.break_glass and row.seq == 1


def test_an_unknown_action_is_a_programming_error(db, read):
    with pytest.raises(ValueError, match="unknown access action"):
        read(action="peek")
    assert not AccessLog.objects.exists()


def test_a_field_too_long_for_its_column_is_refused_and_moves_nothing(db, read):
    read()
    with pytest.raises(ValidationError) as refused:
        read(object_type="x" * 41)
    assert "object_type" in refused.value.message_dict
    assert AccessLog.objects.count() == 1
    assert ChainHead.objects.get(log="privacy.accesslog").last_seq == 1
    assert read().seq == 2


def test_the_audit_row_names_its_actor_and_keeps_metadata(db, milan, make_staff, frozen_now):
    frozen_now(NOW)
    actor = make_staff("professional", username="bianchi")
    with transaction.atomic():
        by_person = record_audit(
            actor, object_type="screening", object_id=4, action="screened", contact_id=8, level=3
        )
        by_system = record_audit(
            None, object_type="case", object_id=2, action="escalated", actor_label="sweep"
        )
    assert (by_person.actor_id, by_person.actor_label, by_person.contact_id) == (
        actor.pk,
        "bianchi",
        8,
    )
    assert by_person.detail == {"level": 3} and by_person.at == NOW
    assert (by_system.actor_id, by_system.actor_label, by_system.seq) == (None, "sweep", 2)


def test_contact_events_are_a_chain_and_survive_their_contact(db, milan, make_contact):
    contacts = [make_contact(rome(2026, 12, 1, 10, minute)) for minute in range(3)]
    events = list(ContactEvent.objects.order_by("seq"))
    assert [event.seq for event in events] == [1, 2, 3]
    assert [event.contact_id for event in events] == [contact.pk for contact in contacts]
    assert verify(ContactEvent).ok
    # Erasing a contact neither erases its trail nor is blocked by it.
    Contact.objects.filter(pk=contacts[0].pk).delete()
    assert ContactEvent.objects.count() == 3 and verify(ContactEvent).ok


def test_a_changed_row_is_found_by_its_number(db, read):
    rows = [read(object_id=n) for n in range(4)]
    with tampering(AccessLog):
        AccessLog.objects.filter(pk=rows[2].pk).update(purpose="nulla di strano")
    report = verify(AccessLog)
    assert (report.broken.seq, report.broken.row_id, report.broken.problem) == (
        3,
        rows[2].pk,
        Problem.CONTENT_CHANGED,
    )
    assert report.rows == 2


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_link_of_the_next(db, read):
    rows = [read(object_id=n) for n in range(3)]
    forged = AccessLog.objects.get(pk=rows[1].pk)
    forged.object_id = "99"
    with tampering(AccessLog):
        AccessLog.objects.filter(pk=forged.pk).update(
            object_id="99", row_hash=hash_chain.row_hash(forged.prev_hash, content_of(forged))
        )
    broken = verify(AccessLog).broken
    assert (broken.seq, broken.problem) == (3, Problem.LINK_BROKEN)


def test_a_row_removed_from_the_middle_leaves_a_gap(db, read):
    rows = [read(object_id=n) for n in range(4)]
    with tampering(AccessLog):
        AccessLog.objects.filter(pk=rows[1].pk).delete()
    broken = verify(AccessLog).broken
    assert (broken.seq, broken.problem, broken.found) == (2, Problem.MISSING_ROWS, "3")


def test_rows_cut_off_the_end_are_missed_by_the_head(db, read):
    rows = [read(object_id=n) for n in range(3)]
    with tampering(AccessLog):
        AccessLog.objects.filter(pk=rows[2].pk).delete()
    broken = verify(AccessLog).broken
    assert (broken.seq, broken.row_id, broken.problem) == (3, None, Problem.MISSING_ROWS)


def test_a_row_added_behind_the_chains_back_is_noticed(db, read):
    """Even a forger who links and hashes correctly does not move the head by hand."""
    last = read(object_id=1)
    forged = AccessLog(
        seq=2, prev_hash=last.row_hash, at=NOW, action="read", object_type="case", object_id="2"
    )
    forged.row_hash = hash_chain.row_hash(forged.prev_hash, content_of(forged))
    forged.save()
    broken = verify(AccessLog).broken
    assert (broken.seq, broken.problem) == (2, Problem.HEAD_MISMATCH)


def test_an_empty_log_verifies(db):
    report = verify(AuditEvent)
    assert report.ok and report.rows == 0
