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
    """The data the migrations install (Milan's catalogue, legal pages, professions), installed
    again so that a test after a transactional test's flush still finds it."""
    from sportello.accounts.starting_lists import install_professions_and_languages
    from sportello.public.legal_texts import install_legal_pages
    from sportello.services.catalogue_loader import install_catalogue

    install_catalogue(json.loads(MILAN_CATALOGUE.read_text(encoding="utf-8")), apps.get_model)
    install_legal_pages(apps.get_model)
    install_professions_and_languages(apps.get_model)


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
