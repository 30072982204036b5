"""Appending to the hash-chained logs and checking that nobody changed them since.

Every chained log (a subclass of ChainedLogRow) is written only through append(), which takes
the log's next place under a row lock on its ChainHead, so concurrent appends queue one behind
the other and the chain never forks."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from django.db import connections, models, router, transaction

from sportello.privacy import hash_chain
from sportello.privacy.models import ChainedLogRow, ChainHead

Row = TypeVar("Row", bound=ChainedLogRow)

# The logs `manage.py verify_access_log --log` knows, by the name given on the command line.
LOGS = {
    "access": "privacy.AccessLog",
    "audit": "privacy.AuditEvent",
    "contact": "intake.ContactEvent",
}


def log_name(model: type[models.Model]) -> str:
    """The ChainHead key of a log."""
    return model._meta.label_lower


def content_fields(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    return [
        field for field in model._meta.concrete_fields if field.name not in ChainedLogRow.NOT_HASHED
    ]


def content_of(row: models.Model) -> dict[str, object]:
    """What a row's hash covers: its content fields under their attnames."""
    return {field.attname: getattr(row, field.attname) for field in content_fields(type(row))}


def _as_stored(field: models.Field, value: object) -> object:  # type: ignore[type-arg]
    """The value as the database will give it back, so that the hash computed now is the hash
    verification recomputes from the stored row (a tuple comes back a list, 5 comes back "5")."""
    if isinstance(field, models.JSONField):
        return json.loads(json.dumps(value, cls=field.encoder), cls=field.decoder)
    return field.to_python(value)


def append(model_class: type[Row], **fields: object) -> Row:
    """Add a row at the end of its log; call it inside the transaction whose work it records,
    so that the row commits or rolls back with that work.

    Raises ValidationError (and writes nothing) when a field does not fit its column."""
    using = router.db_for_write(model_class)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError(
            f"{model_class.__name__} rows are appended inside the transaction they record"
        )
    row = model_class(**fields)
    for field in content_fields(model_class):
        setattr(row, field.attname, _as_stored(field, getattr(row, field.attname)))
    # Foreign keys are left to the database's constraint: checking them here costs a query each.
    row.clean_fields(
        exclude=[
            field.name
            for field in model_class._meta.concrete_fields
            if field.is_relation or field.name in ChainedLogRow.NOT_HASHED
        ]
    )
    row.seq, row.prev_hash = _take_next_place(model_class, using)
    row.row_hash = hash_chain.row_hash(row.prev_hash, content_of(row))
    row.save(using=using, force_insert=True)
    ChainHead.objects.using(using).filter(log=log_name(model_class)).update(last_hash=row.row_hash)
    return row


def _take_next_place(model_class: type[ChainedLogRow], using: str) -> tuple[int, str]:
    """The next sequence number and the hash to link to, with the log's head locked until
    commit: concurrent appends wait here one behind the other, so the chain never forks.

    One upsert (PostgreSQL, SQLite ≥ 3.35) whether or not the head exists yet: the first append
    to a log, after a fresh install or a test's flush, costs the same queries as any other."""
    table = connections[using].ops.quote_name(ChainHead._meta.db_table)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (log, last_seq, last_hash) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (log) DO UPDATE SET last_seq = {table}.last_seq + 1 "
            "RETURNING last_seq, last_hash",
            [log_name(model_class), hash_chain.GENESIS],
        )
        seq, prev_hash = cursor.fetchone()
    return seq, prev_hash


class Problem(StrEnum):
    CONTENT_CHANGED = "content_changed"  # the row's content no longer gives its hash
    LINK_BROKEN = "link_broken"  # the row does not point at the hash of the row before it
    MISSING_ROWS = "missing_rows"  # sequence numbers are skipped, or the end is gone
    HEAD_MISMATCH = "head_mismatch"  # rows beyond, or other than, the last one appended


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    row_id: int | None
    problem: Problem
    expected: str = ""  # what the chain says should be there
    found: str = ""  # what is there


@dataclass(frozen=True)
class ChainReport:
    log: str
    rows: int
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(model: type[ChainedLogRow], using: str) -> Iterator[ChainedLogRow]:
    return model._default_manager.using(using).order_by("seq").iterator(chunk_size=2000)


def verify(model: type[ChainedLogRow]) -> ChainReport:
    """Walk a log in sequence order, recomputing every hash; stop at the first break."""
    using = router.db_for_read(model)
    name = log_name(model)
    rows, last_seq, last_hash, last_id = 0, 0, hash_chain.GENESIS, None
    for row in _rows(model, using):
        if row.seq != last_seq + 1:
            expected, found = str(last_seq + 1), str(row.seq)
            return ChainReport(
                name, rows, ChainBreak(last_seq + 1, row.pk, Problem.MISSING_ROWS, expected, found)
            )
        if row.prev_hash != last_hash:
            return ChainReport(
                name,
                rows,
                ChainBreak(row.seq, row.pk, Problem.LINK_BROKEN, last_hash, row.prev_hash),
            )
        recomputed = hash_chain.row_hash(row.prev_hash, content_of(row))
        if recomputed != row.row_hash:
            return ChainReport(
                name,
                rows,
                ChainBreak(row.seq, row.pk, Problem.CONTENT_CHANGED, row.row_hash, recomputed),
            )
        rows, last_seq, last_hash, last_id = rows + 1, row.seq, row.row_hash, row.pk
    broken = _compare_with_head(model, using, last_seq, last_hash, last_id)
    return ChainReport(name, rows, broken)


def _compare_with_head(
    model: type[ChainedLogRow], using: str, last_seq: int, last_hash: str, last_id: int | None
) -> ChainBreak | None:
    """Rows cut off the end of a log leave a chain that is whole but short: the head, updated
    with every append, still knows how long it was."""
    head = ChainHead.objects.using(using).filter(log=log_name(model)).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, hash_chain.GENESIS)
    if head_seq > last_seq:
        # Appends that committed after the walk began are not missing: look again.
        if model._default_manager.using(using).filter(seq=last_seq + 1).exists():
            return None
        return ChainBreak(last_seq + 1, None, Problem.MISSING_ROWS, str(head_seq), str(last_seq))
    # The head is read after the rows and moves in the same transaction as each append, so a
    # head behind the rows was not moved by append().
    if head_seq < last_seq or head_hash != last_hash:
        return ChainBreak(last_seq, last_id, Problem.HEAD_MISMATCH, head_hash, last_hash)
    return None
