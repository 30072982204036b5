"""A small directory in the database, every HSDS table filled, for the package tests."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from sportello.accounts.models import Language
from sportello.directory.models import (
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from sportello.services.models import Service as DeskService
from sportello.testing import rome

DIRECTORY_MODELS = (
    Organization,
    Service,
    Location,
    ServiceAtLocation,
    Phone,
    Schedule,
    ServiceArea,
    TaxonomyTerm,
    Service.taxonomy_terms.through,
    Service.languages.through,
)


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in DIRECTORY_MODELS}


@dataclass
class Network:
    organization: Organization
    cps: Service
    desk: Service
    location: Location
    at_location: ServiceAtLocation
    mental_health: TaxonomyTerm
    crisis: TaxonomyTerm


def make_network() -> Network:
    mental_health = TaxonomyTerm.objects.create(
        code="salute-mentale", name_it="Salute mentale", name_en="Mental health"
    )
    crisis = TaxonomyTerm.objects.create(
        code="crisi", name_it="Crisi", parent=mental_health, description="Crisi acute"
    )
    organization = Organization.objects.create(
        name="ASST Grande Ospedale Metropolitano Niguarda",
        email="info@example.org",
        website="https://example.org",
        is_sample=True,
        verified_at=rome(2026, 1, 15, 9, 0),
    )
    cps = Service.objects.create(
        organization=organization,
        name="Centro psico-sociale, via Esempio",
        description='Presa in carico, con virgole, "virgolette"\ne a capo',
        email="cps@example.org",
        pec_email="cps@pec.example.org",
        free_of_charge=True,
        is_sample=True,
        last_modified=rome(2026, 1, 10, 12, 30),
    )
    cps.taxonomy_terms.set([mental_health, crisis])
    cps.languages.set(Language.objects.filter(code__in=["it", "en"]))
    desk = Service.objects.create(
        organization=organization,
        name="Servizio per le emergenze psicologiche",
        desk_service=DeskService.objects.get(code="emergency"),
        free_of_charge=False,
        fees_description="Nessuno",
        status="temporarily closed",
        last_modified=rome(2026, 1, 11, 8, 0),
    )
    location = Location.objects.create(
        organization=organization,
        name="Sede di Niguarda",
        address_1="Piazza Ospedale Maggiore 3",
        city="Milano",
        postal_code="20162",
        region="Lombardia",
        latitude=Decimal("45.509100"),
        longitude=Decimal("9.191500"),
        municipio=9,
    )
    at_location = ServiceAtLocation.objects.create(service=cps, location=location)
    Phone.objects.create(service=cps, number="02 1234 5678", description="Accoglienza")
    Phone.objects.create(organization=organization, number="02 0000 0000")
    Phone.objects.create(location=location, number="02 9999 9999")
    Schedule.objects.create(
        service=cps,
        byday="MO,TU,WE,TH,FR",
        opens_at=datetime.time(8, 30),
        closes_at=datetime.time(17, 0),
    )
    Schedule.objects.create(
        service_at_location=at_location,
        byday="SA",
        opens_at=datetime.time(9, 0),
        closes_at=datetime.time(12, 0),
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 6, 30),
    )
    ServiceArea.objects.create(service=cps, name="Municipio 9", municipio=9)
    ServiceArea.objects.create(service=desk, name="Tutta la città")
    return Network(organization, cps, desk, location, at_location, mental_health, crisis)


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every directory row's values, comparable across databases and imports."""
    result: dict[str, list[tuple[object, ...]]] = {}
    for model in DIRECTORY_MODELS:
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if field.name != "verified_by" and not isinstance(field, models.AutoField)
        ]
        result[model._meta.label] = sorted(
            (tuple(str(value) for value in row) for row in model.objects.values_list(*names)),
        )
    return result


def empty_directory() -> None:
    Organization.objects.all().delete()
    TaxonomyTerm.objects.filter(parent__isnull=False).delete()
    TaxonomyTerm.objects.all().delete()
