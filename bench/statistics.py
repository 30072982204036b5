"""The statistics dashboard over millions of contacts: raw tables against the rollups.

For each size N, a database of its own is filled by SQL (``INSERT … SELECT generate_series``)
with N contacts spread over a year of opening hours, 70% of them screened with a target group
and a reason, a third of them called back; then the daily figures are rebuilt over the whole
year (timed), and the dashboard's fourteen tables are read over 30 days and over the year from
the raw tables and from the rollups. The figure is the ratio raw / rollup measured in the same
run, plus the time to refresh one day's figures. The database is dropped at the end.

    DATABASE_URL=postgres://… .venv/bin/python bench/statistics.py [--sizes 20000]
"""

# Table names come from the models and every value is bound: no injection to fear.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import harness

NAME = "statistics"
BENCH_DATABASE = "sportello_bench_statistics"
FIRST_DAY = datetime.date(2025, 1, 1)
DAYS = 365
REPEATS = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/statistics.py",
        description=__doc__.splitlines()[0],
        epilog="Needs DATABASE_URL=postgres://… on a server where the role may create databases.",
    )
    parser.add_argument(
        "--sizes",
        type=harness._levels,
        default=[1_000_000, 5_000_000, 10_000_000],
        help="numbers of contacts, comma separated (default 1000000,5000000,10000000)",
    )
    parser.add_argument("--output", type=Path, default=harness.RESULTS / f"{NAME}.json")
    return parser.parse_args()


def _admin_connection(url: str) -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def _recreate_database(url: str) -> str:
    with _admin_connection(url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DATABASE}"))


def _drop_database(url: str) -> None:
    with _admin_connection(url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def _generate(size: int) -> None:
    """N contacts over a year of opening hours, screenings, groups, reasons and call attempts."""
    from django.db import connection

    from sportello.accounts.models import User
    from sportello.intake.models import CallAttempt, Contact
    from sportello.reports.models import DailyFigure, RollupState
    from sportello.services.models import Service, TargetGroup
    from sportello.triage.models import ContactReason, Screening

    user, _created = User.objects.get_or_create(username="bench-statistics")
    services = list(Service.objects.order_by("pk").values_list("pk", flat=True))
    groups = list(TargetGroup.objects.order_by("pk").values_list("pk", flat=True))
    reasons = list(ContactReason.objects.order_by("pk").values_list("pk", flat=True))
    contact_table = Contact._meta.db_table
    screening_table = Screening._meta.db_table
    groups_table = Screening.target_groups.through._meta.db_table
    reasons_table = Screening.reasons.through._meta.db_table
    with connection.cursor() as cursor:
        harness.wipe_contacts()
        cursor.execute(f"TRUNCATE {DailyFigure._meta.db_table}, {RollupState._meta.db_table}")
        cursor.execute(
            f"""
            INSERT INTO {contact_table} (
                reference, channel, service_id, received_at, caller_number,
                caller_number_lookup, email, caller_name, reason, danger_now, safe_to_call,
                safe_to_leave_message, language, external_call_id, status, status_changed_at,
                taken_at, closed_at, close_reason, failed_attempts
            )
            SELECT
                'SP-B-' || g,
                (ARRAY['switchboard','telephony','web_callback','web_video'])[1 + g %% 4],
                (%(services)s::int[])[1 + g %% %(service_count)s],
                received,
                '', '', '', '', '', false, true, false, 'it', '',
                CASE WHEN g %% 10 = 0 THEN 'waiting' ELSE 'closed' END,
                received + interval '40 minutes',
                CASE WHEN g %% 10 = 0 THEN NULL
                     ELSE received + (g %% 37) * interval '1 minute' END,
                CASE WHEN g %% 10 = 0 THEN NULL ELSE received + interval '40 minutes' END,
                CASE WHEN g %% 10 = 0 THEN '' ELSE 'completed' END,
                0
            FROM (
                SELECT g, (%(first)s::date + (g %% %(days)s) * interval '1 day'
                           + interval '9 hours 30 minutes'
                           + (g * 7919 %% 510) * interval '1 minute'
                          ) AT TIME ZONE 'Europe/Rome' AS received
                FROM generate_series(1::bigint, %(size)s) AS g
            ) AS spread
            """,
            {
                "services": services,
                "service_count": len(services),
                "first": FIRST_DAY,
                "days": DAYS,
                "size": size,
            },
        )
        cursor.execute(
            f"""
            INSERT INTO {screening_table} (
                contact_id, at, by_id, instrument_version, answers, findings, computed_level,
                level, override_justification, speaks_for_someone_else, location,
                location_not_disclosed, notes
            )
            SELECT id, received_at + interval '10 minutes', %(user)s, 'bench', '', '',
                   id %% 5, id %% 5, '', false, '', false, ''
            FROM {contact_table} WHERE id %% 10 < 7
            """,
            {"user": user.pk},
        )
        cursor.execute(
            f"""
            INSERT INTO {groups_table} (screening_id, targetgroup_id)
            SELECT id, (%(groups)s::int[])[1 + id %% %(count)s] FROM {screening_table}
            """,
            {"groups": groups, "count": len(groups)},
        )
        cursor.execute(
            f"""
            INSERT INTO {reasons_table} (screening_id, contactreason_id)
            SELECT id, (%(reasons)s::int[])[1 + id %% %(count)s] FROM {screening_table}
            """,
            {"reasons": reasons, "count": len(reasons)},
        )
        cursor.execute(
            f"""
            INSERT INTO {CallAttempt._meta.db_table} (contact_id, at, by_id, outcome, note)
            SELECT id, received_at + interval '20 minutes', %(user)s,
                   CASE WHEN id %% 2 = 0 THEN 'reached' ELSE 'no_answer' END, ''
            FROM {contact_table} WHERE id %% 3 = 0
            """,
            {"user": user.pk},
        )
        cursor.execute("ANALYZE")


def _timed(call: Any, repeats: int = REPEATS) -> tuple[float, Any]:
    """The best of ``repeats`` runs (seconds) and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    return best, result


def _measure(size: int) -> dict[str, Any]:
    from sportello.reports import queries, rollups
    from sportello.reports.models import DailyFigure

    started = time.perf_counter()
    _generate(size)
    generate_s = time.perf_counter() - started
    last_day = FIRST_DAY + datetime.timedelta(days=DAYS - 1)
    started = time.perf_counter()
    rollups.rebuild(FIRST_DAY, last_day)
    rebuild_s = time.perf_counter() - started
    row: dict[str, Any] = {
        "contacts": size,
        "generate_s": generate_s,
        "rebuild_s": rebuild_s,
        "figures": DailyFigure.objects.count(),
    }
    month = queries.Scope(last_day - datetime.timedelta(days=29), last_day)
    year = queries.Scope(FIRST_DAY, last_day)
    for label, scope in (("30d", month), ("1y", year)):
        rollup_s, rolled = _timed(lambda scope=scope: queries.dashboard_tables(scope))
        raw_s, raw = _timed(
            lambda scope=scope: queries.dashboard_tables(scope, source="raw"), repeats=1
        )
        if raw != rolled:
            sys.exit(f"raw and rollup tables differ over {label} for {size} contacts")
        row[f"rollup_{label}_ms"] = rollup_s * 1000
        row[f"raw_{label}_s"] = raw_s
        row[f"ratio_{label}"] = harness.ratio(raw_s, rollup_s)
    day = last_day - datetime.timedelta(days=3)
    refresh_s, _days = _timed(lambda: rollups.refresh_days([day]))
    row["refresh_day_ms"] = refresh_s * 1000
    return row


def main() -> None:
    arguments = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in harness.POSTGRES_SCHEMES:
        sys.exit(
            "Refusing to run: set DATABASE_URL=postgres://… (a role that may create databases)"
        )
    bench_url = _recreate_database(url)
    print(f"Working in a database of its own, {BENCH_DATABASE} (dropped at the end)")
    rows = []
    try:
        harness.setup_django({"DATABASE_URL": bench_url})
        from django.db import connection

        database = harness.postgres_info(connection)
        for size in arguments.sizes:
            print(f"{size} contacts…", flush=True)
            rows.append(_measure(size))
        connection.close()
    finally:
        _drop_database(url)
    columns = [
        harness.Column("contacts", "contacts", "{:,}"),
        harness.Column("generate_s", "generate s", "{:.1f}"),
        harness.Column("rebuild_s", "rebuild 1y s", "{:.1f}"),
        harness.Column("figures", "figures", "{:,}"),
        harness.Column("rollup_30d_ms", "rollup 30d ms", "{:.1f}"),
        harness.Column("raw_30d_s", "raw 30d s", "{:.2f}"),
        harness.Column("ratio_30d", "raw/rollup 30d", "{:.0f}"),
        harness.Column("rollup_1y_ms", "rollup 1y ms", "{:.1f}"),
        harness.Column("raw_1y_s", "raw 1y s", "{:.2f}"),
        harness.Column("ratio_1y", "raw/rollup 1y", "{:.0f}"),
        harness.Column("refresh_day_ms", "refresh 1 day ms", "{:.0f}"),
    ]
    harness.print_table("Statistics dashboard: raw tables vs daily rollups", columns, rows)
    path = harness.write_json(
        arguments.output,
        NAME,
        parameters={"sizes": arguments.sizes, "days": DAYS, "repeats": REPEATS},
        rows=rows,
        checks=[{"raw_equals_rollup": True}],
        notes="rollup times are the best of three; raw is one run; the ratio is raw/rollup",
        database=database,
    )
    print(f"Written {path}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.settings")
    main()
