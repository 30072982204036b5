"""Fixtures shared by every app's tests (registered as a pytest plugin in conftest.py)."""

import datetime
import json
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps

ROME = zoneinfo.ZoneInfo("Europe/Rome")
MILAN_CATALOGUE = Path(__file__).resolve().parent / "services" / "catalogues" / "milano.json"


def rome(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ROME)  # type: ignore[misc]


@pytest.fixture
def milan(db: None) -> None:
    """The data the migrations install (Milan's catalogue, legal pages, professions, contact
    reasons, the service sections' questions), installed again so that a test after a
    transactional test's flush still finds it."""
    from sportello.accounts.starting_lists import install_professions_and_languages
    from sportello.cases.section_catalogue import install_section_fields
    from sportello.public.legal_texts import install_legal_pages
    from sportello.services.catalogue_loader import install_catalogue
    from sportello.triage.starting_lists import install_reasons

    install_catalogue(json.loads(MILAN_CATALOGUE.read_text(encoding="utf-8")), apps.get_model)
    install_legal_pages(apps.get_model)
    install_professions_and_languages(apps.get_model)
    install_reasons(apps.get_model)
    install_section_fields(apps.get_model)
    from sportello.rota.default_shifts import install_shift_kinds

    ShiftKind = apps.get_model("rota", "ShiftKind")
    if not ShiftKind.objects.exists():
        install_shift_kinds(ShiftKind, apps.get_model("services", "WeeklyHours").objects.all())


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime.datetime], None]]:
    """Make the desk believe it is another instant (the server side of the public pages)."""
    from sportello.services import queries

    def freeze(moment: datetime.datetime) -> None:
        monkeypatch.setattr(queries, "now", lambda: moment)

    yield freeze


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache: each test starts from zero and leaves nothing."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def italian_by_default() -> Iterator[None]:
    """Each test starts in the site's default language, whatever a previous request activated."""
    from django.utils import translation

    with translation.override("it"):
        yield


@pytest.fixture
def make_staff(db: None) -> Callable[..., object]:
    """A signed-up staff member with a role; professionals get a profile with services and
    competences (codes of Milan's catalogue)."""
    from django.contrib.auth.models import Group

    from sportello.accounts.models import Profession, ProfessionalProfile, User
    from sportello.services.models import Competence, Service

    counter = iter(range(1, 10_000))

    def make(
        role: str,
        username: str | None = None,
        services: tuple[str, ...] = ("emergency",),
        competences: tuple[str, ...] = ("clinical_psychology",),
    ) -> User:
        user = User.objects.create_user(
            username=username or f"{role}-{next(counter)}",
            password="a-long-test-password",  # noqa: S106
            first_name=role.capitalize(),
        )
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        if role == "professional":
            profile = ProfessionalProfile.objects.create(
                user=user, profession=Profession.objects.get(code="clinical_psychologist")
            )
            profile.services.set(Service.objects.filter(code__in=services))
            profile.competences.set(Competence.objects.filter(code__in=competences))
        return user

    return make


@pytest.fixture
def make_contact(db: None) -> Callable[..., object]:
    """A contact registered through the real operation (reference, audit and all)."""
    from sportello.intake import operations
    from sportello.services.models import Service

    def make(
        received_at: datetime.datetime,
        service: str = "emergency",
        channel: str = "switchboard",
        **fields: object,
    ) -> object:
        request = operations.ContactRequest(
            channel=channel,
            service=Service.objects.get(code=service),
            received_at=received_at,
            **fields,  # type: ignore[arg-type]
        )
        return operations.register_contact(request).contact

    return make


# Fixtures that give a test the database, directly or through another fixture.
_DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


@pytest.fixture(autouse=True)
def append_only_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """On PostgreSQL the chained logs refuse DELETE and TRUNCATE unless the session turns
    `sportello.log_maintenance` on: each test runs with it off, as production does, and it is
    turned on again just before pytest-django's flush truncates every table."""
    if request.node.get_closest_marker("django_db") is None and _DATABASE_FIXTURES.isdisjoint(
        request.fixturenames
    ):
        yield
        return
    # Set up pytest-django's database fixture first, so that this teardown runs before its flush.
    request.getfixturevalue("db")
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET sportello.log_maintenance = 'off'")
    yield
    # Inside a test's rolled-back transaction there is nothing to flush (and the transaction
    # may have been aborted by the refusal under test).
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET sportello.log_maintenance = 'on'")


class CeleryWorker:
    """A real Celery worker process, consuming this test process's queue on the test broker."""

    def __init__(self, hostname: str, email_dir: Path, log_path: Path) -> None:
        self.hostname = hostname
        self.email_dir = email_dir
        self.log_path = log_path
        # The SMS to the person (sportello.appointments.sms.FileGateway), one file each.
        self.sms_dir = email_dir.parent / "sms"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryWorker]:
    """`celery worker` in a subprocess on SPORTELLO_TEST_BROKER and the PostgreSQL test
    database, its e-mails written to files; for tests marked celery_worker and transaction=True
    (the worker sees only what the test committed). Skipped without a broker or on SQLite (a
    worker cannot open the test process's database); SPORTELLO_REQUIRE_WORKER=1 (CI) turns the
    missing broker into a failure."""
    import os
    import subprocess
    import sys
    import time
    from urllib.parse import quote

    from django.conf import settings
    from django.db import connection

    from sportello import celery_app

    if connection.vendor != "postgresql":
        pytest.skip("the Celery worker tests need PostgreSQL: run `make test-postgres`")
    broker = os.environ.get("SPORTELLO_TEST_BROKER", "")
    if not broker:
        message = (
            "SPORTELLO_TEST_BROKER is not set: the Celery worker tests need a broker, e.g. "
            "SPORTELLO_TEST_BROKER=redis://127.0.0.1:6379/15"
        )
        if os.environ.get("SPORTELLO_REQUIRE_WORKER") == "1":
            pytest.fail(message.replace("need", "are required (CI) and need"))
        pytest.skip(message)
    if broker != settings.CELERY_BROKER_URL:
        # The test process pings the worker and sends it tasks on its own broker.
        pytest.fail(
            "CELERY_BROKER_URL is set in the environment to another broker than "
            "SPORTELLO_TEST_BROKER: unset it to run the Celery worker tests"
        )

    database = connection.settings_dict
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    hostname = f"{queue}@localhost"
    folder = tmp_path_factory.mktemp("celery-worker")
    worker = CeleryWorker(hostname, folder / "mail", folder / "worker.log")
    worker.sms_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportello.test_settings",
        "CELERY_BROKER_URL": broker,
        "SPORTELLO_TEST_QUEUE": queue,
        "SPORTELLO_TEST_EMAIL_DIR": str(worker.email_dir),
        "SPORTELLO_TEST_SMS_DIR": str(worker.sms_dir),
        "SPORTELLO_TEST_WORKER": "1",
        "DATABASE_URL": (
            f"postgres://{quote(database['USER'], safe='')}:"
            f"{quote(str(database['PASSWORD']), safe='')}@{database['HOST'] or 'localhost'}:"
            f"{database['PORT'] or 5432}/{quote(database['NAME'], safe='')}"
        ),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "sportello",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        f"--hostname={hostname}",
        f"--queues={queue}",
    ]
    with worker.log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{worker.log_tail()}")
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
