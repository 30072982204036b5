"""References that count from 1 each year ("SP-2026-000123", "PC-2026-000042").

Each series keeps its counter in its own table (a model with ``year`` as primary key and
``last``), so contacts and cases never wait on each other's counter row.
"""

from django.db import connection, models


def next_number(counter: type[models.Model], year: int) -> int:
    """The next number of ``year`` in the counter's table.

    One upsert (PostgreSQL, SQLite ≥ 3.35): the counter row stays locked until commit, so two
    rows never share a number; a row rolled back leaves a gap, which is honest about an attempt
    that did not land. Take it last in a transaction so the lock is held briefly."""
    table = connection.ops.quote_name(counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (number,) = cursor.fetchone()
    return int(number)


def next_reference(counter: type[models.Model], prefix: str, year: int) -> str:
    return f"{prefix}-{year}-{next_number(counter, year):06d}"
