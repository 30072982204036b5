"""Invariant 2 in the database: a professional's occupying appointments never overlap.

PostgreSQL: an exclusion constraint over the professional and the time range (btree_gist lets
the integer column join the GiST index). SQLite: triggers refusing an insert or update that
would overlap; SQLite runs one writer at a time, so the check and the write cannot interleave."""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE appointments_appointment ADD CONSTRAINT appointment_no_overlap "
    "EXCLUDE USING gist (professional_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    "WHERE (status IN ('booked', 'held', 'no_show'))",
]
POSTGRES_BACK = ["ALTER TABLE appointments_appointment DROP CONSTRAINT appointment_no_overlap"]

_OVERLAP = (
    "WHEN NEW.status IN ('booked', 'held', 'no_show') AND EXISTS (SELECT 1 "
    "FROM appointments_appointment a WHERE a.professional_id = NEW.professional_id "
    "AND a.id IS NOT NEW.id AND a.status IN ('booked', 'held', 'no_show') "
    "AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at) "
    "BEGIN SELECT RAISE(ABORT, 'appointment_no_overlap'); END"
)
SQLITE = [
    f"CREATE TRIGGER appointment_no_overlap_insert BEFORE INSERT ON appointments_appointment "
    f"{_OVERLAP}",
    f"CREATE TRIGGER appointment_no_overlap_update BEFORE UPDATE ON appointments_appointment "
    f"{_OVERLAP}",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS appointment_no_overlap_insert",
    "DROP TRIGGER IF EXISTS appointment_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_BACK, "sqlite": SQLITE_BACK}),
        )
    ]
