"""Small builders of directory rows for the search and API tests."""

import datetime
from collections.abc import Sequence

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
from sportello.testing import rome

# A Wednesday, the Milan patron day (Sant'Ambrogio, a Monday) and a national holiday (Tuesday).
WEDNESDAY = datetime.date(2026, 11, 25)
PATRON_DAY = datetime.date(2026, 12, 7)
IMMACULATE = datetime.date(2026, 12, 8)


def term(code: str, name_it: str | None = None, parent: TaxonomyTerm | None = None) -> TaxonomyTerm:
    found, _ = TaxonomyTerm.objects.get_or_create(
        code=code,
        defaults={"name_it": name_it or code.replace("-", " "), "name_en": "", "parent": parent},
    )
    return found


def language(code: str) -> Language:
    found, _ = Language.objects.get_or_create(code=code, defaults={"name_it": code})
    return found


def organization(name: str = "Ente di prova") -> Organization:
    return Organization.objects.get_or_create(name=name)[0]


def make_service(
    name: str,
    *,
    needs: Sequence[str] = (),
    municipio: int | None = None,
    areas: Sequence[int | None] = (),
    hours: Sequence[tuple[str, str, str]] = (),
    languages: Sequence[str] = (),
    free: bool = True,
    status: str = "active",
    organization_name: str = "Ente di prova",
    description: str = "",
    phones: Sequence[str] = (),
    is_sample: bool = False,
) -> Service:
    """A service with a location in ``municipio`` (if any), service areas (None: whole city),
    weekly ``hours`` as (byday, opens, closes), needs by code and languages by code."""
    owner = organization(organization_name)
    service = Service.objects.create(
        organization=owner,
        name=name,
        description=description,
        free_of_charge=free,
        status=status,
        is_sample=is_sample,
        last_modified=rome(2026, 1, 1, 9, 0),
    )
    service.taxonomy_terms.set([term(code) for code in needs])
    service.languages.set([language(code) for code in languages])
    if municipio is not None:
        location = Location.objects.create(
            organization=owner,
            name=f"Sede {name}",
            address_1="Via Esempio 1",
            city="Milano",
            postal_code="20100",
            municipio=municipio,
        )
        ServiceAtLocation.objects.create(service=service, location=location)
    for area in areas:
        ServiceArea.objects.create(
            service=service, name=f"Municipio {area}" if area else "Milano", municipio=area
        )
    for byday, opens, closes in hours:
        Schedule.objects.create(service=service, byday=byday, opens_at=opens, closes_at=closes)
    for number in phones:
        Phone.objects.create(service=service, number=number)
    return service
