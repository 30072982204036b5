"""Claims per second: professionals taking the next contact from a 10,000-contact queue.

Each thread is one professional looping `take_next` (the real operation: permission check, the
queue head with SKIP LOCKED, the guarded UPDATE, the audit row) for a bounded time or until the
queue is empty. The baseline, at the same concurrency in the same run: the bare SQL of a claim
(SELECT … FOR UPDATE SKIP LOCKED, UPDATE, COMMIT) on one psycopg connection per thread. After
every run: no contact was taken twice.

    DATABASE_URL=postgres://… .venv/bin/python bench/claim.py [--seconds 10] [--levels 1,8,32]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import zoneinfo
from typing import Any

import harness

NAME = "claim"
ROME = zoneinfo.ZoneInfo("Europe/Rome")
USERNAME_PREFIX = "bench-professional-"
# The application clock is frozen at 15:00 of an open weekday; the queue arrived that morning.
FIRST_CANDIDATE_DAY = datetime.date(2026, 12, 1)
MORNING_STARTS, MORNING_LENGTH = datetime.time(9, 30), datetime.timedelta(hours=3)
FROZEN_AT = datetime.time(15, 0)

BASELINE_SELECT = (
    "SELECT id FROM intake_contact WHERE status = 'waiting' "
    "ORDER BY received_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
)
BASELINE_UPDATE = (
    "UPDATE intake_contact SET status = 'taken', taken_by_id = %s, taken_at = %s, "
    "status_changed_at = %s WHERE id = %s"
)


def extra_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=10_000, help="queue length (default 10000)")


# Setting the scene


def open_weekday() -> datetime.datetime:
    """15:00 of the first weekday from FIRST_CANDIDATE_DAY on which the desk is open all day."""
    from sportello.services import queries as catalogue

    calendar = catalogue.opening_calendar()
    day = FIRST_CANDIDATE_DAY
    for _ in range(60):
        morning = datetime.datetime.combine(day, MORNING_STARTS, ROME)
        afternoon = datetime.datetime.combine(day, FROZEN_AT, ROME)
        if day.weekday() < 5 and calendar.is_open(morning) and calendar.is_open(afternoon):
            return afternoon
        day += datetime.timedelta(days=1)
    sys.exit("No open weekday found in the catalogue: is the opening calendar installed?")


def freeze_clock(moment: datetime.datetime) -> None:
    # The one seam the code reads the time through (as the tests' frozen_now fixture does).
    from sportello.services import queries as catalogue

    catalogue.now = lambda: moment


def wipe_and_fill(count: int, frozen: datetime.datetime) -> None:

    from sportello.accounts.models import User
    from sportello.intake.models import Contact, Status
    from sportello.services.models import Service

    harness.wipe_contacts()  # the database is ours
    User.objects.filter(username__startswith=USERNAME_PREFIX).delete()
    emergency = Service.objects.get(code="emergency")
    morning = datetime.datetime.combine(frozen.date(), MORNING_STARTS, ROME)
    step = MORNING_LENGTH / count
    Contact.objects.bulk_create(
        (
            Contact(
                reference=f"BENCH-{number:06d}",
                channel="switchboard",
                service=emergency,
                received_at=morning + step * number,
                status=Status.WAITING,
                status_changed_at=morning + step * number,
            )
            for number in range(count)
        ),
        batch_size=1000,
    )


def make_professionals(count: int) -> list[Any]:
    """Professionals as sportello.testing.make_staff makes them (no usable password)."""
    from django.contrib.auth.models import Group

    from sportello.accounts.models import Profession, ProfessionalProfile, User
    from sportello.services.models import Competence, Service

    group = Group.objects.get_or_create(name="professional")[0]
    profession = Profession.objects.get(code="clinical_psychologist")
    services = list(Service.objects.filter(code__in=["emergency"]))
    competences = list(Competence.objects.filter(code__in=["clinical_psychology"]))
    users = []
    for number in range(1, count + 1):
        user = User.objects.create_user(
            username=f"{USERNAME_PREFIX}{number:02d}", first_name="Professional"
        )
        user.groups.add(group)
        profile = ProfessionalProfile.objects.create(user=user, profession=profession)
        profile.services.set(services)
        profile.competences.set(competences)
        users.append(user)
    return users


def refill() -> None:
    from django.db import connection

    from sportello.intake.models import Contact, ContactEvent

    with connection.cursor() as cursor:
        cursor.execute("SET sportello.log_maintenance = 'on'")  # the log is append-only
    ContactEvent.objects.filter(action="taken").delete()
    Contact.objects.update(status="waiting", taken_by=None, taken_at=None)


# The workers


class Professional:
    """One professional pressing "take next" again and again through the real operation."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.user: Any = None

    def setup(self) -> None:
        from django.db import connection

        from sportello.accounts.models import User

        # This thread's own connection and its own user instance, before the clock starts.
        connection.ensure_connection()
        self.user = User.objects.get(pk=self.user_id)

    def step(self) -> harness.Outcome | None:
        from sportello.intake import operations

        contact = operations.take_next(self.user)
        if contact is None:
            return None
        return harness.Outcome(ok=True, payload=contact.pk)

    def close(self) -> None:
        from django.db import connection

        connection.close()


class BareClaim:
    """The baseline: the claim's SQL and nothing else, on a connection of its own."""

    def __init__(self, url: str, user_id: int, at: datetime.datetime) -> None:
        self.url, self.user_id, self.at = url, user_id, at
        self.connection: Any = None

    def setup(self) -> None:
        import psycopg

        self.connection = psycopg.connect(self.url)

    def step(self) -> harness.Outcome | None:
        with self.connection.cursor() as cursor:
            cursor.execute(BASELINE_SELECT)
            row = cursor.fetchone()
            if row is None:
                self.connection.rollback()
                return None
            cursor.execute(BASELINE_UPDATE, (self.user_id, self.at, self.at, row[0]))
        self.connection.commit()
        return harness.Outcome(ok=True, payload=row[0])

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


# Checks


def verify_operation(level: int, claimed: list[int]) -> dict[str, Any]:
    """No contact taken twice: the threads' answers, the audit rows and the rows agree."""
    from sportello.intake.models import Contact, ContactEvent

    events = ContactEvent.objects.filter(action="taken")
    event_count = events.count()
    event_contacts = events.values("contact_id").distinct().count()
    taken_rows = Contact.objects.filter(status="taken").count()
    distinct = len(set(claimed))
    ok = len(claimed) == distinct == event_count == event_contacts == taken_rows
    print(
        f"  take_next ×{level}: {len(claimed)} claims, {distinct} distinct contacts, "
        f"{event_count} 'taken' events on {event_contacts} contacts, {taken_rows} rows taken "
        f"→ {'OK' if ok else 'TAKEN TWICE OR LOST'}"
    )
    return {
        "run": "take_next",
        "concurrency": level,
        "claims": len(claimed),
        "distinct_contacts": distinct,
        "taken_events": event_count,
        "contacts_with_taken_event": event_contacts,
        "rows_taken": taken_rows,
        "ok": ok,
    }


def verify_baseline(level: int, claimed: list[int]) -> dict[str, Any]:
    from sportello.intake.models import Contact

    taken_rows = Contact.objects.filter(status="taken").count()
    distinct = len(set(claimed))
    ok = len(claimed) == distinct == taken_rows
    print(
        f"  bare SQL  ×{level}: {len(claimed)} claims, {distinct} distinct contacts, "
        f"{taken_rows} rows taken → {'OK' if ok else 'TAKEN TWICE OR LOST'}"
    )
    return {
        "run": "baseline",
        "concurrency": level,
        "claims": len(claimed),
        "distinct_contacts": distinct,
        "rows_taken": taken_rows,
        "ok": ok,
    }


# The run


def main() -> None:
    args = harness.parse_args(
        NAME,
        "take_next claims/s over a 10,000-contact queue vs the bare SQL of a claim.",
        seconds=10,
        levels=(1, 8, 32),
        extra=extra_arguments,
    )
    url = harness.database_url_or_exit()
    harness.setup_django()

    from django.db import connection

    frozen = open_weekday()
    freeze_clock(frozen)
    wipe_and_fill(args.contacts, frozen)
    professionals = make_professionals(max(args.levels))
    database = harness.postgres_info(connection)
    connection.close()
    print(
        f"{args.contacts} contacts waiting since the morning of {frozen:%A %Y-%m-%d}, clock "
        f"frozen at {frozen:%H:%M} {frozen.tzname()}; {args.seconds:g} s per run (or until the "
        f"queue is empty)"
    )

    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    for level in args.levels:
        refill()
        operation = harness.run_threads(
            level,
            args.seconds,
            lambda index: Professional(professionals[index].pk),
            max_operations=args.requests,
        )
        checks.append(verify_operation(level, operation.payloads))
        if operation.errors:
            print(f"  {operation.error_count} error(s) in take_next ×{level}:")
            harness.describe_errors(operation.errors)

        refill()
        baseline = harness.run_threads(
            level,
            args.seconds,
            lambda index: BareClaim(url, professionals[index].pk, frozen),
            max_operations=args.requests,
        )
        checks.append(verify_baseline(level, baseline.payloads))
        if baseline.errors:
            print(f"  {baseline.error_count} error(s) in the bare SQL ×{level}:")
            harness.describe_errors(baseline.errors)
        connection.close()

        rows.append(
            {
                "concurrency": level,
                "claims": operation.ok,
                "claims_per_s": operation.rate,
                "p50_ms": operation.percentile_ms(50),
                "p99_ms": operation.percentile_ms(99),
                "errors": operation.error_count,
                "elapsed_s": operation.elapsed,
                "baseline_claims": baseline.ok,
                "baseline_claims_per_s": baseline.rate,
                "baseline_p50_ms": baseline.percentile_ms(50),
                "baseline_p99_ms": baseline.percentile_ms(99),
                "baseline_errors": baseline.error_count,
                "baseline_elapsed_s": baseline.elapsed,
                "ratio": harness.ratio(operation.rate, baseline.rate),
            }
        )
    refill()

    harness.print_table(
        f"take_next vs bare SQL claim, {args.contacts} contacts queued, same concurrency",
        [
            harness.Column("concurrency", "concurrency"),
            harness.Column("claims", "claims"),
            harness.Column("claims_per_s", "claims/s", "{:.1f}"),
            harness.Column("p50_ms", "p50 ms", "{:.1f}"),
            harness.Column("p99_ms", "p99 ms", "{:.1f}"),
            harness.Column("errors", "errors"),
            harness.Column("baseline_claims_per_s", "baseline claims/s", "{:.1f}"),
            harness.Column("baseline_p50_ms", "baseline p50 ms", "{:.1f}"),
            harness.Column("ratio", "ratio", "{:.3f}"),
        ],
        rows,
    )
    path = harness.write_json(
        args.json,
        NAME,
        parameters={
            "seconds": args.seconds,
            "requests": args.requests,
            "levels": args.levels,
            "contacts": args.contacts,
            "frozen_at": frozen.isoformat(),
        },
        rows=rows,
        checks=checks,
        notes="ratio = take_next claims/s ÷ bare SQL claims/s at the same concurrency; a run "
        "ends at the time bound or when the queue is empty.",
        database=database,
    )
    print(f"JSON: {path.relative_to(harness.ROOT) if path.is_relative_to(harness.ROOT) else path}")
    if not all(check["ok"] for check in checks):
        sys.exit("A check failed: a contact was taken twice or a claim was lost.")


if __name__ == "__main__":
    main()
