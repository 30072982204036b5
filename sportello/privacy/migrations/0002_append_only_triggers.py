"""PostgreSQL refuses to change the chained logs: UPDATE always; DELETE and TRUNCATE unless the
session says `SET sportello.log_maintenance = 'on'`.

The escape hatch exists for the test suite's flush (TRUNCATE after transactional tests) and for
the retention command, which deletes through it on purpose; the hash chain shows any other edit
made by someone who can also use it. SQLite has no such triggers: the embedded database relies on
the hash chain alone."""

from django.db import migrations

LOG_TABLES = ("privacy_accesslog", "privacy_auditevent", "intake_contactevent")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION sportello_refuse_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE'
       AND coalesce(current_setting('sportello.log_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is an append-only log: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'Rows are only ever appended; deletions by the retention command only.';
END;
$$;
"""

CREATE_TRIGGERS = """
CREATE TRIGGER sportello_append_only_rows
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION sportello_refuse_log_change();
CREATE TRIGGER sportello_append_only_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION sportello_refuse_log_change();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS sportello_append_only_rows ON {table};
DROP TRIGGER IF EXISTS sportello_append_only_truncate ON {table};
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in LOG_TABLES:
        schema_editor.execute(
            CREATE_TRIGGERS.format(table=schema_editor.quote_name(table)), params=None
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in LOG_TABLES:
        schema_editor.execute(
            DROP_TRIGGERS.format(table=schema_editor.quote_name(table)), params=None
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS sportello_refuse_log_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        # Chaining the existing contact events updates them: it runs before the triggers.
        ("intake", "0002_chain_contact_events"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
