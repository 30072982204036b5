"""The telephony webhook under gunicorn on PostgreSQL with concurrent clients.

Each client thread posts signed calls (DESIGN.md §5) over its own keep-alive connection for a
bounded time; every acknowledged reference is then looked up in the database. The baseline, at
the same concurrency in the same run: bare psycopg INSERT + COMMIT loops, one connection each.

    DATABASE_URL=postgres://… .venv/bin/python bench/intake.py [--seconds 10] [--levels 1,8,32]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zoneinfo
from pathlib import Path
from typing import Any

import harness
from cryptography.fernet import Fernet

NAME = "intake"
URL = "/api/v1/telephony/calls/"
STATUS_URL = "/api/v1/status/"
ROME = zoneinfo.ZoneInfo("Europe/Rome")
CLIENT_NAME = "bench-intake"
BASELINE_TABLE = "bench_baseline"
BASELINE_INSERT = "INSERT INTO bench_baseline(payload) VALUES (%s)"


def extra_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DATABASE_CONN_MAX_AGE for gunicorn (default 60, as the settings; 0 opens a "
        "database connection per request)",
    )


# The server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    port: int, server_env: dict[str, str], args: argparse.Namespace, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sportello.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, **server_env}
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - fixed argument list, no shell, no outside input
            command, cwd=harness.ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )


def wait_until_ready(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{tail(log)}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", STATUS_URL)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {STATUS_URL} within 60 s:\n{tail(log)}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# The clients


class WebhookClient:
    """One telephony system line: a keep-alive connection posting signed calls."""

    def __init__(self, port: int, client_id: str, secret: str, prefix: str) -> None:
        self.port, self.client_id, self.secret = port, client_id, secret.encode()
        self.prefix = prefix
        self.sequence = 0
        self.connection: http.client.HTTPConnection | None = None

    def setup(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.connection.connect()

    def step(self) -> harness.Outcome:
        self.sequence += 1
        raw = json.dumps(
            {
                "call_id": f"{self.prefix}-{self.sequence}",
                "caller_number": "+39333" + f"{random.randrange(10**7):07d}",
                "service": "emergency",
                "received_at": datetime.datetime.now(ROME).isoformat(timespec="seconds"),
            }
        ).encode()
        timestamp = str(int(time.time()))
        mac = hmac.new(self.secret, timestamp.encode() + b"." + raw, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "X-Sportello-Client": self.client_id,
            "X-Sportello-Timestamp": timestamp,
            "X-Sportello-Signature": "sha256=" + mac.hexdigest(),
            "Idempotency-Key": uuid.uuid4().hex,
        }
        assert self.connection is not None
        try:
            self.connection.request("POST", URL, body=raw, headers=headers)
            response = self.connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as error:
            # A broken keep-alive connection: count it, open a new one for the next call.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return harness.Outcome(ok=False, error=f"{type(error).__name__}: {error}")
        if response.status != 201:
            return harness.Outcome(
                ok=False, error=f"HTTP {response.status}: {answer[:120].decode(errors='replace')}"
            )
        return harness.Outcome(ok=True, payload=json.loads(answer)["reference"])

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class InsertLoop:
    """The baseline: what one PostgreSQL connection commits with nothing in front of it."""

    def __init__(self, url: str, payload: str) -> None:
        self.url, self.payload = url, payload
        self.connection: Any = None

    def setup(self) -> None:
        import psycopg

        self.connection = psycopg.connect(self.url)

    def step(self) -> harness.Outcome:
        with self.connection.cursor() as cursor:
            cursor.execute(BASELINE_INSERT, (self.payload,))
        self.connection.commit()
        return harness.Outcome(ok=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


# The run


def main() -> None:
    args = harness.parse_args(
        NAME,
        "Telephony webhook under gunicorn on PostgreSQL vs bare INSERT+COMMIT loops.",
        seconds=10,
        levels=(1, 8, 32),
        extra=extra_arguments,
    )
    url = harness.database_url_or_exit()
    server_env = {
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench",
        "SPORTELLO_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SPORTELLO_LOOKUP_KEY": "bench",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Rate limits are not what is measured; a per-process cache is enough for that.
        "SPORTELLO_API_RATE": "1000000/min",
        "CACHE_URL": "locmemcache://",
        # The webhook enqueues nothing; production settings still want a broker named.
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_CONN_MAX_AGE": str(args.conn_max_age),
    }
    # This process must encrypt the client's secret with the keys the server decrypts with.
    harness.setup_django(
        {key: server_env[key] for key in ("SPORTELLO_ENCRYPTION_KEYS", "SPORTELLO_LOOKUP_KEY")}
    )

    import psycopg
    from django.db import connection

    from sportello.api.models import ApiClient
    from sportello.api.operations import create_client
    from sportello.intake.models import Contact

    harness.wipe_contacts()  # the database is ours
    # A previous run's client was encrypted under that run's key: delete it without reading it.
    ApiClient.objects.filter(name__startswith=CLIENT_NAME).only("pk").delete()
    credentials = create_client(CLIENT_NAME)
    database = harness.postgres_info(connection)
    connection.close()

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        admin.execute(f"CREATE TABLE {BASELINE_TABLE} (id bigserial PRIMARY KEY, payload text)")

    payload = json.dumps(
        {
            "call_id": "baseline",
            "caller_number": "+393331234567",
            "service": "emergency",
            "received_at": datetime.datetime.now(ROME).isoformat(timespec="seconds"),
        }
    )
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
    server = start_gunicorn(port, server_env, args, log)
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    desk_open = None
    try:
        wait_until_ready(port, server, log)
        print(
            f"gunicorn on 127.0.0.1:{port}: {args.workers} workers × {args.threads} threads, "
            f"DATABASE_CONN_MAX_AGE={args.conn_max_age}; {args.seconds:g} s per run"
        )
        for level in args.levels:
            prefix = f"bench-{level}-{uuid.uuid4().hex[:6]}"
            webhook = harness.run_threads(
                level,
                args.seconds,
                lambda index, prefix=prefix: WebhookClient(
                    port, credentials.client.client_id, credentials.secret, f"{prefix}-{index}"
                ),
                max_operations=args.requests,
            )
            check = verify(level, prefix, webhook.payloads)
            checks.append(check)
            if webhook.errors:
                print(f"  {webhook.error_count} error(s) at concurrency {level}:")
                harness.describe_errors(webhook.errors)
            if desk_open is None and webhook.ok:
                stored = Contact.objects.filter(reference=webhook.payloads[0]).first()
                desk_open = stored is not None and stored.status == "waiting"
            connection.close()

            baseline = harness.run_threads(
                level,
                args.seconds,
                lambda index: InsertLoop(url, payload),
                max_operations=args.requests,
            )
            rows.append(
                {
                    "concurrency": level,
                    "requests": webhook.ok + webhook.error_count,
                    "acknowledged": webhook.ok,
                    "acknowledged_per_s": webhook.rate,
                    "p50_ms": webhook.percentile_ms(50),
                    "p99_ms": webhook.percentile_ms(99),
                    "errors": webhook.error_count,
                    "baseline_inserts_per_s": baseline.rate,
                    "baseline_p50_ms": baseline.percentile_ms(50),
                    "baseline_p99_ms": baseline.percentile_ms(99),
                    "ratio": harness.ratio(webhook.rate, baseline.rate),
                    "elapsed_s": webhook.elapsed,
                }
            )
    finally:
        stop(server)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")

    server_errors = [
        line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line
    ]
    if server_errors:
        print(f"gunicorn logged {len(server_errors)} traceback(s); log kept at {log}")
    else:
        log.unlink(missing_ok=True)

    harness.print_table(
        "Telephony webhook (gunicorn, PostgreSQL) vs bare INSERT+COMMIT, same concurrency",
        [
            harness.Column("concurrency", "concurrency"),
            harness.Column("acknowledged_per_s", "acknowledged/s", "{:.1f}"),
            harness.Column("p50_ms", "p50 ms", "{:.1f}"),
            harness.Column("p99_ms", "p99 ms", "{:.1f}"),
            harness.Column("errors", "errors"),
            harness.Column("baseline_inserts_per_s", "baseline inserts/s", "{:.1f}"),
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
            "gunicorn_workers": args.workers,
            "gunicorn_threads": args.threads,
            "conn_max_age": args.conn_max_age,
            "desk_open_during_run": desk_open,
        },
        rows=rows,
        checks=checks,
        notes="ratio = webhook acknowledged/s ÷ baseline inserts/s at the same concurrency.",
        database=database,
    )
    print(f"JSON: {path.relative_to(harness.ROOT) if path.is_relative_to(harness.ROOT) else path}")
    if not all(check["ok"] for check in checks):
        sys.exit("A check failed: an acknowledged reference is missing or stored twice.")


def verify(level: int, prefix: str, references: list[str]) -> dict[str, Any]:
    """Every acknowledged reference is stored, once; nothing stored that was not acknowledged."""
    from sportello.intake.models import Contact

    found = Contact.objects.filter(reference__in=references).count()
    stored = Contact.objects.filter(external_call_id__startswith=f"{prefix}-").count()
    distinct = len(set(references))
    ok = found == len(references) == distinct == stored
    print(
        f"  concurrency {level}: {len(references)} acknowledged, {found} of them in the "
        f"database, {distinct} distinct references, {stored} contacts stored by this run "
        f"→ {'OK' if ok else 'MISMATCH'}"
    )
    return {
        "concurrency": level,
        "acknowledged": len(references),
        "found_in_database": found,
        "distinct_references": distinct,
        "stored_by_run": stored,
        "ok": ok,
    }


if __name__ == "__main__":
    main()
