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
def italian_by_default() -> Iterator[None]:
    """Each test starts in the site's default language, whatever a previous request activated."""
    from django.utils import translation

    with translation.override("it"):
        yield
