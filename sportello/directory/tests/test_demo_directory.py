"""The demo's sample network: loaded once, every entry marked as sample data to verify, the nine
Municipi's social services and the department's own four services among it."""

import pytest

from sportello.directory.demo_directory import SAMPLE_NOTE, ensure_demo_directory
from sportello.directory.models import (
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    TaxonomyTerm,
)
from sportello.directory.needs import NEEDS
from sportello.testing import rome

NOW = rome(2026, 12, 1, 10, 0)


@pytest.fixture
def demo(milan, frozen_now) -> int:
    frozen_now(NOW)
    return ensure_demo_directory()


def test_it_loads_once(demo):
    before = [model.objects.count() for model in (Organization, Service, Phone, Schedule)]

    assert demo == Service.objects.count() > 20
    assert ensure_demo_directory() == 0
    assert [model.objects.count() for model in (Organization, Service, Phone, Schedule)] == before


def test_everything_is_marked_as_sample_to_verify(demo):
    assert not Organization.objects.filter(is_sample=False).exists()
    assert not Service.objects.filter(is_sample=False).exists()
    for service in Service.objects.all():
        assert SAMPLE_NOTE in service.description, service.name
    for organization in Organization.objects.all():
        assert SAMPLE_NOTE in organization.description, organization.name


def test_the_kinds_of_services_the_desk_refers_to_are_there(demo):
    names = " ".join(Service.objects.values_list("name", flat=True))

    for kind in (
        "Centro psico-sociale (CPS)",
        "Consultorio familiare",
        "Centro antiviolenza",
        "SerD",
        "vittime di reato",
        "orientamento legale",
    ):
        assert kind in names, kind
    assert Service.objects.filter(taxonomy_terms__code="violence_against_women").exists()


def test_one_social_service_per_municipio_serving_it(demo):
    social = Service.objects.filter(name__startswith="Servizio sociale territoriale")

    assert social.count() == 9
    assert sorted(
        ServiceArea.objects.filter(service__in=social).values_list("municipio", flat=True)
    ) == list(range(1, 10))
    for service in social:
        location = service.at_locations.get().location
        assert location.municipio == service.service_areas.get().municipio
        assert service.schedules.filter(byday="MO,TU,WE,TH,FR").exists()


def test_the_departments_services_are_linked_for_internal_transfers(demo):
    linked = Service.objects.filter(desk_service__isnull=False)

    assert sorted(linked.values_list("desk_service__code", flat=True)) == [
        "criminology",
        "emergency",
        "mediation",
        "victims",
    ]


def test_some_entries_are_due_for_review_and_some_are_not(demo):
    from sportello.directory import maintenance_queries

    due = maintenance_queries.services_due_for_review().count()

    assert 0 < due < Service.objects.count()


def test_the_needs_taxonomy_is_installed_in_italian_and_english(demo):
    for code, name_it, name_en in NEEDS:
        term = TaxonomyTerm.objects.get(code=code)
        assert (term.name_it, term.name_en) == (name_it, name_en)
    assert TaxonomyTerm.objects.get(code="violence_against_women").name_it == (
        "Violenza contro le donne"
    )
    assert TaxonomyTerm.objects.get(code="victim_support").name_it == (
        "Sostegno alle vittime di reato"
    )
