"""What the benchmarks share: arguments, a time-bounded thread runner, percentiles, the printed
table and the JSON file (figures, machine, commit). Plain Python: no Django until `setup_django`.

Timings are never asserted anywhere (DESIGN.md §7): a benchmark prints a table, writes JSON and
compares against a baseline measured in the same run, as a ratio.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


# Arguments


def parse_args(
    name: str,
    description: str,
    *,
    seconds: float,
    levels: Sequence[int],
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"bench/{name}.py",
        description=description,
        epilog="Needs DATABASE_URL=postgres://… naming a database the benchmark may wipe.",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=seconds,
        help=f"time bound of each run, per level (default {seconds:g})",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="also stop a run after this many operations (default: only the time bound)",
    )
    parser.add_argument(
        "--levels",
        type=_levels,
        default=list(levels),
        help="comma-separated concurrency levels (default {})".format(",".join(map(str, levels))),
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=RESULTS / f"{name}.json",
        help=f"where to write the figures (default bench/results/{name}.json)",
    )
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.requests is not None and args.requests <= 0:
        parser.error("--requests must be positive")
    return args


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("levels must be positive integers, e.g. 1,8,32")
    return levels


# Database and Django


def database_url_or_exit() -> str:
    """The PostgreSQL database the benchmark may wipe, or a clear refusal."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        sys.exit(
            "Refusing to run: set DATABASE_URL=postgres://user:password@host/dbname to a "
            "PostgreSQL database this benchmark may WIPE (its contacts are deleted). "
            "SQLite is not measured: it serialises writers. See bench/README.md."
        )
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
    print(f"Using PostgreSQL database {where} (its contacts are wiped)")
    return url


def setup_django(env: dict[str, str] | None = None) -> None:
    """Configure Django in this process (DEBUG for the fallback keys) and migrate the database."""
    os.environ.update(env or {})
    os.environ["DJANGO_SETTINGS_MODULE"] = "sportello.settings"
    os.environ["DJANGO_DEBUG"] = "1"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


# Running threads against a clock


class Worker(Protocol):
    """One thread's work: ``setup`` untimed, then ``step`` timed again and again."""

    def setup(self) -> None: ...

    def step(self) -> Outcome | None:
        """One operation; None when there is nothing left to do (the thread stops)."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class Outcome:
    ok: bool
    payload: Any = None
    error: str = ""


@dataclass
class Run:
    concurrency: int
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful operations
    payloads: list[Any] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def wipe_contacts() -> None:
    """Empty the contacts and their append-only event log: the benchmark's database is its own,
    so it uses the maintenance switch the log triggers honour (README: the access log)."""
    from django.db import connection

    from sportello.intake.models import Contact, ContactEvent
    from sportello.privacy.chained_logs import log_name
    from sportello.privacy.models import ChainHead

    with connection.cursor() as cursor:
        cursor.execute("SET sportello.log_maintenance = 'on'")
        cursor.execute(f"TRUNCATE {Contact._meta.db_table}, {ContactEvent._meta.db_table} CASCADE")
    ChainHead.objects.filter(log=log_name(ContactEvent)).delete()


def run_threads(
    concurrency: int,
    seconds: float,
    make_worker: Callable[[int], Worker],
    *,
    max_operations: int | None = None,
) -> Run:
    """Start ``concurrency`` threads, release them together, stop them at the time bound (an
    operation in flight finishes) or after ``max_operations``; wall time from release to the
    last thread's end."""
    workers = [make_worker(index) for index in range(concurrency)]
    clock: dict[str, float] = {}
    lock = threading.Lock()
    started = [0]
    per_thread = [Run(concurrency) for _ in workers]
    failures: list[BaseException] = []

    def release() -> None:
        clock["start"] = time.perf_counter()
        clock["deadline"] = clock["start"] + seconds

    barrier = threading.Barrier(concurrency, action=release)

    def may_start() -> bool:
        if max_operations is None:
            return True
        with lock:
            if started[0] >= max_operations:
                return False
            started[0] += 1
            return True

    def body(index: int) -> None:
        worker, run = workers[index], per_thread[index]
        try:
            try:
                worker.setup()
            except BaseException:
                barrier.abort()
                raise
            barrier.wait()
            deadline = clock["deadline"]
            while time.perf_counter() < deadline and may_start():
                began = time.perf_counter()
                try:
                    outcome = worker.step()
                except Exception as error:  # counted, shown in the table, never swallowed silently
                    outcome = Outcome(ok=False, error=f"{type(error).__name__}: {error}"[:200])
                took = time.perf_counter() - began
                if outcome is None:
                    break
                if outcome.ok:
                    run.latencies.append(took)
                    run.payloads.append(outcome.payload)
                else:
                    run.errors[outcome.error] += 1
        except threading.BrokenBarrierError:
            pass
        except BaseException as error:
            failures.append(error)
        finally:
            run.elapsed = time.perf_counter()
            try:
                worker.close()
            except Exception as error:
                failures.append(error)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} thread(s) failed; first: {failures[0]!r}") from (
            failures[0]
        )
    total = Run(concurrency)
    total.elapsed = max(run.elapsed for run in per_thread) - clock["start"]
    for run in per_thread:
        total.latencies.extend(run.latencies)
        total.payloads.extend(run.payloads)
        total.errors.update(run.errors)
    return total


# Figures


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else math.nan


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    fmt: str = "{}"


def print_table(title: str, columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> None:
    cells = [[_cell(column, row.get(column.key)) for column in columns] for row in rows]
    widths = [
        max([len(column.title)] + [len(line[i]) for line in cells])
        for i, column in enumerate(columns)
    ]
    print()
    print(title)
    print(
        "  ".join(column.title.rjust(width) for column, width in zip(columns, widths, strict=True))
    )
    print("  ".join("-" * width for width in widths))
    for line in cells:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
    print()


def _cell(column: Column, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return column.fmt.format(value)


def write_json(
    path: Path,
    name: str,
    *,
    parameters: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    checks: Sequence[dict[str, Any]],
    notes: str = "",
    database: dict[str, Any] | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "written_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "rows": [_finite(row) for row in rows],
        "checks": list(checks),
        "notes": notes,
        "machine": machine(),
        "database": database or {},
        "git": git_state(),
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN: missing figures become null."""
    return {
        key: None if isinstance(value, float) and not math.isfinite(value) else value
        for key, value in row.items()
    }


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        # Others' work on the machine moves the figures (the ratio less than the rates).
        "load_average_at_end": [round(load, 2) for load in os.getloadavg()],
    }
    try:
        meminfo = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()
        total_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        info["memory_gib"] = round(total_kb / 1024 / 1024, 1)
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.splitlines()
                if "model name" in line
            ),
            None,
        )
        info["cpu_model"] = model
    except (OSError, StopIteration, ValueError):
        pass
    for package in ("django", "psycopg", "gunicorn", "djangorestframework"):
        try:
            from importlib.metadata import version

            info[package] = version(package)
        except Exception:
            info[package] = None
    return info


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed argument list, no shell, no outside input
            ["git", *args],  # noqa: S607 - git from PATH, as the developer running it has it
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def postgres_info(connection: Any) -> dict[str, Any]:
    """Server version and the settings that move write figures most (a DB-API connection)."""
    info: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for setting in ("server_version", "synchronous_commit", "fsync", "shared_buffers"):
            cursor.execute(f"SHOW {setting}")
            info[setting] = cursor.fetchone()[0]
    return info


def describe_errors(errors: Counter[str], limit: int = 5) -> None:
    for message, count in errors.most_common(limit):
        print(f"    {count:>6} × {message}")
