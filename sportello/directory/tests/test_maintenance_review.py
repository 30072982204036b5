"""The review list: entries never verified, or not for SPORTELLO_DIRECTORY_REVIEW_MONTHS, are due;
fresh ones are not."""

import datetime

import pytest
from django.urls import reverse

from sportello.directory import maintenance_queries
from sportello.directory.models import Organization, Service
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)


def entry(name: str, verified_at: datetime.datetime | None, organization=None) -> Service:
    organization = organization or Organization.objects.create(
        name=f"Ente di {name}", verified_at=NOW
    )
    return Service.objects.create(
        organization=organization, name=name, verified_at=verified_at, last_modified=NOW
    )


@pytest.fixture
def network(db, frozen_now):
    frozen_now(NOW)
    return {
        "never": entry("Mai verificato", None),
        "stale": entry("Verificato otto mesi fa", rome(2026, 4, 1, 9, 0)),
        "just-stale": entry("Verificato sei mesi e un giorno fa", rome(2026, 5, 31, 9, 0)),
        "fresh": entry("Verificato il mese scorso", rome(2026, 11, 1, 9, 0)),
        "just-fresh": entry("Verificato sei mesi fa oggi", rome(2026, 6, 1, 11, 0)),
    }


def test_never_verified_and_stale_entries_are_due_fresh_ones_are_not(network):
    due = set(maintenance_queries.services_due_for_review().values_list("name", flat=True))

    assert due == {
        "Mai verificato",
        "Verificato otto mesi fa",
        "Verificato sei mesi e un giorno fa",
    }


def test_the_months_come_from_the_setting(network, settings):
    settings.SPORTELLO_DIRECTORY_REVIEW_MONTHS = 12

    due = set(maintenance_queries.services_due_for_review().values_list("name", flat=True))

    assert due == {"Mai verificato"}


def test_an_organization_never_verified_is_due():
    organization = Organization(name="Ente", verified_at=None)

    assert maintenance_queries.is_due(organization, NOW)


def test_months_before_keeps_the_day_or_takes_the_month_end():
    assert maintenance_queries.months_before(rome(2026, 8, 31, 10, 0), 6) == rome(
        2026, 2, 28, 10, 0
    )
    assert maintenance_queries.months_before(rome(2026, 3, 15, 8, 0), 6) == rome(2025, 9, 15, 8, 0)


def test_the_review_page_lists_only_what_is_due(network, make_staff, client):
    client.force_login(make_staff("coordinator"))

    page = client.get(reverse("directory_admin:list") + "?da_verificare=1")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Mai verificato" in text
    assert "Verificato otto mesi fa" in text
    assert "Verificato il mese scorso" not in text
    assert "Verificato sei mesi fa oggi" not in text
    assert "Servizi da verificare: 3." in text


def test_the_full_list_shows_every_entry_with_who_verified_it(network, make_staff, client):
    coordinator = make_staff("coordinator")
    coordinator.first_name, coordinator.last_name = "Marta", "Neri"
    coordinator.save()
    Service.objects.filter(pk=network["fresh"].pk).update(verified_by=coordinator)
    client.force_login(coordinator)

    text = client.get(reverse("directory_admin:list")).content.decode()

    assert "Verificato il mese scorso" in text
    assert "Ultima verifica il 1 novembre 2026 da Marta Neri" in text
    assert "Mai verificato" in text
